// SageMaker calls more than one command makes, with the SDK's paginators so that long lists are complete.
import {
    DescribePipelineCommand,
    DescribePipelineDefinitionForExecutionCommand,
    ListPipelineExecutionsCommand,
    paginateListPipelineExecutionSteps,
    paginateListPipelineParametersForExecution,
    Parameter,
    PipelineExecutionStep,
    PipelineExecutionSummary,
    SageMakerClient,
} from "@aws-sdk/client-sagemaker";
import { DeployedDefinition, parseDefinition } from "./definition";
import { CliError, EXIT, ExitCode, UsageError } from "./errors";

/** Statuses after which an execution never changes; CompletedWithFailures is newer than the SDK's enum. */
export const EXIT_BY_FINAL_STATUS: Readonly<Record<string, ExitCode>> = {
    Succeeded: EXIT.ok,
    Failed: EXIT.executionFailed,
    CompletedWithFailures: EXIT.executionFailed,
    Stopped: EXIT.executionStopped,
};

export function isFinal(status: string | undefined): boolean {
    return status !== undefined && status in EXIT_BY_FINAL_STATUS;
}

// arn:aws:sagemaker:us-east-1:123456789012:pipeline/<pipeline>/execution/<id>
const EXECUTION_ARN = /^arn:aws[a-z-]*:sagemaker:[a-z0-9-]+:\d{12}:pipeline\/([^/]+)\/execution\/([^/]+)$/;

export interface ExecutionArnParts {
    readonly pipelineName: string;
    readonly executionId: string;
}

export function parseExecutionArn(arn: string, argument = "execution-arn"): ExecutionArnParts {
    const match = EXECUTION_ARN.exec(arn);
    if (!match) {
        throw new UsageError([
            `<${argument}>: ${JSON.stringify(arn)} is not a pipeline execution ARN; expected arn:aws:sagemaker:<region>:<account>:pipeline/<pipeline>/execution/<id> (see the executions command).`,
        ]);
    }
    return { pipelineName: match[1], executionId: match[2] };
}

export async function describePipelineDefinition(client: SageMakerClient, pipelineName: string): Promise<DeployedDefinition> {
    const pipeline = await client.send(new DescribePipelineCommand({ PipelineName: pipelineName }));
    return parseDefinition(pipeline.PipelineDefinition, pipelineName);
}

/** The definition an execution runs with, which may be older than the pipeline's current one. */
export async function executionDefinition(client: SageMakerClient, executionArn: string): Promise<DeployedDefinition> {
    const response = await client.send(new DescribePipelineDefinitionForExecutionCommand({ PipelineExecutionArn: executionArn }));
    return parseDefinition(response.PipelineDefinition, parseExecutionArn(executionArn).pipelineName);
}

const startTime = (summary: PipelineExecutionSummary) => summary.StartTime?.getTime() ?? 0;

/** The newest first, at most `maxResults`. */
export async function recentExecutions(client: SageMakerClient, pipelineName: string, maxResults: number): Promise<PipelineExecutionSummary[]> {
    const response = await client.send(
        new ListPipelineExecutionsCommand({ PipelineName: pipelineName, SortBy: "CreationTime", SortOrder: "Descending", MaxResults: maxResults }),
    );
    // Sorted again because not every implementation honours SortOrder/MaxResults (moto does not); on AWS this is a no-op.
    return [...(response.PipelineExecutionSummaries ?? [])].sort((a, b) => startTime(b) - startTime(a)).slice(0, maxResults);
}

export async function latestExecution(client: SageMakerClient, pipelineName: string): Promise<PipelineExecutionSummary> {
    const [latest] = await recentExecutions(client, pipelineName, 1);
    if (latest?.PipelineExecutionArn === undefined) {
        throw new CliError(`pipeline '${pipelineName}' has no executions yet; start one with the start command`);
    }
    return latest;
}

export async function executionSteps(client: SageMakerClient, executionArn: string): Promise<PipelineExecutionStep[]> {
    const steps: PipelineExecutionStep[] = [];
    for await (const page of paginateListPipelineExecutionSteps({ client }, { PipelineExecutionArn: executionArn, SortOrder: "Ascending" })) {
        steps.push(...(page.PipelineExecutionSteps ?? []));
    }
    return steps;
}

export async function executionParameters(client: SageMakerClient, executionArn: string): Promise<Parameter[]> {
    const parameters: Parameter[] = [];
    for await (const page of paginateListPipelineParametersForExecution({ client }, { PipelineExecutionArn: executionArn })) {
        parameters.push(...(page.PipelineParameters ?? []));
    }
    return parameters;
}

/**
 * Runs `task` over `items` with at most `limit` in flight: one call per row (last execution of each
 * pipeline, details of each execution) without a burst that only the retry strategy would absorb.
 */
export async function mapWithLimit<T, R>(items: readonly T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
    const results: R[] = new Array(items.length);
    let next = 0;
    const worker = async () => {
        while (next < items.length) {
            const index = next++;
            results[index] = await task(items[index]);
        }
    };
    await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
    return results;
}

/** Concurrent calls per command; far below SageMaker's per-account List/Describe rates. */
export const CONCURRENCY = 4;

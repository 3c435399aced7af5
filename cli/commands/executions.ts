// `executions`: the pipeline's recent executions, newest first.
import { DescribePipelineExecutionCommand } from "@aws-sdk/client-sagemaker";
import { Command } from "commander";
import { ActionFactory, CommandContext, notePipeline, resolvePipeline } from "../context";
import { EXIT, UsageError } from "../errors";
import { durationBetween, formatDuration, formatTime, table } from "../format";
import { writeJson, writeLine } from "../io";
import { describeFailure, executionOutcome, ExecutionOutcome, summariseSteps } from "../progress";
import { CONCURRENCY, executionParameters, executionSteps, isFinal, mapWithLimit, recentExecutions } from "../sagemaker";

export interface ExecutionsCommandOptions {
    readonly pipeline?: string;
    readonly maxResults: string;
    readonly parameters?: boolean;
}

export const DEFAULT_MAX_RESULTS = 10;
/** ListPipelineExecutions returns at most 100 per call. */
const MAX_RESULTS_LIMIT = 100;

export function parseMaxResults(value: string): number {
    const number = Number(value);
    if (!/^\d+$/.test(value.trim()) || number < 1 || number > MAX_RESULTS_LIMIT) {
        throw new UsageError([`--max-results: ${JSON.stringify(value)} is not allowed; expected an integer from 1 to ${MAX_RESULTS_LIMIT}.`]);
    }
    return number;
}

export interface ExecutionRow {
    readonly arn: string;
    readonly displayName?: string;
    readonly status?: string;
    readonly started?: string;
    readonly ended?: string;
    readonly durationSeconds?: number;
    readonly failureReason?: string;
    /** Failed steps, with why; a quality-gate Fail step names its metric. */
    readonly failedSteps?: ExecutionOutcome["failed"];
    /** The model version a RegisterModel step registered. */
    readonly modelPackageArn?: string;
    readonly parameters?: Record<string, string>;
}

/** Statuses whose steps say something worth a line: what failed, or what was registered. */
const OUTCOME_STATUSES = new Set(["Succeeded", "Failed", "CompletedWithFailures"]);

export async function executionsCommand(context: CommandContext, options: ExecutionsCommandOptions): Promise<number> {
    const maxResults = parseMaxResults(options.maxResults);
    const pipeline = resolvePipeline(options.pipeline, context.stack);
    notePipeline(context, pipeline);
    const client = context.clients.sagemaker;
    const summaries = await recentExecutions(client, pipeline.name, maxResults);
    const now = context.now();

    const rows = await mapWithLimit(summaries, CONCURRENCY, async (summary): Promise<ExecutionRow> => {
        const arn = summary.PipelineExecutionArn ?? "";
        // The summary has no end time; an ended execution's LastModifiedTime is when it ended.
        const execution = await client.send(new DescribePipelineExecutionCommand({ PipelineExecutionArn: arn }));
        const ended = isFinal(execution.PipelineExecutionStatus) ? execution.LastModifiedTime : undefined;
        const duration = durationBetween(summary.StartTime, ended ?? now);
        const parameters = options.parameters
            ? Object.fromEntries((await executionParameters(client, arn)).map((p) => [p.Name ?? "", p.Value ?? ""]))
            : undefined;
        const status = execution.PipelineExecutionStatus ?? summary.PipelineExecutionStatus;
        // The execution's FailureReason is generic ("Step failure: ..."); the steps say which one and why.
        const outcome = status && OUTCOME_STATUSES.has(status) ? executionOutcome(summariseSteps([], await executionSteps(client, arn), now, true)) : undefined;
        return {
            arn,
            displayName: summary.PipelineExecutionDisplayName,
            status,
            started: summary.StartTime?.toISOString(),
            ended: ended?.toISOString(),
            durationSeconds: duration === undefined ? undefined : Math.round(duration / 1000),
            failureReason: execution.FailureReason || undefined,
            ...(outcome && outcome.failed.length > 0 ? { failedSteps: outcome.failed } : {}),
            ...(outcome?.modelPackageArn ? { modelPackageArn: outcome.modelPackageArn } : {}),
            ...(parameters ? { parameters } : {}),
        };
    });

    if (context.options.json) {
        writeJson(context.io.stdout, rows);
        return EXIT.ok;
    }
    if (rows.length === 0) {
        writeLine(context.io.stderr, `pipeline ${pipeline.name} has no executions yet`);
        return EXIT.ok;
    }
    const head = ["EXECUTION ARN", "DISPLAY NAME", "STATUS", "STARTED", "DURATION", ...(options.parameters ? ["PARAMETERS"] : [])];
    const body = rows.map((row) => [
        row.arn,
        row.displayName ?? "-",
        row.status ?? "-",
        formatTime(row.started ? new Date(row.started) : undefined),
        formatDuration(row.durationSeconds === undefined ? undefined : row.durationSeconds * 1000),
        ...(row.parameters
            ? [Object.entries(row.parameters).map(([name, value]) => `${name}=${value}`).join(" ") || "(defaults)"]
            : []),
    ]);
    writeLine(context.io.stdout, table(head, body));
    for (const row of rows) {
        if (row.failedSteps && row.failedSteps.length > 0) {
            writeLine(context.io.stdout, `${row.arn} failed at ${row.failedSteps.map(describeFailure).join("; ")}`);
        } else if (row.failureReason) {
            writeLine(context.io.stdout, `${row.arn} failed: ${row.failureReason}`);
        }
        if (row.modelPackageArn) {
            writeLine(context.io.stdout, `${row.arn} registered ${row.modelPackageArn}`);
        }
    }
    return EXIT.ok;
}

export function registerExecutions(program: Command, action: ActionFactory): void {
    program
        .command("executions")
        .summary("list a pipeline's recent executions")
        .description(
            "List the pipeline's recent executions, newest first: status, start time, duration and, on request, parameters. Below the table: for a failed execution the step that failed and why (a quality-gate Fail step names the metric below its minimum), for a successful one the model version it registered.",
        )
        .option("--pipeline <name>", "pipeline name (default: the stack's)")
        .option("--max-results <n>", `how many executions, 1-${MAX_RESULTS_LIMIT}`, String(DEFAULT_MAX_RESULTS))
        .option("--parameters", "also show the parameter values each execution ran with")
        .addHelpText("after", "\nExamples:\n  $ yolo-pipeline executions\n  $ yolo-pipeline executions --max-results 3 --parameters --json")
        .action(action(executionsCommand));
}

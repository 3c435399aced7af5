// `watch`: follows one execution until it ends, then shows the evaluation metrics of a successful run.
import { DescribePipelineExecutionCommand, SageMakerClient } from "@aws-sdk/client-sagemaker";
import { Command } from "commander";
import { allSteps, DeployedDefinition, effectiveParameters, evaluationReportUri } from "../definition";
import { ActionFactory, CommandContext, notePipeline, resolvePipeline } from "../context";
import { EXIT, UsageError } from "../errors";
import { formatEvaluation, readEvaluationReport, ReportResult } from "../evaluation";
import { writeLine } from "../io";
import {
    Backoff,
    describeFailure,
    diffSnapshots,
    eventLine,
    executionOutcome,
    ExecutionOutcome,
    nextPollDelay,
    redraw,
    renderSnapshot,
    Snapshot,
    summariseSteps,
} from "../progress";
import {
    executionDefinition,
    executionParameters,
    executionSteps,
    EXIT_BY_FINAL_STATUS,
    isFinal,
    latestExecution,
    parseExecutionArn,
} from "../sagemaker";

export interface WatchCommandOptions {
    readonly pipeline?: string;
    readonly interval: string;
    readonly maxInterval: string;
}

export const DEFAULT_INTERVAL_SECONDS = 10;
export const DEFAULT_MAX_INTERVAL_SECONDS = 60;
/** Beyond an hour between checks the "live" view would not be live any more. */
const MAX_INTERVAL_CEILING_SECONDS = 3600;

export function parseBackoff(interval: string, maxInterval: string): Backoff {
    const problems: string[] = [];
    const seconds = (flag: string, value: string) => {
        const number = Number(value);
        if (value.trim() === "" || !Number.isFinite(number) || number < 1 || number > MAX_INTERVAL_CEILING_SECONDS) {
            problems.push(`${flag}: ${JSON.stringify(value)} is not allowed; expected seconds from 1 to ${MAX_INTERVAL_CEILING_SECONDS}.`);
        }
        return number;
    };
    const initial = seconds("--interval", interval);
    const max = seconds("--max-interval", maxInterval);
    if (problems.length === 0 && max < initial) {
        problems.push(`--max-interval: ${maxInterval} is below --interval ${interval}; the cap must be at least the first interval.`);
    }
    if (problems.length > 0) {
        throw new UsageError(problems);
    }
    return { initialMs: initial * 1000, maxMs: max * 1000 };
}

export async function watchCommand(context: CommandContext, target: string, options: WatchCommandOptions): Promise<number> {
    const backoff = parseBackoff(options.interval, options.maxInterval);
    const pipeline = resolvePipeline(options.pipeline, context.stack);
    if (target !== "latest") {
        const named = parseExecutionArn(target, "execution").pipelineName;
        if (options.pipeline !== undefined && named !== pipeline.name) {
            throw new UsageError([`--pipeline ${pipeline.name}: only \`watch latest\` uses it, and ${target} is an execution of ${named}; give one or the other.`]);
        }
    }
    const client = context.clients.sagemaker;
    const { io } = context;
    let executionArn = target;
    if (target === "latest") {
        notePipeline(context, pipeline);
        executionArn = (await latestExecution(client, pipeline.name)).PipelineExecutionArn!;
    }
    const { executionId } = parseExecutionArn(executionArn);
    writeLine(io.stderr, `watching ${executionArn}`);

    const definition = await executionDefinition(client, executionArn);
    const stepNames = allSteps(definition.Steps).map((step) => step.Name);
    // Redrawing needs a terminal; --json and pipes get one line per change instead.
    const live = Boolean(io.stdout.isTTY) && !context.options.json;
    let previous: Snapshot | undefined;
    let drawnLines = 0;
    let delay = backoff.initialMs;

    for (;;) {
        const now = context.now();
        const snapshot = await takeSnapshot(context.clients.sagemaker, executionArn, stepNames, now);
        const events = diffSnapshots(previous, snapshot, now);
        delay = previous === undefined ? backoff.initialMs : nextPollDelay(delay, events.length > 0, backoff);
        if (live) {
            const lines = renderSnapshot(snapshot, now, delay);
            io.stdout.write(redraw(drawnLines, lines, io.stdout.columns));
            drawnLines = lines.length;
        } else {
            for (const event of events) {
                writeLine(io.stdout, context.options.json ? JSON.stringify({ ...event, at: event.at.toISOString() }) : eventLine(event));
            }
        }
        previous = snapshot;
        if (snapshot.final) {
            break;
        }
        await context.sleep(delay);
    }

    const outcome = executionOutcome(previous.steps);
    // A run the quality gate failed was evaluated, so its report shows every metric, not only the one that missed.
    const evaluated = previous.status === "Succeeded" || outcome.failed.some((failure) => failure.gateMetric !== undefined);
    const evaluation = evaluated ? await readReport(context, definition, executionArn, executionId) : undefined;
    report(context, previous, outcome, evaluation);
    return EXIT_BY_FINAL_STATUS[previous.status] ?? EXIT.error;
}

async function takeSnapshot(client: SageMakerClient, executionArn: string, stepNames: readonly string[], now: Date): Promise<Snapshot> {
    const execution = await client.send(new DescribePipelineExecutionCommand({ PipelineExecutionArn: executionArn }));
    const status = execution.PipelineExecutionStatus ?? "Unknown";
    const final = isFinal(status);
    const listed = await executionSteps(client, executionArn);
    return {
        executionArn,
        status,
        final,
        start: execution.CreationTime,
        // The API has no end time; an ended execution is last modified when it ends.
        end: final ? execution.LastModifiedTime : undefined,
        failureReason: execution.FailureReason || undefined,
        steps: summariseSteps(stepNames, listed, now, final),
    };
}

/** The report location can depend on the execution's parameters, so they are resolved as it ran. */
async function readReport(context: CommandContext, definition: DeployedDefinition, executionArn: string, executionId: string): Promise<ReportResult> {
    const parameters = effectiveParameters(definition, await executionParameters(context.clients.sagemaker, executionArn));
    return readEvaluationReport(context.clients.s3, evaluationReportUri(definition, { executionId, parameters }));
}

function report(context: CommandContext, snapshot: Snapshot, outcome: ExecutionOutcome, evaluation: ReportResult | undefined): void {
    const { io } = context;
    const gate = outcome.failed.find((failure) => failure.gateMetric !== undefined);
    if (context.options.json) {
        writeLine(
            io.stdout,
            JSON.stringify({
                kind: "result",
                pipelineExecutionArn: snapshot.executionArn,
                status: snapshot.status,
                failureReason: snapshot.failureReason ?? null,
                steps: snapshot.steps,
                qualityGate: gate ? { failedStep: gate.step, metric: gate.gateMetric, reason: gate.reason ?? null } : null,
                modelPackageArn: outcome.modelPackageArn ?? null,
                evaluation: evaluation ?? null,
            }),
        );
        return;
    }
    if (snapshot.status !== "Succeeded") {
        const reasons = outcome.failed.filter((failure) => failure.reason || failure.failStep).map(describeFailure);
        writeLine(io.stderr, `execution ${snapshot.status}${reasons.length > 0 ? ` (${reasons.join("; ")})` : snapshot.failureReason ? `: ${snapshot.failureReason}` : ""}`);
    }
    if (evaluation !== undefined && "report" in evaluation) {
        writeLine(io.stdout);
        writeLine(io.stdout, formatEvaluation(evaluation.uri, evaluation.report));
    } else if (evaluation !== undefined) {
        writeLine(io.stderr, `note: ${evaluation.note}`);
    }
    if (outcome.modelPackageArn) {
        writeLine(io.stdout);
        writeLine(io.stdout, `registered model version ${outcome.modelPackageArn}`);
        writeLine(io.stderr, `review it with: yolo-pipeline models; approve it with: yolo-pipeline approve ${outcome.modelPackageArn}`);
    }
}

export function registerWatch(program: Command, action: ActionFactory): void {
    program
        .command("watch")
        .summary("follow an execution until it ends, then show its metrics")
        .description(
            "Follow an execution until it ends: each step's status, start, end, duration and failure reason, redrawn in place on a terminal and one line per change otherwise. On success, print the evaluation metrics.",
        )
        .argument("<execution>", "execution ARN, or `latest` for the newest execution of the pipeline")
        .option("--pipeline <name>", "pipeline whose latest execution to follow (default: the stack's)")
        .option("--interval <seconds>", "first delay between checks; it grows 1.5x while nothing changes", String(DEFAULT_INTERVAL_SECONDS))
        .option("--max-interval <seconds>", "cap of the delay between checks", String(DEFAULT_MAX_INTERVAL_SECONDS))
        .addHelpText(
            "after",
            [
                "",
                "Exit codes: 0 Succeeded, 3 Failed, 4 Stopped (1 AWS error, 2 bad arguments).",
                "",
                "Examples:",
                "  $ yolo-pipeline watch latest",
                "  $ yolo-pipeline watch arn:aws:sagemaker:us-east-1:123456789012:pipeline/drone-dev-yolo11-training/execution/abc123 --interval 30",
                "  $ yolo-pipeline watch latest --json | jq -c 'select(.kind == \"step\")'",
            ].join("\n"),
        )
        .action(action(watchCommand));
}

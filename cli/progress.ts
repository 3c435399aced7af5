// What `watch` shows: a snapshot of an execution and its steps, the changes between two snapshots, and
// the polling backoff. Pure, so that the display is tested without AWS or a terminal.
import type { PipelineExecutionStep } from "@aws-sdk/client-sagemaker";
import { QUALITY_METRICS } from "../components/pipelineDefinition";
import { durationBetween, formatDuration, formatTime, table } from "./format";

/** Steps the API has not listed yet: still to come while the execution runs, never run once it ended. */
export const PENDING = "Pending";
export const NOT_RUN = "NotRun";

export interface StepRow {
    readonly name: string;
    readonly status: string;
    readonly start?: Date;
    readonly end?: Date;
    readonly durationMs?: number;
    readonly failureReason?: string;
    readonly attempts?: number;
    readonly cached: boolean;
    /** Condition steps: "True" (the IfSteps ran) or "False" (the ElseSteps ran). */
    readonly conditionOutcome?: string;
    /** RegisterModel steps: the model package (version) they created. */
    readonly modelPackageArn?: string;
    /** A Fail step: it ends the execution on purpose, with its ErrorMessage as the reason. */
    readonly failStep?: boolean;
}

export interface Snapshot {
    readonly executionArn: string;
    readonly status: string;
    /** The status will not change any more. */
    readonly final: boolean;
    readonly start?: Date;
    readonly end?: Date;
    readonly failureReason?: string;
    readonly steps: readonly StepRow[];
}

/**
 * One row per step, in definition order (steps the definition does not name, e.g. from a newer version,
 * come after). A step listed more than once counts with its newest entry.
 */
export function summariseSteps(definitionSteps: readonly string[], listed: readonly PipelineExecutionStep[], now: Date, executionFinal: boolean): StepRow[] {
    const newest = new Map<string, PipelineExecutionStep>();
    for (const step of listed) {
        const name = step.StepName ?? "(unnamed)";
        const seen = newest.get(name);
        if (!seen || (step.StartTime?.getTime() ?? 0) >= (seen.StartTime?.getTime() ?? 0)) {
            newest.set(name, step);
        }
    }
    const names = [...definitionSteps, ...[...newest.keys()].filter((name) => !definitionSteps.includes(name))];
    return names.map((name): StepRow => {
        const step = newest.get(name);
        if (!step) {
            return { name, status: executionFinal ? NOT_RUN : PENDING, cached: false };
        }
        const end = step.EndTime;
        const start = step.StartTime;
        const metadata = step.Metadata;
        return {
            name,
            status: step.StepStatus ?? "Unknown",
            start,
            end,
            durationMs: durationBetween(start, end ?? (start ? now : undefined)),
            // A Fail step's resolved ErrorMessage says why (e.g. which metric missed its minimum).
            failureReason: metadata?.Fail?.ErrorMessage || step.FailureReason || undefined,
            attempts: step.AttemptCount,
            cached: Boolean(step.CacheHitResult?.SourcePipelineExecutionArn),
            ...(metadata?.Condition?.Outcome ? { conditionOutcome: metadata.Condition.Outcome } : {}),
            ...(metadata?.RegisterModel?.Arn ? { modelPackageArn: metadata.RegisterModel.Arn } : {}),
            ...(metadata?.Fail !== undefined ? { failStep: true } : {}),
        };
    });
}

export type ProgressEvent =
    | { readonly kind: "execution"; readonly status: string; readonly at: Date; readonly durationMs?: number; readonly failureReason?: string }
    | {
          readonly kind: "step";
          readonly step: string;
          readonly status: string;
          readonly at: Date;
          readonly durationMs?: number;
          readonly failureReason?: string;
          readonly cached: boolean;
          readonly conditionOutcome?: string;
          readonly modelPackageArn?: string;
      };

/** What changed since the previous snapshot (on the first: every step that has started, and the execution). */
export function diffSnapshots(previous: Snapshot | undefined, next: Snapshot, now: Date): ProgressEvent[] {
    const events: ProgressEvent[] = [];
    const before = new Map(previous?.steps.map((step) => [step.name, step.status]) ?? []);
    for (const step of next.steps) {
        // Steps that have not started are in the table; as events they would only be noise.
        const notStarted = step.status === PENDING || step.status === NOT_RUN;
        if (notStarted || before.get(step.name) === step.status) {
            continue;
        }
        const final = step.end !== undefined;
        events.push({
            kind: "step",
            step: step.name,
            status: step.status,
            at: (final ? step.end : step.start) ?? now,
            ...(final ? { durationMs: step.durationMs } : {}),
            ...(step.failureReason ? { failureReason: step.failureReason } : {}),
            cached: step.cached,
            ...(step.conditionOutcome ? { conditionOutcome: step.conditionOutcome } : {}),
            ...(step.modelPackageArn ? { modelPackageArn: step.modelPackageArn } : {}),
        });
    }
    if (previous?.status !== next.status) {
        events.push({
            kind: "execution",
            status: next.status,
            at: next.end ?? now,
            ...(next.end ? { durationMs: durationBetween(next.start, next.end) } : {}),
            ...(next.failureReason ? { failureReason: next.failureReason } : {}),
        });
    }
    return events;
}

/** What a finished step decided or made: a Condition's outcome, a RegisterModel step's model package. */
function stepResult(step: { conditionOutcome?: string; modelPackageArn?: string }): string | undefined {
    if (step.conditionOutcome) {
        return `outcome ${step.conditionOutcome}`;
    }
    return step.modelPackageArn ? `registered ${step.modelPackageArn}` : undefined;
}

/**
 * One line per change, for logs and pipes:
 * `<time> <what> <status>[ after <duration>][ (cached)][ (outcome True|registered <arn>)][: <reason>]`.
 */
export function eventLine(event: ProgressEvent): string {
    const subject = event.kind === "step" ? `step ${event.step}` : "execution";
    const after = event.durationMs !== undefined ? ` after ${formatDuration(event.durationMs)}` : "";
    const cached = event.kind === "step" && event.cached ? " (cached)" : "";
    const result = event.kind === "step" ? stepResult(event) : undefined;
    const reason = event.failureReason ? `: ${event.failureReason}` : "";
    return `${formatTime(event.at)} ${subject} ${event.status}${after}${cached}${result ? ` (${result})` : ""}${reason}`;
}

/** The quality-gate metric a Fail step stands for (QUALITY_METRICS), if it is one of the gate's. */
export function gateMetricOf(stepName: string): string | undefined {
    return QUALITY_METRICS.find((metric) => metric.fail === stepName)?.label;
}

export interface ExecutionOutcome {
    /** Steps that failed (or carry a failure reason), with why; a Fail step's reason is its ErrorMessage. */
    readonly failed: readonly { readonly step: string; readonly reason?: string; readonly failStep: boolean; readonly gateMetric?: string }[];
    /** The model package a RegisterModel step created. */
    readonly modelPackageArn?: string;
}

/** What an execution's steps say about how it ended: which steps failed and why, and what it registered. */
export function executionOutcome(steps: readonly StepRow[]): ExecutionOutcome {
    const failed = steps
        .filter((step) => step.status === "Failed" || step.failureReason)
        .map((step) => {
            const gateMetric = gateMetricOf(step.name);
            return {
                step: step.name,
                ...(step.failureReason ? { reason: step.failureReason } : {}),
                failStep: Boolean(step.failStep) || gateMetric !== undefined,
                ...(gateMetric ? { gateMetric } : {}),
            };
        });
    const registered = steps.find((step) => step.modelPackageArn && step.status === "Succeeded");
    return { failed, ...(registered?.modelPackageArn ? { modelPackageArn: registered.modelPackageArn } : {}) };
}

/** `FailMAP50 (quality gate: mAP50 below its minimum): <reason>`, or `<step>: <reason>` for other failures. */
export function describeFailure(failure: ExecutionOutcome["failed"][number]): string {
    const gate = failure.gateMetric ? ` (quality gate: ${failure.gateMetric} below its minimum)` : failure.failStep ? " (Fail step)" : "";
    return `${failure.step}${gate}${failure.reason ? `: ${failure.reason}` : ""}`;
}

/** The live view on a terminal, redrawn in place on every poll. */
export function renderSnapshot(snapshot: Snapshot, now: Date, nextPollMs?: number): string[] {
    const running = !snapshot.final;
    const elapsed = formatDuration(durationBetween(snapshot.start, snapshot.end ?? now));
    const lines = [`${snapshot.executionArn}`, `status ${snapshot.status}, started ${formatTime(snapshot.start)}, ${running ? "running for" : "took"} ${elapsed}`];
    lines.push(
        ...table(
            ["STEP", "STATUS", "STARTED", "ENDED", "DURATION", "ATTEMPTS"],
            snapshot.steps.map((step) => [
                step.name,
                [step.status, ...(step.cached ? ["(cached)"] : []), ...(step.conditionOutcome ? [`(outcome ${step.conditionOutcome})`] : [])].join(" "),
                formatTime(step.start),
                formatTime(step.end),
                formatDuration(step.durationMs),
                step.attempts ?? "-",
            ]),
        ).split("\n"),
    );
    for (const step of snapshot.steps.filter((s) => s.failureReason)) {
        lines.push(`${step.name} failed: ${step.failureReason}`);
    }
    for (const step of snapshot.steps.filter((s) => s.modelPackageArn)) {
        lines.push(`${step.name} registered ${step.modelPackageArn}`);
    }
    if (snapshot.failureReason) {
        lines.push(`execution failed: ${snapshot.failureReason}`);
    }
    if (running && nextPollMs !== undefined) {
        lines.push(`next check in ${formatDuration(nextPollMs)} (Ctrl-C stops watching, not the execution)`);
    }
    return lines;
}

/**
 * Terminal text that replaces the previously drawn `previousLineCount` lines with `lines`. Lines are cut
 * to the terminal width: a wrapped line would take two rows and the next redraw would leave debris.
 */
export function redraw(previousLineCount: number, lines: readonly string[], columns?: number): string {
    const up = previousLineCount > 0 ? `\x1b[${previousLineCount}A\r` : "";
    const fit = (line: string) => (columns && line.length > columns ? `${line.slice(0, Math.max(columns - 1, 0))}…` : line);
    return `${up}\x1b[0J${lines.map(fit).join("\n")}\n`;
}

export interface Backoff {
    /** First and post-change delay, ms. */
    readonly initialMs: number;
    /** Ceiling, ms. */
    readonly maxMs: number;
}

export const BACKOFF_FACTOR = 1.5;

/**
 * Delay before the next poll: back to the initial interval when something changed (more changes tend to
 * follow), otherwise 1.5 times longer up to the cap, because a training step can run for hours.
 */
export function nextPollDelay(currentMs: number, changed: boolean, backoff: Backoff): number {
    if (changed) {
        return backoff.initialMs;
    }
    return Math.min(Math.round(currentMs * BACKOFF_FACTOR), backoff.maxMs);
}

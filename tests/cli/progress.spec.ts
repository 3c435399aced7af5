// The watch display and polling (cli/progress.ts, cli/format.ts), without AWS or a terminal.
import { expect } from "chai";
import { QUALITY_METRICS, STEPS } from "../../components/pipelineDefinition";
import { parseBackoff } from "../../cli/commands/watch";
import { UsageError } from "../../cli/errors";
import { formatDuration, formatTime, table } from "../../cli/format";
import {
    describeFailure,
    diffSnapshots,
    eventLine,
    executionOutcome,
    nextPollDelay,
    NOT_RUN,
    PENDING,
    redraw,
    renderSnapshot,
    Snapshot,
    summariseSteps,
} from "../../cli/progress";
import { at, conditionStep, failStep, GATE_FAILURE_MESSAGE, MODEL_PACKAGE_ARN, registerModelStep, step } from "./support/fixtures";

const ARN = "arn:aws:sagemaker:us-east-1:123456789012:pipeline/drone-dev-yolo11-training/execution/abc123";
const ORDER = [STEPS.train, STEPS.evaluate];
/** The stack's steps in allSteps order: jobs, the gate's Conditions, the register step, the Fail steps. */
const GATED_ORDER = [...ORDER, ...QUALITY_METRICS.map((m) => m.step), STEPS.register, ...[...QUALITY_METRICS].reverse().map((m) => m.fail)];
const [firstGate] = QUALITY_METRICS;
const trainDone = step(STEPS.train, "Succeeded", 5, 600);
const evaluateDone = step(STEPS.evaluate, "Succeeded", 601, 690);

const snapshot = (status: string, steps: Snapshot["steps"], end?: Date, failureReason?: string): Snapshot => ({
    executionArn: ARN,
    status,
    final: end !== undefined,
    start: at(0),
    end,
    failureReason,
    steps,
});

describe("cli watch progress", () => {
    describe("summariseSteps", () => {
        it("lists steps in definition order, with unlisted steps Pending while the execution runs", () => {
            const rows = summariseSteps(ORDER, [step(STEPS.train, "Executing", 5)], at(65), false);
            expect(rows.map((r) => [r.name, r.status])).to.deep.equal([
                [STEPS.train, "Executing"],
                [STEPS.evaluate, PENDING],
            ]);
            expect(rows[0].durationMs, "a running step's duration runs to now").to.equal(60_000);
        });

        it("marks steps that never ran once the execution has ended", () => {
            const rows = summariseSteps(ORDER, [step(STEPS.train, "Failed", 5, 50, { FailureReason: "AlgorithmError: CUDA out of memory" })], at(60), true);
            expect(rows[1].status).to.equal(NOT_RUN);
            expect(rows[0]).to.include({ status: "Failed", durationMs: 45_000, failureReason: "AlgorithmError: CUDA out of memory" });
        });

        it("keeps the newest entry of a step listed twice, and steps the definition does not name", () => {
            const rows = summariseSteps(
                ORDER,
                [step(STEPS.train, "Failed", 0, 10), step(STEPS.train, "Succeeded", 20, 30), step("RegisterModel", "Executing", 31)],
                at(40),
                false,
            );
            expect(rows.map((r) => `${r.name}:${r.status}`)).to.deep.equal([`${STEPS.train}:Succeeded`, `${STEPS.evaluate}:${PENDING}`, "RegisterModel:Executing"]);
        });

        it("flags a step whose result came from the cache", () => {
            const [row] = summariseSteps(ORDER, [step(STEPS.train, "Succeeded", 0, 1, { CacheHitResult: { SourcePipelineExecutionArn: `${ARN}-old` } })], at(2), false);
            expect(row.cached).to.equal(true);
        });
    });

    describe("quality gate and registry steps", () => {
        it("reads a Condition's outcome, a Fail step's ErrorMessage and a RegisterModel step's model package from Metadata", () => {
            const passed = summariseSteps(
                GATED_ORDER,
                [trainDone, evaluateDone, ...QUALITY_METRICS.map((m, i) => conditionStep(m.step, "True", 691 + i)), registerModelStep(STEPS.register, MODEL_PACKAGE_ARN, 700)],
                at(710),
                true,
            );
            const byName = new Map(passed.map((row) => [row.name, row]));
            expect(byName.get(firstGate.step)).to.include({ status: "Succeeded", conditionOutcome: "True" });
            expect(byName.get(STEPS.register)).to.include({ status: "Succeeded", modelPackageArn: MODEL_PACKAGE_ARN });
            expect(QUALITY_METRICS.map((m) => byName.get(m.fail)!.status)).to.deep.equal([NOT_RUN, NOT_RUN, NOT_RUN, NOT_RUN]);
            expect(executionOutcome(passed)).to.deep.equal({ failed: [], modelPackageArn: MODEL_PACKAGE_ARN });

            const failed = summariseSteps(GATED_ORDER, [trainDone, evaluateDone, conditionStep(firstGate.step, "False", 691), failStep(firstGate.fail, GATE_FAILURE_MESSAGE, 692)], at(700), true);
            const fail = failed.find((row) => row.name === firstGate.fail)!;
            expect(fail).to.include({ status: "Failed", failureReason: GATE_FAILURE_MESSAGE, failStep: true });
            const outcome = executionOutcome(failed);
            expect(outcome).to.deep.equal({ failed: [{ step: firstGate.fail, reason: GATE_FAILURE_MESSAGE, failStep: true, gateMetric: "mAP50-95" }] });
            expect(describeFailure(outcome.failed[0])).to.equal(`${firstGate.fail} (quality gate: mAP50-95 below its minimum): ${GATE_FAILURE_MESSAGE}`);
        });

        it("prefers a Fail step's ErrorMessage to a generic FailureReason, and names Fail steps outside the gate as such", () => {
            const [row] = summariseSteps([], [failStep("StopEarly", "no labelled images", 1)].map((s) => ({ ...s, FailureReason: "Step failed" })), at(5), true);
            expect(row.failureReason).to.equal("no labelled images");
            expect(describeFailure(executionOutcome([row]).failed[0])).to.equal("StopEarly (Fail step): no labelled images");
            const [job] = summariseSteps([], [step(STEPS.train, "Failed", 1, 2, { FailureReason: "AlgorithmError: boom" })], at(5), true);
            expect(describeFailure(executionOutcome([job]).failed[0])).to.equal(`${STEPS.train}: AlgorithmError: boom`);
        });

        it("prints the outcome and the registered model package in event lines and the live table", () => {
            const before = snapshot("Executing", summariseSteps(GATED_ORDER, [trainDone, evaluateDone], at(690), false));
            const after = snapshot(
                "Succeeded",
                summariseSteps(GATED_ORDER, [trainDone, evaluateDone, conditionStep(firstGate.step, "True", 691), registerModelStep(STEPS.register, MODEL_PACKAGE_ARN, 700)], at(705), true),
                at(705),
            );
            expect(diffSnapshots(before, after, at(705)).map(eventLine)).to.deep.equal([
                `${formatTime(at(692))} step ${firstGate.step} Succeeded after 1s (outcome True)`,
                `${formatTime(at(702))} step ${STEPS.register} Succeeded after 2s (registered ${MODEL_PACKAGE_ARN})`,
                `${formatTime(at(705))} execution Succeeded after 11m 45s`,
            ]);
            const lines = renderSnapshot(after, at(705));
            expect(lines.find((line) => line.startsWith(firstGate.step))).to.match(/\sSucceeded \(outcome True\)\s/);
            expect(lines).to.include(`${STEPS.register} registered ${MODEL_PACKAGE_ARN}`);
        });
    });

    describe("diffSnapshots and eventLine", () => {
        it("reports what has started on the first check, then only changes", () => {
            const first = snapshot("Executing", summariseSteps(ORDER, [step(STEPS.train, "Executing", 5)], at(10), false));
            const events1 = diffSnapshots(undefined, first, at(10));
            expect(events1.map(eventLine)).to.deep.equal([
                `${formatTime(at(5))} step ${STEPS.train} Executing`,
                `${formatTime(at(10))} execution Executing`,
            ]);
            expect(diffSnapshots(first, first, at(20))).to.deep.equal([]);

            const second = snapshot("Executing", summariseSteps(ORDER, [step(STEPS.train, "Succeeded", 5, 305), step(STEPS.evaluate, "Starting", 306)], at(310), false));
            expect(diffSnapshots(first, second, at(310)).map(eventLine)).to.deep.equal([
                `${formatTime(at(305))} step ${STEPS.train} Succeeded after 5m 00s`,
                `${formatTime(at(306))} step ${STEPS.evaluate} Starting`,
            ]);
        });

        it("ends with the execution's final status, duration and failure reason", () => {
            const running = snapshot("Executing", summariseSteps(ORDER, [step(STEPS.train, "Executing", 5)], at(10), false));
            const failed = snapshot(
                "Failed",
                summariseSteps(ORDER, [step(STEPS.train, "Failed", 5, 125, { FailureReason: "ClientError: no data.yaml" })], at(130), true),
                at(130),
                "Step failure: One or multiple steps failed.",
            );
            expect(diffSnapshots(running, failed, at(131)).map(eventLine)).to.deep.equal([
                `${formatTime(at(125))} step ${STEPS.train} Failed after 2m 00s: ClientError: no data.yaml`,
                `${formatTime(at(130))} execution Failed after 2m 10s: Step failure: One or multiple steps failed.`,
            ]);
        });
    });

    describe("renderSnapshot and redraw", () => {
        it("shows the execution, a row per step, failure reasons and the next check", () => {
            const lines = renderSnapshot(
                snapshot("Executing", summariseSteps(ORDER, [step(STEPS.train, "Executing", 5)], at(65), false)),
                at(65),
                15_000,
            );
            expect(lines[0]).to.equal(ARN);
            expect(lines[1]).to.equal(`status Executing, started ${formatTime(at(0))}, running for 1m 05s`);
            expect(lines[2]).to.match(/^STEP\s+STATUS\s+STARTED\s+ENDED\s+DURATION\s+ATTEMPTS$/);
            expect(lines[3]).to.match(new RegExp(`^${STEPS.train}\\s+Executing\\s+${formatTime(at(5))}\\s+-\\s+1m 00s\\s+1$`));
            expect(lines[4]).to.match(new RegExp(`^${STEPS.evaluate}\\s+Pending\\s+-`));
            expect(lines[5]).to.include("next check in 15s");
        });

        it("moves the cursor up over the previous drawing and clears it before drawing again", () => {
            expect(redraw(0, ["a", "b"])).to.equal("\x1b[0Ja\nb\n");
            expect(redraw(3, ["c"])).to.equal("\x1b[3A\r\x1b[0Jc\n");
        });

        it("cuts lines to the terminal width so that a redraw covers exactly what it drew", () => {
            expect(redraw(0, ["0123456789"], 6)).to.equal("\x1b[0J01234…\n");
        });
    });

    describe("polling backoff", () => {
        const backoff = { initialMs: 10_000, maxMs: 60_000 };

        it("grows 1.5x while nothing changes, up to the cap, and starts over after a change", () => {
            const delays: number[] = [];
            let delay = backoff.initialMs;
            for (let i = 0; i < 6; i++) {
                delay = nextPollDelay(delay, false, backoff);
                delays.push(delay);
            }
            expect(delays).to.deep.equal([15_000, 22_500, 33_750, 50_625, 60_000, 60_000]);
            expect(nextPollDelay(60_000, true, backoff)).to.equal(backoff.initialMs);
        });

        it("takes --interval and --max-interval in seconds and refuses nonsense", () => {
            expect(parseBackoff("5", "30")).to.deep.equal({ initialMs: 5000, maxMs: 30_000 });
            for (const [interval, max, flag] of [["0", "60", "--interval"], ["x", "60", "--interval"], ["10", "5", "--max-interval"], ["10", "7200", "--max-interval"]]) {
                expect(() => parseBackoff(interval, max), `${interval}/${max}`)
                    .to.throw(UsageError)
                    .with.property("problems")
                    .that.satisfies((problems: string[]) => problems[0].startsWith(`${flag}:`));
            }
        });
    });

    describe("format", () => {
        it("writes durations compactly and times in UTC to the second", () => {
            expect([0, 59_999, 65_000, 3_723_000].map(formatDuration)).to.deep.equal(["0s", "59s", "1m 05s", "1h 02m 03s"]);
            expect(formatDuration(undefined)).to.equal("-");
            expect(formatTime(new Date("2025-06-01T10:00:00.789Z"))).to.equal("2025-06-01T10:00:00Z");
        });

        it("aligns table columns without borders or colour codes", () => {
            expect(table(["A", "LONGER"], [["xyz", 1]]).split("\n")).to.deep.equal(["A    LONGER", "xyz  1"]);
        });
    });
});

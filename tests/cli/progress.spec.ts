// The watch display and polling (cli/progress.ts, cli/format.ts), without AWS or a terminal.
import { expect } from "chai";
import { STEPS } from "../../components/pipelineDefinition";
import { parseBackoff } from "../../cli/commands/watch";
import { UsageError } from "../../cli/errors";
import { formatDuration, formatTime, table } from "../../cli/format";
import {
    diffSnapshots,
    eventLine,
    nextPollDelay,
    NOT_RUN,
    PENDING,
    redraw,
    renderSnapshot,
    Snapshot,
    summariseSteps,
} from "../../cli/progress";
import { at, step } from "./support/fixtures";

const ARN = "arn:aws:sagemaker:us-east-1:123456789012:pipeline/drone-dev-yolo11-training/execution/abc123";
const ORDER = [STEPS.train, STEPS.evaluate];

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

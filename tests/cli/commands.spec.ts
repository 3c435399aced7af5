// Command paths the emulator cannot drive, in-process: moto has no ListPipelineExecutionSteps (every watch
// needs it), no StopPipelineExecution, executions that are Succeeded at once and no request throttling.
// Those responses come from aws-sdk-client-mock, or for the SDK's own retries from a local HTTP stub;
// each test name says which.
import { GetObjectCommand } from "@aws-sdk/client-s3";
import {
    DescribeModelPackageCommand,
    DescribePipelineDefinitionForExecutionCommand,
    DescribePipelineExecutionCommand,
    DescribePipelineExecutionCommandOutput,
    ListPipelineExecutionsCommand,
    ListPipelineExecutionStepsCommand,
    ListPipelineParametersForExecutionCommand,
    PipelineExecutionStep,
    StopPipelineExecutionCommand,
    UpdateModelPackageCommand,
} from "@aws-sdk/client-sagemaker";
import { mockClient } from "aws-sdk-client-mock";
import { expect } from "chai";
import * as http from "http";
import { AddressInfo } from "net";
import { EVALUATION_REPORT, QUALITY_METRICS, STEPS } from "../../components/pipelineDefinition";
import { PREFIXES } from "../../components/s3Layout";
import { Clients } from "../../cli/clients";
import { EXIT } from "../../cli/errors";
import { formatTime } from "../../cli/format";
import { createAwsSandbox, useSandboxInProcess } from "./support/aws";
import { offlineClients, runCliInProcess } from "./support/cli";
import { at, conditionStep, EVALUATION_REPORT_FIXTURE, failStep, GATE_FAILURE_MESSAGE, MODEL_PACKAGE_ARN, registerModelStep, step } from "./support/fixtures";
import { stackPipeline, StackPipeline } from "./support/stack";

const EXECUTION_ID = "k3xq9c0fz1ab";
const pipelineArn = (name: string) => `arn:aws:sagemaker:us-east-1:123456789012:pipeline/${name}`;

type Execution = Partial<DescribePipelineExecutionCommandOutput>;

describe("cli commands (client mocks where moto lacks the API)", () => {
    let stack: StackPipeline;
    let arn: string;
    let clients: Clients;
    let sagemaker: ReturnType<typeof mockClient>;
    let s3: ReturnType<typeof mockClient>;
    const token = "5b0f1c7e-2c55-4a8e-9d55-2f5e0c1c9a11";

    before(async () => {
        stack = await stackPipeline();
        arn = `${pipelineArn(stack.name)}/execution/${EXECUTION_ID}`;
    });

    beforeEach(() => {
        clients = offlineClients();
        sagemaker = mockClient(clients.sagemaker);
        s3 = mockClient(clients.s3);
        sagemaker.on(DescribePipelineDefinitionForExecutionCommand).resolves({ PipelineDefinition: stack.definitionJson });
        sagemaker.on(ListPipelineParametersForExecutionCommand).resolves({ PipelineParameters: [] });
        s3.on(GetObjectCommand).resolves({ Body: { transformToString: async () => JSON.stringify(EVALUATION_REPORT_FIXTURE) } } as never);
    });

    afterEach(() => {
        sagemaker.restore();
        s3.restore();
    });

    /** Makes each poll answer with the next execution state and step list. */
    function polls(sequence: [Execution, PipelineExecutionStep[]][]): void {
        const describe = sagemaker.on(DescribePipelineExecutionCommand, { PipelineExecutionArn: arn });
        const steps = sagemaker.on(ListPipelineExecutionStepsCommand, { PipelineExecutionArn: arn });
        sequence.forEach(([execution, listed], index) => {
            const response = { PipelineExecutionArn: arn, CreationTime: at(0), ...execution };
            if (index === sequence.length - 1) {
                describe.resolves(response);
                steps.resolves({ PipelineExecutionSteps: listed });
            } else {
                describe.resolvesOnce(response);
                steps.resolvesOnce({ PipelineExecutionSteps: listed });
            }
        });
    }

    const trainRunning = step(STEPS.train, "Executing", 5);
    const trainDone = step(STEPS.train, "Succeeded", 5, 600);
    const evaluateRunning = step(STEPS.evaluate, "Executing", 601);
    const evaluateDone = step(STEPS.evaluate, "Succeeded", 601, 690);
    const successfulRun: [Execution, PipelineExecutionStep[]][] = [
        [{ PipelineExecutionStatus: "Executing" }, [trainRunning]],
        [{ PipelineExecutionStatus: "Executing" }, [trainRunning]],
        [{ PipelineExecutionStatus: "Executing" }, [trainDone, evaluateRunning]],
        [{ PipelineExecutionStatus: "Succeeded", LastModifiedTime: at(700) }, [trainDone, evaluateDone]],
    ];
    let clock: number;
    const now = () => at(clock++ * 10);
    beforeEach(() => (clock = 1));

    it("watch (client mock: moto lacks ListPipelineExecutionSteps) prints one line per change off a terminal, backs off, then prints the metrics", async () => {
        polls(successfulRun);
        const result = await runCliInProcess(["watch", arn], { clients, now });
        expect(result.code).to.equal(EXIT.ok);
        const lines = result.stdout.split("\n");
        expect(lines.slice(0, 6)).to.deep.equal([
            `${formatTime(at(5))} step ${STEPS.train} Executing`,
            `${formatTime(at(10))} execution Executing`,
            `${formatTime(at(600))} step ${STEPS.train} Succeeded after 9m 55s`,
            `${formatTime(at(601))} step ${STEPS.evaluate} Executing`,
            `${formatTime(at(690))} step ${STEPS.evaluate} Succeeded after 1m 29s`,
            `${formatTime(at(700))} execution Succeeded after 11m 40s`,
        ]);
        expect(result.stdout).to.include(`Evaluation on the test split, s3://${stack.bucket}/${PREFIXES.evaluation}${EXECUTION_ID}/${EVALUATION_REPORT.filePath}`);
        expect(result.stdout).to.match(/mAP50\s+0\.812\n/).and.match(/mAP50-95\s+0\.535\n/).and.match(/precision\s+0\.778\n/).and.match(/recall\s+0\.701\n/);
        expect(result.stdout).to.match(/person\s+412\s+0\.850\s+0\.560\s+0\.800\s+0\.740/);
        // 10 s, nothing changed so 15 s, a change so back to 10 s.
        expect(result.sleeps).to.deep.equal([10_000, 15_000, 10_000]);
        expect(s3.commandCalls(GetObjectCommand)[0].args[0].input).to.deep.equal({
            Bucket: stack.bucket,
            Key: `${PREFIXES.evaluation}${EXECUTION_ID}/${EVALUATION_REPORT.filePath}`,
        });
    });

    it("watch (client mock: moto lacks ListPipelineExecutionSteps) redraws in place on a terminal", async () => {
        polls(successfulRun);
        const result = await runCliInProcess(["watch", arn, "--interval", "5", "--max-interval", "20"], { clients, now, tty: true });
        expect(result.code).to.equal(EXIT.ok);
        const drawings = result.stdout.split("\x1b[0J").slice(1);
        expect(drawings).to.have.length(4);
        // Every redraw but the first starts by moving up over exactly the lines drawn before.
        const firstLines = drawings[0].split("\n").length - 1;
        expect(result.stdout).to.include(`\x1b[${firstLines}A\r\x1b[0J`);
        expect(drawings[0]).to.include("next check in 5s").and.match(new RegExp(`${STEPS.evaluate}\\s+Pending`));
        expect(drawings[3]).to.match(new RegExp(`${STEPS.evaluate}\\s+Succeeded`));
        expect(drawings[3]).to.not.include("next check");
        expect(drawings[3]).to.include("took 11m 40s").and.include("Evaluation on the test split");
        expect(result.sleeps).to.deep.equal([5_000, 7_500, 5_000]);
    });

    it("watch (client mock: moto lacks ListPipelineExecutionSteps) exits 3 on Failed with the step's failure reason, and reads no report", async () => {
        polls([
            [{ PipelineExecutionStatus: "Executing" }, [trainRunning]],
            [
                { PipelineExecutionStatus: "Failed", LastModifiedTime: at(130), FailureReason: "Step failure: One or multiple steps failed." },
                [step(STEPS.train, "Failed", 5, 125, { FailureReason: "AlgorithmError: CUDA out of memory" })],
            ],
        ]);
        const result = await runCliInProcess(["watch", arn], { clients, now });
        expect(result.code).to.equal(EXIT.executionFailed);
        expect(result.stdout).to.include(`step ${STEPS.train} Failed after 2m 00s: AlgorithmError: CUDA out of memory`);
        expect(result.stderr).to.include(`execution Failed (${STEPS.train}: AlgorithmError: CUDA out of memory)`);
        expect(s3.commandCalls(GetObjectCommand)).to.have.length(0);
    });

    const [firstGate] = QUALITY_METRICS;
    const gatePassed = [...QUALITY_METRICS.map((metric, index) => conditionStep(metric.step, "True", 691 + index)), registerModelStep(STEPS.register, MODEL_PACKAGE_ARN, 696)];
    const gateFailed = [conditionStep(firstGate.step, "False", 691), failStep(firstGate.fail, GATE_FAILURE_MESSAGE, 692)];

    it("watch (client mock: moto lacks ListPipelineExecutionSteps) of a run the quality gate failed exits 3, names the metric and still prints the metrics", async () => {
        polls([
            [{ PipelineExecutionStatus: "Executing" }, [trainDone, evaluateDone]],
            [{ PipelineExecutionStatus: "Failed", LastModifiedTime: at(700), FailureReason: "Step failure: One or multiple steps failed." }, [trainDone, evaluateDone, ...gateFailed]],
        ]);
        const result = await runCliInProcess(["watch", arn], { clients, now });
        expect(result.code).to.equal(EXIT.executionFailed);
        expect(result.stdout).to.include(`step ${firstGate.step} Succeeded after 1s (outcome False)`);
        expect(result.stdout).to.include(`step ${firstGate.fail} Failed after 1s: ${GATE_FAILURE_MESSAGE}`);
        expect(result.stderr).to.include(`execution Failed (${firstGate.fail} (quality gate: mAP50-95 below its minimum): ${GATE_FAILURE_MESSAGE})`);
        expect(result.stdout).to.match(/mAP50-95\s+0\.535\n/);
        expect(result.stdout).to.not.include("registered model version");
    });

    it("watch --json (client mock: moto lacks ListPipelineExecutionSteps) reports the failed gate metric and no model package", async () => {
        polls([[{ PipelineExecutionStatus: "Failed", LastModifiedTime: at(700) }, [trainDone, evaluateDone, ...gateFailed]]]);
        const result = await runCliInProcess(["--json", "watch", arn], { clients, now });
        const last = JSON.parse(result.stdout.trim().split("\n").pop()!);
        expect(last.qualityGate).to.deep.equal({ failedStep: firstGate.fail, metric: "mAP50-95", reason: GATE_FAILURE_MESSAGE });
        expect(last.modelPackageArn).to.equal(null);
        expect(last.steps.find((s: { name: string }) => s.name === firstGate.step).conditionOutcome).to.equal("False");
    });

    it("watch (client mock: moto lacks ListPipelineExecutionSteps) of a run that registered a model prints its model package ARN", async () => {
        polls([[{ PipelineExecutionStatus: "Succeeded", LastModifiedTime: at(700) }, [trainDone, evaluateDone, ...gatePassed]]]);
        const result = await runCliInProcess(["watch", arn], { clients, now });
        expect(result.code).to.equal(EXIT.ok);
        expect(result.stdout).to.include(`step ${STEPS.register} Succeeded after 2s (registered ${MODEL_PACKAGE_ARN})`);
        expect(result.stdout).to.match(new RegExp(`Evaluation on the test split[\\s\\S]*\nregistered model version ${MODEL_PACKAGE_ARN}\n$`));
        expect(result.stderr).to.include(`approve it with: yolo-pipeline approve ${MODEL_PACKAGE_ARN}`);
        const json = await runCliInProcess(["--json", "watch", arn], { clients, now });
        expect(JSON.parse(json.stdout.trim().split("\n").pop()!)).to.include({ modelPackageArn: MODEL_PACKAGE_ARN, qualityGate: null });
    });

    it("watch (client mock: moto lacks ListPipelineExecutionSteps) exits 4 on Stopped", async () => {
        polls([[{ PipelineExecutionStatus: "Stopped", LastModifiedTime: at(50) }, [step(STEPS.train, "Stopped", 5, 45)]]]);
        const result = await runCliInProcess(["watch", arn], { clients, now });
        expect(result.code).to.equal(EXIT.executionStopped);
        expect(result.stdout).to.include(`step ${STEPS.train} Stopped after 40s`);
    });

    it("watch (client mock: moto lacks ListPipelineExecutionSteps) notes a missing evaluation report and still exits 0", async () => {
        polls(successfulRun.slice(-1));
        s3.on(GetObjectCommand).rejects(Object.assign(new Error("The specified key does not exist."), { name: "NoSuchKey" }));
        const result = await runCliInProcess(["watch", arn], { clients, now });
        expect(result.code).to.equal(EXIT.ok);
        expect(result.stderr).to.include(`note: no evaluation report at s3://${stack.bucket}/${PREFIXES.evaluation}${EXECUTION_ID}/${EVALUATION_REPORT.filePath} (NoSuchKey)`);
        expect(result.stdout).to.not.include("Evaluation on");
    });

    it("watch --json (client mock: moto lacks ListPipelineExecutionSteps) writes one JSON object per change and a result", async () => {
        polls(successfulRun);
        const result = await runCliInProcess(["--json", "watch", arn], { clients, now, tty: true });
        const objects = result.stdout.trim().split("\n").map((line) => JSON.parse(line));
        expect(objects.map((o) => o.kind)).to.deep.equal(["step", "execution", "step", "step", "step", "execution", "result"]);
        const last = objects[objects.length - 1];
        expect(last).to.include({ status: "Succeeded", pipelineExecutionArn: arn });
        expect(last.evaluation.report.detection_metrics.mAP50.value).to.equal(EVALUATION_REPORT_FIXTURE.detection_metrics.mAP50.value);
    });

    it("watch latest (client mock: moto lacks ListPipelineExecutionSteps) follows the newest execution of the stack's pipeline", async () => {
        const older = `${pipelineArn(stack.name)}/execution/older0000000`;
        sagemaker.on(ListPipelineExecutionsCommand, { PipelineName: stack.name }).resolves({
            PipelineExecutionSummaries: [
                { PipelineExecutionArn: older, StartTime: at(-3600) },
                { PipelineExecutionArn: arn, StartTime: at(0) },
            ],
        });
        polls(successfulRun.slice(-1));
        const result = await runCliInProcess(["watch", "latest"], { clients, now });
        expect(result.code).to.equal(EXIT.ok);
        expect(result.stderr).to.include(`pipeline ${stack.name} (derived from stack dev`).and.include(`watching ${arn}`);
    });

    it("stop (client mock: moto lacks StopPipelineExecution) asks, and on 'y' stops with a fresh client request token", async () => {
        sagemaker.on(DescribePipelineExecutionCommand).resolves({ PipelineExecutionStatus: "Executing", CreationTime: at(0) });
        sagemaker.on(StopPipelineExecutionCommand).resolves({ PipelineExecutionArn: arn });
        const result = await runCliInProcess(["stop", arn], { clients, typed: "y\n", newToken: () => token });
        expect(result.code).to.equal(EXIT.ok);
        expect(result.stderr).to.include(`Stop ${arn} (Executing, started ${formatTime(at(0))})? [y/N] `);
        expect(result.stdout).to.equal(`stop requested for ${arn}\n`);
        expect(sagemaker.commandCalls(StopPipelineExecutionCommand).map((call) => call.args[0].input)).to.deep.equal([
            { PipelineExecutionArn: arn, ClientRequestToken: token },
        ]);
    });

    for (const typed of ["n\n", "\n", ""]) {
        it(`stop (client mock: moto lacks StopPipelineExecution) does not stop on ${JSON.stringify(typed)} and exits 5`, async () => {
            sagemaker.on(DescribePipelineExecutionCommand).resolves({ PipelineExecutionStatus: "Executing", CreationTime: at(0) });
            const result = await runCliInProcess(["stop", arn], { clients, typed });
            expect(result.code).to.equal(EXIT.declined);
            expect(result.stderr).to.include("not stopped");
            expect(sagemaker.commandCalls(StopPipelineExecutionCommand)).to.have.length(0);
        });
    }

    it("stop --yes (client mock: moto lacks StopPipelineExecution) stops without a terminal and reports JSON", async () => {
        sagemaker.on(DescribePipelineExecutionCommand).resolves({ PipelineExecutionStatus: "Executing", CreationTime: at(0) });
        sagemaker.on(StopPipelineExecutionCommand).resolves({ PipelineExecutionArn: arn });
        const result = await runCliInProcess(["--json", "stop", "--yes", arn], { clients });
        expect(result.code).to.equal(EXIT.ok);
        expect(JSON.parse(result.stdout)).to.deep.equal({ pipelineExecutionArn: arn, status: "Executing", stopRequested: true });
        expect(sagemaker.commandCalls(StopPipelineExecutionCommand)).to.have.length(1);
    });

    it("executions (client mock: moto lacks ListPipelineExecutionSteps) names the gate metric a failed run missed and the model a successful run registered", async () => {
        const passed = `${pipelineArn(stack.name)}/execution/passed000000`;
        sagemaker.on(ListPipelineExecutionsCommand).resolves({
            PipelineExecutionSummaries: [
                { PipelineExecutionArn: arn, StartTime: at(1000), PipelineExecutionStatus: "Failed" },
                { PipelineExecutionArn: passed, StartTime: at(0), PipelineExecutionStatus: "Succeeded" },
            ],
        });
        sagemaker.on(DescribePipelineExecutionCommand, { PipelineExecutionArn: arn }).resolves({ PipelineExecutionStatus: "Failed", LastModifiedTime: at(1700), FailureReason: "Step failure: One or multiple steps failed." });
        sagemaker.on(DescribePipelineExecutionCommand, { PipelineExecutionArn: passed }).resolves({ PipelineExecutionStatus: "Succeeded", LastModifiedTime: at(700) });
        sagemaker.on(ListPipelineExecutionStepsCommand, { PipelineExecutionArn: arn }).resolves({ PipelineExecutionSteps: [...gateFailed, evaluateDone, trainDone] });
        sagemaker.on(ListPipelineExecutionStepsCommand, { PipelineExecutionArn: passed }).resolves({ PipelineExecutionSteps: [...gatePassed, evaluateDone, trainDone] });

        const result = await runCliInProcess(["executions"], { clients, now: () => at(2000) });
        expect(result.code, result.stderr).to.equal(EXIT.ok);
        const lines = result.stdout.trim().split("\n");
        expect(lines.slice(3)).to.deep.equal([
            `${arn} failed at ${firstGate.fail} (quality gate: mAP50-95 below its minimum): ${GATE_FAILURE_MESSAGE}`,
            `${passed} registered ${MODEL_PACKAGE_ARN}`,
        ]);
        const rows = JSON.parse((await runCliInProcess(["--json", "executions"], { clients, now: () => at(2000) })).stdout);
        expect(rows[0].failedSteps).to.deep.equal([{ step: firstGate.fail, reason: GATE_FAILURE_MESSAGE, failStep: true, gateMetric: "mAP50-95" }]);
        expect(rows[1].modelPackageArn).to.equal(MODEL_PACKAGE_ARN);
        expect(rows[1]).to.not.have.property("failedSteps");
    });

    it("approve (client mock: moto denies in XML, AWS with a modelled AccessDeniedException) names the denied role and who may approve, in one line", async () => {
        sagemaker.on(DescribeModelPackageCommand).resolves({ ModelPackageArn: MODEL_PACKAGE_ARN, ModelPackageVersion: 3, ModelApprovalStatus: "PendingManualApproval", CreationTime: at(0) });
        const denied = "User: arn:aws:sts::123456789012:assumed-role/drone-dev-data-scientist/alice is not authorized to perform: sagemaker:UpdateModelPackage on resource: " +
            `${MODEL_PACKAGE_ARN} because no identity-based policy allows the sagemaker:UpdateModelPackage action`;
        sagemaker.on(UpdateModelPackageCommand).rejects(Object.assign(new Error(denied), { name: "AccessDeniedException", $fault: "client", $metadata: { httpStatusCode: 400, attempts: 1 } }));
        const result = await runCliInProcess(["approve", MODEL_PACKAGE_ARN, "--yes"], { clients });
        expect(result.code).to.equal(EXIT.error);
        expect(result.stderr.trim().split("\n").pop()).to.equal(
            'error: AccessDeniedException: profile "ab" (arn:aws:sts::123456789012:assumed-role/drone-dev-data-scientist/alice) may not approve model versions (sagemaker:UpdateModelPackage): in stack dev the ml-engineer role (drone-dev-ml-engineer) has it, the data-scientist role (drone-dev-data-scientist) does not. Use a profile that assumes drone-dev-ml-engineer.',
        );
        expect(sagemaker.commandCalls(UpdateModelPackageCommand).map((call) => call.args[0].input)).to.deep.equal([{ ModelPackageArn: MODEL_PACKAGE_ARN, ModelApprovalStatus: "Approved" }]);
    });

    it("executions (client mock: moto's executions are never running) measures a running execution up to now", async () => {
        sagemaker.on(ListPipelineExecutionsCommand).resolves({ PipelineExecutionSummaries: [{ PipelineExecutionArn: arn, StartTime: at(0), PipelineExecutionStatus: "Executing" }] });
        sagemaker.on(DescribePipelineExecutionCommand).resolves({ PipelineExecutionStatus: "Executing", CreationTime: at(0), LastModifiedTime: at(30) });
        const result = await runCliInProcess(["--json", "executions"], { clients, now: () => at(3725) });
        expect(JSON.parse(result.stdout)).to.deep.equal([
            { arn, status: "Executing", started: at(0).toISOString(), durationSeconds: 3725 },
        ]);
    });
});

describe("cli start retries (local HTTP stub: moto never throttles)", () => {
    let server: http.Server;
    let restoreEnv: () => void;
    let sandbox: ReturnType<typeof createAwsSandbox>;
    const startTokens: string[] = [];

    before(async () => {
        const stack = await stackPipeline();
        let starts = 0;
        server = http.createServer((request, response) => {
            let body = "";
            request.on("data", (chunk: Buffer) => (body += chunk.toString()));
            request.on("end", () => {
                const target = String(request.headers["x-amz-target"]);
                const reply = (status: number, payload: unknown, errorType?: string) => {
                    response.writeHead(status, { "content-type": "application/x-amz-json-1.1", ...(errorType ? { "x-amzn-errortype": errorType } : {}) });
                    response.end(JSON.stringify(payload));
                };
                if (target === "SageMaker.DescribePipeline") {
                    reply(200, { PipelineName: stack.name, PipelineDefinition: stack.definitionJson });
                } else if (target === "SageMaker.StartPipelineExecution") {
                    startTokens.push(JSON.parse(body).ClientRequestToken);
                    if (starts++ === 0) {
                        reply(400, { __type: "ThrottlingException", message: "Rate exceeded" }, "ThrottlingException");
                    } else {
                        reply(200, { PipelineExecutionArn: `${pipelineArn(stack.name)}/execution/${EXECUTION_ID}` });
                    }
                } else {
                    reply(400, { __type: "ValidationException", message: `unexpected ${target}` });
                }
            });
        });
        await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
        sandbox = createAwsSandbox(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
        restoreEnv = useSandboxInProcess(sandbox);
    });

    after(async () => {
        restoreEnv();
        sandbox.remove();
        await new Promise((done) => server.close(done));
    });

    it("start: the SDK retries a throttled StartPipelineExecution with the same ClientRequestToken, so one start happens", async () => {
        const result = await runCliInProcess(["start", "--epochs", "5", "--client-request-token", "6f1c2d9e-0b7a-4c3e-8f55-1a2b3c4d5e6f"]);
        expect(result.code, result.stderr).to.equal(EXIT.ok);
        expect(startTokens).to.deep.equal(["6f1c2d9e-0b7a-4c3e-8f55-1a2b3c4d5e6f", "6f1c2d9e-0b7a-4c3e-8f55-1a2b3c4d5e6f"]);
        expect(result.stdout.trim()).to.match(new RegExp(`/execution/${EXECUTION_ID}$`));
    });
});

// `yolo-pipeline endpoint` and `invoke` against moto, which implements DescribeEndpoint, DescribeEndpointConfig,
// DescribeModel, DescribeProcessingJob and (SageMaker Runtime) InvokeEndpoint, whose answers are queued through
// its /moto-api/static/sagemaker/endpoint-results API. moto 5.2.5 refuses every image body of InvokeEndpoint with
// HTTP 500 (it decodes bodies as UTF-8), so these suites run moto's server through tests/python/moto_server_binary.py,
// which keeps the body as bytes. moto implements neither DescribeMonitoringSchedule nor ListMonitoringExecutions
// (HTTP 500, proved below): those two answers come from aws-sdk-client-mock, with every other call passed through
// to moto, and their requests are checked against botocore's model. AWS's own answer for a missing endpoint at
// InvokeEndpoint, and a ModelError, come from client mocks too: moto answers any endpoint name and has no model.
import {
    CreateEndpointCommand,
    CreateEndpointConfigCommand,
    CreateModelCommand,
    CreateProcessingJobCommand,
    DescribeMonitoringScheduleCommand,
    ListMonitoringExecutionsCommand,
    SageMakerClient,
} from "@aws-sdk/client-sagemaker";
import { InvokeEndpointCommand, ModelError, SageMakerRuntimeServiceException } from "@aws-sdk/client-sagemaker-runtime";
import { mockClient } from "aws-sdk-client-mock";
import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { resourceNames } from "../../components/naming";
import { createClients } from "../../cli/clients";
import { detectionsProblems } from "../../cli/detections";
import { EXIT } from "../../cli/errors";
import { AwsSandbox, createAwsSandbox, useSandboxInProcess } from "./support/aws";
import { botocoreProblems } from "./support/botocore";
import { runCliInProcess } from "./support/cli";
import { DETECTIONS_FIXTURE, pngImage } from "./support/fixtures";
import { Moto, startMoto } from "./support/moto";
import { projectRoot, ProjectRoot } from "./support/projectRoot";

const STACK = "staging";
const ACCOUNT = "123456789012";
const BUCKET = "lucaskle-ab3-project-pv";
const names = resourceNames("drone", STACK);
const versionArn = (version: number) => `arn:aws:sagemaker:us-east-1:${ACCOUNT}:model-package/${names.modelPackageGroup}/${version}`;
const stackFile = (version: number, monitoring = true) => `config:
  aws:profile: ab
  aws:region: us-east-1
  sagemaker-yolo:bucketMode: adopt
  sagemaker-yolo:deployment: true
  sagemaker-yolo:deployModelVersion: ${version}
  sagemaker-yolo:deployBaselineUri: s3://${BUCKET}/monitoring/baseline/run0000${version}/
  sagemaker-yolo:endpointMonitoring: ${monitoring}
  sagemaker-yolo:users:
    - name: ml-engineer
      role: ml-engineer
`;
const REPORT_FOLDER = `s3://${BUCKET}/monitoring/reports/${names.endpoint}/${names.monitoringSchedule}/2026/12/01/10`;
const MONITORING_JOB = "model-monitoring-202612011000-0123456789abcdef";

describe("cli endpoint and invoke against moto", () => {
    let moto: Moto;
    let sandbox: AwsSandbox;
    let restoreEnv: () => void;
    let sagemaker: SageMakerClient;
    let root: ProjectRoot;
    let scratch: string;
    /** The client mock of the running test, restored after it. */
    let mocked: { restore(): void } | undefined;

    before(async () => {
        moto = await startMoto(undefined, { binaryInvocations: true });
        sandbox = createAwsSandbox(moto.endpoint);
        restoreEnv = useSandboxInProcess(sandbox);
        sagemaker = new SageMakerClient({ profile: "ab" });
        scratch = fs.mkdtempSync(path.join(os.tmpdir(), "yolo-pipeline-images-"));
    });
    after(async () => {
        restoreEnv?.();
        sandbox?.remove();
        fs.rmSync(scratch, { recursive: true, force: true });
        await moto?.stop();
    });
    beforeEach(async () => {
        await moto.reset();
        root = projectRoot(STACK, stackFile(3));
    });
    afterEach(() => {
        mocked?.restore();
        mocked = undefined;
        root.remove();
    });

    /** The endpoint as the stack deploys it: a model built from a registered version, one variant, one instance. */
    async function createEndpoint(version = 3): Promise<void> {
        const modelName = `${names.endpoint}-v${version}`;
        await sagemaker.send(
            new CreateModelCommand({
                ModelName: modelName,
                ExecutionRoleArn: `arn:aws:iam::${ACCOUNT}:role/${names.endpointRole}`,
                PrimaryContainer: { ModelPackageName: versionArn(version) },
            }),
        );
        await sagemaker.send(
            new CreateEndpointConfigCommand({
                EndpointConfigName: `${names.endpoint}-v${version}`,
                ProductionVariants: [{ VariantName: "AllTraffic", ModelName: modelName, InstanceType: "ml.m5.xlarge", InitialInstanceCount: 1 }],
            }),
        );
        await sagemaker.send(new CreateEndpointCommand({ EndpointName: names.endpoint, EndpointConfigName: `${names.endpoint}-v${version}` }));
    }

    /** The schedule's last run: a monitoring processing job (in moto, whose DescribeProcessingJob gives its output folder). */
    async function createMonitoringJob(): Promise<void> {
        await sagemaker.send(
            new CreateProcessingJobCommand({
                ProcessingJobName: MONITORING_JOB,
                RoleArn: `arn:aws:iam::${ACCOUNT}:role/${names.endpointRole}`,
                AppSpecification: { ImageUri: "156813124566.dkr.ecr.us-east-1.amazonaws.com/sagemaker-model-monitor-analyzer" },
                ProcessingResources: { ClusterConfig: { InstanceCount: 1, InstanceType: "ml.m5.xlarge", VolumeSizeInGB: 20 } },
                ProcessingOutputConfig: { Outputs: [{ OutputName: "result", S3Output: { S3Uri: REPORT_FOLDER, LocalPath: "/opt/ml/processing/resultdata", S3UploadMode: "EndOfJob" } }] },
            }),
        );
    }

    /** Clients whose monitoring calls come from a client mock (moto lacks them); everything else goes to moto. */
    function clientsWithMonitoring(executions: object[] | "no schedule") {
        const clients = createClients({ profile: "ab", region: "us-east-1" });
        const sagemakerMock = mockClient(clients.sagemaker);
        mocked = sagemakerMock;
        sagemakerMock.send.callThrough();
        if (executions === "no schedule") {
            sagemakerMock.on(DescribeMonitoringScheduleCommand).rejects(Object.assign(new Error(`Monitoring schedule ${names.monitoringSchedule} not found`), { name: "ResourceNotFound", $fault: "client" }));
        } else {
            sagemakerMock.on(DescribeMonitoringScheduleCommand).resolves({ MonitoringScheduleName: names.monitoringSchedule, MonitoringScheduleStatus: "Scheduled" });
            sagemakerMock.on(ListMonitoringExecutionsCommand).resolves({ MonitoringExecutionSummaries: executions as never });
        }
        return { clients, mocked: sagemakerMock };
    }

    describe("endpoint", () => {
        it("moto really lacks the monitoring calls (HTTP 500), which is why they come from a client mock", async () => {
            const once = new SageMakerClient({ profile: "ab", maxAttempts: 1 });
            for (const command of [new ListMonitoringExecutionsCommand({ MonitoringScheduleName: names.monitoringSchedule }), new DescribeMonitoringScheduleCommand({ MonitoringScheduleName: names.monitoringSchedule })]) {
                const error = await once.send(command as never).then(
                    () => undefined,
                    (caught: { $metadata?: { httpStatusCode?: number } }) => caught,
                );
                expect(error?.$metadata?.httpStatusCode, command.constructor.name).to.equal(500);
            }
        });

        it("shows the endpoint's status, instance type, instances, the version its model was built from, and the last monitoring run with its violation report", async () => {
            await createEndpoint(3);
            await createMonitoringJob();
            const { clients, mocked } = clientsWithMonitoring([
                {
                    MonitoringScheduleName: names.monitoringSchedule,
                    ScheduledTime: new Date("2026-12-01T10:00:00Z"),
                    CreationTime: new Date("2026-12-01T10:01:00Z"),
                    LastModifiedTime: new Date("2026-12-01T10:20:00Z"),
                    MonitoringExecutionStatus: "CompletedWithViolations",
                    ProcessingJobArn: `arn:aws:sagemaker:us-east-1:${ACCOUNT}:processing-job/${MONITORING_JOB}`,
                    EndpointName: names.endpoint,
                },
            ]);
            const result = await runCliInProcess(["--stack", STACK, "endpoint"], { projectRoot: root.dir, clients });
            expect(result.code, result.stderr).to.equal(EXIT.ok);
            const [head, row, ...rest] = result.stdout.trim().split("\n");
            expect(head).to.match(/^ENDPOINT\s+STATUS\s+INSTANCE TYPE\s+INSTANCES \(CURRENT\/DESIRED\)\s+VERSION\s+LAST MODIFIED$/);
            expect(row).to.match(new RegExp(`^${names.endpoint}\\s+InService\\s+ml\\.m5\\.xlarge\\s+1/1\\s+3\\s+\\d{4}-\\d\\d-\\d\\dT`));
            expect(rest).to.deep.equal([
                `model: ${names.endpoint}-v3 from ${versionArn(3)}`,
                `monitoring: ${names.monitoringSchedule} (Scheduled): last execution CompletedWithViolations, scheduled 2026-12-01T10:00:00Z, report ${REPORT_FOLDER}/constraint_violations.json`,
            ]);
            const listed = mocked.commandCalls(ListMonitoringExecutionsCommand)[0].args[0].input;
            expect(listed).to.deep.equal({ MonitoringScheduleName: names.monitoringSchedule, SortBy: "ScheduledTime", SortOrder: "Descending", MaxResults: 1 });
            expect(botocoreProblems("ListMonitoringExecutions", listed)).to.equal("");
            expect(botocoreProblems("DescribeMonitoringSchedule", mocked.commandCalls(DescribeMonitoringScheduleCommand)[0].args[0].input)).to.equal("");
        });

        it("--json gives the same facts, and a stack file naming another version than the endpoint serves gets a note to run pulumi up", async () => {
            await createEndpoint(3);
            root.remove();
            root = projectRoot(STACK, stackFile(4));
            const { clients } = clientsWithMonitoring([]);
            const result = await runCliInProcess(["--stack", STACK, "--json", "endpoint"], { projectRoot: root.dir, clients });
            expect(result.code, result.stderr).to.equal(EXIT.ok);
            const shown = JSON.parse(result.stdout);
            expect(shown).to.deep.include({
                endpointName: names.endpoint,
                status: "InService",
                instanceType: "ml.m5.xlarge",
                currentInstanceCount: 1,
                desiredInstanceCount: 1,
                modelPackageArn: versionArn(3),
                deployedVersion: 3,
                configVersion: 4,
            });
            expect(shown.monitoring).to.deep.equal({ scheduleName: names.monitoringSchedule, exists: true, scheduleStatus: "Scheduled", lastExecution: null });

            const text = await runCliInProcess(["--stack", STACK, "endpoint"], { projectRoot: root.dir, clients });
            expect(text.stderr).to.include("note: Pulumi.staging.yaml deploys version 4, the endpoint serves 3: pulumi up --stack staging rolls the stack's choice out.");
            expect(text.stdout).to.include(`monitoring: ${names.monitoringSchedule} (Scheduled) has not run yet (daily)`);
        });

        it("says when the monitoring schedule does not exist, and asks nothing about monitoring where the stack turned it off", async () => {
            await createEndpoint(3);
            const { clients } = clientsWithMonitoring("no schedule");
            const missing = await runCliInProcess(["--stack", STACK, "endpoint"], { projectRoot: root.dir, clients });
            expect(missing.code, missing.stderr).to.equal(EXIT.ok);
            expect(missing.stdout).to.include(`monitoring: no schedule ${names.monitoringSchedule} (pulumi up --stack staging creates it)`);

            root.remove();
            root = projectRoot(STACK, stackFile(3, false));
            // Straight to moto: a monitoring call would answer HTTP 500 there and fail the command.
            const off = await runCliInProcess(["--stack", STACK, "endpoint"], { projectRoot: root.dir });
            expect(off.code, off.stderr).to.equal(EXIT.ok);
            expect(off.stdout).to.include("monitoring: off (endpointMonitoring: false in stack staging)");
        });

        it("a missing endpoint says how to get one (exit 1)", async () => {
            const result = await runCliInProcess(["--stack", STACK, "endpoint"], { projectRoot: root.dir });
            expect(result.code).to.equal(EXIT.error);
            expect(result.stderr).to.equal(`error: no endpoint ${names.endpoint}: deploy a version (yolo-pipeline --stack staging deploy <version>) and run pulumi up --stack staging.\n`);
        });
    });

    describe("invoke", () => {
        let png: string;
        before(() => {
            png = path.join(scratch, "frame-0001.png");
            fs.writeFileSync(png, pngImage());
        });

        it("sends the image's bytes with the content type its leading bytes say, and prints moto's queued answer as a table with the image statistics", async () => {
            await moto.queueEndpointResults([{ Body: JSON.stringify(DETECTIONS_FIXTURE), ContentType: "application/json", InvokedProductionVariant: "AllTraffic" }]);
            const clients = createClients({ profile: "ab", region: "us-east-1" });
            const runtime = mockClient(clients.sagemakerRuntime);
            mocked = runtime;
            runtime.send.callThrough();
            const result = await runCliInProcess(["--stack", STACK, "invoke", "--image", png], { projectRoot: root.dir, clients });
            expect(result.code, result.stderr).to.equal(EXIT.ok);
            expect(result.stdout).to.equal(
                [
                    "CLASS     SCORE  BOX (x1, y1, x2, y2 px)",
                    "vehicle   0.913  12.3, 40, 120.5, 98.8",
                    "person    0.642  300, 200.4, 318.6, 250",
                    "building  0.313  400, 10, 639, 300",
                    "image: PNG 640x480, 0.31 MP, 1234 bytes, brightness 118.4, contrast 41.1, sharpness 212.5, colour diversity 6.13 bits",
                    "",
                ].join("\n"),
            );
            expect(result.stderr).to.include(`${names.endpoint} (yolo11n abababababab, variant AllTraffic): 3 detections at confidence >= 0.25`);
            const sent = runtime.commandCalls(InvokeEndpointCommand)[0].args[0].input;
            expect(sent).to.deep.include({ EndpointName: names.endpoint, ContentType: "image/png", Accept: "application/json" });
            expect(Buffer.from(sent.Body as Uint8Array).equals(fs.readFileSync(png))).to.equal(true);
            expect(botocoreProblems("InvokeEndpoint", { ...sent, Body: "(bytes)" }, "sagemaker-runtime")).to.equal("");
        });

        it("--min-confidence hides weaker boxes; --json prints the answer exactly as it came", async () => {
            const body = JSON.stringify(DETECTIONS_FIXTURE);
            await moto.queueEndpointResults([{ Body: body, ContentType: "application/json" }]);
            const filtered = await runCliInProcess(["--stack", STACK, "invoke", "--image", png, "--min-confidence", "0.5"], { projectRoot: root.dir });
            expect(filtered.code, filtered.stderr).to.equal(EXIT.ok);
            expect(filtered.stdout).to.include("vehicle").and.include("person").and.not.include("building");
            expect(filtered.stderr).to.include("3 detections at confidence >= 0.25, 2 with score >= 0.5");
            // moto answers a request it has seen before with the same result.
            const json = await runCliInProcess(["--stack", STACK, "--json", "invoke", "--image", png], { projectRoot: root.dir });
            expect(json.code, json.stderr).to.equal(EXIT.ok);
            expect(json.stdout).to.equal(`${body}\n`);
        });

        it("refuses an answer that is not JSON (moto's default without a queued result) or not the detections schema (exit 1)", async () => {
            const notJson = await runCliInProcess(["--stack", STACK, "invoke", "--image", png], { projectRoot: root.dir });
            expect(notJson.code).to.equal(EXIT.error);
            expect(notJson.stderr).to.include(`${names.endpoint} answered something that is not JSON ("body")`);

            const other = path.join(scratch, "other.png");
            fs.writeFileSync(other, pngImage(8, 8));
            await moto.queueEndpointResults([{ Body: JSON.stringify({ ...DETECTIONS_FIXTURE, detections: [{ class_id: 0, score: 1.5 }] }), ContentType: "application/json" }]);
            const invalid = await runCliInProcess(["--stack", STACK, "invoke", "--image", other], { projectRoot: root.dir });
            expect(invalid.code).to.equal(EXIT.error);
            expect(invalid.stderr).to.include("does not follow pipeline-scripts/detections.schema.json").and.include("/detections/0 must have required property 'class_name'");
        });

        it("the fixture is what the schema describes, so the table test shows a real answer's shape", () => {
            expect(detectionsProblems(DETECTIONS_FIXTURE)).to.deep.equal([]);
        });

        it("refuses files that are not images, too large, empty or missing, a content type the data contradicts and a bad --min-confidence, before any AWS client exists (exit 2)", async () => {
            const text = path.join(scratch, "notes.txt");
            fs.writeFileSync(text, "not an image\n");
            const large = path.join(scratch, "large.jpg");
            fs.writeFileSync(large, Buffer.from([0xff, 0xd8, 0xff, 0xe0]));
            fs.truncateSync(large, 6 * 1024 * 1024 + 1);
            const empty = path.join(scratch, "empty.png");
            fs.writeFileSync(empty, "");
            for (const [args, fragment] of [
                [["--image", text], `--image: ${JSON.stringify(text)} is neither a JPEG nor a PNG image (by its leading bytes)`],
                [["--image", large], `is 6291457 bytes; InvokeEndpoint takes at most 6291456 (6 MB)`],
                [["--image", empty], "is empty"],
                [["--image", path.join(scratch, "missing.jpg")], "no such file"],
                [["--image", scratch], "is not a file"],
                [["--image", png, "--content-type", "image/jpeg"], "--content-type: image/jpeg does not match the file, which is PNG data"],
                [["--image", png, "--content-type", "text/plain"], "Allowed choices are auto, image/jpeg, image/png, application/x-image"],
                [["--image", png, "--min-confidence", "1.5"], '--min-confidence: "1.5" is not allowed; expected a number from 0 to 1.'],
                [[], "required option '--image <file>' not specified"],
            ] as const) {
                const result = await runCliInProcess(["--stack", STACK, "invoke", ...args], { projectRoot: root.dir });
                expect(result.code, `${args.join(" ")}: ${result.stderr}`).to.equal(EXIT.usage);
                expect(result.clientsCreated).to.equal(0);
                expect(result.stderr).to.include(fragment);
            }
        });

        it("AWS's answer for a missing endpoint says how to get one, a model error names the container's status (aws-sdk-client-mock: moto answers every name and runs no model)", async () => {
            const clients = createClients({ profile: "ab", region: "us-east-1" });
            const runtime = mockClient(clients.sagemakerRuntime);
            mocked = runtime;
            runtime
                .on(InvokeEndpointCommand)
                .rejectsOnce(new SageMakerRuntimeServiceException({ name: "ValidationError", $fault: "client", $metadata: {}, message: `Endpoint ${names.endpoint} of account ${ACCOUNT} not found.` }))
                .rejectsOnce(new ModelError({ $metadata: {}, message: "Received client error (415) from primary", OriginalStatusCode: 415, OriginalMessage: "Content type 'image/gif' is not supported." }));
            const missing = await runCliInProcess(["--stack", STACK, "invoke", "--image", png], { projectRoot: root.dir, clients });
            expect(missing.code).to.equal(EXIT.error);
            expect(missing.stderr).to.equal(`error: no endpoint ${names.endpoint}: deploy a version (yolo-pipeline --stack staging deploy <version>) and run pulumi up --stack staging.\n`);
            const failed = await runCliInProcess(["--stack", STACK, "invoke", "--image", png], { projectRoot: root.dir, clients });
            expect(failed.code).to.equal(EXIT.error);
            expect(failed.stderr).to.include(`error: ModelError: the model behind ${names.endpoint} answered HTTP 415: Content type 'image/gif' is not supported.`);
        });
    });
});

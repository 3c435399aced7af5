// The CLI against the AWS API emulator (moto server from .venv, started and stopped here), with the dev
// stack's own pipeline definition. Exit codes and "nothing was started" are checked on real subprocesses
// of the npm bin shim; the rest runs the same `run()` in-process to spare a ts-node start per test.
// moto lacks ListPipelineExecutionSteps, so the watch and executions tests take only the step list from a
// client mock and everything else (execution, definition, parameters, the report in S3) from moto.
import { CreateBucketCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import {
    CreatePipelineCommand,
    DescribePipelineExecutionCommand,
    ListPipelineExecutionsCommand,
    ListPipelineExecutionStepsCommand,
    ListPipelineParametersForExecutionCommand,
    PipelineExecutionStep,
    SageMakerClient,
    StartPipelineExecutionCommand,
} from "@aws-sdk/client-sagemaker";
import { mockClient } from "aws-sdk-client-mock";
import { expect } from "chai";
import { createHash, randomUUID } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { EVALUATION_REPORT, PARAMETERS, STEPS } from "../../components/pipelineDefinition";
import { PREFIXES } from "../../components/s3Layout";
import { createClients } from "../../cli/clients";
import { EXIT } from "../../cli/errors";
import { AwsSandbox, createAwsSandbox, subprocessEnv, useSandboxInProcess } from "./support/aws";
import { CliResult, runCliInProcess, runCliProcess } from "./support/cli";
import { EVALUATION_REPORT_FIXTURE, MODEL_PACKAGE_ARN, registerModelStep, step } from "./support/fixtures";
import { Moto, startMoto } from "./support/moto";
import { stackPipeline, StackPipeline } from "./support/stack";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe("cli moto harness", () => {
    it("fails, never skips, with the setup command when moto_server is missing", async () => {
        const error = await startMoto("/nonexistent/.venv/bin/moto_server").then(
            () => expect.fail("started without a server"),
            (e: Error) => e,
        );
        expect(error.message).to.include("/nonexistent/.venv/bin/moto_server").and.include("Run `bash tools/setup-python.sh`");
    });
});

describe("cli against moto", () => {
    let moto: Moto;
    let stack: StackPipeline;
    let sandbox: AwsSandbox;
    let env: NodeJS.ProcessEnv;
    let restoreEnv: (() => void) | undefined;
    let sagemaker: SageMakerClient;
    let s3: S3Client;
    /** Subprocess runs that neither change nor depend on emulator state, started together in `before` so their ts-node start-ups overlap. */
    let refusedProfile: Promise<CliResult>;
    let refusedStop: Promise<CliResult>;
    let missingPipeline: Promise<CliResult>;

    before(async () => {
        [moto, stack] = await Promise.all([startMoto(), stackPipeline()]);
        sandbox = createAwsSandbox(moto.endpoint);
        env = subprocessEnv(sandbox);
        restoreEnv = useSandboxInProcess(sandbox);
        sagemaker = new SageMakerClient({ profile: "ab" });
        s3 = new S3Client({ profile: "ab", forcePathStyle: true });
        refusedProfile = runCliProcess(["--profile", "admin", "list"], env);
        refusedStop = runCliProcess(["stop", `arn:aws:sagemaker:us-east-1:123456789012:pipeline/${stack.name}/execution/abc123`], env);
        // Asks moto about a pipeline no test creates, so a reset in between changes nothing.
        missingPipeline = runCliProcess(["start", "--pipeline", "no-such-pipeline"], env);
    });

    after(async () => {
        await Promise.allSettled([refusedProfile, refusedStop, missingPipeline]);
        restoreEnv?.();
        sandbox?.remove();
        await moto?.stop();
    });

    beforeEach(async () => {
        await moto.reset();
        await sagemaker.send(
            new CreatePipelineCommand({
                PipelineName: stack.name,
                PipelineDefinition: stack.definitionJson,
                RoleArn: stack.roleArn,
                ClientRequestToken: randomUUID(),
            }),
        );
    });

    let mocked: ReturnType<typeof mockClient> | undefined;
    afterEach(() => mocked?.restore());
    const TRAINED = [step(STEPS.evaluate, "Succeeded", 601, 690), step(STEPS.train, "Succeeded", 5, 600)];

    /** Real clients on moto, except the one call moto does not implement: each execution's steps come from `stepsOf`. */
    function clientsWithMockedSteps(stepsOf: (executionArn: string) => PipelineExecutionStep[] = () => TRAINED) {
        const clients = createClients({ profile: "ab" });
        mocked = mockClient(clients.sagemaker);
        mocked.send.callThrough();
        mocked.on(ListPipelineExecutionStepsCommand).callsFake((input: { PipelineExecutionArn: string }) => ({ PipelineExecutionSteps: stepsOf(input.PipelineExecutionArn) }));
        return clients;
    }

    const executions = async (pipelineName = stack.name) =>
        (await sagemaker.send(new ListPipelineExecutionsCommand({ PipelineName: pipelineName }))).PipelineExecutionSummaries ?? [];
    const parametersOf = async (arn: string) =>
        (await sagemaker.send(new ListPipelineParametersForExecutionCommand({ PipelineExecutionArn: arn }))).PipelineParameters ?? [];
    const startDirectly = async () =>
        (await sagemaker.send(new StartPipelineExecutionCommand({ PipelineName: stack.name, ClientRequestToken: randomUUID() }))).PipelineExecutionArn!;

    it("list (subprocess) shows the stack's pipeline with its last execution's status", async () => {
        await startDirectly();
        const result = await runCliProcess(["list"], env);
        expect(result.code, result.stderr).to.equal(EXIT.ok);
        const [head, row] = result.stdout.trim().split("\n");
        expect(head).to.match(/^NAME\s+CREATED\s+LAST MODIFIED\s+LAST EXECUTION\s+STATUS$/);
        expect(row).to.match(new RegExp(`^${stack.name}\\s+\\S+Z\\s+\\S+Z\\s+\\S+Z\\s+Succeeded$`));
    });

    it("list --json (in-process) gives each pipeline's times and last execution, null without one", async () => {
        await sagemaker.send(new CreatePipelineCommand({ PipelineName: "another-pipeline", PipelineDefinition: stack.definitionJson, RoleArn: stack.roleArn, ClientRequestToken: randomUUID() }));
        const arn = await startDirectly();
        const result = await runCliInProcess(["--json", "list"]);
        expect(result.code, result.stderr).to.equal(EXIT.ok);
        const rows = JSON.parse(result.stdout);
        expect(rows.map((r: { name: string }) => r.name)).to.deep.equal(["another-pipeline", stack.name]);
        expect(rows[0].lastExecution).to.equal(null);
        expect(rows[1].lastExecution).to.include({ arn, status: "Succeeded" });
        expect(new Date(rows[1].created).getTime()).to.be.a("number").and.not.NaN;
    });

    it("start (subprocess) without flags starts one execution with the definition's defaults and says where the name came from", async () => {
        const result = await runCliProcess(["start"], env);
        expect(result.code, result.stderr).to.equal(EXIT.ok);
        expect(result.stderr).to.include(`pipeline ${stack.name} (derived from stack dev, namePrefix`);
        const started = await executions();
        expect(started.map((e) => e.PipelineExecutionArn)).to.deep.equal([result.stdout.trim()]);
        expect(await parametersOf(result.stdout.trim())).to.deep.equal([]);
    });

    it("start (in-process) with flags and --param sends exactly those values, display name and description", async () => {
        const result = await runCliInProcess([
            "start", "--epochs", "100", "--instance-type", "ml.g5.xlarge", "--param", `${PARAMETERS.seed}=7`,
            "--input-data", `s3://${stack.bucket}/datasets/drone-v2/`, "--display-name", "seed-7", "--description", "seed sweep",
        ]);
        expect(result.code, result.stderr).to.equal(EXIT.ok);
        const arn = result.stdout.trim();
        expect(await parametersOf(arn)).to.deep.equal([
            { Name: PARAMETERS.inputData, Value: `s3://${stack.bucket}/datasets/drone-v2/` },
            { Name: PARAMETERS.epochs, Value: "100" },
            { Name: PARAMETERS.seed, Value: "7" },
            { Name: PARAMETERS.trainingInstanceType, Value: "ml.g5.xlarge" },
        ]);
        const execution = await sagemaker.send(new DescribePipelineExecutionCommand({ PipelineExecutionArn: arn }));
        expect(execution).to.include({ PipelineExecutionDisplayName: "seed-7", PipelineExecutionDescription: "seed sweep" });
    });

    it("start (in-process) sends a fingerprint of the input's listing, so PrepareDataset's cache key changes exactly when the objects do", async () => {
        const bucket = stack.bucket;
        const folder = "datasets/drone-detection/"; // the definition's default InputData
        const fingerprintOf = async (...args: string[]) => {
            const result = await runCliInProcess(["start", ...args, "--dry-run"]);
            expect(result.code, result.stderr).to.equal(EXIT.ok);
            const sent = JSON.parse(result.stdout).PipelineParameters as { Name: string; Value: string }[];
            return { value: sent.find((p) => p.Name === PARAMETERS.inputFingerprint)?.Value, sent, stderr: result.stderr };
        };
        // A listing S3 refuses (the bucket is not there yet) starts the run without one and says what that costs.
        const unlisted = await fingerprintOf();
        expect(unlisted.value).to.equal(undefined);
        expect(unlisted.stderr).to.include(`warning: s3://${bucket}/${folder} could not be listed (NoSuchBucket:`).and.include("InputFingerprint stays empty");

        await s3.send(new CreateBucketCommand({ Bucket: bucket }));
        const put = async (key: string, body: string) => (await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }))).ETag;
        const etags = { [`${folder}annotations.json`]: await put(`${folder}annotations.json`, "{}"), [`${folder}a.jpg`]: await put(`${folder}a.jpg`, "jpeg-a") };

        const first = await fingerprintOf();
        // SHA-256 of `key TAB ETag TAB size` lines in key order, from what S3 answered the uploads.
        const lines = Object.entries(etags).map(([key, etag]) => `${key}\t${etag}\t${key.endsWith(".json") ? 2 : 6}\n`).sort();
        expect(first.value).to.equal(createHash("sha256").update(lines.join("")).digest("hex"));
        expect(first.stderr).to.include(`note: input s3://${bucket}/${folder}: 2 object(s), InputFingerprint ${first.value!.slice(0, 12)}…`);
        expect((await fingerprintOf()).value, "same objects").to.equal(first.value);
        await put("datasets/other/b.jpg", "elsewhere");
        expect((await fingerprintOf()).value, "an object outside the prefix").to.equal(first.value);
        await put(`${folder}b.jpg`, "jpeg-b");
        const added = await fingerprintOf();
        expect(added.value, "a new upload").to.not.equal(first.value);
        await put(`${folder}b.jpg`, "jpeg-b, labelled again");
        expect((await fingerprintOf()).value, "an overwritten object").to.not.equal(added.value);

        // A replayed trigger (InputData the bucket, InputKey a marker) lists the marker's folder, as PrepareDataset reads it.
        await put(`${folder}_READY`, "ready");
        const marked = await fingerprintOf("--input-data", `s3://${bucket}/`, "--input-key", `${folder}_READY`);
        expect(marked.value).to.equal((await fingerprintOf()).value);
        // A value given by hand wins.
        expect((await fingerprintOf("--param", `${PARAMETERS.inputFingerprint}=again-1`)).value).to.equal("again-1");

        // A real start sends it with the rest, LabelAttribute of a chained labeling job's manifest included.
        const started = await runCliInProcess(["start", "--param", `${PARAMETERS.labelAttribute}=drone-boxes-adjusted`]);
        expect(started.code, started.stderr).to.equal(EXIT.ok);
        expect(await parametersOf(started.stdout.trim())).to.deep.equal([
            { Name: PARAMETERS.inputFingerprint, Value: marked.value },
            { Name: PARAMETERS.labelAttribute, Value: "drone-boxes-adjusted" },
        ]);
    });

    it("start (subprocess) with bad values exits 2, names each flag, value and what is allowed, and starts nothing", async () => {
        const result = await runCliProcess(["start", "--epochs", "0", "--instance-type", "ml.p3.2xlarge", "--input-data", "/data/drone"], env);
        expect(result.code).to.equal(EXIT.usage);
        const errors = result.stderr.split("\n").filter((line) => line.startsWith("error: "));
        expect(errors).to.have.length(3);
        expect(errors[0]).to.match(/^error: --epochs: "0" is not allowed for pipeline parameter Epochs; expected an integer from 1 to \d+\.$/);
        expect(errors[1]).to.include('--instance-type: "ml.p3.2xlarge" is not allowed').and.include("ml.g4dn.xlarge");
        expect(errors[2]).to.include('--input-data: "/data/drone" is not allowed').and.include("s3://");
        expect(await executions()).to.deep.equal([]);
    });

    it("start (in-process) above the run-cost ceiling exits 2 and starts nothing", async () => {
        const result = await runCliInProcess(["start", "--instance-type", "ml.g5.12xlarge", "--instance-count", "4"]);
        expect(result.code).to.equal(EXIT.usage);
        expect(result.stderr).to.include("worst-case run cost").and.include("maxRunCostUsd");
        expect(await executions()).to.deep.equal([]);
    });

    it("start (in-process) refused above the default ceiling starts under a --policy-pack-config (or YOLO_POLICY_PACK_CONFIG) that raises maxRunCostUsd", async () => {
        const folder = fs.mkdtempSync(path.join(os.tmpdir(), "pack-config-"));
        try {
            const config = path.join(folder, "policy-config.json");
            fs.writeFileSync(config, JSON.stringify({ "sagemaker-pipeline-run-cost": { maxRunCostUsd: 1000 }, "iam-known-actions": { additionalActions: [] } }));
            const dear = ["start", "--instance-type", "ml.g5.12xlarge", "--instance-count", "4"];
            expect((await runCliInProcess(dear)).code).to.equal(EXIT.usage);

            const started = await runCliInProcess([...dear, "--policy-pack-config", config]);
            expect(started.code, started.stderr).to.equal(EXIT.ok);
            expect(started.stderr).to.match(/worst-case run cost \$\d+\.\d\d of the \$1000\.00 ceiling \(limits from --policy-pack-config .*policy-config\.json\)/);
            expect(await parametersOf(started.stdout.trim())).to.deep.equal([
                { Name: PARAMETERS.trainingInstanceType, Value: "ml.g5.12xlarge" },
                { Name: PARAMETERS.trainingInstanceCount, Value: "4" },
            ]);
            const fromEnv = await runCliInProcess([...dear, "--dry-run"], { env: { YOLO_POLICY_PACK_CONFIG: config } });
            expect(fromEnv.code, fromEnv.stderr).to.equal(EXIT.ok);
            expect(fromEnv.stderr).to.match(/of the \$1000\.00 ceiling \(limits from YOLO_POLICY_PACK_CONFIG .*policy-config\.json\)/);
            expect(await executions()).to.have.length(1);
        } finally {
            fs.rmSync(folder, { recursive: true, force: true });
        }
    });

    it("start --dry-run (subprocess) prints the exact StartPipelineExecution request and starts nothing", async () => {
        const result = await runCliProcess(["start", "--epochs", "100", "--instance-type", "ml.g5.xlarge", "--dry-run"], env);
        expect(result.code, result.stderr).to.equal(EXIT.ok);
        const request = JSON.parse(result.stdout);
        expect(request).to.have.keys(["PipelineName", "PipelineParameters", "ClientRequestToken"]);
        expect(request.PipelineName).to.equal(stack.name);
        expect(request.PipelineParameters).to.deep.equal([
            { Name: PARAMETERS.epochs, Value: "100" },
            { Name: PARAMETERS.trainingInstanceType, Value: "ml.g5.xlarge" },
        ]);
        expect(request.ClientRequestToken).to.match(UUID);
        expect(result.stderr).to.include(`dry run: checked against the deployed definition of ${stack.name};`).and.include("StartPipelineExecution was not called");
        expect(result.stderr).to.not.include("differs from this checkout's");
        expect(await executions()).to.deep.equal([]);
    });

    /** Replaces the emulated pipeline's definition with the stack's, changed by `edit`, as an older or newer deployment would have it. */
    async function deployEdited(edit: (definition: StackPipeline["definition"]) => void): Promise<void> {
        const definition = structuredClone(stack.definition);
        edit(definition);
        await moto.reset();
        await sagemaker.send(
            new CreatePipelineCommand({ PipelineName: stack.name, PipelineDefinition: JSON.stringify(definition), RoleArn: stack.roleArn, ClientRequestToken: randomUUID() }),
        );
    }

    it("start (in-process) refuses what only the deployed definition can tell: a parameter the checkout has and the deployed pipeline lacks; exit 2, nothing started", async () => {
        await deployEdited((definition) => {
            definition.Parameters = definition.Parameters.filter((parameter) => parameter.Name !== PARAMETERS.seed);
        });
        const result = await runCliInProcess(["start", "--seed", "7"]);
        expect(result.code).to.equal(EXIT.usage);
        expect(result.stderr).to.include(`error: --seed: pipeline '${stack.name}' has no parameter "${PARAMETERS.seed}"`);
        expect(await executions()).to.deep.equal([]);
    });

    it("start --dry-run (in-process) notes a deployed definition that differs from the checkout's, and checks against both", async () => {
        await deployEdited((definition) => {
            definition.Parameters.find((parameter) => parameter.Name === PARAMETERS.epochs)!.DefaultValue = 7;
        });
        const result = await runCliInProcess(["start", "--epochs", "20", "--dry-run"]);
        expect(result.code, result.stderr).to.equal(EXIT.ok);
        expect(result.stderr).to.include(`note: the deployed definition of ${stack.name} differs from this checkout's (\`pulumi up\` deploys it); the values were checked against both.`);
        expect(JSON.parse(result.stdout).PipelineParameters).to.deep.equal([{ Name: PARAMETERS.epochs, Value: "20" }]);
    });

    it("start (subprocess) of a pipeline that does not exist prints one error line naming where to look and exits 1", async () => {
        const result = await missingPipeline;
        expect(result.code).to.equal(EXIT.error);
        // moto answers ValidationException here; AWS answers ResourceNotFound. Either way: what is missing, where, no stack trace.
        expect(result.stderr.trim().split("\n")).to.deep.equal([
            "pipeline no-such-pipeline (given by --pipeline)",
            'error: pipeline no-such-pipeline does not exist in us-east-1 for profile "ab". `yolo-pipeline list` shows the pipelines there.',
        ]);
    });

    describe("before the stack is deployed (moto reset: no pipeline, no model package group)", () => {
        const notDeployed = (what: string) =>
            `error: ${what} does not exist in us-east-1 for profile "ab": stack dev is not deployed there yet. Run \`pulumi up --stack dev\` (or use the profile and region it was deployed with).`;

        it("start --dry-run prints the request built from the checkout's definition and says it was not compared, exit 0; without --dry-run one line with the fix, exit 1", async () => {
            await moto.reset();
            const dryRun = await runCliInProcess(["start", "--epochs", "5", "--dry-run", "--client-request-token", "0123456789abcdef0123456789abcdef"]);
            expect(dryRun.code, dryRun.stderr).to.equal(EXIT.ok);
            expect(JSON.parse(dryRun.stdout)).to.deep.equal({
                PipelineName: stack.name,
                PipelineParameters: [{ Name: PARAMETERS.epochs, Value: "5" }],
                ClientRequestToken: "0123456789abcdef0123456789abcdef",
            });
            const lines = dryRun.stderr.trim().split("\n");
            expect(lines[1]).to.equal(`note: not compared with the deployed pipeline, nothing is deployed to compare with: ${notDeployed(`pipeline ${stack.name}`).slice("error: ".length)}`);
            expect(lines[2]).to.match(/^dry run: checked against stack dev's definition in this checkout only; .*StartPipelineExecution was not called\. The request:$/);
            const start = await runCliInProcess(["start", "--epochs", "5"]);
            expect(start).to.include({ code: EXIT.error, stdout: "" });
            expect(start.stderr.split("\n").filter((line) => line.startsWith("error: "))).to.deep.equal([notDeployed(`pipeline ${stack.name}`)]);
            expect(await executions().catch((error: Error) => error.name)).to.equal("ValidationException");
        });

        const execution = `arn:aws:sagemaker:us-east-1:123456789012:pipeline/drone-dev-yolo11-training/execution/abc123`;
        const cases: [string[], string][] = [
            [["watch", "latest"], "pipeline drone-dev-yolo11-training"],
            [["watch", execution], "pipeline drone-dev-yolo11-training"],
            [["executions"], "pipeline drone-dev-yolo11-training"],
            [["stop", "--yes", execution], "pipeline drone-dev-yolo11-training"],
            [["models"], "model package group drone-dev-yolo11-detector"],
            [["approve", "--yes", "1"], "model package group drone-dev-yolo11-detector"],
            [["reject", "--yes", "--reason", "worse", "1"], "model package group drone-dev-yolo11-detector"],
        ];
        for (const [args, what] of cases) {
            it(`${args.join(" ")}: one line naming \`pulumi up --stack dev\`, exit 1`, async () => {
                await moto.reset();
                const result = await runCliInProcess(args);
                expect(result.code, result.stderr).to.equal(EXIT.error);
                expect(result.stderr.split("\n").filter((line) => line.startsWith("error: "))).to.deep.equal([notDeployed(what)]);
            });
        }

        it("a region other than the stack's is named as the cause", async () => {
            await moto.reset();
            const result = await runCliInProcess(["--region", "eu-west-1", "executions"]);
            expect(result.code).to.equal(EXIT.error);
            expect(result.stderr).to.include('error: pipeline drone-dev-yolo11-training does not exist in eu-west-1 for profile "ab": stack dev deploys to us-east-1, not eu-west-1. Pass --region us-east-1.\n');
        });
    });

    it("executions (in-process; ListPipelineExecutionSteps from a client mock, moto lacks it) lists the newest first with status, start, duration, parameters on request, and the model a run registered", async () => {
        const first = (await runCliInProcess(["start", "--epochs", "10"])).stdout.trim();
        const second = (await runCliInProcess(["start", "--epochs", "20", "--display-name", "second"])).stdout.trim();
        const registered = MODEL_PACKAGE_ARN;
        const clients = clientsWithMockedSteps((arn) => (arn === second ? [registerModelStep(STEPS.register, registered, 700), ...TRAINED] : TRAINED));

        const table = await runCliInProcess(["executions", "--parameters"], { clients });
        expect(table.code, table.stderr).to.equal(EXIT.ok);
        const [head, ...rows] = table.stdout.trim().split("\n");
        expect(head).to.match(/^EXECUTION ARN\s+DISPLAY NAME\s+STATUS\s+STARTED\s+DURATION\s+PARAMETERS$/);
        expect(rows[0]).to.match(new RegExp(`^${second}\\s+second\\s+Succeeded\\s+\\S+Z\\s+\\d+s\\s+Epochs=20$`));
        expect(rows[1]).to.match(new RegExp(`^${first}\\s+-\\s+Succeeded\\s+\\S+Z\\s+\\d+s\\s+Epochs=10$`));
        expect(rows.slice(2)).to.deep.equal([`${second} registered ${registered}`]);

        const limited = JSON.parse((await runCliInProcess(["--json", "executions", "--max-results", "1"], { clients })).stdout);
        expect(limited).to.have.length(1);
        expect(limited[0]).to.include({ arn: second, status: "Succeeded", displayName: "second", modelPackageArn: registered });
        expect(limited[0]).to.not.have.property("parameters");
    });

    describe("watch (moto, with ListPipelineExecutionSteps from a client mock since moto lacks it)", () => {

        it("prints the metrics of evaluation.json from the emulated bucket and exits 0", async () => {
            const arn = (await runCliInProcess(["start"])).stdout.trim();
            const executionId = arn.split("/").pop();
            await s3.send(new CreateBucketCommand({ Bucket: stack.bucket }));
            await s3.send(
                new PutObjectCommand({
                    Bucket: stack.bucket,
                    Key: `${PREFIXES.evaluation}${executionId}/${EVALUATION_REPORT.filePath}`,
                    Body: JSON.stringify(EVALUATION_REPORT_FIXTURE),
                }),
            );
            const result = await runCliInProcess(["watch", arn], { clients: clientsWithMockedSteps() });
            expect(result.code, result.stderr).to.equal(EXIT.ok);
            expect(result.stdout).to.match(new RegExp(`step ${STEPS.train} Succeeded after 9m 55s\n.*step ${STEPS.evaluate} Succeeded after 1m 29s\n.*execution Succeeded`));
            expect(result.stdout).to.include(`Evaluation on the test split, s3://${stack.bucket}/${PREFIXES.evaluation}${executionId}/${EVALUATION_REPORT.filePath}`);
            expect(result.stdout).to.match(/mAP50\s+0\.812/).and.match(/mAP50-95\s+0\.535/).and.match(/vehicle\s+198\s+0\.770/);
            expect(result.sleeps, "a Succeeded execution needs no second check").to.deep.equal([]);
        });

        it("watch latest notes a missing evaluation.json instead of failing, and exits 0", async () => {
            await startDirectly();
            await s3.send(new CreateBucketCommand({ Bucket: stack.bucket }));
            const result = await runCliInProcess(["watch", "latest"], { clients: clientsWithMockedSteps() });
            expect(result.code, result.stderr).to.equal(EXIT.ok);
            expect(result.stderr).to.match(/note: no evaluation report at s3:\/\/\S+\/evaluation\.json \(NoSuchKey\)/);
        });
    });

    it("stop --yes (in-process) of an execution that already Succeeded says there is nothing to stop and exits 0", async () => {
        const arn = await startDirectly();
        const result = await runCliInProcess(["stop", "--yes", arn]);
        expect(result.code, result.stderr).to.equal(EXIT.ok);
        expect(result.stderr).to.equal("execution already Succeeded; nothing to stop\n");
    });

    it("stop (subprocess) refuses without a terminal and without --yes: exit 2", async () => {
        const result = await refusedStop;
        expect(result.code).to.equal(EXIT.usage);
        expect(result.stderr).to.include("refusing to stop").and.include("Pass --yes");
    });

    it("a profile outside the stack's allowedProfiles (subprocess) exits 2 with the allowed list", async () => {
        const result = await refusedProfile;
        expect(result.code).to.equal(EXIT.usage);
        expect(result.stderr).to.match(/^error: --profile "admin" is not allowed; stack dev allows ab /);
    });
});

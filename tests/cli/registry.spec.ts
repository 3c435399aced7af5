// The model registry commands (models, approve, reject) against the AWS API emulator: moto's server from
// .venv (tests/cli/support/moto.ts), a model package group named like the stack's, and versions registered
// with the CustomerMetadataProperties keys of the dev stack's own RegisterModel step. Results are read
// back with the SDK. Who may approve is checked with the actions of the stack's own persona policies, as
// IAM users in moto with its IAM authorization on (moto matches SageMaker requests against resource `*`,
// so the policies' resources are widened to `*`: the test holds the personas' actions, not their scoping).
import { CreateModelPackageCommand, CreateModelPackageGroupCommand, DescribeModelPackageCommand, SageMakerClient } from "@aws-sdk/client-sagemaker";
import { expect } from "chai";
import { dataScientistPolicy, mlEngineerPolicy, Scope } from "../../components/iamDocuments";
import { resourceNames } from "../../components/naming";
import { MODEL_METADATA, QUALITY_METRICS, QualityMetric, RegisterModelStep, STEPS } from "../../components/pipelineDefinition";
import { loadStack } from "../../cli/context";
import { allSteps } from "../../cli/definition";
import { EXIT } from "../../cli/errors";
import { PROJECT_ROOT } from "../../tools/stackConfig";
import { AwsSandbox, createAwsSandbox, subprocessEnv, TEST_REGION, useSandboxInProcess } from "./support/aws";
import { CliResult, runCliInProcess, runCliProcess } from "./support/cli";
import { actionsOnAnyResource, createIamUser, credentialsFile, setIamAuthorization } from "./support/iam";
import { Moto, startMoto } from "./support/moto";
import { stackPipeline } from "./support/stack";

const ACCOUNT = "123456789012";
const stackConfig = loadStack("dev", PROJECT_ROOT);
const names = resourceNames(stackConfig.namePrefix, stackConfig.stack);
const GROUP = names.modelPackageGroup;
const executionArn = (id: string) => `arn:aws:sagemaker:${TEST_REGION}:${ACCOUNT}:pipeline/${names.pipeline}/execution/${id}`;
const versionArn = (version: number, group = GROUP) => `arn:aws:sagemaker:${TEST_REGION}:${ACCOUNT}:model-package/${group.toLowerCase()}/${version}`;

type Metrics = Record<QualityMetric, number>;
const METRICS: Record<number, Metrics> = {
    1: { mAP50_95: 0.4811, mAP50: 0.7702, precision: 0.7403, recall: 0.6604 },
    2: { mAP50_95: 0.3125, mAP50: 0.6, precision: 0.7, recall: 0.5 },
    3: { mAP50_95: 0.5347, mAP50: 0.8123, precision: 0.7781, recall: 0.7012 },
};

describe("cli model registry against moto (models, approve, reject)", () => {
    let moto: Moto;
    let sandbox: AwsSandbox;
    let restoreEnv: (() => void) | undefined;
    let sagemaker: SageMakerClient;
    /** CustomerMetadataProperties keys of the dev stack's RegisterModel step: the registry holds what the pipeline writes. */
    let metadataKeys: string[];
    /** Runs that need no emulator state, started together in `before` so that their ts-node start-ups overlap. */
    let unconfirmed: Promise<CliResult>;

    before(async () => {
        const [started, pipeline] = await Promise.all([startMoto(), stackPipeline()]);
        moto = started;
        sandbox = createAwsSandbox(moto.endpoint);
        restoreEnv = useSandboxInProcess(sandbox);
        sagemaker = new SageMakerClient({ profile: "ab" });
        const register = allSteps(pipeline.deployed.Steps).find((step) => step.Type === "RegisterModel") as RegisterModelStep | undefined;
        expect(register?.Name, "the dev stack registers models").to.equal(STEPS.register);
        metadataKeys = Object.keys(register!.Arguments.CustomerMetadataProperties ?? {});
        unconfirmed = runCliProcess(["approve", "3"], subprocessEnv(sandbox));
    });

    after(async () => {
        await Promise.allSettled([unconfirmed]);
        restoreEnv?.();
        sandbox?.remove();
        await moto?.stop();
    });

    /** Registers a version as the pipeline's RegisterModel step would (status and metadata optional). */
    async function registerVersion(options: { status?: string; metrics?: Metrics; execution?: string; group?: string } = {}): Promise<string> {
        const values: Record<string, string> = {
            ...(options.metrics ? Object.fromEntries(QUALITY_METRICS.map((m) => [m.metadataKey, String(options.metrics![m.key])])) : {}),
            ...(options.execution
                ? {
                      [MODEL_METADATA.pipelineExecutionArn]: options.execution,
                      [MODEL_METADATA.modelVariant]: "yolo11n",
                      [MODEL_METADATA.inputData]: "s3://lucaskle-ab3-project-pv/datasets/drone-detection/",
                      [MODEL_METADATA.evaluationReport]: `s3://lucaskle-ab3-project-pv/evaluation/${options.execution.split("/").pop()}/evaluation.json`,
                  }
                : {}),
        };
        const metadata = Object.fromEntries(metadataKeys.filter((key) => key in values).map((key) => [key, values[key]]));
        const response = await sagemaker.send(
            new CreateModelPackageCommand({
                ModelPackageGroupName: options.group ?? GROUP,
                ModelPackageDescription: "YOLO11 drone object detector trained and evaluated by the platform pipeline",
                ...(options.status ? { ModelApprovalStatus: options.status as "Approved" } : {}),
                InferenceSpecification: {
                    Containers: [{ Image: "763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-inference:2.6.0-gpu-py312", ModelDataUrl: "s3://lucaskle-ab3-project-pv/models/model.tar.gz" }],
                    SupportedContentTypes: ["image/jpeg"],
                    SupportedResponseMIMETypes: ["application/json"],
                },
                ...(Object.keys(metadata).length > 0 ? { CustomerMetadataProperties: metadata } : {}),
            }),
        );
        return response.ModelPackageArn!;
    }

    const readVersion = (arn: string) => sagemaker.send(new DescribeModelPackageCommand({ ModelPackageName: arn }));
    const statuses = async () => Promise.all([1, 2, 3, 4].map(async (v) => (await readVersion(versionArn(v))).ModelApprovalStatus ?? "(unset)"));

    beforeEach(async () => {
        await moto.reset();
        await sagemaker.send(new CreateModelPackageGroupCommand({ ModelPackageGroupName: GROUP }));
        await registerVersion({ status: "Approved", metrics: METRICS[1], execution: executionArn("run00001") });
        await registerVersion({ status: "Rejected", metrics: METRICS[2], execution: executionArn("run00002") });
        await registerVersion({ status: "PendingManualApproval", metrics: METRICS[3], execution: executionArn("run00003") });
        // Registered by hand, without a status or metadata: moto leaves the status unset, AWS would say PendingManualApproval.
        await registerVersion();
    });

    it("holds the test's metadata to the stack's RegisterModel step: the four metrics and the execution are its keys", () => {
        expect(metadataKeys).to.include.members([...QUALITY_METRICS.map((m) => m.metadataKey), MODEL_METADATA.pipelineExecutionArn]);
    });

    it("models lists the stack's group newest first: version, status (unset shown as PendingManualApproval), created, the four metrics or '-', the execution", async () => {
        const result = await runCliInProcess(["models"]);
        expect(result.code, result.stderr).to.equal(EXIT.ok);
        expect(result.stderr).to.equal(`model package group ${GROUP} (derived from stack dev, namePrefix ${stackConfig.namePrefix}; --group overrides)\n`);
        const [head, ...rows] = result.stdout.trim().split("\n");
        expect(head).to.match(/^VERSION\s+STATUS\s+CREATED\s+mAP50-95\s+mAP50\s+PRECISION\s+RECALL\s+EXECUTION$/);
        const time = "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ";
        expect(rows).to.have.length(4);
        expect(rows[0]).to.match(new RegExp(`^4\\s+PendingManualApproval\\s+${time}\\s+-\\s+-\\s+-\\s+-\\s+-$`));
        expect(rows[1]).to.match(new RegExp(`^3\\s+PendingManualApproval\\s+${time}\\s+0\\.535\\s+0\\.812\\s+0\\.778\\s+0\\.701\\s+${executionArn("run00003")}$`));
        expect(rows[2]).to.match(new RegExp(`^2\\s+Rejected\\s+${time}\\s+0\\.313\\s+0\\.600\\s+0\\.700\\s+0\\.500\\s+${executionArn("run00002")}$`));
        expect(rows[3]).to.match(new RegExp(`^1\\s+Approved\\s+${time}\\s+0\\.481\\s+0\\.770\\s+0\\.740\\s+0\\.660\\s+${executionArn("run00001")}$`));
    });

    it("models --json, --status and --limit give the matching newest versions with their metrics as numbers", async () => {
        const approved = JSON.parse((await runCliInProcess(["--json", "models", "--status", "Approved"])).stdout);
        expect(approved).to.deep.equal([
            {
                version: 1,
                arn: versionArn(1),
                status: "Approved",
                created: approved[0].created,
                metrics: { "mAP50-95": 0.4811, mAP50: 0.7702, precision: 0.7403, recall: 0.6604 },
                pipelineExecutionArn: executionArn("run00001"),
                modelVariant: "yolo11n",
                inputData: "s3://lucaskle-ab3-project-pv/datasets/drone-detection/",
                evaluationReport: "s3://lucaskle-ab3-project-pv/evaluation/run00001/evaluation.json",
            },
        ]);
        expect(Number.isNaN(new Date(approved[0].created).getTime())).to.equal(false);
        const newest = JSON.parse((await runCliInProcess(["--json", "models", "--limit", "2"])).stdout);
        expect(newest.map((row: { version: number }) => row.version)).to.deep.equal([4, 3]);
        expect(newest[0].metrics).to.deep.equal({ "mAP50-95": null, mAP50: null, precision: null, recall: null });
        const rejected = JSON.parse((await runCliInProcess(["--json", "models", "--status", "Rejected"])).stdout);
        expect(rejected.map((row: { version: number }) => row.version)).to.deep.equal([2]);
    });

    it("models --group names another group; an empty one has no versions yet, a missing one is one error line with exit 1", async () => {
        await sagemaker.send(new CreateModelPackageGroupCommand({ ModelPackageGroupName: "drone-dev-experiments" }));
        const empty = await runCliInProcess(["models", "--group", "drone-dev-experiments"]);
        expect(empty).to.include({ code: EXIT.ok, stdout: "" });
        expect(empty.stderr).to.equal("model package group drone-dev-experiments (given by --group)\nmodel package group drone-dev-experiments has no versions yet\n");
        const missing = await runCliInProcess(["models", "--group", "no-such-group"]);
        expect(missing.code).to.equal(EXIT.error);
        const lines = missing.stderr.trim().split("\n");
        expect(lines).to.have.length(2);
        // moto answers ValidationException, as AWS does for a group that does not exist; the CLI says what and where.
        expect(lines[1]).to.equal('error: model package group no-such-group (--group) does not exist in us-east-1 for profile "ab"; check the name (`aws sagemaker list-model-package-groups` lists them).');
    });

    it("approve <version> --yes --description sets Approved with the description, says what changed, and leaves the other versions alone", async () => {
        const result = await runCliInProcess(["approve", "3", "--yes", "--description", "beats v1 on the test split"]);
        expect(result.code, result.stderr).to.equal(EXIT.ok);
        expect(result.stdout).to.equal(`version 3 of ${GROUP}: PendingManualApproval -> Approved ("beats v1 on the test split")\n`);
        expect(result.stderr).to.include(`approved ${versionArn(3)}`);
        const version3 = await readVersion(versionArn(3));
        expect(version3).to.include({ ModelApprovalStatus: "Approved", ApprovalDescription: "beats v1 on the test split" });
        expect(await statuses()).to.deep.equal(["Approved", "Rejected", "Approved", "(unset)"]);
    });

    it("approve <arn> on a terminal asks with the version's status, metrics and execution, and approves on 'y'", async () => {
        const result = await runCliInProcess(["approve", versionArn(3)], { typed: "y\n" });
        expect(result.code, result.stderr).to.equal(EXIT.ok);
        expect(result.stderr).to.match(
            new RegExp(
                `Approve version 3 of ${GROUP} \\(PendingManualApproval, created \\S+Z, mAP50-95 0\\.535, mAP50 0\\.812, precision 0\\.778, recall 0\\.701, from ${executionArn("run00003")}\\)\\? \\[y/N\\] `,
            ),
        );
        expect((await readVersion(versionArn(3))).ModelApprovalStatus).to.equal("Approved");
    });

    for (const typed of ["n\n", ""]) {
        it(`approve on a terminal answered ${JSON.stringify(typed)} changes nothing and exits 5`, async () => {
            const result = await runCliInProcess(["approve", "4"], { typed });
            expect(result.code).to.equal(EXIT.declined);
            expect(result.stderr).to.include(`Approve version 4 of ${GROUP} (PendingManualApproval, created `).and.include("not approved");
            expect(await statuses()).to.deep.equal(["Approved", "Rejected", "PendingManualApproval", "(unset)"]);
        });
    }

    it("approve of an Approved version is a no-op with a note (no UpdateModelPackage), and --json says changed: false", async () => {
        const result = await runCliInProcess(["--json", "approve", "1", "--yes"]);
        expect(result.code, result.stderr).to.equal(EXIT.ok);
        expect(result.stderr).to.include(`version 1 of ${GROUP} is already Approved; nothing changed`);
        expect(JSON.parse(result.stdout)).to.deep.equal({
            modelPackageArn: versionArn(1),
            modelPackageGroupName: GROUP,
            version: 1,
            previousStatus: "Approved",
            status: "Approved",
            approvalDescription: null,
            changed: false,
        });
        // moto stamps LastModifiedTime on every UpdateModelPackage; none was made.
        expect((await readVersion(versionArn(1))).LastModifiedTime).to.equal(undefined);
    });

    it("reject of an Approved version withdraws it, says so, and keeps the reason as its ApprovalDescription", async () => {
        const result = await runCliInProcess(["--json", "reject", "1", "--reason", "false positives on rooftops", "--yes"]);
        expect(result.code, result.stderr).to.equal(EXIT.ok);
        expect(result.stderr).to.include(`note: version 1 of ${GROUP} is Approved; rejecting it withdraws the approval`);
        expect(JSON.parse(result.stdout)).to.deep.equal({
            modelPackageArn: versionArn(1),
            modelPackageGroupName: GROUP,
            version: 1,
            previousStatus: "Approved",
            status: "Rejected",
            approvalDescription: "false positives on rooftops",
            changed: true,
        });
        expect(await readVersion(versionArn(1))).to.include({ ModelApprovalStatus: "Rejected", ApprovalDescription: "false positives on rooftops" });
    });

    it("reject of a version without a status treats it as PendingManualApproval, as AWS shows it", async () => {
        const result = await runCliInProcess(["reject", "4", "--reason", "registered by hand", "--yes"]);
        expect(result.code, result.stderr).to.equal(EXIT.ok);
        expect(result.stdout).to.equal(`version 4 of ${GROUP}: PendingManualApproval -> Rejected ("registered by hand")\n`);
        expect(await statuses()).to.deep.equal(["Approved", "Rejected", "PendingManualApproval", "Rejected"]);
    });

    it("approve of a version the group lacks exits 2, names the newest version, and changes nothing", async () => {
        const result = await runCliInProcess(["approve", "9", "--yes"]);
        expect(result.code).to.equal(EXIT.usage);
        expect(result.stderr).to.include(`error: <version-or-arn>: model package group ${GROUP} has no version 9; its newest is 4 (see the models command).`);
        expect(await statuses()).to.deep.equal(["Approved", "Rejected", "PendingManualApproval", "(unset)"]);
    });

    it("approve of an ARN in another group exits 2 and points to --group, which then approves it", async () => {
        await sagemaker.send(new CreateModelPackageGroupCommand({ ModelPackageGroupName: "drone-dev-experiments" }));
        const other = await registerVersion({ status: "PendingManualApproval", group: "drone-dev-experiments" });
        expect(other).to.equal(versionArn(1, "drone-dev-experiments"));
        const refused = await runCliInProcess(["approve", other, "--yes"]);
        expect(refused.code).to.equal(EXIT.usage);
        expect(refused.stderr).to.equal(
            `error: <version-or-arn>: ${other} is a version of model package group drone-dev-experiments, not of ${GROUP}; pass --group drone-dev-experiments to approve it.\n`,
        );
        expect((await readVersion(other)).ModelApprovalStatus).to.equal("PendingManualApproval");
        const approved = await runCliInProcess(["approve", other, "--yes", "--group", "drone-dev-experiments"]);
        expect(approved.code, approved.stderr).to.equal(EXIT.ok);
        expect((await readVersion(other)).ModelApprovalStatus).to.equal("Approved");
        expect(await statuses()).to.deep.equal(["Approved", "Rejected", "PendingManualApproval", "(unset)"]);
    });

    it("approve (subprocess, stdin not a terminal) without --yes exits 2 before any AWS call", async () => {
        const result = await unconfirmed;
        expect(result.code).to.equal(EXIT.usage);
        expect(result.stderr).to.include("error: approve: refusing to approve model version 3 without confirmation: stdin is not a terminal. Pass --yes to approve it.");
        expect(result.stderr).to.not.include("model package group");
    });

    describe("who may approve (IAM users with the actions of the stack's persona policies, on any resource since moto knows no SageMaker ARNs)", () => {
        const scope: Scope = {
            accountId: ACCOUNT,
            region: TEST_REGION,
            bucket: stackConfig.bucket.name,
            names,
            features: { modelRegistry: true, experimentTracking: false },
        };
        const keyArn = `arn:aws:kms:${TEST_REGION}:${ACCOUNT}:key/00000000-0000-0000-0000-000000000000`;
        let asDataScientist: Record<string, string>;
        let asMlEngineer: Record<string, string>;

        beforeEach(async () => {
            const alice = await createIamUser(moto.endpoint, "alice", actionsOnAnyResource(dataScientistPolicy(scope, keyArn)));
            const bob = await createIamUser(moto.endpoint, "bob", actionsOnAnyResource(mlEngineerPolicy(scope, keyArn, `arn:aws:iam::${ACCOUNT}:role/${names.roles.pipeline}`)));
            asDataScientist = { AWS_SHARED_CREDENTIALS_FILE: credentialsFile(sandbox.dir, "alice", alice) };
            asMlEngineer = { AWS_SHARED_CREDENTIALS_FILE: credentialsFile(sandbox.dir, "bob", bob) };
            await setIamAuthorization(moto.endpoint, true);
        });

        afterEach(() => setIamAuthorization(moto.endpoint, false));

        it("a data scientist can list the versions but not approve: one line saying the role may not, exit 1; an ML engineer can", async () => {
            const listed = await runCliInProcess(["--json", "models"], { env: asDataScientist });
            expect(listed.code, listed.stderr).to.equal(EXIT.ok);
            expect(JSON.parse(listed.stdout)).to.have.length(4);

            const denied = await runCliInProcess(["approve", "3", "--yes"], { env: asDataScientist });
            expect(denied.code).to.equal(EXIT.error);
            // moto denies in XML, which the SDK cannot read for a JSON service: the CLI knows the denial by its HTTP 403.
            expect(denied.stderr.trim().split("\n").slice(1)).to.deep.equal([
                `error: AccessDenied (HTTP 403): profile "ab" may not approve model versions (sagemaker:UpdateModelPackage): in stack dev the ml-engineer role (${names.roles["ml-engineer"]}) has it, the data-scientist role (${names.roles["data-scientist"]}) does not. Use a profile that assumes ${names.roles["ml-engineer"]}.`,
            ]);
            const rejected = await runCliInProcess(["reject", "3", "--reason", "no", "--yes"], { env: asDataScientist });
            expect(rejected.code).to.equal(EXIT.error);
            expect(rejected.stderr).to.include("may not reject model versions");
            const after = JSON.parse((await runCliInProcess(["--json", "models", "--limit", "2"], { env: asDataScientist })).stdout);
            expect(after.map((row: { version: number; status: string }) => `${row.version} ${row.status}`)).to.deep.equal(["4 PendingManualApproval", "3 PendingManualApproval"]);

            const approved = await runCliInProcess(["approve", "3", "--yes"], { env: asMlEngineer });
            expect(approved.code, approved.stderr).to.equal(EXIT.ok);
            await setIamAuthorization(moto.endpoint, false);
            expect(await statuses()).to.deep.equal(["Approved", "Rejected", "Approved", "(unset)"]);
        });
    });
});

// `yolo-pipeline label start|status`. moto implements none of SageMaker's labeling APIs (CreateLabelingJob,
// DescribeLabelingJob, ListLabelingJobs): the request the CLI builds is checked against botocore's service model
// for CreateLabelingJob (the shapes and constraints AWS validates), and the calls go to aws-sdk-client-mock.
import { CreateLabelingJobCommand, DescribeLabelingJobCommand, ListLabelingJobsCommand } from "@aws-sdk/client-sagemaker";
import { expect } from "chai";
import { mockClient } from "aws-sdk-client-mock";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { createClients } from "../../cli/clients";
import { EXIT } from "../../cli/errors";
import { loadStack } from "../../cli/context";
import { labelCategoryObject } from "../../components/groundTruth";
import { PROJECT_ROOT } from "../../tools/stackConfig";
import { botocoreProblems } from "./support/botocore";
import { runCliInProcess } from "./support/cli";
import { projectRoot, ProjectRoot } from "./support/projectRoot";
import { offlineStack } from "../stack/fixtures";

const STACK = loadStack("full", PROJECT_ROOT);
const BUCKET = STACK.bucket.name;
const MANIFEST = `s3://${BUCKET}/datasets/raw/flight-42/input.manifest`;
const START = ["--stack", "full", "label", "start", "--manifest", MANIFEST];
const PUBLIC_CROWD = "arn:aws:sagemaker:us-east-1:394669845002:workteam/public-crowd/default";

/** A stack-outputs file (as `pulumi stack output --json` writes it) in a temporary folder. */
function outputsFile(outputs: unknown): string {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "label-outputs-")), "stack-outputs.json");
    fs.writeFileSync(file, typeof outputs === "string" ? outputs : JSON.stringify(outputs));
    return file;
}

/** The full stack's outputs as deployed in `account` (what its labeling component names there). */
function deployedOutputs(account: string, overrides: Record<string, unknown> = {}) {
    return {
        bucketName: BUCKET,
        labeling: {
            roleArn: `arn:aws:iam::${account}:role/drone-full-labeling`,
            labelCategoryConfigUri: `s3://${BUCKET}/labeling/config/0123456789abcdef/label-categories.json`,
            outputUri: `s3://${BUCKET}/labeling/`,
            outputKmsKeyArn: `arn:aws:kms:us-east-1:${account}:alias/drone-full-data`,
            workteamArn: STACK.labeling.workteamArn,
            ...overrides,
        },
    };
}

describe("cli label start", () => {
    it("--dry-run prints the stack's CreateLabelingJob request without any AWS client, and botocore's model accepts it", async () => {
        const result = await runCliInProcess([...START, "--job-name", "drone-full-flight-42", "--workers-per-image", "3", "--dry-run"]);
        expect(result.code, result.stderr).to.equal(EXIT.ok);
        expect(result.clientsCreated).to.equal(0);
        const request = JSON.parse(result.stdout);
        expect(request).to.deep.include({
            LabelingJobName: "drone-full-flight-42",
            LabelAttributeName: "boxes",
            RoleArn: "arn:aws:iam::123456789012:role/drone-full-labeling",
            LabelCategoryConfigS3Uri: `s3://${BUCKET}/${labelCategoryObject(STACK.labeling.classes).key}`,
        });
        expect(request.InputConfig.DataSource.S3DataSource.ManifestS3Uri).to.equal(MANIFEST);
        // The output key by alias ARN: exactly what the data scientist's sagemaker:OutputKmsKeyArn condition names.
        expect(request.OutputConfig).to.deep.equal({ S3OutputPath: `s3://${BUCKET}/labeling/`, KmsKeyId: "arn:aws:kms:us-east-1:123456789012:alias/drone-full-data" });
        expect(request.HumanTaskConfig).to.deep.include({ WorkteamArn: STACK.labeling.workteamArn, NumberOfHumanWorkersPerDataObject: 3 });
        expect(request.HumanTaskConfig.UiConfig.HumanTaskUiArn).to.equal("arn:aws:sagemaker:us-east-1:394669845002:human-task-ui/BoundingBox");
        expect(request.HumanTaskConfig.PreHumanTaskLambdaArn).to.equal("arn:aws:lambda:us-east-1:432418664414:function:PRE-BoundingBox");
        expect(request.Tags.map((tag: { Key: string }) => tag.Key)).to.include.members(["project", "environment", "cost-center", "owner"]);
        expect(botocoreProblems("CreateLabelingJob", request)).to.equal("");
        expect(result.stderr).to.include("CreateLabelingJob was not called");
    });

    it("botocore's check is real: it refuses a request with a bad field", () => {
        expect(botocoreProblems("CreateLabelingJob", { LabelingJobName: "x" })).to.include("Missing required parameter");
    });

    for (const [flags, fragment] of [
        [["--manifest", "s3://other-bucket/datasets/x.manifest"], "--manifest"],
        [["--manifest", `s3://${BUCKET}/labeling/x.manifest`], "under s3://"],
        [["--job-name", "someone-elses-job"], 'must start with "drone-full-"'],
        [["--job-name", "drone-full-bad_name"], "--job-name"],
        [["--label-attribute", "boxes-metadata"], "--label-attribute"],
        [["--workers-per-image", "10"], "--workers-per-image: \"10\" is not allowed; expected an integer from 1 to 9"],
        [["--task-time-limit", "5"], "--task-time-limit"],
    ] as const) {
        it(`refuses ${flags.join(" ")} before any AWS call (exit 2)`, async () => {
            const args = [...START.slice(0, 4), ...(flags[0] === "--manifest" ? [] : ["--manifest", MANIFEST]), ...flags];
            const result = await runCliInProcess(args);
            expect(result.code, result.stdout).to.equal(EXIT.usage);
            expect(result.clientsCreated).to.equal(0);
            expect(result.stderr).to.include(fragment);
        });
    }

    it("--stack-outputs: the role, categories and key are the deployed stack's outputs (the program's own output names), and botocore accepts the request", async () => {
        const program = await offlineStack({ stack: "full" });
        const labeling = program.outputs.labeling as Record<string, string>;
        const file = outputsFile({ ...program.outputs, labeling: { ...labeling, labelCategoryConfigUri: `s3://${BUCKET}/labeling/config/0123456789abcdef/label-categories.json` } });
        const result = await runCliInProcess([...START, "--stack-outputs", file, "--dry-run"]);
        expect(result.code, result.stderr).to.equal(EXIT.ok);
        const request = JSON.parse(result.stdout);
        expect(request.RoleArn).to.equal(labeling.roleArn);
        // The deployed categories object, not the one this checkout would upload (labelClasses may have changed since).
        expect(request.LabelCategoryConfigS3Uri).to.equal(`s3://${BUCKET}/labeling/config/0123456789abcdef/label-categories.json`);
        expect(request.OutputConfig.KmsKeyId).to.equal(labeling.outputKmsKeyArn).and.equal("arn:aws:kms:us-east-1:123456789012:alias/drone-full-data");
        expect(request.HumanTaskConfig).not.to.have.property("PublicWorkforceTaskPrice");
        expect(botocoreProblems("CreateLabelingJob", request)).to.equal("");
        expect(result.stderr).to.include("deployed stack's outputs");
    });

    it("STACK_OUTPUTS stands for --stack-outputs", async () => {
        const file = outputsFile(deployedOutputs("123456789012", { roleArn: "arn:aws:iam::123456789012:role/drone-full-labeling-v2" }));
        const result = await runCliInProcess([...START, "--dry-run"], { env: { STACK_OUTPUTS: file } });
        expect(result.code, result.stderr).to.equal(EXIT.ok);
        expect(JSON.parse(result.stdout).RoleArn).to.equal("arn:aws:iam::123456789012:role/drone-full-labeling-v2");
    });

    it("refuses a private work team of another account than the stack's (exit 2, before any AWS call)", async () => {
        const result = await runCliInProcess([...START, "--stack-outputs", outputsFile(deployedOutputs("210987654321")), "--dry-run"]);
        expect(result.code, result.stdout).to.equal(EXIT.usage);
        expect(result.clientsCreated).to.equal(0);
        expect(result.stdout).to.equal("");
        expect(result.stderr).to.include(`${STACK.labeling.workteamArn} is a private work team of account 123456789012, but stack full runs in account 210987654321`);
    });

    for (const [what, contents, fragment] of [
        ["a missing file", undefined, "cannot be read"],
        ["a file that is not JSON", "{not json", "is not JSON"],
        ["outputs of another bucket", { ...deployedOutputs("123456789012"), bucketName: "other-bucket" }, 'outputs are of bucket "other-bucket"'],
        ["outputs without labeling", { bucketName: BUCKET }, "no labeling object"],
        ["a bad role ARN", deployedOutputs("123456789012", { roleArn: "drone-full-labeling" }), 'labeling.roleArn "drone-full-labeling" is not allowed'],
        ["another work team than the config's", deployedOutputs("123456789012", { workteamArn: "arn:aws:sagemaker:us-east-1:123456789012:workteam/private-crowd/old" }), "run pulumi up first"],
    ] as const) {
        it(`refuses --stack-outputs with ${what} (exit 2)`, async () => {
            const file = contents === undefined ? path.join(os.tmpdir(), "no-such-dir-label", "stack-outputs.json") : outputsFile(contents);
            const result = await runCliInProcess([...START, "--stack-outputs", file, "--dry-run"]);
            expect(result.code, result.stdout).to.equal(EXIT.usage);
            expect(result.stderr).to.include("--stack-outputs").and.include(fragment);
        });
    }

    it("names STACK_OUTPUTS, not the flag, when the bad file came from there, and the stack in the fix (exit 2)", async () => {
        const missing = path.join(os.tmpdir(), "no-such-dir-label", "stack-outputs.json");
        const result = await runCliInProcess([...START, "--dry-run"], { env: { STACK_OUTPUTS: missing } });
        expect(result.code, result.stdout).to.equal(EXIT.usage);
        expect(result.stderr).to.include(`STACK_OUTPUTS: ${JSON.stringify(missing)} cannot be read`).and.include("pulumi stack output --json --stack full >");
        expect(result.stderr).to.not.include("--stack-outputs:");
    });

    it("reports the flags' problems and the outputs file's together, in one round (exit 2)", async () => {
        const missing = path.join(os.tmpdir(), "no-such-dir-label", "stack-outputs.json");
        const result = await runCliInProcess([...START, "--workers-per-image", "0", "--stack-outputs", missing, "--dry-run"]);
        expect(result.code, result.stdout).to.equal(EXIT.usage);
        expect(result.stderr).to.include("--workers-per-image").and.include("--stack-outputs: ");
        expect(result.clientsCreated).to.equal(0);
    });

    describe("with the public crowd (labelingAllowPublicWorkforce)", () => {
        let root: ProjectRoot;
        before(() => {
            const full = fs.readFileSync(path.join(PROJECT_ROOT, "Pulumi.full.yaml"), "utf8");
            expect(full).to.include(STACK.labeling.workteamArn);
            root = projectRoot("full", `${full.replace(STACK.labeling.workteamArn, PUBLIC_CROWD)}\n  sagemaker-yolo:labelingAllowPublicWorkforce: true\n`);
        });
        after(() => root.remove());
        const publicOutputs = () => outputsFile(deployedOutputs("123456789012", { workteamArn: PUBLIC_CROWD }));

        it("names the role and key in the stack's account (from the outputs), never in AWS's, and pays the price given", async () => {
            const result = await runCliInProcess([...START, "--stack-outputs", publicOutputs(), "--price-per-task", "0.048", "--dry-run"], { projectRoot: root.dir });
            expect(result.code, result.stderr).to.equal(EXIT.ok);
            const request = JSON.parse(result.stdout);
            expect(request.HumanTaskConfig.WorkteamArn).to.equal(PUBLIC_CROWD);
            expect(request.RoleArn).to.equal("arn:aws:iam::123456789012:role/drone-full-labeling");
            expect(request.OutputConfig.KmsKeyId).to.equal("arn:aws:kms:us-east-1:123456789012:alias/drone-full-data");
            expect(request.HumanTaskConfig.PublicWorkforceTaskPrice).to.deep.equal({ AmountInUsd: { Dollars: 0, Cents: 4, TenthFractionsOfACent: 8 } });
            expect(botocoreProblems("CreateLabelingJob", request)).to.equal("");
        });

        it("reads 1.2 as AWS's 1.200 price", async () => {
            const result = await runCliInProcess([...START, "--stack-outputs", publicOutputs(), "--price-per-task", "1.2", "--dry-run"], { projectRoot: root.dir });
            expect(result.code, result.stderr).to.equal(EXIT.ok);
            expect(JSON.parse(result.stdout).HumanTaskConfig.PublicWorkforceTaskPrice.AmountInUsd).to.deep.equal({ Dollars: 1, Cents: 20, TenthFractionsOfACent: 0 });
        });

        it("refuses without the stack's outputs: the team's ARN names AWS's account (exit 2)", async () => {
            const result = await runCliInProcess([...START, "--price-per-task", "0.048", "--dry-run"], { projectRoot: root.dir });
            expect(result.code, result.stdout).to.equal(EXIT.usage);
            expect(result.stderr).to.include("--stack-outputs: required with the public (Mechanical Turk) work team").and.include("account 394669845002");
        });

        for (const price of [undefined, "0.05", "0.012", "free"]) {
            it(`refuses --price-per-task ${price ?? "(none)"}, listing AWS's bounding-box prices (exit 2)`, async () => {
                const result = await runCliInProcess([...START, "--stack-outputs", publicOutputs(), ...(price ? ["--price-per-task", price] : []), "--dry-run"], { projectRoot: root.dir });
                expect(result.code, result.stdout).to.equal(EXIT.usage);
                expect(result.clientsCreated).to.equal(0);
                expect(result.stderr).to.include(price === undefined ? "--price-per-task: is required;" : `--price-per-task: ${JSON.stringify(price)} is not allowed`).and.include("0.036, 0.048");
            });
        }
    });

    it("refuses --price-per-task with a private work team (exit 2)", async () => {
        const result = await runCliInProcess([...START, "--price-per-task", "0.036", "--dry-run"]);
        expect(result.code, result.stdout).to.equal(EXIT.usage);
        expect(result.stderr).to.include("only a public (Mechanical Turk) work team is paid per task");
    });

    it("refuses a stack without labeling, saying how to turn it on", async () => {
        const result = await runCliInProcess(["label", "start", "--manifest", MANIFEST, "--dry-run"]);
        expect(result.code).to.equal(EXIT.usage);
        expect(result.stderr).to.include("has labeling: false").and.include("labelingWorkteamArn");
    });

    it("sends the request it shows (aws-sdk-client-mock: moto has no CreateLabelingJob)", async () => {
        const clients = createClients({ profile: "ab", region: "us-east-1" });
        const sagemaker = mockClient(clients.sagemaker);
        sagemaker.on(CreateLabelingJobCommand).resolves({ LabelingJobArn: "arn:aws:sagemaker:us-east-1:123456789012:labeling-job/drone-full-flight-42" });
        const dry = await runCliInProcess([...START, "--job-name", "drone-full-flight-42", "--dry-run"]);
        const result = await runCliInProcess([...START, "--job-name", "drone-full-flight-42"], { clients });
        expect(result.code, result.stderr).to.equal(EXIT.ok);
        expect(sagemaker.commandCalls(CreateLabelingJobCommand)[0].args[0].input).to.deep.equal(JSON.parse(dry.stdout));
        expect(result.stdout).to.include("labeling job drone-full-flight-42 started");
    });
});

describe("cli label status (aws-sdk-client-mock: moto has no labeling APIs)", () => {
    const OUTPUT = `s3://${BUCKET}/labeling/drone-full-flight-42/manifests/output/output.manifest`;
    const completed = {
        LabelingJobName: "drone-full-flight-42",
        LabelingJobStatus: "Completed",
        LabelAttributeName: "boxes",
        CreationTime: new Date("2026-12-01T10:00:00Z"),
        LabelCounters: { TotalLabeled: 118, HumanLabeled: 118, Unlabeled: 0, FailedNonRetryableError: 2 },
        LabelingJobOutput: { OutputDatasetS3Uri: OUTPUT },
    };
    function mocked(jobs: string[], described: Record<string, unknown> = completed) {
        const clients = createClients({ profile: "ab", region: "us-east-1" });
        const sagemaker = mockClient(clients.sagemaker);
        sagemaker.on(ListLabelingJobsCommand).resolves({ LabelingJobSummaryList: jobs.map((LabelingJobName) => ({ LabelingJobName }) as never) });
        sagemaker.on(DescribeLabelingJobCommand).resolves(described as never);
        return { clients, sagemaker };
    }

    it("shows the latest job's counts and the run an ML engineer starts on its output, with its label attribute", async () => {
        const { clients, sagemaker } = mocked(["drone-full-flight-42"]);
        const result = await runCliInProcess(["--stack", "full", "label", "status"], { clients });
        expect(result.code, result.stderr).to.equal(EXIT.ok);
        expect(sagemaker.commandCalls(ListLabelingJobsCommand)[0].args[0].input).to.include({ NameContains: "drone-full-", SortBy: "CreationTime", SortOrder: "Descending" });
        expect(sagemaker.commandCalls(DescribeLabelingJobCommand)[0].args[0].input).to.deep.equal({ LabelingJobName: "drone-full-flight-42" });
        expect(result.stdout).to.match(/drone-full-flight-42\s+Completed\s+2026-12-01T10:00:00Z\s+118\s+118\s+0\s+2/);
        expect(result.stderr).to.include("an ML engineer runs");
        expect(result.stderr).to.include(`start --input-data s3://${BUCKET}/labeling/drone-full-flight-42/manifests/output/ --input-format groundtruth --param LabelAttribute=boxes`);
    });

    it("without a name, skips listed jobs that only contain the stack's prefix (another stack's or someone's)", async () => {
        const { clients, sagemaker } = mocked(["old-drone-full-x", "drone-full-flight-42"]);
        const result = await runCliInProcess(["--stack", "full", "label", "status"], { clients });
        expect(result.code, result.stderr).to.equal(EXIT.ok);
        expect(sagemaker.commandCalls(DescribeLabelingJobCommand)[0].args[0].input).to.deep.equal({ LabelingJobName: "drone-full-flight-42" });
    });

    it("follows a named job of the stack, and leaves out the next step until it is Completed", async () => {
        const { clients, sagemaker } = mocked([], { ...completed, LabelingJobName: "drone-full-flight-7", LabelingJobStatus: "InProgress", LabelingJobOutput: undefined });
        const result = await runCliInProcess(["--stack", "full", "label", "status", "drone-full-flight-7"], { clients });
        expect(result.code, result.stderr).to.equal(EXIT.ok);
        expect(sagemaker.commandCalls(ListLabelingJobsCommand)).to.have.length(0);
        expect(sagemaker.commandCalls(DescribeLabelingJobCommand)[0].args[0].input).to.deep.equal({ LabelingJobName: "drone-full-flight-7" });
        expect(result.stdout).to.match(/drone-full-flight-7\s+InProgress/);
        expect(result.stderr).not.to.include("start --input-data");
    });

    it("leaves out --param LabelAttribute when the job does not say its label attribute", async () => {
        const { clients } = mocked(["drone-full-flight-42"], { ...completed, LabelAttributeName: undefined });
        const result = await runCliInProcess(["--stack", "full", "label", "status"], { clients });
        expect(result.stderr).to.include("--input-format groundtruth\n").and.not.include("LabelAttribute");
    });

    it("--json: one object with the job, its counters and the ML engineer's next command", async () => {
        const { clients } = mocked(["drone-full-flight-42"]);
        const result = await runCliInProcess(["--stack", "full", "--json", "label", "status"], { clients });
        expect(result.code, result.stderr).to.equal(EXIT.ok);
        expect(JSON.parse(result.stdout)).to.deep.equal({
            labelingJobName: "drone-full-flight-42",
            status: "Completed",
            labelAttributeName: "boxes",
            counters: completed.LabelCounters,
            failureReason: null,
            outputManifest: OUTPUT,
            next: { who: "ml-engineer", command: `yolo-pipeline --stack full start --input-data s3://${BUCKET}/labeling/drone-full-flight-42/manifests/output/ --input-format groundtruth --param LabelAttribute=boxes` },
        });
    });

    it("no job yet: says how to start one; --json prints nulls, not nothing", async () => {
        const { clients, sagemaker } = mocked([]);
        const result = await runCliInProcess(["--stack", "full", "label", "status"], { clients });
        expect(result.code, result.stderr).to.equal(EXIT.ok);
        expect(result.stdout).to.equal("");
        expect(result.stderr).to.include("no labeling job of stack full (named drone-full-…) yet").and.include("label start --manifest");
        expect(sagemaker.commandCalls(DescribeLabelingJobCommand)).to.have.length(0);
        const json = await runCliInProcess(["--stack", "full", "--json", "label", "status"], { clients });
        // The same keys as for a job, so a script reads one shape.
        expect(JSON.parse(json.stdout)).to.deep.equal({ labelingJobName: null, status: null, labelAttributeName: null, counters: {}, failureReason: null, outputManifest: null, next: null });
    });

    for (const [name, fragment] of [
        ["drone-full-bad_name", "is not allowed; expected 1-63 letters, digits and single hyphens"],
        ["drone-dev-flight-1", "is not a labeling job of stack full: its jobs are named drone-full-…"],
        ["someone-elses-job", "is not a labeling job of stack full"],
    ] as const) {
        it(`refuses job name ${name} before any AWS call (exit 2)`, async () => {
            const result = await runCliInProcess(["--stack", "full", "label", "status", name]);
            expect(result.code, result.stdout).to.equal(EXIT.usage);
            expect(result.clientsCreated).to.equal(0);
            expect(result.stderr).to.include(`"${name}" ${fragment}`);
        });
    }

    it("a well-formed name of no job: exit 2 with what to do, not the SDK's error", async () => {
        const clients = createClients({ profile: "ab", region: "us-east-1" });
        const sagemaker = mockClient(clients.sagemaker);
        sagemaker.on(DescribeLabelingJobCommand).rejects(Object.assign(new Error("Could not find labeling job"), { name: "ResourceNotFound" }));
        const result = await runCliInProcess(["--stack", "full", "label", "status", "drone-full-nope"], { clients });
        expect(result.code, result.stdout).to.equal(EXIT.usage);
        expect(result.stderr).to.include('there is no labeling job "drone-full-nope" in this account and region');
    });

    it("refuses a stack without labeling", async () => {
        const result = await runCliInProcess(["label", "status"]);
        expect(result.code).to.equal(EXIT.usage);
        expect(result.stderr).to.include("has labeling: false");
    });
});

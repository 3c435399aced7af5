// `yolo-pipeline label start|status`. moto implements none of SageMaker's labeling APIs (CreateLabelingJob,
// DescribeLabelingJob, ListLabelingJobs): the request the CLI builds is checked against botocore's service model
// for CreateLabelingJob (the shapes and constraints AWS validates), and the calls go to aws-sdk-client-mock.
import { CreateLabelingJobCommand, DescribeLabelingJobCommand, ListLabelingJobsCommand } from "@aws-sdk/client-sagemaker";
import { expect } from "chai";
import { mockClient } from "aws-sdk-client-mock";
import { createClients } from "../../cli/clients";
import { EXIT } from "../../cli/errors";
import { loadStack } from "../../cli/context";
import { labelCategoryObject } from "../../components/groundTruth";
import { PROJECT_ROOT } from "../../tools/stackConfig";
import { botocoreProblems } from "./support/botocore";
import { runCliInProcess } from "./support/cli";

const STACK = loadStack("full", PROJECT_ROOT);
const BUCKET = STACK.bucket.name;
const MANIFEST = `s3://${BUCKET}/datasets/raw/flight-42/input.manifest`;
const START = ["--stack", "full", "label", "start", "--manifest", MANIFEST];

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

describe("cli label status", () => {
    it("shows the latest job's counts and how to train on its output (aws-sdk-client-mock: moto has no labeling APIs)", async () => {
        const clients = createClients({ profile: "ab", region: "us-east-1" });
        const sagemaker = mockClient(clients.sagemaker);
        sagemaker.on(ListLabelingJobsCommand).resolves({ LabelingJobSummaryList: [{ LabelingJobName: "drone-full-flight-42" } as never] });
        sagemaker.on(DescribeLabelingJobCommand).resolves({
            LabelingJobName: "drone-full-flight-42",
            LabelingJobStatus: "Completed",
            LabelAttributeName: "boxes",
            CreationTime: new Date("2026-12-01T10:00:00Z"),
            LabelCounters: { TotalLabeled: 118, HumanLabeled: 118, Unlabeled: 0, FailedNonRetryableError: 2 },
            LabelingJobOutput: { OutputDatasetS3Uri: `s3://${BUCKET}/labeling/drone-full-flight-42/manifests/output/output.manifest` },
        } as never);
        const result = await runCliInProcess(["--stack", "full", "label", "status"], { clients });
        expect(result.code, result.stderr).to.equal(EXIT.ok);
        expect(sagemaker.commandCalls(ListLabelingJobsCommand)[0].args[0].input).to.include({ NameContains: "drone-full-", SortBy: "CreationTime", SortOrder: "Descending" });
        expect(result.stdout).to.match(/drone-full-flight-42\s+Completed\s+2026-12-01T10:00:00Z\s+118\s+118\s+0\s+2/);
        expect(result.stderr).to.include(`start --input-data s3://${BUCKET}/labeling/drone-full-flight-42/manifests/output/ --input-format groundtruth`);
    });
});

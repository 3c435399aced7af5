// Ground Truth labeling in the stack (offline, under mocks): opt-in, the label categories object, the labeling
// role and the data scientist's right to start jobs for the configured work team only; and its config checks.
import { expect } from "chai";
import { ConfigError, parseConfig } from "../../components/config";
import { labelCategoryConfig, labelCategoryObject } from "../../components/groundTruth";
import { evaluateDetailed, toPolicyResources } from "../../policies/offline";
import { MOCK_ACCOUNT_ID } from "../../tools/mocks";
import { OfflineStack } from "../../tools/offlineStack";
import { rawStackConfig } from "../../tools/stackConfig";
import { offlineStack, resourceNamed, resourcesOfType } from "./fixtures";

const TEAM = `arn:aws:sagemaker:us-east-1:${MOCK_ACCOUNT_ID}:workteam/private-crowd/drone-labelers`;

function problemsOf(overrides: Record<string, unknown>): string[] {
    try {
        parseConfig(rawStackConfig("dev", overrides));
        return [];
    } catch (error) {
        return (error as ConfigError).problems.slice();
    }
}

const statements = (stack: OfflineStack, name: string) => JSON.parse(resourceNamed(stack, name).inputs.policy).Statement as Record<string, any>[];

describe("Ground Truth labeling (offline)", () => {
    let full: OfflineStack;
    let dev: OfflineStack;

    before(async () => {
        full = await offlineStack({ stack: "full" });
        dev = await offlineStack();
    });

    it("is off by default: no labeling role, no categories, no labeling rights", () => {
        expect(dev.resources.filter((r) => r.name.startsWith("labeling"))).to.deep.equal([]);
        const ds = statements(dev, "team-data-scientist-access").flatMap((s) => [].concat(s.Action));
        expect(ds.filter((action: string) => /Labeling/.test(action))).to.deep.equal([]);
        expect(dev.outputs).not.to.have.property("labeling");
    });

    it("uploads the stack's classes as Ground Truth's label category configuration, encrypted with the stack's key", () => {
        const [object] = resourcesOfType(full, "aws:s3/bucketObjectv2:BucketObjectv2").filter((r) => r.name === "labeling-label-categories");
        expect(JSON.parse(object.inputs.content)).to.deep.equal({ "document-version": "2018-11-28", labels: [{ label: "vehicle" }, { label: "person" }, { label: "building" }] });
        expect(object.inputs).to.include({ key: labelCategoryObject(["vehicle", "person", "building"]).key, serverSideEncryption: "aws:kms", kmsKeyId: full.outputs.kmsKeyArn });
        expect(object.inputs.key).to.match(/^labeling\/config\/[0-9a-f]{16}\/label-categories\.json$/);
        // A change of classes is a new object (a running job keeps reading its own).
        expect(labelCategoryObject(["vehicle"]).key).not.to.equal(object.inputs.key);
        expect(labelCategoryConfig(["a", "b"]).labels).to.deep.equal([{ label: "a" }, { label: "b" }]);
    });

    it("sets exactly the CORS rule Ground Truth documents on the data bucket, only with labeling on, adopted bucket too", async () => {
        const rule = { allowedHeaders: [], allowedMethods: ["GET"], allowedOrigins: ["*"], exposeHeaders: ["Access-Control-Allow-Origin"] };
        const [cors] = resourcesOfType(full, "aws:s3/bucketCorsConfiguration:BucketCorsConfiguration");
        expect(cors.inputs).to.deep.equal({ bucket: "lucaskle-ab3-project-pv", corsRules: [rule] });
        // After the bucket exists (create mode) and its protections are in place.
        expect(cors.options.dependsOn).to.include("data-bucket");
        expect(resourcesOfType(dev, "aws:s3/bucketCorsConfiguration:BucketCorsConfiguration")).to.deep.equal([]);
        // dev adopts its bucket: with labeling on, the rule is set on it (replacing any CORS configuration it had).
        const adopted = await offlineStack({ config: { labeling: true, labelingWorkteamArn: TEAM.replace("drone-labelers", "dev-labelers") } });
        const adoptedCors = resourcesOfType(adopted, "aws:s3/bucketCorsConfiguration:BucketCorsConfiguration");
        expect(adoptedCors.map((r) => r.inputs)).to.deep.equal([{ bucket: adopted.outputs.bucketName, corsRules: [rule] }]);
        expect((await evaluateDetailed(toPolicyResources(adopted.resources))).violations).to.deep.equal([]);
    });

    it("gives labeling jobs a role of their own: images under datasets/, writes only under labeling/", () => {
        const role = resourceNamed(full, "labeling-role");
        expect(role.inputs.tags["ml-service"]).to.equal("ground-truth-labeling");
        const policy = statements(full, "labeling-role-access");
        const writes = policy.filter((s) => [].concat(s.Action).some((a: string) => a === "s3:PutObject"));
        expect(writes.flatMap((s) => [].concat(s.Resource))).to.deep.equal(["arn:aws:s3:::lucaskle-ab3-project-pv/labeling/*"]);
    });

    it("lets data scientists start jobs only for the configured work team, with the stack's output key, and pass only the labeling role", () => {
        const ds = statements(full, "team-data-scientist-access");
        const [create] = ds.filter((s) => [].concat(s.Action).includes("sagemaker:CreateLabelingJob" as never));
        expect(create.Resource).to.equal(`arn:aws:sagemaker:us-east-1:${MOCK_ACCOUNT_ID}:labeling-job/drone-full-*`);
        expect(create.Condition.StringEquals).to.deep.equal({
            "sagemaker:WorkteamArn": TEAM,
            "sagemaker:OutputKmsKeyArn": `arn:aws:kms:us-east-1:${MOCK_ACCOUNT_ID}:alias/drone-full-data`,
        });
        const [pass] = ds.filter((s) => [].concat(s.Action).includes("iam:PassRole" as never));
        expect(pass.Resource).to.equal(`arn:aws:iam::${MOCK_ACCOUNT_ID}:role/drone-full-labeling`);
        // Nothing else new: no S3 write, no other SageMaker job.
        const actions = ds.flatMap((s) => [].concat(s.Action)) as string[];
        expect(actions.filter((a) => /^s3:(Put|Delete)/.test(a))).to.deep.equal([]);
        // The key as the condition names it, for `label start --stack-outputs`.
        expect(full.outputs.labeling).to.deep.include({ workteamArn: TEAM, outputUri: "s3://lucaskle-ab3-project-pv/labeling/", outputKmsKeyArn: create.Condition.StringEquals["sagemaker:OutputKmsKeyArn"] });
    });

    it("passes the pack with labeling on, in preview too", async () => {
        for (const preview of [false, true]) {
            const stack = await offlineStack({ stack: "full", preview });
            expect((await evaluateDetailed(toPolicyResources(stack.resources))).violations, `preview ${preview}`).to.deep.equal([]);
        }
    });

    it("refuses a public Mechanical Turk work team unless allowed, a missing or foreign-region team, and bad class lists", () => {
        const on = { labeling: true, labelingWorkteamArn: TEAM };
        expect(problemsOf(on)).to.deep.equal([]);
        expect(problemsOf({ ...on, labelingWorkteamArn: "arn:aws:sagemaker:us-east-1:394669845002:workteam/public-crowd/default" }).join("\n")).to.include("public Amazon Mechanical Turk workforce");
        expect(problemsOf({ ...on, labelingWorkteamArn: "arn:aws:sagemaker:us-east-1:394669845002:workteam/public-crowd/default", labelingAllowPublicWorkforce: true })).to.deep.equal([]);
        expect(problemsOf({ labeling: true }).join("\n")).to.include("labelingWorkteamArn: is empty but labeling is on");
        expect(problemsOf({ ...on, labelingWorkteamArn: "arn:aws:sagemaker:eu-west-1:123456789012:workteam/private-crowd/x" }).join("\n")).to.include("not in the stack's region us-east-1");
        expect(problemsOf({ ...on, labelingWorkteamArn: "team-one" }).join("\n")).to.include('sagemaker-yolo:labelingWorkteamArn: "team-one" is not allowed');
        expect(problemsOf({ ...on, labelClasses: ["car", "Car"] }).join("\n")).to.include("distinct class names");
        expect(problemsOf({ ...on, labelClasses: [] }).join("\n")).to.include("labelClasses");
    });
});

import { expect } from "chai";
import { findStep, STEPS } from "../../components/pipelineDefinition";
import { REQUIRED_TAG_KEYS } from "../../policies/catalog";
import { isTaggable } from "../../policies/taggable";
import { MOCK_ACCOUNT_ID } from "../../tools/mocks";
import { OfflineStack } from "../../tools/offlineStack";
import { offlineStack, resourceNamed, resourcesOfType } from "./fixtures";

const BUCKET = "lucaskle-ab3-project-pv";
const DATA_PROTECTIONS = [
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    "aws:s3/bucketVersioning:BucketVersioning",
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
    "aws:s3/bucketPolicy:BucketPolicy",
];

const awsResources = (stack: OfflineStack) => stack.resources.filter((r) => r.custom && r.type.startsWith("aws:"));

describe("the program (dev stack, offline)", () => {
    let adopt: OfflineStack;
    let create: OfflineStack;
    let teardown: OfflineStack;

    before(async () => {
        adopt = await offlineStack();
        create = await offlineStack({ config: { bucketMode: "create" } });
        teardown = await offlineStack({ config: { bucketMode: "create", allowDataDestroy: true } });
    });

    describe("provider and tags", () => {
        it("creates every AWS resource through the explicit provider with profile ab", () => {
            const [provider] = resourcesOfType(adopt, "pulumi:providers:aws");
            expect(provider.inputs).to.include({ profile: "ab", region: "us-east-1" });
            for (const resource of awsResources(adopt)) {
                expect(resource.provider, resource.name).to.match(/[:$]pulumi:providers:aws::aws::/);
            }
            for (const invoke of adopt.invokes) {
                expect(invoke.provider, invoke.token).to.match(/[:$]pulumi:providers:aws::aws::/);
            }
        });

        it("puts the four cost-allocation tags on every taggable resource", () => {
            const taggable = awsResources(create).filter((r) => isTaggable(r.type));
            expect(taggable.map((r) => r.type)).to.include.members(["aws:kms/key:Key", "aws:s3/bucket:Bucket", "aws:iam/role:Role", "aws:sagemaker/pipeline:Pipeline"]);
            for (const resource of taggable) {
                expect(Object.keys(resource.inputs.tags ?? {}), resource.name).to.include.members([...REQUIRED_TAG_KEYS]);
                expect(resource.inputs.tags).to.include({ project: "sagemaker-yolo", environment: "dev", "cost-center": "ml-platform", owner: "ml-platform-team" });
            }
            // Non-taggable resources must not receive a tags input the provider would reject.
            for (const resource of awsResources(create).filter((r) => !isTaggable(r.type))) {
                expect(resource.inputs, resource.name).not.to.have.property("tags");
            }
        });

        it("tags each persona role and user profile with ml-persona", () => {
            const personas = resourcesOfType(adopt, "aws:iam/role:Role").map((role) => [role.inputs.name, role.inputs.tags["ml-persona"]]);
            expect(personas).to.deep.equal([
                ["drone-dev-data-scientist", "data-scientist"],
                ["drone-dev-ml-engineer", "ml-engineer"],
                ["drone-dev-pipeline", "pipeline"],
            ]);
            expect(resourcesOfType(adopt, "aws:sagemaker/userProfile:UserProfile").map((p) => p.inputs.tags["ml-persona"])).to.deep.equal(["data-scientist", "ml-engineer"]);
        });
    });

    describe("data bucket", () => {
        it("encrypts with a rotating customer-managed key and a bucket key", () => {
            const key = resourceNamed(create, "data-key");
            expect(key.inputs).to.include({ enableKeyRotation: true, rotationPeriodInDays: 365, deletionWindowInDays: 30 });
            const [rule] = resourceNamed(create, "data-encryption").inputs.rules;
            expect(rule.applyServerSideEncryptionByDefault.sseAlgorithm).to.equal("aws:kms");
            expect(rule.applyServerSideEncryptionByDefault.kmsMasterKeyId).to.equal(create.outputs.kmsKeyArn);
            expect(rule.bucketKeyEnabled).to.equal(true);
            expect(resourceNamed(create, "data-key-alias").inputs.name).to.equal("alias/drone-dev-data");
        });

        it("blocks all public access, enforces bucket ownership, versions objects, denies non-TLS", () => {
            expect(resourceNamed(create, "data-public-access").inputs).to.include({
                bucket: BUCKET,
                blockPublicAcls: true,
                blockPublicPolicy: true,
                ignorePublicAcls: true,
                restrictPublicBuckets: true,
            });
            expect(resourceNamed(create, "data-ownership").inputs.rule).to.deep.equal({ objectOwnership: "BucketOwnerEnforced" });
            expect(resourceNamed(create, "data-versioning").inputs.versioningConfiguration).to.deep.equal({ status: "Enabled" });
            const policy = JSON.parse(resourceNamed(create, "data-policy").inputs.policy);
            const tls = policy.Statement.find((s: { Sid: string }) => s.Sid === "DenyInsecureTransport");
            expect(tls).to.deep.include({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": false } } });
        });

        it("aborts stale uploads and expires checkpoints and old versions", () => {
            const rules = resourceNamed(create, "data-lifecycle").inputs.rules as Record<string, any>[];
            const byId = Object.fromEntries(rules.map((rule) => [rule.id, rule]));
            expect(byId["abort-incomplete-uploads"].abortIncompleteMultipartUpload).to.deep.equal({ daysAfterInitiation: 7 });
            expect(byId["expire-checkpoints"]).to.deep.include({ filter: { prefix: "checkpoints/" }, expiration: { days: 30 } });
            expect(byId["expire-noncurrent-versions"].noncurrentVersionExpiration).to.deep.equal({ noncurrentDays: 90 });
            expect(resourceNamed(create, "data-lifecycle").options.dependsOn).to.include("data-versioning");
        });

        it("in create mode owns the bucket; in adopt mode only looks it up and manages its protections", () => {
            // The access-log bucket is the stack's own in both modes (tests/stack/dataProtection.spec.ts).
            const ofData = (stack: OfflineStack, type: string) => resourcesOfType(stack, type).filter((r) => r.options.parent === "data");
            expect(ofData(create, "aws:s3/bucket:Bucket").map((b) => b.inputs.bucket)).to.deep.equal([BUCKET]);
            expect(resourcesOfType(adopt, "aws:s3/bucket:Bucket").map((b) => b.inputs.bucket)).to.not.include(BUCKET);
            expect(adopt.invokes.filter((i) => i.token === "aws:s3/getBucket:getBucket").map((i) => i.inputs.bucket)).to.deep.equal([BUCKET]);
            for (const type of DATA_PROTECTIONS) {
                expect(ofData(adopt, type).map((r) => r.inputs.bucket), type).to.deep.equal([BUCKET]);
            }
        });
    });

    describe("destroy safety", () => {
        it("by default keeps the bucket, its data, its protections and the key when the stack is destroyed", () => {
            const bucket = resourceNamed(create, "data-bucket");
            expect(bucket.inputs.forceDestroy).to.equal(false);
            for (const name of ["data-bucket", "data-key", "data-encryption", "data-public-access", "data-policy", "data-versioning", "data-lifecycle", "data-ownership"]) {
                expect(resourceNamed(create, name).options.retainOnDelete, name).to.equal(true);
            }
            expect(resourceNamed(create, "studio-domain").inputs.retentionPolicy).to.deep.equal({ homeEfsFileSystem: "Retain" });
        });

        it("with allowDataDestroy deletes everything, objects and home folders included", () => {
            expect(resourceNamed(teardown, "data-bucket").inputs.forceDestroy).to.equal(true);
            for (const name of ["data-bucket", "data-key", "data-encryption", "data-policy"]) {
                expect(resourceNamed(teardown, name).options.retainOnDelete, name).to.equal(false);
            }
            expect(resourceNamed(teardown, "studio-domain").inputs.retentionPolicy).to.deep.equal({ homeEfsFileSystem: "Delete" });
        });
    });

    describe("roles and Studio", () => {
        it("attaches each persona's own policy document to its role", () => {
            const policies = resourcesOfType(adopt, "aws:iam/rolePolicy:RolePolicy").map((p) => [p.inputs.role, p.inputs.name]);
            expect(policies).to.deep.include.members([
                ["drone-dev-data-scientist", "data-scientist-access"],
                ["drone-dev-ml-engineer", "ml-engineer-access"],
                ["drone-dev-pipeline", "pipeline-access"],
                ["drone-dev-data-scientist", "studio-apps"],
                ["drone-dev-ml-engineer", "studio-apps"],
            ]);
            const pipelinePolicy = JSON.parse(resourceNamed(adopt, "team-pipeline-access").inputs.policy);
            const keyStatement = pipelinePolicy.Statement.find((s: { Sid: string }) => s.Sid === "UseDataKey");
            expect(keyStatement.Resource).to.equal(adopt.outputs.kmsKeyArn);
        });

        it("creates an IAM-auth domain with KMS-encrypted storage and a profile per user with its role", () => {
            const domain = resourceNamed(adopt, "studio-domain");
            expect(domain.inputs).to.include({ authMode: "IAM", domainName: "drone-dev-studio", vpcId: "vpc-0a1b2c3d4e5f60718" });
            expect(domain.inputs.kmsKeyId).to.equal(adopt.outputs.kmsKeyArn);
            // CloudTrail then names the user profile behind the shared persona roles' calls.
            expect(domain.inputs.domainSettings).to.deep.equal({ executionRoleIdentityConfig: "USER_PROFILE_NAME" });
            expect(domain.inputs.defaultUserSettings.executionRole).to.equal(`arn:aws:iam::${MOCK_ACCOUNT_ID}:role/drone-dev-data-scientist`);
            expect(domain.inputs.defaultUserSettings.jupyterLabAppSettings.defaultResourceSpec).to.deep.equal({
                instanceType: "ml.t3.medium",
                lifecycleConfigArn: adopt.outputs.studioLifecycleConfigArn,
            });
            const profiles = resourcesOfType(adopt, "aws:sagemaker/userProfile:UserProfile").map((p) => [p.inputs.userProfileName, p.inputs.userSettings.executionRole]);
            expect(profiles).to.deep.equal([
                ["data-scientist", `arn:aws:iam::${MOCK_ACCOUNT_ID}:role/drone-dev-data-scientist`],
                ["ml-engineer", `arn:aws:iam::${MOCK_ACCOUNT_ID}:role/drone-dev-ml-engineer`],
            ]);
        });

        it("lets every role SageMaker assumes carry the user's source identity, and turns it off only when told", async () => {
            const trusts = resourcesOfType(adopt, "aws:iam/role:Role").map((r) => [r.inputs.name, JSON.parse(r.inputs.assumeRolePolicy).Statement]);
            const sagemakerTrusted = trusts.filter(([, statements]) => statements.some((s: any) => s.Principal?.Service === "sagemaker.amazonaws.com"));
            expect(sagemakerTrusted.map(([name]) => name)).to.include.members(["drone-dev-data-scientist", "drone-dev-ml-engineer", "drone-dev-pipeline"]);
            for (const [name, statements] of sagemakerTrusted) {
                expect(statements[0].Action, name).to.deep.equal(["sts:AssumeRole", "sts:SetSourceIdentity"]);
            }
            const off = await offlineStack({ config: { studioSourceIdentity: false } });
            expect(resourceNamed(off, "studio-domain").inputs.domainSettings).to.deep.equal({ executionRoleIdentityConfig: "DISABLED" });
        });

        it("uses the configured VPC, subnets and security groups instead of the default VPC", async () => {
            const custom = await offlineStack({
                config: { vpcId: "vpc-0123456789abcdef0", subnetIds: ["subnet-0123456789abcdef0"], studioNetworkAccess: "VpcOnly", studioSecurityGroupIds: ["sg-0123456789abcdef0"] },
            });
            const domain = resourceNamed(custom, "studio-domain").inputs;
            expect(domain).to.deep.include({ vpcId: "vpc-0123456789abcdef0", subnetIds: ["subnet-0123456789abcdef0"], appNetworkAccessType: "VpcOnly" });
            expect(domain.defaultUserSettings.securityGroups).to.deep.equal(["sg-0123456789abcdef0"]);
            expect(custom.invokes.map((i) => i.token)).not.to.include("aws:ec2/getVpc:getVpc");
        });
    });

    describe("training pipeline", () => {
        it("registers the definition with the real pipeline role and key alias, after its role policy and the code upload", () => {
            const pipeline = resourceNamed(adopt, "training-pipeline");
            const definition = JSON.parse(pipeline.inputs.pipelineDefinition);
            const roles = adopt.outputs.roleArns as Record<string, string>;
            expect(pipeline.inputs.roleArn).to.equal(roles.pipeline);
            const training = findStep(definition, STEPS.train) as any;
            expect(training.Arguments.RoleArn).to.equal(roles.pipeline);
            expect(training.Arguments.OutputDataConfig.KmsKeyId).to.equal(`arn:aws:kms:us-east-1:${MOCK_ACCOUNT_ID}:alias/drone-dev-data`);
            expect(pipeline.options.dependsOn).to.include.members(["training-code", "team-pipeline-access", "data-encryption"]);
        });

        it("computes baselines on the region's Model Monitor analyzer image, which the pipeline role alone may pull besides its training image", async () => {
            const definition = JSON.parse(resourceNamed(adopt, "training-pipeline").inputs.pipelineDefinition);
            const statistics = findStep(definition, STEPS.baselineStatistics) as any;
            // us-east-1's Model Monitor account (the SDK's image_uri_config model-monitor.json), not the Deep Learning Containers'.
            expect(statistics.Arguments.AppSpecification.ImageUri).to.equal("156813124566.dkr.ecr.us-east-1.amazonaws.com/sagemaker-model-monitor-analyzer:latest");
            const pull = JSON.parse(resourceNamed(adopt, "team-pipeline-access").inputs.policy).Statement.find((st: { Sid: string }) => st.Sid === "PullJobImages");
            expect(pull.Resource).to.deep.equal([
                "arn:aws:ecr:us-east-1:763104351884:repository/pytorch-training",
                "arn:aws:ecr:us-east-1:156813124566:repository/sagemaker-model-monitor-analyzer",
            ]);
            // No registry: nothing registered, no baseline, no analyzer image to look up or pull.
            const bare = await offlineStack({ config: { modelRegistry: false } });
            expect(bare.invokes.filter((i) => i.token === "aws:sagemaker/getPrebuiltEcrImage:getPrebuiltEcrImage").map((i) => i.inputs.repositoryName)).to.deep.equal([
                "pytorch-training",
                "pytorch-training",
            ]);
            const barePull = JSON.parse(resourceNamed(bare, "team-pipeline-access").inputs.policy).Statement.find((st: { Sid: string }) => st.Sid === "PullJobImages");
            expect(barePull.Resource).to.deep.equal(["arn:aws:ecr:us-east-1:763104351884:repository/pytorch-training"]);
        });

        it("uploads the bundle under code/ at the key the definition points to", () => {
            const code = resourceNamed(adopt, "training-code");
            expect(code.inputs.key).to.match(/^code\/pipeline-scripts\/[0-9a-f]{64}\/sourcedir\.tar\.gz$/);
            expect(code.inputs).to.include({ bucket: BUCKET, serverSideEncryption: "aws:kms", kmsKeyId: adopt.outputs.kmsKeyArn });
            const definition = JSON.parse(resourceNamed(adopt, "training-pipeline").inputs.pipelineDefinition);
            expect((findStep(definition, STEPS.train) as any).Arguments.HyperParameters.sagemaker_submit_directory).to.equal(JSON.stringify(`s3://${BUCKET}/${code.inputs.key}`));
            expect(adopt.outputs.codeBundleUri).to.equal(`s3://${BUCKET}/${code.inputs.key}`);
        });

        it("exports what users need", () => {
            expect(adopt.outputs).to.include({
                bucketName: BUCKET,
                pipelineName: "drone-dev-yolo11-training",
                pipelineArn: `arn:aws:sagemaker:us-east-1:${MOCK_ACCOUNT_ID}:pipeline/drone-dev-yolo11-training`,
                studioUrl: `https://${String(adopt.outputs.studioDomainId)}.studio.us-east-1.sagemaker.aws`,
                kmsKeyAlias: "alias/drone-dev-data",
            });
            expect(adopt.outputs.bucketPrefixes).to.deep.equal({
                datasets: `s3://${BUCKET}/datasets/`,
                models: `s3://${BUCKET}/models/`,
                mlflow: `s3://${BUCKET}/mlflow/`,
                labeling: `s3://${BUCKET}/labeling/`,
                monitoring: `s3://${BUCKET}/monitoring/`,
                evaluation: `s3://${BUCKET}/evaluation/`,
                code: `s3://${BUCKET}/code/`,
                checkpoints: `s3://${BUCKET}/checkpoints/`,
            });
            expect(Object.keys(adopt.outputs.roleArns as object)).to.deep.equal(["data-scientist", "ml-engineer", "pipeline"]);
            expect(adopt.outputs.userProfiles).to.deep.equal({ "data-scientist": "data-scientist", "ml-engineer": "ml-engineer" });
        });
    });

    describe("preview (every provider-computed value unknown)", () => {
        let preview: OfflineStack;
        before(async () => {
            preview = await offlineStack({ preview: true });
        });

        it("really leaves provider-computed values unknown", () => {
            expect(preview.outputs.kmsKeyArn).to.equal(undefined);
            expect(preview.outputs.pipelineArn).to.equal(undefined);
            expect(resourceNamed(preview, "data-encryption").inputs.rules[0].applyServerSideEncryptionByDefault.kmsMasterKeyId).not.to.be.a("string");
        });

        it("knows the complete pipeline definition, identical to the deployed one", () => {
            const definition = resourceNamed(preview, "training-pipeline").inputs.pipelineDefinition;
            expect(definition).to.be.a("string");
            expect(JSON.parse(definition)).to.deep.equal(JSON.parse(resourceNamed(adopt, "training-pipeline").inputs.pipelineDefinition));
            expect(resourceNamed(preview, "training-pipeline").inputs.roleArn).to.be.a("string");
        });
    });
});

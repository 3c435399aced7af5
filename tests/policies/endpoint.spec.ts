// Real-time serving under the pack: the endpoint configuration's instance types, counts and volume keys, data
// capture, Model Monitor's encryption, autoscaling limits on every endpoint, and the serving roles.
import { expect } from "chai";
import { OfflineResource } from "../../policies/offline";
import {
    ACCOUNT,
    assertHasViolation,
    assertNoViolations,
    BUCKET,
    COST_TAGS,
    document,
    KEY_ARN,
    REGION,
    resource,
    role,
    rolePolicy,
    run,
    TestStatement,
    UNKNOWN_INPUT,
    variant,
    violationsOf,
} from "./helpers";

const ENDPOINT = "drone-dev-yolo11";
const CONFIG = "drone-dev-yolo11-v1-0a1b2c3d";
const KEY_ALIAS = `arn:aws:kms:${REGION}:${ACCOUNT}:alias/drone-dev-data`;

const capture = (props: Record<string, unknown> = {}) => ({
    enableCapture: true,
    initialSamplingPercentage: 100,
    destinationS3Uri: `s3://${BUCKET}/monitoring/data-capture/`,
    kmsKeyId: KEY_ALIAS,
    captureOptions: [{ captureMode: "Input" }, { captureMode: "Output" }],
    ...props,
});

/** The stack's variant: one EBS-backed CPU instance. */
const cpuVariant = { variantName: "yolo11", modelName: "drone-dev-yolo11-v1-11112222", instanceType: "ml.m5.xlarge", initialInstanceCount: 1 };

/** An endpoint configuration as the stack writes it: one EBS variant with the stack's key, captured traffic. */
function endpointConfig(props: Record<string, unknown> = {}, name = "endpoint-config"): OfflineResource {
    return resource(
        "aws:sagemaker/endpointConfiguration:EndpointConfiguration",
        {
            name: CONFIG,
            productionVariants: [cpuVariant],
            kmsKeyArn: KEY_ALIAS,
            dataCaptureConfig: capture(),
            tags: COST_TAGS,
            ...props,
        },
        name,
    );
}

const nvmeVariant = { variantName: "yolo11", modelName: "m", instanceType: "ml.g4dn.xlarge", initialInstanceCount: 1 };

/** The bucket the stack configures (adopted: companions only), so a capture destination under it is the stack's. */
const bucketEncryption = () =>
    resource("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", { bucket: BUCKET, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: KEY_ARN } }] }, "data-encryption");

const endpoint = (props: Record<string, unknown> = {}, name = "endpoint") => resource("aws:sagemaker/endpoint:Endpoint", { name: ENDPOINT, endpointConfigName: CONFIG, tags: COST_TAGS, ...props }, name);
const target = (props: Record<string, unknown> = {}, name = "scaling-target") =>
    resource(
        "aws:appautoscaling/target:Target",
        { serviceNamespace: "sagemaker", scalableDimension: "sagemaker:variant:DesiredInstanceCount", resourceId: `endpoint/${ENDPOINT}/variant/yolo11`, minCapacity: 1, maxCapacity: 2, tags: COST_TAGS, ...props },
        name,
    );

describe("sagemaker-endpoint-instance-types-allowed", () => {
    const policy = "sagemaker-endpoint-instance-types-allowed";

    it("accepts inference types of the allow-list with a bounded initial count, production and shadow", async () => {
        const shadow = endpointConfig({ kmsKeyArn: undefined, productionVariants: [nvmeVariant], shadowProductionVariants: [{ ...nvmeVariant, variantName: "shadow", instanceType: "ml.g5.xlarge" }] }, "shadowed");
        assertNoViolations(await violationsOf([endpointConfig(), shadow]), policy);
    });

    it("refuses a type outside the allow-list, a count above maxInstanceCount, no count, and a variant without an instance type", async () => {
        const violations = await violationsOf([
            endpointConfig({ productionVariants: [{ variantName: "big", modelName: "m", instanceType: "ml.p4d.24xlarge", initialInstanceCount: 1 }] }, "big"),
            endpointConfig({ productionVariants: [{ variantName: "many", modelName: "m", instanceType: "ml.m5.xlarge", initialInstanceCount: 5 }] }, "many"),
            endpointConfig({ productionVariants: [{ variantName: "uncounted", modelName: "m", instanceType: "ml.m5.xlarge" }] }, "uncounted"),
            endpointConfig({ productionVariants: [{ variantName: "serverless", modelName: "m", serverlessConfig: { maxConcurrency: 5, memorySizeInMb: 2048 } }] }, "serverless"),
            endpointConfig({ kmsKeyArn: undefined, productionVariants: [nvmeVariant], shadowProductionVariants: [{ ...nvmeVariant, instanceType: "ml.g5.12xlarge" }] }, "shadow"),
        ]);
        const found = assertHasViolation(violations, policy, ['productionVariants[0].instanceType is "ml.p4d.24xlarge", which is not in endpointInstanceTypes'], "big");
        expect(found.enforcementLevel).to.equal("mandatory");
        assertHasViolation(violations, policy, ["productionVariants[0].initialInstanceCount is 5, above maxInstanceCount 4"], "many");
        assertHasViolation(violations, policy, ["states no initialInstanceCount"], "uncounted");
        assertHasViolation(violations, policy, ["has no instanceType (a serverless or inference-component variant)"], "serverless");
        assertHasViolation(violations, policy, ['shadowProductionVariants[0].instanceType is "ml.g5.12xlarge"'], "shadow");
    });

    it("takes the allow-list and the ceiling from the pack config", async () => {
        const config = { "sagemaker-endpoint-instance-types-allowed": { endpointInstanceTypes: ["ml.m5.large"], maxInstanceCount: 1 } };
        const violations = await violationsOf([endpointConfig({ productionVariants: [{ variantName: "v", modelName: "m", instanceType: "ml.m5.xlarge", initialInstanceCount: 2 }] })], config);
        assertHasViolation(violations, policy, ['"ml.m5.xlarge", which is not in endpointInstanceTypes (ml.m5.large)']);
        assertHasViolation(violations, policy, ["initialInstanceCount is 2, above maxInstanceCount 1"]);
    });
});

describe("sagemaker-endpoint-volume-kms", () => {
    const policy = "sagemaker-endpoint-volume-kms";

    it("accepts a key on EBS types, none on NVMe types, and a key known only after deployment", async () => {
        const violations = await violationsOf([
            endpointConfig(),
            endpointConfig({ kmsKeyArn: undefined, productionVariants: [nvmeVariant] }, "gpu"),
            endpointConfig({ kmsKeyArn: UNKNOWN_INPUT }, "preview"),
        ]);
        assertNoViolations(violations, policy);
    });

    it("refuses a key on NVMe types (SageMaker rejects it), no key on EBS types, a mix and a type of unknown storage", async () => {
        const violations = await violationsOf([
            endpointConfig({ productionVariants: [nvmeVariant] }, "gpu-with-key"),
            endpointConfig({ kmsKeyArn: undefined }, "cpu-without-key"),
            endpointConfig({ productionVariants: [cpuVariant, { ...nvmeVariant, variantName: "gpu" }] }, "mixed"),
            endpointConfig({ productionVariants: [{ ...nvmeVariant, instanceType: "ml.inf2.xlarge" }] }, "unknown"),
        ]);
        assertHasViolation(violations, policy, ["sets kmsKeyArn but runs on NVMe instance-storage types (ml.g4dn.xlarge)", "remove kmsKeyArn"], "gpu-with-key");
        assertHasViolation(violations, policy, ["runs on EBS-backed types (ml.m5.xlarge) without kmsKeyArn"], "cpu-without-key");
        assertHasViolation(violations, policy, ["NVMe-storage types (ml.g4dn.xlarge) and on EBS types (ml.m5.xlarge)"], "mixed");
        assertHasViolation(violations, policy, ["ml.inf2.xlarge, whose instance storage is unknown"], "unknown");
    });

    it("takes instance storage from the pack config", async () => {
        const config = { [policy]: { instanceStorage: { "ml.inf2.xlarge": "nvme" } } };
        assertNoViolations(await violationsOf([endpointConfig({ kmsKeyArn: undefined, productionVariants: [{ ...nvmeVariant, instanceType: "ml.inf2.xlarge" }] })], config), policy);
    });

    it("leaves endpoint configurations to this rule: sagemaker-kms-encryption no longer requires a key on NVMe types", async () => {
        assertNoViolations(await violationsOf([endpointConfig({ kmsKeyArn: undefined, productionVariants: [nvmeVariant] })]), "sagemaker-kms-encryption");
    });
});

describe("sagemaker-endpoint-data-capture", () => {
    const policy = "sagemaker-endpoint-data-capture";

    it("accepts capture enabled, encrypted, into a bucket the stack creates or configures, with a key known only after deployment", async () => {
        assertNoViolations(await violationsOf([bucketEncryption(), endpointConfig()]), policy);
        const created = resource("aws:s3/bucket:Bucket", { bucket: "created-bucket", tags: COST_TAGS }, "created");
        const intoCreated = endpointConfig({ dataCaptureConfig: capture({ destinationS3Uri: "s3://created-bucket/monitoring/data-capture/", kmsKeyId: UNKNOWN_INPUT }) }, "into-created");
        assertNoViolations(await violationsOf([created, intoCreated]), policy);
    });

    const cases: { name: string; props: Record<string, unknown>; fragments: string[] }[] = [
        { name: "no capture", props: { dataCaptureConfig: undefined }, fragments: ["has no dataCaptureConfig, so Model Monitor sees none of its traffic"] },
        { name: "capture left at the provider's default (off)", props: { dataCaptureConfig: capture({ enableCapture: undefined }) }, fragments: ["dataCaptureConfig.enableCapture is null; set it to true"] },
        { name: "capture of 0%", props: { dataCaptureConfig: capture({ initialSamplingPercentage: 0 }) }, fragments: ["initialSamplingPercentage is 0"] },
        { name: "nothing to capture", props: { dataCaptureConfig: capture({ captureOptions: [] }) }, fragments: ["has no captureOptions"] },
        {
            name: "a capture of requests only, which the record preprocessor drops",
            props: { dataCaptureConfig: capture({ captureOptions: [{ captureMode: "Input" }] }) },
            fragments: ['dataCaptureConfig.captureOptions capture "Input" but not "Output"; add { captureMode: "Output" }'],
        },
        {
            name: "a capture into the bucket outside monitoring/ (among the raw datasets)",
            props: { dataCaptureConfig: capture({ destinationS3Uri: `s3://${BUCKET}/datasets/raw/` }) },
            fragments: [`dataCaptureConfig.destinationS3Uri "s3://${BUCKET}/datasets/raw/" is not under s3://${BUCKET}/monitoring/`],
        },
        { name: "unencrypted capture", props: { dataCaptureConfig: capture({ kmsKeyId: undefined }) }, fragments: ["has no kmsKeyId, so captured requests and responses are stored without the stack's key"] },
        { name: "capture to another bucket", props: { dataCaptureConfig: capture({ destinationS3Uri: "s3://someone-elses-bucket/capture/" }) }, fragments: ["captures to s3://someone-elses-bucket/, which is not a bucket of this stack (drone-data-bucket)"] },
        { name: "capture to a non-S3 destination", props: { dataCaptureConfig: capture({ destinationS3Uri: "https://example.com/capture" }) }, fragments: ['destinationS3Uri "https://example.com/capture" is not an s3://<bucket>/<prefix> URI'] },
    ];
    for (const testCase of cases) {
        it(`reports ${testCase.name}`, async () => {
            const violations = await violationsOf([bucketEncryption(), endpointConfig(testCase.props, "under-test")]);
            const found = assertHasViolation(violations, policy, testCase.fragments, "under-test");
            expect(found.enforcementLevel).to.equal("mandatory");
        });
    }

    it("reports the audit's case, Input only into datasets/raw/, twice, and accepts Output alone under a prefix of the pack config", async () => {
        const inputOnly = endpointConfig({ dataCaptureConfig: capture({ captureOptions: [{ captureMode: "Input" }], destinationS3Uri: `s3://${BUCKET}/datasets/raw/` }) }, "input-only");
        const found = (await violationsOf([bucketEncryption(), inputOnly])).filter((v) => v.policy === policy && v.resource === "input-only");
        expect(found.map((v) => v.message).sort()).to.satisfy((messages: string[]) => messages.length === 2 && messages.some((m) => m.includes('not "Output"')) && messages.some((m) => m.includes("is not under")));
        const outputOnly = endpointConfig({ dataCaptureConfig: capture({ captureOptions: [{ captureMode: "Output" }], destinationS3Uri: `s3://${BUCKET}/capture/x/` }) });
        assertNoViolations(await violationsOf([bucketEncryption(), outputOnly], { [policy]: { allowedPrefixes: ["capture/"] } }), policy);
    });

    it("accepts a bucket outside the stack listed in allowedBuckets, and skips what is unknown during preview", async () => {
        const elsewhere = endpointConfig({ dataCaptureConfig: capture({ destinationS3Uri: "s3://central-capture/monitoring/x/" }) });
        assertNoViolations(await violationsOf([bucketEncryption(), elsewhere], { [policy]: { allowedBuckets: ["central-capture"] } }), policy);
        const pending = await run([bucketEncryption(), endpointConfig({ dataCaptureConfig: capture({ destinationS3Uri: UNKNOWN_INPUT, kmsKeyId: undefined }) }, "pending")]);
        // The known part is still judged; the unknown destination is skipped, not reported.
        assertHasViolation(pending.violations, policy, ["has no kmsKeyId"], "pending");
        expect(pending.violations.filter((v) => v.policy === policy && v.message.includes("not a bucket of this stack"))).to.deep.equal([]);
        expect(pending.skipped.map((s) => s.policy)).to.include(policy);
    });
});

describe("sagemaker-monitoring-encryption", () => {
    const policy = "sagemaker-monitoring-encryption";
    const jobDefinition = (props: Record<string, unknown> = {}, cluster: Record<string, unknown> = {}, name = "data-quality") =>
        resource(
            "aws:sagemaker/dataQualityJobDefinition:DataQualityJobDefinition",
            {
                name: "drone-dev-yolo11-data-quality-0a1b2c3d",
                roleArn: `arn:aws:iam::${ACCOUNT}:role/drone-dev-model-monitor`,
                dataQualityAppSpecification: { imageUri: "156813124566.dkr.ecr.us-east-1.amazonaws.com/sagemaker-model-monitor-analyzer:latest" },
                dataQualityJobInput: { endpointInput: { endpointName: ENDPOINT, localPath: "/opt/ml/processing/input/endpoint" } },
                dataQualityJobOutputConfig: { kmsKeyId: KEY_ALIAS, monitoringOutputs: { s3Output: { s3Uri: `s3://${BUCKET}/monitoring/reports/`, localPath: "/opt/ml/processing/output" } } },
                jobResources: { clusterConfig: { instanceType: "ml.m5.xlarge", instanceCount: 1, volumeSizeInGb: 50, volumeKmsKeyId: KEY_ALIAS, ...cluster } },
                stoppingCondition: { maxRuntimeInSeconds: 1800 },
                tags: COST_TAGS,
                ...props,
            },
            name,
        );
    const inlineSchedule = (outputKey: unknown, cluster: Record<string, unknown>, name = "schedule") =>
        resource(
            "aws:sagemaker/monitoringSchedule:MonitoringSchedule",
            {
                name: "inline",
                monitoringScheduleConfig: {
                    monitoringType: "DataQuality",
                    monitoringJobDefinition: {
                        roleArn: "arn",
                        monitoringAppSpecification: { imageUri: "image" },
                        monitoringInputs: { endpointInput: { endpointName: ENDPOINT, localPath: "/opt/ml/processing/input" } },
                        monitoringOutputConfig: { kmsKeyId: outputKey, monitoringOutputs: { s3Output: { s3Uri: `s3://${BUCKET}/monitoring/reports/`, localPath: "/opt/ml/processing/output" } } },
                        monitoringResources: { clusterConfig: { instanceCount: 1, volumeSizeInGb: 20, ...cluster } },
                    },
                },
                tags: COST_TAGS,
            },
            name,
        );

    it("accepts keyed reports and volumes keyed by storage kind, in a job definition or a schedule's inline definition", async () => {
        const violations = await violationsOf([
            jobDefinition(),
            jobDefinition({}, { instanceType: "ml.g4dn.xlarge", volumeKmsKeyId: undefined }, "gpu"),
            inlineSchedule(KEY_ALIAS, { instanceType: "ml.m5.large", volumeKmsKeyId: UNKNOWN_INPUT }),
            // A schedule that names a definition is judged through the definition.
            resource("aws:sagemaker/monitoringSchedule:MonitoringSchedule", { name: "s", monitoringScheduleConfig: { monitoringType: "DataQuality", monitoringJobDefinitionName: "drone-dev-yolo11-data-quality-0a1b2c3d" }, tags: COST_TAGS }, "named"),
        ]);
        assertNoViolations(violations, policy);
    });

    it("refuses unencrypted reports, an EBS volume without a key and an NVMe volume with one", async () => {
        const violations = await violationsOf([
            jobDefinition({ dataQualityJobOutputConfig: { monitoringOutputs: { s3Output: { s3Uri: `s3://${BUCKET}/monitoring/reports/`, localPath: "/opt/ml/processing/output" } } } }, {}, "plain-reports"),
            jobDefinition({}, { volumeKmsKeyId: undefined }, "plain-volume"),
            jobDefinition({}, { instanceType: "ml.g5.xlarge" }, "keyed-nvme"),
            inlineSchedule(undefined, { instanceType: "ml.m5.large" }, "plain-schedule"),
        ]);
        assertHasViolation(violations, policy, ["has no dataQualityJobOutputConfig.kmsKeyId"], "plain-reports");
        assertHasViolation(violations, policy, ["runs on the EBS-backed ml.m5.xlarge without jobResources.clusterConfig.volumeKmsKeyId"], "plain-volume");
        assertHasViolation(violations, policy, ["sets jobResources.clusterConfig.volumeKmsKeyId but runs on ml.g5.xlarge"], "keyed-nvme");
        assertHasViolation(violations, policy, ["has no monitoringScheduleConfig.monitoringJobDefinition.monitoringOutputConfig.kmsKeyId"], "plain-schedule");
        assertHasViolation(violations, policy, ["without monitoringScheduleConfig.monitoringJobDefinition.monitoringResources.clusterConfig.volumeKmsKeyId"], "plain-schedule");
    });
});

describe("sagemaker-monitoring-job-in-stack", () => {
    const policy = "sagemaker-monitoring-job-in-stack";
    const DEFINITION = "drone-dev-yolo11-data-quality-0a1b2c3d";
    const definition = (name: unknown = DEFINITION) =>
        resource("aws:sagemaker/dataQualityJobDefinition:DataQualityJobDefinition", { name, dataQualityJobOutputConfig: { kmsKeyId: KEY_ALIAS }, jobResources: { clusterConfig: { instanceType: "ml.m5.xlarge", volumeKmsKeyId: KEY_ALIAS } }, tags: COST_TAGS }, "data-quality");
    const schedule = (config: Record<string, unknown>, name = "schedule") =>
        resource("aws:sagemaker/monitoringSchedule:MonitoringSchedule", { name: "drone-dev-yolo11-data-quality", monitoringScheduleConfig: { monitoringType: "DataQuality", ...config }, tags: COST_TAGS }, name);

    it("accepts a schedule naming a job definition of the stack, and one with an inline definition", async () => {
        assertNoViolations(await violationsOf([definition(), schedule({ monitoringJobDefinitionName: DEFINITION })]), policy);
        const inline = schedule({ monitoringJobDefinition: { monitoringOutputConfig: { kmsKeyId: KEY_ALIAS }, monitoringResources: { clusterConfig: { instanceType: "ml.m5.xlarge", volumeKmsKeyId: KEY_ALIAS } } } });
        assertNoViolations(await violationsOf([inline]), policy);
    });

    it("reports a schedule running a job definition made outside the stack, and one naming none", async () => {
        const violations = await violationsOf([definition(), schedule({ monitoringJobDefinitionName: "made-by-hand" }, "foreign"), schedule({}, "nameless")]);
        const found = assertHasViolation(violations, policy, ['runs the job definition "made-by-hand", which is not a DataQualityJobDefinition of this stack (drone-dev-yolo11-data-quality-0a1b2c3d)', "cannot check that its reports and volume are encrypted"], "foreign");
        expect(found.enforcementLevel).to.equal("mandatory");
        assertHasViolation(violations, policy, ["names no job definition (monitoringJobDefinitionName) and has no inline monitoringJobDefinition"], "nameless");
        // sagemaker-monitoring-encryption has nothing to read there: without this rule both would pass the pack.
        expect(violations.filter((v) => v.policy === "sagemaker-monitoring-encryption")).to.deep.equal([]);
    });

    it("waits while a definition's name is unknown during preview instead of reporting the schedule", async () => {
        const pending = await run([definition(UNKNOWN_INPUT), schedule({ monitoringJobDefinitionName: DEFINITION })]);
        expect(pending.violations.filter((v) => v.policy === policy)).to.deep.equal([]);
        expect(pending.skipped.map((s) => s.policy)).to.include(policy);
    });
});

describe("sagemaker-endpoint-autoscaling-limits", () => {
    const policy = "sagemaker-endpoint-autoscaling-limits";

    it("accepts an endpoint whose every variant has a bounded scalable target", async () => {
        assertNoViolations(await violationsOf([endpointConfig(), endpoint(), target()]), policy);
    });

    it("refuses an endpoint without autoscaling, a variant without a target, and a target without a ceiling or above it", async () => {
        const twoVariants = endpointConfig({ productionVariants: [cpuVariant, { ...cpuVariant, variantName: "canary" }] });
        const cases: { resources: OfflineResource[]; fragments: string[]; resource: string }[] = [
            { resources: [endpointConfig(), endpoint()], fragments: [`Endpoint endpoint (${ENDPOINT}) has no Application Auto Scaling target for variant yolo11`, `resourceId "endpoint/${ENDPOINT}/variant/yolo11"`], resource: "endpoint" },
            { resources: [twoVariants, endpoint(), target()], fragments: ["no Application Auto Scaling target for variant canary"], resource: "endpoint" },
            { resources: [endpointConfig(), endpoint(), target({ maxCapacity: 10 })], fragments: ["has maxCapacity 10, above the 4 instances an endpoint variant may scale to"], resource: "scaling-target" },
            { resources: [endpointConfig(), endpoint(), target({ maxCapacity: undefined })], fragments: ["has maxCapacity null"], resource: "scaling-target" },
            { resources: [endpointConfig(), endpoint(), target({ minCapacity: 3, maxCapacity: 2 })], fragments: ["minCapacity 3 above its maxCapacity 2"], resource: "scaling-target" },
            // A target of another dimension (or another endpoint) does not count.
            { resources: [endpointConfig(), endpoint(), target({ scalableDimension: "sagemaker:variant:DesiredProvisionedConcurrency" })], fragments: ["has no Application Auto Scaling target"], resource: "endpoint" },
            { resources: [endpointConfig(), endpoint(), target({ resourceId: "endpoint/other/variant/yolo11" })], fragments: ["has no Application Auto Scaling target"], resource: "endpoint" },
        ];
        for (const testCase of cases) {
            const found = assertHasViolation(await violationsOf(testCase.resources), policy, testCase.fragments, testCase.resource);
            expect(found.enforcementLevel).to.equal("mandatory");
        }
    });

    it("requires some target when the endpoint's configuration is not in the stack, and takes the ceiling from the pack config", async () => {
        assertHasViolation(await violationsOf([endpoint({ endpointConfigName: "elsewhere" })]), policy, ["has no Application Auto Scaling target for its variants"]);
        assertNoViolations(await violationsOf([endpoint({ endpointConfigName: "elsewhere" }), target()]), policy);
        assertHasViolation(await violationsOf([endpointConfig(), endpoint(), target()], { [policy]: { maxCapacity: 1 } }), policy, ["maxCapacity 2, above the 1 instances"]);
    });

    it("waits for a target whose resourceId is unknown during preview instead of reporting the endpoint", async () => {
        const pending = await run([endpointConfig(), endpoint(), target({ resourceId: UNKNOWN_INPUT })]);
        expect(pending.skipped.map((s) => s.policy)).to.include(policy);
    });
});

describe("sagemaker-serving-roles-scoped", () => {
    const policy = "sagemaker-serving-roles-scoped";
    const VIA_S3 = { StringEquals: { "kms:ViaService": `s3.${REGION}.amazonaws.com` } };
    const endpointRole = () => role("drone-dev-endpoint", { tags: { ...COST_TAGS, "ml-service": "sagemaker-endpoint" } }, "endpoint-role");
    const monitorRole = () => role("drone-dev-model-monitor", { tags: { ...COST_TAGS, "ml-service": "model-monitor" } }, "monitor-role");
    const endpointStatements = (): TestStatement[] => [
        { Sid: "ReadServingArchive", Effect: "Allow", Action: ["s3:GetObject"], Resource: `arn:aws:s3:::${BUCKET}/models/serving/*` },
        { Sid: "WriteDataCapture", Effect: "Allow", Action: ["s3:PutObject"], Resource: `arn:aws:s3:::${BUCKET}/monitoring/data-capture/*` },
        { Sid: "UseDataKeyThroughS3", Effect: "Allow", Action: ["kms:Decrypt", "kms:GenerateDataKey"], Resource: KEY_ARN, Condition: VIA_S3 },
        { Sid: "PullInferenceImage", Effect: "Allow", Action: ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"], Resource: "arn:aws:ecr:us-east-1:763104351884:repository/pytorch-inference" },
    ];
    const monitorStatements = (): TestStatement[] => [
        { Sid: "ReadCapture", Effect: "Allow", Action: ["s3:GetObject"], Resource: `arn:aws:s3:::${BUCKET}/monitoring/data-capture/*` },
        { Sid: "WriteReports", Effect: "Allow", Action: ["s3:PutObject", "s3:AbortMultipartUpload"], Resource: `arn:aws:s3:::${BUCKET}/monitoring/reports/*` },
        { Sid: "GrantToVolumes", Effect: "Allow", Action: ["kms:CreateGrant"], Resource: KEY_ARN, Condition: { Bool: { "kms:GrantIsForAWSResource": true } } },
        { Sid: "Metrics", Effect: "Allow", Action: ["cloudwatch:PutMetricData"], Resource: "*", Condition: { StringEquals: { "cloudwatch:namespace": "aws/sagemaker/Endpoints/data-metrics" } } },
    ];

    it("accepts the endpoint's archive reads and capture writes, and the monitor's capture reads, report writes and volume grant", async () => {
        const violations = await violationsOf([
            endpointRole(),
            rolePolicy(document(...endpointStatements()), "drone-dev-endpoint", "endpoint-access"),
            monitorRole(),
            rolePolicy(document(...monitorStatements()), "drone-dev-model-monitor", "monitor-access"),
        ]);
        assertNoViolations(violations, policy);
    });

    it("refuses the endpoint writing outside its capture, other actions, wildcards and the key outside S3", async () => {
        const bad = variant(endpointStatements(), (statements) => {
            statements[1].Resource = `arn:aws:s3:::${BUCKET}/models/*`;
            statements[2].Condition = undefined;
            statements.push({ Sid: "Invoke", Effect: "Allow", Action: ["sagemaker:InvokeEndpoint"], Resource: `arn:aws:sagemaker:${REGION}:${ACCOUNT}:endpoint/x` });
            statements.push({ Sid: "AllEcr", Effect: "Allow", Action: ["ecr:*"], Resource: "*" });
        });
        const violations = await violationsOf([endpointRole(), rolePolicy(document(...bad), "drone-dev-endpoint", "bad")]);
        const found = assertHasViolation(violations, policy, ['statement "WriteDataCapture"', "s3:PutObject", "outside monitoring/data-capture/", "(the endpoint role drone-dev-endpoint)"], "bad");
        expect(found.enforcementLevel).to.equal("mandatory");
        assertHasViolation(violations, policy, ['statement "UseDataKeyThroughS3"', "kms:ViaService"], "bad");
        assertHasViolation(violations, policy, ['statement "Invoke"', "sagemaker:InvokeEndpoint, which the endpoint role may not hold"], "bad");
        assertHasViolation(violations, policy, ['statement "AllEcr"', 'wildcard action "ecr:*"'], "bad");
    });

    it("refuses the monitor writing capture, and granting the key to any principal", async () => {
        const bad = variant(monitorStatements(), (statements) => {
            statements[1].Resource = `arn:aws:s3:::${BUCKET}/monitoring/data-capture/*`;
            statements[2].Condition = undefined;
        });
        const violations = await violationsOf([monitorRole(), rolePolicy(document(...bad), "drone-dev-model-monitor", "bad")]);
        assertHasViolation(violations, policy, ['statement "WriteReports"', "outside monitoring/reports/", "(the Model Monitor role drone-dev-model-monitor)"], "bad");
        assertHasViolation(violations, policy, ['statement "GrantToVolumes"', "kms:CreateGrant without", "kms:GrantIsForAWSResource"], "bad");
    });

    it("places both roles as service roles only SageMaker assumes (iam-every-role-placed)", async () => {
        const trusted = await violationsOf([endpointRole(), monitorRole()]);
        assertNoViolations(trusted, "iam-every-role-placed");
        const lambdaTrust = document({ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole", Condition: { StringEquals: { "aws:SourceAccount": ACCOUNT } } });
        const violations = await violationsOf([role("drone-dev-endpoint", { assumeRolePolicy: lambdaTrust, tags: { ...COST_TAGS, "ml-service": "sagemaker-endpoint" } }, "endpoint-role")]);
        assertHasViolation(violations, "iam-every-role-placed", ["the sagemaker-endpoint service role drone-dev-endpoint lets lambda.amazonaws.com assume it"]);
    });
});

// Real-time serving in the stack (offline, under mocks): opt-in, nothing billed while no version is deployed,
// the endpoint of an approved version with autoscaling and encrypted data capture, blue/green by content-named
// configurations, Model Monitor against the version's baseline, its alerts, retention, and the pack's verdict.
import { expect } from "chai";
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { DRIFT_ALARM_FEATURES, DRIFT_THRESHOLD, MONITORING_JOB } from "../../components/deployment";
import { MODEL_MONITOR_METRICS_NAMESPACE } from "../../components/iamDocuments";
import { evaluateDetailed, toPolicyResources } from "../../policies/offline";
import { MOCK_ACCOUNT_ID, MODEL_MONITOR_REGISTRY } from "../../tools/mocks";
import { OfflineStack } from "../../tools/offlineStack";
import { PROJECT_ROOT } from "../../tools/stackConfig";
import { offlineStack, resourceNamed } from "./fixtures";

const ARN = `arn:aws:sagemaker:us-east-1:${MOCK_ACCOUNT_ID}`;
const BUCKET = "lucaskle-ab3-project-pv";
const BASELINE = `s3://${BUCKET}/monitoring/baseline/3bm1x5z1d9qk/`;
const KEY_ALIAS = `arn:aws:kms:us-east-1:${MOCK_ACCOUNT_ID}:alias/drone-full-data`;
const SERVING_TYPES = [
    "aws:sagemaker/model:Model",
    "aws:sagemaker/endpointConfiguration:EndpointConfiguration",
    "aws:sagemaker/endpoint:Endpoint",
    "aws:appautoscaling/target:Target",
    "aws:appautoscaling/policy:Policy",
    "aws:sagemaker/dataQualityJobDefinition:DataQualityJobDefinition",
    "aws:sagemaker/monitoringSchedule:MonitoringSchedule",
];

const serving = (stack: OfflineStack) => stack.resources.filter((r) => SERVING_TYPES.includes(r.type));
const statements = (stack: OfflineStack, name: string) => JSON.parse(resourceNamed(stack, name).inputs.policy).Statement as Record<string, any>[];
const lifecycleRules = (stack: OfflineStack) => resourceNamed(stack, "data-lifecycle").inputs.rules as Record<string, any>[];

describe("real-time serving (offline)", () => {
    let dev: OfflineStack;
    let full: OfflineStack;

    before(async () => {
        dev = await offlineStack();
        full = await offlineStack({ stack: "full" });
    });

    it("is off by default: no endpoint, no serving roles, no serving rights, no output", () => {
        expect(serving(dev)).to.deep.equal([]);
        expect(dev.resources.filter((r) => r.name.startsWith("deployment"))).to.deep.equal([]);
        expect(statements(dev, "team-data-scientist-access").flatMap((s) => [].concat(s.Action)).filter((a: string) => /Endpoint/.test(a))).to.deep.equal([]);
        expect(dev.resources.filter((r) => r.name.endsWith("-serving") || r.name.endsWith("-serving-attachment"))).to.deep.equal([]);
        expect(lifecycleRules(dev).map((rule) => rule.id)).not.to.include("expire-monitoring-data-capture");
        expect(dev.outputs).not.to.have.property("deployment");
    });

    it("with no version deployed creates only what costs nothing at rest: the two roles and their policies", async () => {
        const waiting = await offlineStack({ stack: "full", config: { deployModelVersion: 0, deployBaselineUri: "" } });
        expect(serving(waiting)).to.deep.equal([]);
        expect(waiting.resources.filter((r) => r.options.parent === "deployment").map((r) => r.type).sort()).to.deep.equal([
            "aws:iam/role:Role",
            "aws:iam/role:Role",
            "aws:iam/rolePolicy:RolePolicy",
            "aws:iam/rolePolicy:RolePolicy",
        ]);
        expect(waiting.outputs.deployment).to.deep.equal({
            endpointName: "drone-full-yolo11",
            roleArn: `arn:aws:iam::${MOCK_ACCOUNT_ID}:role/drone-full-endpoint`,
            monitoringRoleArn: `arn:aws:iam::${MOCK_ACCOUNT_ID}:role/drone-full-model-monitor`,
            modelVersion: 0,
        });
        const costs = (await import("../../tools/costReport")).atRestCost(waiting.resources);
        expect(costs.items.filter((item) => item.name.startsWith("deployment")).every((item) => item.monthlyUsd === 0)).to.equal(true);
    });

    it("serves the version's registered model as the endpoint role, with a role of its own tagged as a service role", () => {
        const model = resourceNamed(full, "deployment-model");
        expect(model.inputs.primaryContainer).to.deep.equal({ modelPackageName: `${ARN}:model-package/drone-full-yolo11-detector/1` });
        expect(model.inputs.executionRoleArn).to.equal(`arn:aws:iam::${MOCK_ACCOUNT_ID}:role/drone-full-endpoint`);
        expect(model.inputs.name).to.match(/^drone-full-yolo11-v1-[0-9a-f]{8}$/);
        expect(model.options.dependsOn).to.include.members(["deployment-endpoint-role", "deployment-endpoint-role-access"]);
        expect(resourceNamed(full, "deployment-endpoint-role").inputs.tags["ml-service"]).to.equal("sagemaker-endpoint");
        expect(resourceNamed(full, "deployment-monitor-role").inputs.tags["ml-service"]).to.equal("model-monitor");
    });

    it("configures one variant on the configured type at the minimum count, the volume keyed (EBS), traffic captured with the stack's key", () => {
        const config = resourceNamed(full, "deployment-config");
        expect(config.inputs.productionVariants).to.deep.equal([
            { variantName: "yolo11", modelName: resourceNamed(full, "deployment-model").inputs.name, instanceType: "ml.m5.xlarge", initialInstanceCount: 1, initialVariantWeight: 1 },
        ]);
        expect(config.inputs.kmsKeyArn).to.equal(KEY_ALIAS);
        expect(config.inputs.dataCaptureConfig).to.deep.equal({
            enableCapture: true,
            initialSamplingPercentage: 100,
            destinationS3Uri: `s3://${BUCKET}/monitoring/data-capture/`,
            kmsKeyId: KEY_ALIAS,
            captureOptions: [{ captureMode: "Input" }, { captureMode: "Output" }],
            captureContentTypeHeader: { jsonContentTypes: ["application/json"] },
        });
        const endpoint = resourceNamed(full, "deployment-endpoint");
        expect(endpoint.inputs).to.include({ name: "drone-full-yolo11", endpointConfigName: config.inputs.name });
    });

    it("sets no volume key on a type with NVMe instance storage, which SageMaker would reject", async () => {
        const gpu = await offlineStack({ stack: "full", config: { endpointInstanceType: "ml.g4dn.xlarge" } });
        const config = resourceNamed(gpu, "deployment-config");
        expect(config.inputs).not.to.have.property("kmsKeyArn");
        expect(config.inputs.productionVariants[0].instanceType).to.equal("ml.g4dn.xlarge");
        expect(config.inputs.dataCaptureConfig.kmsKeyId).to.equal(KEY_ALIAS);
    });

    it("scales between the configured counts on invocations per instance", () => {
        const target = resourceNamed(full, "deployment-scaling-target");
        expect(target.inputs).to.include({
            serviceNamespace: "sagemaker",
            scalableDimension: "sagemaker:variant:DesiredInstanceCount",
            resourceId: "endpoint/drone-full-yolo11/variant/yolo11",
            minCapacity: 1,
            maxCapacity: 2,
        });
        const policy = resourceNamed(full, "deployment-scaling-policy");
        expect(policy.inputs.policyType).to.equal("TargetTrackingScaling");
        expect(policy.inputs.resourceId).to.equal(target.inputs.resourceId);
        expect(policy.inputs.targetTrackingScalingPolicyConfiguration).to.deep.include({
            predefinedMetricSpecification: { predefinedMetricType: "SageMakerVariantInvocationsPerInstance" },
            targetValue: 100,
        });
    });

    it("rolls a new version out blue/green: new model and configuration names, the same endpoint updated", async () => {
        const next = await offlineStack({ stack: "full", config: { deployModelVersion: 2 } });
        const names = (stack: OfflineStack) => ["deployment-model", "deployment-config", "deployment-endpoint"].map((name) => resourceNamed(stack, name).inputs.name);
        const [model1, config1, endpoint1] = names(full);
        const [model2, config2, endpoint2] = names(next);
        expect(model2).to.match(/^drone-full-yolo11-v2-/).and.not.equal(model1);
        expect(config2).to.match(/^drone-full-yolo11-v2-/).and.not.equal(config1);
        expect(endpoint2).to.equal(endpoint1);
        expect(resourceNamed(next, "deployment-model").inputs.primaryContainer.modelPackageName).to.equal(`${ARN}:model-package/drone-full-yolo11-detector/2`);
        // Any change of the configuration's content is a new name too (its resource cannot be edited in place).
        const busier = await offlineStack({ stack: "full", config: { dataCapturePercent: 20 } });
        expect(resourceNamed(busier, "deployment-config").inputs.name).not.to.equal(config1);
        expect(resourceNamed(busier, "deployment-model").inputs.name).to.equal(model1);
    });

    it("monitors data quality against the version's baseline with the uploaded record preprocessor, encrypted throughout", () => {
        const file = fs.readFileSync(path.join(PROJECT_ROOT, "pipeline-scripts", "monitoring", "record_preprocessor.py"));
        const sha256 = crypto.createHash("sha256").update(file).digest("hex");
        const preprocessor = resourceNamed(full, "deployment-record-preprocessor");
        expect(preprocessor.inputs).to.include({ key: `code/monitoring/${sha256}/record_preprocessor.py`, serverSideEncryption: "aws:kms", kmsKeyId: full.outputs.kmsKeyArn, content: file.toString("utf8") });
        const job = resourceNamed(full, "deployment-data-quality");
        expect(job.inputs.name).to.match(/^drone-full-yolo11-data-quality-[0-9a-f]{8}$/);
        expect(job.inputs.roleArn).to.equal(`arn:aws:iam::${MOCK_ACCOUNT_ID}:role/drone-full-model-monitor`);
        expect(job.inputs.dataQualityAppSpecification).to.deep.equal({
            imageUri: `${MODEL_MONITOR_REGISTRY}.dkr.ecr.us-east-1.amazonaws.com/sagemaker-model-monitor-analyzer:latest`,
            recordPreprocessorSourceUri: `s3://${BUCKET}/${preprocessor.inputs.key}`,
            // Without it the analyzer publishes no metrics, and the drift alarms would never see a datapoint.
            environment: { publish_cloudwatch_metrics: "Enabled" },
        });
        expect(job.inputs.dataQualityBaselineConfig).to.deep.equal({
            statisticsResource: { s3Uri: `${BASELINE}statistics.json` },
            constraintsResource: { s3Uri: `${BASELINE}constraints.json` },
        });
        expect(job.inputs.dataQualityJobInput.endpointInput).to.include({ endpointName: "drone-full-yolo11", localPath: "/opt/ml/processing/input/endpoint" });
        expect(job.inputs.dataQualityJobOutputConfig.kmsKeyId).to.equal(KEY_ALIAS);
        expect(job.inputs.dataQualityJobOutputConfig.monitoringOutputs.s3Output.s3Uri).to.equal(`s3://${BUCKET}/monitoring/reports/`);
        expect(job.inputs.jobResources.clusterConfig).to.deep.equal({ instanceType: "ml.m5.xlarge", instanceCount: 1, volumeSizeInGb: MONITORING_JOB.volumeSizeGb, volumeKmsKeyId: KEY_ALIAS });
        expect(job.inputs.stoppingCondition).to.deep.equal({ maxRuntimeInSeconds: 1800 });
        const schedule = resourceNamed(full, "deployment-monitoring-schedule");
        expect(schedule.inputs).to.deep.include({
            name: "drone-full-yolo11-data-quality",
            monitoringScheduleConfig: { monitoringType: "DataQuality", monitoringJobDefinitionName: job.inputs.name, scheduleConfig: { scheduleExpression: "cron(0 0 ? * * *)" } },
        });
    });

    it("runs hourly when asked, and a new baseline is a new job definition under the same schedule", async () => {
        const hourly = await offlineStack({ stack: "full", config: { monitoringFrequency: "hourly", deployBaselineUri: `s3://${BUCKET}/monitoring/baseline/other/` } });
        const schedule = resourceNamed(hourly, "deployment-monitoring-schedule");
        expect(schedule.inputs.monitoringScheduleConfig.scheduleConfig.scheduleExpression).to.equal("cron(0 * ? * * *)");
        expect(schedule.inputs.name).to.equal("drone-full-yolo11-data-quality");
        expect(resourceNamed(hourly, "deployment-data-quality").inputs.name).not.to.equal(resourceNamed(full, "deployment-data-quality").inputs.name);
        expect(resourceNamed(hourly, "alerts-drift-box_count").inputs.period, "one run per period").to.equal(3600);
    });

    it("alarms the topic on each always-present feature's drift metric, above the baseline's comparison threshold", () => {
        const alarms = full.resources.filter((r) => r.type === "aws:cloudwatch/metricAlarm:MetricAlarm" && r.name.startsWith("alerts-drift-"));
        expect(alarms.map((r) => r.inputs.metricName)).to.deep.equal(DRIFT_ALARM_FEATURES.map((feature) => `feature_baseline_drift_${feature}`));
        expect(DRIFT_THRESHOLD).to.equal(0.1);
        for (const alarm of alarms) {
            expect(alarm.inputs, alarm.name).to.deep.include({
                namespace: MODEL_MONITOR_METRICS_NAMESPACE,
                dimensions: { Endpoint: "drone-full-yolo11", MonitoringSchedule: "drone-full-yolo11-data-quality" },
                statistic: "Maximum",
                period: 86400,
                evaluationPeriods: 1,
                threshold: 0.1,
                comparisonOperator: "GreaterThanThreshold",
                treatMissingData: "notBreaching",
                alarmActions: [full.outputs.alertTopicArn],
            });
            expect(alarm.inputs.name).to.equal(`drone-full-${alarm.name.slice("alerts-".length)}`);
            expect(alarm.inputs.alarmDescription).to.contain("constraint_violations.json under s3://lucaskle-ab3-project-pv/monitoring/reports/drone-full-yolo11/drone-full-yolo11-data-quality/");
        }
        // The analyzer may publish only where the monitor role may put metrics: the alarms' namespace.
        const publish = statements(full, "deployment-monitor-role-access").find((s) => s.Sid === "PublishDriftMetrics")!;
        expect(publish.Condition).to.deep.equal({ StringEquals: { "cloudwatch:namespace": alarms[0].inputs.namespace } });
        // The EventBridge rules stay: they see runs that failed, and per-class counts no alarm can name.
        expect(resourceNamed(full, "alerts-endpoint-data-drift").type).to.equal("aws:cloudwatch/eventRule:EventRule");
        expect(resourceNamed(full, "alerts-monitoring-run-failed").type).to.equal("aws:cloudwatch/eventRule:EventRule");
        expect(dev.resources.filter((r) => r.name.startsWith("alerts-drift-"))).to.deep.equal([]);
    });

    it("alerts the topic when a monitoring run finds violations or fails (EventBridge on the schedule's runs)", () => {
        const scheduleArn = `${ARN}:monitoring-schedule/drone-full-yolo11-data-quality`;
        const drift = JSON.parse(resourceNamed(full, "alerts-endpoint-data-drift").inputs.eventPattern);
        expect(drift).to.deep.equal({
            source: ["aws.sagemaker"],
            "detail-type": ["SageMaker Processing Job State Change"],
            detail: { MonitoringScheduleArn: [scheduleArn], ExitMessage: [{ prefix: "CompletedWithViolations" }] },
        });
        const failed = JSON.parse(resourceNamed(full, "alerts-monitoring-run-failed").inputs.eventPattern);
        expect(failed.detail).to.deep.equal({ MonitoringScheduleArn: [scheduleArn], ProcessingJobStatus: ["Failed"] });
        const target = resourceNamed(full, "alerts-endpoint-data-drift-to-topic");
        expect(target.inputs.arn).to.equal(full.outputs.alertTopicArn);
        expect(JSON.parse(target.inputs.inputTransformer.inputTemplate)).to.contain("constraint_violations.json under s3://lucaskle-ab3-project-pv/monitoring/reports/drone-full-yolo11/drone-full-yolo11-data-quality/");
        // EventBridge already publishes to the KMS-encrypted topic; its key policy lets it.
        const key = JSON.parse(resourceNamed(full, "data-key").inputs.policy);
        expect(key.Statement.find((s: any) => s.Sid === "NotificationServicesPublishToEncryptedTopic").Principal.Service).to.include("events.amazonaws.com");
    });

    it("expires captured traffic and reports after monitoringRetentionDays, never the baselines", () => {
        const rules = lifecycleRules(full).filter((rule) => String(rule.filter?.prefix ?? "").startsWith("monitoring/"));
        expect(rules).to.deep.equal([
            { id: "expire-monitoring-data-capture", status: "Enabled", filter: { prefix: "monitoring/data-capture/" }, expiration: { days: 30 } },
            { id: "expire-monitoring-reports", status: "Enabled", filter: { prefix: "monitoring/reports/" }, expiration: { days: 30 } },
        ]);
    });

    it("without monitoring: no monitor role, job, schedule, preprocessor or monitoring alerts", async () => {
        const plain = await offlineStack({ stack: "full", config: { endpointMonitoring: false } });
        expect(plain.resources.filter((r) => /monitor|data-quality|preprocessor|data-drift|-drift-|monitoring-run/.test(r.name))).to.deep.equal([]);
        expect(resourceNamed(plain, "deployment-endpoint").inputs.name).to.equal("drone-full-yolo11");
        expect(plain.outputs.deployment).not.to.have.property("monitoringScheduleName");
        const engineer = statements(plain, "team-ml-engineer-serving").flatMap((s) => [].concat(s.Action)) as string[];
        expect(engineer).to.include("sagemaker:UpdateEndpoint");
        expect(engineer.filter((a) => /Monitoring|DataQuality/.test(a))).to.deep.equal([]);
    });

    it("gives the personas their serving rights in a managed policy each, attached by an ARN known at preview", async () => {
        for (const persona of ["data-scientist", "ml-engineer"]) {
            const policy = resourceNamed(full, `team-${persona}-serving`);
            expect(policy.type).to.equal("aws:iam/policy:Policy");
            expect(policy.inputs.name).to.equal(`drone-full-${persona}-serving`);
            const attachment = resourceNamed(full, `team-${persona}-serving-attachment`);
            expect(attachment.inputs).to.include({ role: `drone-full-${persona}`, policyArn: `arn:aws:iam::${MOCK_ACCOUNT_ID}:policy/drone-full-${persona}-serving` });
            expect(attachment.options.dependsOn).to.include(`team-${persona}-serving`);
        }
        const invoke = (persona: string) => statements(full, `team-${persona}-serving`).filter((s) => [].concat(s.Action).includes("sagemaker:InvokeEndpoint" as never));
        expect(invoke("data-scientist").map((s) => s.Resource)).to.deep.equal([`${ARN}:endpoint/drone-full-yolo11`]);
        expect(statements(full, "team-data-scientist-serving").flatMap((s) => [].concat(s.Action)).filter((a: string) => /^sagemaker:(Create|Update|Delete)/.test(a))).to.deep.equal([]);
        const preview = await offlineStack({ stack: "full", preview: true });
        expect(resourceNamed(preview, "team-ml-engineer-serving-attachment").inputs.policyArn).to.equal(`arn:aws:iam::${MOCK_ACCOUNT_ID}:policy/drone-full-ml-engineer-serving`);
        expect(resourceNamed(preview, "team-ml-engineer-serving").inputs.policy).to.be.a("string");
    });

    it("keeps every role within IAM's size limits: 10,240 characters of inline policies per role, 6,144 per managed policy", () => {
        const size = (text: string) => JSON.stringify(JSON.parse(text)).replace(/\s/g, "").length;
        const inline = new Map<string, number>();
        for (const policy of full.resources.filter((r) => r.type === "aws:iam/rolePolicy:RolePolicy")) {
            inline.set(policy.inputs.role, (inline.get(policy.inputs.role) ?? 0) + size(policy.inputs.policy));
        }
        expect(inline.get("drone-full-ml-engineer"), "the ML engineer, the largest").to.be.greaterThan(5000);
        for (const [role, characters] of inline) {
            expect(characters, role).to.be.at.most(10_240);
        }
        for (const policy of full.resources.filter((r) => r.type === "aws:iam/policy:Policy")) {
            expect(size(policy.inputs.policy), policy.name).to.be.at.most(6_144);
        }
    });

    it("exports the endpoint, what it serves and where its capture and reports are", () => {
        expect(full.outputs.deployment).to.deep.include({
            endpointName: "drone-full-yolo11",
            endpointArn: `${ARN}:endpoint/drone-full-yolo11`,
            modelVersion: 1,
            modelPackageArn: `${ARN}:model-package/drone-full-yolo11-detector/1`,
            instanceType: "ml.m5.xlarge",
            minInstances: 1,
            maxInstances: 2,
            dataCaptureUri: `s3://${BUCKET}/monitoring/data-capture/`,
            monitoringScheduleName: "drone-full-yolo11-data-quality",
            monitoringReportsUri: `s3://${BUCKET}/monitoring/reports/`,
            baselineUri: BASELINE,
        });
    });

    it("passes the pack with serving on, in preview too, on an EBS and an NVMe type and without monitoring", async () => {
        for (const [label, options] of [
            ["full", { stack: "full" }],
            ["full preview", { stack: "full", preview: true }],
            ["GPU preview", { stack: "full", preview: true, config: { endpointInstanceType: "ml.g5.xlarge", endpointMaxInstances: 4 } }],
            ["no monitoring", { stack: "full", config: { endpointMonitoring: false } }],
            ["version 0", { stack: "full", config: { deployModelVersion: 0 } }],
        ] as const) {
            const stack = await offlineStack(options);
            expect((await evaluateDetailed(toPolicyResources(stack.resources))).violations, label).to.deep.equal([]);
        }
    });
});

// The governance and cost resources of the program (offline, under mocks): registry, alerts, MLflow,
// budget, Studio idle shutdown and lifecycle configuration, each following its config switch.
import { expect } from "chai";
import { findStep, PipelineDefinition, STEPS, trainingRunSteps } from "../../components/pipelineDefinition";
import { MOCK_ACCOUNT_ID } from "../../tools/mocks";
import { OfflineStack } from "../../tools/offlineStack";
import { offlineStack, resourceNamed, resourcesOfType } from "./fixtures";

const KEY_ARN_PATTERN = new RegExp(`^arn:aws:kms:us-east-1:${MOCK_ACCOUNT_ID}:key/[0-9a-f-]{36}$`);

function definitionOf(stack: OfflineStack): PipelineDefinition {
    return JSON.parse(resourcesOfType(stack, "aws:sagemaker/pipeline:Pipeline")[0].inputs.pipelineDefinition);
}

function eventPattern(stack: OfflineStack, name: string): Record<string, any> {
    return JSON.parse(resourceNamed(stack, name).inputs.eventPattern);
}

describe("governance and cost resources (dev stack, offline)", () => {
    let dev: OfflineStack;
    let everything: OfflineStack;
    let minimal: OfflineStack;
    let preview: OfflineStack;

    before(async () => {
        dev = await offlineStack();
        everything = await offlineStack({ config: { experimentTracking: true, alertEmails: ["ml-team@example.com", "oncall@example.com"] } });
        minimal = await offlineStack({
            config: { modelRegistry: false, qualityGate: false, alerts: false, budget: false, experimentTracking: false, studioLifecycleConfig: false },
        });
        preview = await offlineStack({ preview: true, config: { experimentTracking: true } });
    });

    describe("model registry", () => {
        it("creates the project's model package group, kept on destroy unless data may be destroyed", async () => {
            const [group] = resourcesOfType(dev, "aws:sagemaker/modelPackageGroup:ModelPackageGroup");
            expect(group.inputs.modelPackageGroupName).to.equal("drone-dev-yolo11-detector");
            expect(group.options.retainOnDelete).to.equal(true);
            const teardown = await offlineStack({ config: { bucketMode: "create", allowDataDestroy: true } });
            expect(resourcesOfType(teardown, "aws:sagemaker/modelPackageGroup:ModelPackageGroup")[0].options.retainOnDelete).to.equal(false);
            expect(dev.outputs.modelPackageGroupName).to.equal("drone-dev-yolo11-detector");
        });

        it("registers into that group with the region's PyTorch inference image, after the group exists", () => {
            const definition = JSON.stringify(definitionOf(dev));
            expect(definition).to.contain('"ModelPackageGroupName":"drone-dev-yolo11-detector"');
            expect(definition).to.contain("dkr.ecr.us-east-1.amazonaws.com/pytorch-inference:2.6.0-gpu-py312-cu124-ubuntu22.04-sagemaker");
            const pipeline = resourcesOfType(dev, "aws:sagemaker/pipeline:Pipeline")[0];
            expect(pipeline.options.dependsOn).to.include("registry");
        });
    });

    describe("alerts", () => {
        it("publishes to one SNS topic encrypted with the stack's customer managed key", () => {
            const [topic] = resourcesOfType(dev, "aws:sns/topic:Topic");
            expect(topic.inputs.name).to.equal("drone-dev-alerts");
            expect(topic.inputs.kmsMasterKeyId).to.match(KEY_ARN_PATTERN);
            expect(topic.inputs.kmsMasterKeyId).to.equal(dev.outputs.kmsKeyArn);
        });

        it("lets the key and the topic serve EventBridge, CloudWatch and Budgets of this account only", () => {
            const keyPolicy = JSON.parse(resourceNamed(dev, "data-key").inputs.policy);
            const services = keyPolicy.Statement.find((s: any) => s.Sid === "NotificationServicesPublishToEncryptedTopic");
            expect(services.Principal.Service).to.have.members(["events.amazonaws.com", "cloudwatch.amazonaws.com", "budgets.amazonaws.com"]);
            expect(services.Action).to.deep.equal(["kms:GenerateDataKey", "kms:Decrypt"]);
            expect(services.Condition).to.deep.equal({ StringEquals: { "aws:SourceAccount": MOCK_ACCOUNT_ID } });
            const topicPolicy = JSON.parse(resourcesOfType(dev, "aws:sns/topicPolicy:TopicPolicy")[0].inputs.policy);
            const publish = topicPolicy.Statement.find((s: any) => s.Effect === "Allow");
            expect(publish.Condition).to.deep.equal({ StringEquals: { "aws:SourceAccount": MOCK_ACCOUNT_ID } });
            expect(topicPolicy.Statement.find((s: any) => s.Effect === "Deny").Condition).to.deep.equal({ Bool: { "aws:SecureTransport": false } });
            // Without alerts the key trusts no notification service.
            const minimalKey = JSON.parse(resourceNamed(minimal, "data-key").inputs.policy);
            expect(minimalKey.Statement.map((s: any) => s.Sid)).not.to.include("NotificationServicesPublishToEncryptedTopic");
        });

        it("subscribes each configured address by e-mail", () => {
            const endpoints = resourcesOfType(everything, "aws:sns/topicSubscription:TopicSubscription").map((s) => [s.inputs.protocol, s.inputs.endpoint]);
            expect(endpoints).to.deep.equal([
                ["email", "ml-team@example.com"],
                ["email", "oncall@example.com"],
            ]);
            expect(resourcesOfType(dev, "aws:sns/topicSubscription:TopicSubscription")).to.have.length(0);
        });

        it("alerts on the stack's pipeline runs that failed or stopped, with the execution and what to do next", () => {
            const pattern = eventPattern(dev, "alerts-pipeline-run-ended-badly");
            expect(pattern["detail-type"]).to.deep.equal(["SageMaker Model Building Pipeline Execution Status Change"]);
            expect(pattern.detail).to.deep.equal({
                pipelineArn: [dev.outputs.pipelineArn],
                currentPipelineExecutionStatus: ["Failed", "Stopped"],
            });
            const target = resourceNamed(dev, "alerts-pipeline-run-ended-badly-to-topic");
            expect(target.inputs.arn).to.equal(dev.outputs.alertTopicArn);
            const message: string = JSON.parse(target.inputs.inputTransformer.inputTemplate);
            for (const placeholder of Object.keys(target.inputs.inputTransformer.inputPaths)) {
                expect(message, placeholder).to.contain(`<${placeholder}>`);
            }
            expect(message).to.contain("drone-dev-yolo11-training").and.contain("yolo-pipeline watch <execution>");
        });

        it("alerts on version changes of the project's model group", () => {
            const pattern = eventPattern(dev, "alerts-model-version-changed");
            expect(pattern).to.deep.equal({
                source: ["aws.sagemaker"],
                "detail-type": ["SageMaker Model Package State Change"],
                detail: { ModelPackageGroupName: ["drone-dev-yolo11-detector"] },
            });
            const message: string = JSON.parse(resourceNamed(dev, "alerts-model-version-changed-to-topic").inputs.inputTransformer.inputTemplate);
            expect(message).to.contain("yolo-pipeline approve <version>");
        });

        it("raises a CloudWatch alarm to the topic when a pipeline training job fails", () => {
            const rule = resourceNamed(dev, "alerts-training-job-failed");
            expect(JSON.parse(rule.inputs.eventPattern).detail).to.deep.equal({ TrainingJobStatus: ["Failed"], TrainingJobName: [{ prefix: "pipelines-" }] });
            const [alarm] = resourcesOfType(dev, "aws:cloudwatch/metricAlarm:MetricAlarm");
            expect(alarm.inputs).to.deep.include({
                namespace: "AWS/Events",
                metricName: "TriggeredRules",
                dimensions: { RuleName: rule.inputs.name },
                threshold: 1,
                comparisonOperator: "GreaterThanOrEqualToThreshold",
                treatMissingData: "notBreaching",
                alarmActions: [dev.outputs.alertTopicArn],
            });
        });
    });

    describe("experiment tracking", () => {
        it("is off in the default config and costs nothing then", () => {
            expect(resourcesOfType(dev, "aws:sagemaker/mlflowTrackingServer:MlflowTrackingServer")).to.have.length(0);
            expect(JSON.stringify(definitionOf(dev))).not.to.contain("MLFLOW_TRACKING_URI");
        });

        it("runs an MLflow server on the bucket's mlflow/ prefix with a role of its own", () => {
            const [server] = resourcesOfType(everything, "aws:sagemaker/mlflowTrackingServer:MlflowTrackingServer");
            expect(server.inputs).to.deep.include({
                trackingServerName: "drone-dev-mlflow",
                artifactStoreUri: "s3://lucaskle-ab3-project-pv/mlflow/",
                roleArn: `arn:aws:iam::${MOCK_ACCOUNT_ID}:role/drone-dev-mlflow-server`,
                trackingServerSize: "Small",
                automaticModelRegistration: false,
            });
            const role = resourceNamed(everything, "tracking-role");
            expect(role.inputs.tags).to.include({ "ml-service": "mlflow-tracking-server" }).and.not.have.property("ml-persona");
            const policy = JSON.parse(resourceNamed(everything, "tracking-role-access").inputs.policy);
            expect(policy.Statement.flatMap((s: any) => [].concat(s.Action)).filter((a: string) => !/^(s3|kms):/.test(a))).to.deep.equal([]);
        });

        it("points training at the server by an ARN known at preview", () => {
            const definition = definitionOf(preview);
            const training = findStep(definition, STEPS.train) as any;
            expect(training.Arguments.Environment.MLFLOW_TRACKING_URI).to.equal(
                `arn:aws:sagemaker:us-east-1:${MOCK_ACCOUNT_ID}:mlflow-tracking-server/drone-dev-mlflow`,
            );
        });
    });

    describe("budget", () => {
        it("budgets the resources carrying this stack's project and environment tags, notifying the alert topic", () => {
            const [budget] = resourcesOfType(dev, "aws:budgets/budget:Budget");
            expect(budget.inputs).to.deep.include({ name: "drone-dev-monthly", budgetType: "COST", limitAmount: "500.00", limitUnit: "USD", timeUnit: "MONTHLY" });
            expect(budget.inputs.filterExpression).to.deep.equal({
                ands: [{ tags: { key: "project", values: ["sagemaker-yolo"] } }, { tags: { key: "environment", values: ["dev"] } }],
            });
            expect(budget.inputs.notifications.map((n: any) => [n.notificationType, n.threshold])).to.deep.equal([
                ["ACTUAL", 50],
                ["ACTUAL", 80],
                ["ACTUAL", 100],
                ["FORECASTED", 100],
            ]);
            for (const notification of budget.inputs.notifications) {
                expect(notification.subscriberSnsTopicArns).to.deep.equal([dev.outputs.alertTopicArn]);
            }
        });

        it("e-mails the addresses directly when there is no alert topic", async () => {
            const stack = await offlineStack({ config: { alerts: false, alertEmails: ["finance@example.com"] } });
            const [budget] = resourcesOfType(stack, "aws:budgets/budget:Budget");
            expect(budget.inputs.notifications[0].subscriberEmailAddresses).to.deep.equal(["finance@example.com"]);
            expect(budget.inputs.notifications[0]).not.to.have.property("subscriberSnsTopicArns");
        });
    });

    describe("Studio", () => {
        const labSettings = (stack: OfflineStack) => {
            const domain = resourcesOfType(stack, "aws:sagemaker/domain:Domain")[0].inputs;
            const profiles = resourcesOfType(stack, "aws:sagemaker/userProfile:UserProfile").map((p) => p.inputs.userSettings.jupyterLabAppSettings);
            return [domain.defaultUserSettings.jupyterLabAppSettings, domain.defaultSpaceSettings.jupyterLabAppSettings, ...profiles];
        };

        it("shuts JupyterLab apps down after an hour idle everywhere, users choosing at most four hours", () => {
            for (const settings of labSettings(dev)) {
                expect(settings.appLifecycleManagement).to.deep.equal({
                    idleSettings: { lifecycleManagement: "ENABLED", idleTimeoutInMinutes: 60, minIdleTimeoutInMinutes: 60, maxIdleTimeoutInMinutes: 240 },
                });
                expect(settings.defaultResourceSpec.instanceType).to.equal("ml.t3.medium");
            }
        });

        it("runs the stack's lifecycle configuration at every JupyterLab start, and allows no other", () => {
            const [config] = resourcesOfType(dev, "aws:sagemaker/studioLifecycleConfig:StudioLifecycleConfig");
            expect(config.inputs.studioLifecycleConfigAppType).to.equal("JupyterLab");
            expect(config.inputs.studioLifecycleConfigName).to.match(/^drone-dev-yolo11-kernel-[0-9a-f]{8}$/);
            const script = Buffer.from(config.inputs.studioLifecycleConfigContent, "base64").toString("utf-8");
            expect(script).to.contain(String(dev.outputs.codeBundleUri)).and.not.contain("@CODE_BUNDLE_URI@");
            const arn = `arn:aws:sagemaker:us-east-1:${MOCK_ACCOUNT_ID}:studio-lifecycle-config/${config.inputs.studioLifecycleConfigName}`;
            for (const settings of labSettings(dev)) {
                expect(settings.lifecycleConfigArns).to.deep.equal([arn]);
                expect(settings.defaultResourceSpec.lifecycleConfigArn).to.equal(arn);
            }
        });

        it("renames the lifecycle configuration when the scripts change, so the new one exists before the old goes", async () => {
            const [config] = resourcesOfType(dev, "aws:sagemaker/studioLifecycleConfig:StudioLifecycleConfig");
            const other = await offlineStack({ config: { bucketName: "another-drone-bucket" } });
            const [changed] = resourcesOfType(other, "aws:sagemaker/studioLifecycleConfig:StudioLifecycleConfig");
            expect(changed.inputs.studioLifecycleConfigName).not.to.equal(config.inputs.studioLifecycleConfigName);
        });
    });

    it("follows every switch off: no registry, gate, alerts, budget, tracking server or lifecycle configuration", () => {
        const types = new Set(minimal.resources.map((r) => r.type));
        for (const type of [
            "aws:sagemaker/modelPackageGroup:ModelPackageGroup",
            "aws:sns/topic:Topic",
            "aws:cloudwatch/eventRule:EventRule",
            "aws:cloudwatch/metricAlarm:MetricAlarm",
            "aws:budgets/budget:Budget",
            "aws:sagemaker/mlflowTrackingServer:MlflowTrackingServer",
            "aws:sagemaker/studioLifecycleConfig:StudioLifecycleConfig",
        ]) {
            expect(types.has(type), type).to.equal(false);
        }
        expect(trainingRunSteps(definitionOf(minimal)).map((step) => step.Type)).to.deep.equal(["Training", "Processing"]);
        // Idle shutdown is not a switch: it is the platform's cost floor.
        const domain = resourcesOfType(minimal, "aws:sagemaker/domain:Domain")[0].inputs;
        expect(domain.defaultUserSettings.jupyterLabAppSettings.appLifecycleManagement.idleSettings.lifecycleManagement).to.equal("ENABLED");
    });
});

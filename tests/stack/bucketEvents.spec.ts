// Bucket events and the dataset trigger in the stack (offline, under mocks): the bucket publishes to EventBridge in
// every stack; with pipelineTrigger the `_READY` rule, its pipeline target and the role that may only start it.
// Whether the pattern matches the right keys is evaluated by moto's EventBridge in tests/python/test_dataset_trigger.py.
import { expect } from "chai";
import { readyMarkerPattern, TRIGGER_RETRY, triggerParameters } from "../../components/datasetTrigger";
import { PARAMETERS, PipelineDefinition, ProcessingStep, STEPS } from "../../components/pipelineDefinition";
import { DATASET_READY_MARKER } from "../../components/s3Layout";
import { resolveExpression } from "../../cli/definition";
import { evaluateDetailed, toPolicyResources } from "../../policies/offline";
import { SERVICE_ROLES } from "../../policies/catalog";
import { MOCK_ACCOUNT_ID } from "../../tools/mocks";
import { OfflineStack } from "../../tools/offlineStack";
import { offlineStack, resourceNamed, resourcesOfType } from "./fixtures";

const NOTIFICATION = "aws:s3/bucketNotification:BucketNotification";
const BUCKET = "lucaskle-ab3-project-pv";
const PIPELINE_ARN = `arn:aws:sagemaker:us-east-1:${MOCK_ACCOUNT_ID}:pipeline/drone-full-yolo11-training`;
const RULE_ARN = `arn:aws:events:us-east-1:${MOCK_ACCOUNT_ID}:rule/drone-full-dataset-ready`;

const definitionOf = (stack: OfflineStack): PipelineDefinition => JSON.parse(resourceNamed(stack, "training-pipeline").inputs.pipelineDefinition);

describe("bucket events and the dataset trigger (offline)", () => {
    let dev: OfflineStack;
    let full: OfflineStack;

    before(async () => {
        dev = await offlineStack();
        full = await offlineStack({ stack: "full" });
    });

    it("dev: the adopted bucket publishes to EventBridge, the setting kept on destroy like the others, and nothing is triggered", () => {
        const [notification] = resourcesOfType(dev, NOTIFICATION);
        expect(notification.inputs).to.deep.equal({ bucket: BUCKET, eventbridge: true });
        expect(notification.options.retainOnDelete).to.equal(true);
        expect(resourcesOfType(dev, NOTIFICATION)).to.have.length(1);
        expect(dev.resources.filter((r) => r.name.startsWith("trigger"))).to.deep.equal([]);
        expect(dev.outputs).not.to.have.property("datasetTrigger");
    });

    it("bucketEvents: false drops the notification, and the pack then advises (it does not refuse)", async () => {
        const quiet = await offlineStack({ config: { bucketEvents: false } });
        expect(resourcesOfType(quiet, NOTIFICATION)).to.deep.equal([]);
        const { violations } = await evaluateDetailed(toPolicyResources(quiet.resources));
        expect(violations.map((v) => [v.policy, v.enforcementLevel])).to.deep.equal([["s3-event-notifications", "advisory"]]);
    });

    it("full: one rule on Object Created events of the bucket's datasets/*/_READY keys", () => {
        const rule = resourceNamed(full, "trigger-rule");
        expect(rule.inputs.name).to.equal("drone-full-dataset-ready");
        expect(JSON.parse(rule.inputs.eventPattern)).to.deep.equal({
            source: ["aws.s3"],
            "detail-type": ["Object Created"],
            detail: { bucket: { name: [BUCKET] }, object: { key: [{ wildcard: `datasets/*/${DATASET_READY_MARKER}` }] } },
        });
        expect(JSON.parse(rule.inputs.eventPattern)).to.deep.equal(readyMarkerPattern(BUCKET));
        // The data bucket and its cross-region replica (no rule listens to the replica's events).
        expect(resourcesOfType(full, NOTIFICATION).map((n) => n.inputs)).to.deep.equal([{ bucket: BUCKET, eventbridge: true }, { bucket: `${BUCKET}-us-west-2`, eventbridge: true }]);
    });

    it("full: the target starts the stack's pipeline with parameters the definition declares, retries bounded", () => {
        const target = resourceNamed(full, "trigger-start-pipeline");
        expect(target.inputs).to.deep.include({ rule: "drone-full-dataset-ready", arn: PIPELINE_ARN, roleArn: `arn:aws:iam::${MOCK_ACCOUNT_ID}:role/drone-full-pipeline-trigger` });
        expect(full.outputs.pipelineArn).to.equal(PIPELINE_ARN);
        const parameters = target.inputs.sagemakerPipelineTarget.pipelineParameterLists as { name: string; value: string }[];
        expect(parameters).to.deep.equal([
            { name: "InputData", value: `s3://${BUCKET}/` },
            { name: "InputKey", value: "$.detail.object.key" },
            { name: "InputKeyVersion", value: "$.detail.object.version-id" },
        ]);
        expect(parameters).to.deep.equal(triggerParameters(BUCKET));
        const declared = definitionOf(full).Parameters.map((p) => p.Name);
        expect(declared).to.include.members(parameters.map((p) => p.name));
        expect(target.inputs.retryPolicy).to.deep.equal(TRIGGER_RETRY);
        expect(target.options.dependsOn).to.include.members(["trigger-role-access", "training"]);
    });

    it("full: with the event's key, PrepareDataset reads the marker's URI (prepare.py then reads its folder) and records it", () => {
        const definition = definitionOf(full);
        const prepare = definition.Steps.find((s) => s.Name === STEPS.prepare) as ProcessingStep;
        const raw = prepare.Arguments.ProcessingInputs?.find((i) => i.InputName === "raw")?.S3Input?.S3Uri;
        const event = { detail: { object: { key: "datasets/flight-7/_READY", "version-id": "3HL4kqtJlcpXroDTDmJ" } } };
        const value = (path: string) => path.replace(/^\$\./, "").split(".").reduce<any>((node, key) => node?.[key], event);
        const fromEvent = Object.fromEntries(triggerParameters(BUCKET).map((p) => [p.name, p.value.startsWith("$.") ? value(p.value) : p.value]));
        const scope = { parameters: fromEvent, executionId: "abc123" };
        expect(resolveExpression(raw as never, scope)).to.equal(`s3://${BUCKET}/datasets/flight-7/_READY`);
        const args = prepare.Arguments.AppSpecification?.ContainerArguments ?? [];
        expect(resolveExpression(args[args.indexOf("--input-uri") + 1] as never, scope)).to.equal(`s3://${BUCKET}/datasets/flight-7/_READY`);
        expect(args.map((a) => resolveExpression(a as never, scope))).to.include("--input-version=3HL4kqtJlcpXroDTDmJ");
        // A run started by hand leaves InputKey empty: it reads InputData as before.
        const byHand = { parameters: { [PARAMETERS.inputData]: `s3://${BUCKET}/datasets/drone-detection/`, [PARAMETERS.inputKey]: "" }, executionId: "x" };
        expect(resolveExpression(raw as never, byHand)).to.equal(`s3://${BUCKET}/datasets/drone-detection/`);
    });

    it("full: the trigger's role is a service role only this rule may assume, and it may only start this pipeline", () => {
        const role = resourceNamed(full, "trigger-role");
        expect(role.inputs.tags["ml-service"]).to.equal("pipeline-trigger");
        expect(SERVICE_ROLES["pipeline-trigger"].principals).to.deep.equal(["events.amazonaws.com"]);
        expect(JSON.parse(role.inputs.assumeRolePolicy).Statement).to.deep.equal([
            {
                Sid: "OneEventBridgeRuleOfThisAccount",
                Effect: "Allow",
                Principal: { Service: "events.amazonaws.com" },
                Action: "sts:AssumeRole",
                Condition: { StringEquals: { "aws:SourceAccount": MOCK_ACCOUNT_ID, "aws:SourceArn": RULE_ARN } },
            },
        ]);
        expect(JSON.parse(resourceNamed(full, "trigger-role-access").inputs.policy).Statement).to.deep.equal([
            { Sid: "StartThisPipeline", Effect: "Allow", Action: ["sagemaker:StartPipelineExecution"], Resource: PIPELINE_ARN },
        ]);
        // Only the trigger role's own grant names it.
        const grants = resourcesOfType(full, "aws:iam/rolePolicy:RolePolicy").filter((p) => p.inputs.role === "drone-full-pipeline-trigger");
        expect(grants.map((g) => g.name)).to.deep.equal(["trigger-role-access"]);
    });

    it("full: a start that failed for good alerts the topic", () => {
        const alarm = resourceNamed(full, "trigger-failed");
        expect(alarm.inputs).to.deep.include({ namespace: "AWS/Events", metricName: "FailedInvocations", threshold: 1 });
        expect(alarm.inputs.dimensions).to.deep.equal({ RuleName: "drone-full-dataset-ready" });
        expect(alarm.inputs.alarmActions).to.deep.equal([full.outputs.alertTopicArn]);
        expect(full.outputs.datasetTrigger).to.deep.equal({ ruleName: "drone-full-dataset-ready", roleArn: `arn:aws:iam::${MOCK_ACCOUNT_ID}:role/drone-full-pipeline-trigger` });
    });

    it("passes the pack with the trigger on, in preview too, and the trigger rule judges the role in preview", async () => {
        for (const preview of [false, true]) {
            const stack = await offlineStack({ stack: "full", preview });
            const result = await evaluateDetailed(toPolicyResources(stack.resources));
            expect(result.violations, `preview ${preview}`).to.deep.equal([]);
            expect(result.skipped.map((s) => s.policy), `preview ${preview}`).not.to.include("sagemaker-pipeline-trigger-scoped");
        }
    });

    it("the pack refuses a trigger role that may do more than start its pipeline", async () => {
        const resources = toPolicyResources(full.resources).map((r) =>
            r.name === "trigger-role-access"
                ? { ...r, props: { ...r.props, policy: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: ["sagemaker:StartPipelineExecution", "sagemaker:CreateTrainingJob"], Resource: "*" }] }) } }
                : r,
        );
        const violations = (await evaluateDetailed(resources)).violations.filter((v) => v.policy === "sagemaker-pipeline-trigger-scoped");
        expect(violations.map((v) => v.message).join("\n")).to.contain("sagemaker:CreateTrainingJob").and.contain('"*"');
    });
});

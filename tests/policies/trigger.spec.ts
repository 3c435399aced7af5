// The dataset trigger's role: EventBridge targets that start a pipeline, and what their role may do.
import { expect } from "chai";
import { ACCOUNT, assertHasViolation, assertNoViolations, COST_TAGS, document, REGION, resource, role, rolePolicy, run, UNKNOWN_INPUT, violationsOf } from "./helpers";

const RULE = "sagemaker-pipeline-trigger-scoped";
const ROLE_NAME = "drone-dev-pipeline-trigger";
const PIPELINE = `arn:aws:sagemaker:${REGION}:${ACCOUNT}:pipeline/drone-dev-yolo11-training`;
const OTHER_PIPELINE = `arn:aws:sagemaker:${REGION}:${ACCOUNT}:pipeline/someone-elses`;
const EVENTS_TRUST = document({
    Effect: "Allow",
    Principal: { Service: "events.amazonaws.com" },
    Action: "sts:AssumeRole",
    Condition: { StringEquals: { "aws:SourceAccount": ACCOUNT, "aws:SourceArn": `arn:aws:events:${REGION}:${ACCOUNT}:rule/drone-dev-dataset-ready` } },
});
const triggerRole = (name = ROLE_NAME, resourceName = "trigger-role") =>
    role(name, { assumeRolePolicy: EVENTS_TRUST, tags: { ...COST_TAGS, "ml-service": "pipeline-trigger" } }, resourceName);
const start = (resources: string | string[] = PIPELINE) => document({ Sid: "StartThisPipeline", Effect: "Allow", Action: ["sagemaker:StartPipelineExecution"], Resource: resources });
const target = (arn = PIPELINE, roleArn: unknown = `arn:aws:iam::${ACCOUNT}:role/${ROLE_NAME}`, name = "trigger-target") =>
    resource("aws:cloudwatch/eventTarget:EventTarget", { rule: "drone-dev-dataset-ready", arn, roleArn, sagemakerPipelineTarget: { pipelineParameterLists: [] } }, name);

describe("sagemaker-pipeline-trigger-scoped", () => {
    it("accepts a target whose role may only start the pipeline it targets, and targets that start no pipeline", async () => {
        const topicTarget = resource("aws:cloudwatch/eventTarget:EventTarget", { rule: "alerts", arn: `arn:aws:sns:${REGION}:${ACCOUNT}:alerts` }, "to-topic");
        const violations = await violationsOf([triggerRole(), rolePolicy(start(), ROLE_NAME), target(), topicTarget]);
        assertNoViolations(violations, RULE, "iam-every-role-placed", "iam-trust-policy-restricted");
    });

    it("refuses other actions, wildcards, NotAction, and pipelines its rules do not target", async () => {
        const bad = document(
            { Sid: "Describe", Effect: "Allow", Action: ["sagemaker:StartPipelineExecution", "sagemaker:DescribePipeline"], Resource: PIPELINE },
            { Sid: "AnyStart", Effect: "Allow", Action: ["sagemaker:Start*"], Resource: PIPELINE },
            { Sid: "AllPipelines", Effect: "Allow", Action: ["sagemaker:StartPipelineExecution"], Resource: `arn:aws:sagemaker:${REGION}:${ACCOUNT}:pipeline/*` },
            { Sid: "Another", Effect: "Allow", Action: ["sagemaker:StartPipelineExecution"], Resource: OTHER_PIPELINE },
            { Sid: "Inverse", Effect: "Allow", NotAction: ["iam:*"], Resource: "*" },
        );
        const violations = await violationsOf([triggerRole(), rolePolicy(bad, ROLE_NAME, "bad"), target()]);
        assertHasViolation(violations, RULE, ['statement "Describe"', '"sagemaker:DescribePipeline"', "may only hold sagemaker:StartPipelineExecution"], "bad");
        assertHasViolation(violations, RULE, ['statement "AnyStart"', '"sagemaker:Start*"'], "bad");
        assertHasViolation(violations, RULE, ['statement "AllPipelines"', "pipeline/*", `not only to the pipeline its rules target (${PIPELINE.toLowerCase()})`], "bad");
        assertHasViolation(violations, RULE, ['statement "Another"', OTHER_PIPELINE], "bad");
        assertHasViolation(violations, RULE, ['statement "Inverse"', "NotAction"], "bad");
    });

    it("refuses a pipeline target whose role is not a trigger role of the stack, or that has none", async () => {
        const pipelineRole = role("drone-dev-pipeline", { tags: { ...COST_TAGS, "ml-persona": "pipeline" } });
        const violations = await violationsOf([
            pipelineRole,
            target(PIPELINE, `arn:aws:iam::${ACCOUNT}:role/drone-dev-pipeline`, "with-pipeline-role"),
            target(PIPELINE, undefined, "without-role"),
            target(PIPELINE, `arn:aws:iam::${ACCOUNT}:role/elsewhere`, "with-foreign-role"),
        ]);
        assertHasViolation(violations, RULE, ["with-pipeline-role starts the pipeline", "drone-dev-pipeline", "not a role of this stack tagged ml-service: pipeline-trigger"], "with-pipeline-role");
        assertHasViolation(violations, RULE, "without-role starts the pipeline", "without-role");
        assertHasViolation(violations, RULE, "role/elsewhere", "with-foreign-role");
    });

    it("reports a trigger role that may start a pipeline no rule targets", async () => {
        assertHasViolation(await violationsOf([triggerRole(), rolePolicy(start(), ROLE_NAME, "orphan")]), RULE, "a pipeline one of its rules targets (none does)", "orphan");
    });

    it("judges actions but not resources while a target's role is unknown (preview), and says it did not fully run", async () => {
        const result = await run([triggerRole(), rolePolicy(document({ Sid: "Wide", Effect: "Allow", Action: ["sagemaker:*"], Resource: OTHER_PIPELINE }), ROLE_NAME, "wide"), target(PIPELINE, UNKNOWN_INPUT)]);
        const mine = result.violations.filter((v) => v.policy === RULE);
        expect(mine.map((v) => v.message).join("\n")).to.contain('"sagemaker:*"').and.not.contain("not only to");
        expect(result.skipped.map((s) => s.policy)).to.include(RULE);
    });

    it("runs fully in preview beside targets without a role whose ARN is unknown (an SNS topic's): they cannot start a pipeline", async () => {
        const topicTarget = resource("aws:cloudwatch/eventTarget:EventTarget", { rule: "alerts", arn: UNKNOWN_INPUT }, "to-topic");
        const result = await run([triggerRole(), rolePolicy(start(OTHER_PIPELINE), ROLE_NAME, "aimed-elsewhere"), target(), topicTarget]);
        assertHasViolation(result.violations, RULE, ['statement "StartThisPipeline"', OTHER_PIPELINE], "aimed-elsewhere");
        expect(result.skipped.map((s) => s.policy)).not.to.include(RULE);
    });

    it("places the trigger role as a service role only EventBridge may assume", async () => {
        const sagemakerTrusted = role(ROLE_NAME, { tags: { ...COST_TAGS, "ml-service": "pipeline-trigger" } }, "misplaced");
        assertHasViolation(await violationsOf([sagemakerTrusted, rolePolicy(start(), ROLE_NAME), target()]), "iam-every-role-placed", "pipeline-trigger", "misplaced");
    });
});

// Personas cannot be dropped silently: every role is a known persona or a known service role, every grant
// names a role of the stack, and a data-scientist role stays read-only whatever way it is given permissions.
import { expect } from "chai";
import { OfflineResource } from "../../policies/offline";
import {
    ACCOUNT,
    assertHasViolation,
    assertNoViolations,
    COST_TAGS,
    document,
    resource,
    role,
    rolePolicy,
    UNKNOWN_INPUT,
    violationsOf,
    run,
} from "./helpers";

const POLICY = "iam-every-role-placed";
const READ_ONLY = "iam-data-scientist-read-only";

const tagged = (tags: Record<string, string>) => ({ tags: { ...COST_TAGS, ...tags } });
const READ = document({ Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::drone-data-bucket/datasets/*" });
const START = document({
    Sid: "RunPipelines",
    Effect: "Allow",
    Action: ["sagemaker:StartPipelineExecution", "s3:PutObject", "sagemaker:CreateTrainingJob"],
    Resource: [`arn:aws:sagemaker:us-east-1:${ACCOUNT}:pipeline/yolo`, "arn:aws:s3:::drone-data-bucket/*", `arn:aws:sagemaker:us-east-1:${ACCOUNT}:training-job/*`],
});

describe("iam-every-role-placed", () => {
    it("accepts roles of known personas and a service role only its service assumes", async () => {
        const violations = await violationsOf([
            role("ds", tagged({ "ml-persona": "data-scientist" })),
            role("mle", tagged({ "ml-persona": "ml-engineer" })),
            role("pipe", tagged({ "ml-persona": "pipeline" })),
            role("tracking", tagged({ "ml-service": "mlflow-tracking-server" })),
            rolePolicy(READ, "ds"),
            rolePolicy(READ, `arn:aws:iam::${ACCOUNT}:role/mle`),
        ]);
        assertNoViolations(violations, POLICY);
    });

    it("refuses a data-scientist role re-created without its tag, which the read-only rule then no longer sees", async () => {
        const violations = await violationsOf([role("drone-dev-data-scientist", { tags: { ...COST_TAGS } }, "team-data-scientist"), rolePolicy(START, "drone-dev-data-scientist")]);
        const found = assertHasViolation(violations, POLICY, ["Role team-data-scientist (drone-dev-data-scientist) carries no ml-persona tag", "escapes every role-separation rule"], "team-data-scientist");
        expect(found.enforcementLevel).to.equal("mandatory");
        // This is the escape the rule closes: without the tag, the persona rule has nothing to judge.
        assertNoViolations(violations, READ_ONLY);
    });

    it("refuses an unknown persona value, both tags at once and an unknown service", async () => {
        const violations = await violationsOf([
            role("typo", tagged({ "ml-persona": "data_scientist" }), "typo"),
            role("both", tagged({ "ml-persona": "ml-engineer", "ml-service": "mlflow-tracking-server" }), "both"),
            role("svc", tagged({ "ml-service": "batch-scorer" }), "svc"),
        ]);
        assertHasViolation(violations, POLICY, ['ml-persona: "data_scientist", which is not a persona of this platform (data-scientist, ml-engineer and pipeline)'], "typo");
        assertHasViolation(violations, POLICY, ["carries both ml-persona", "keep one tag"], "both");
        assertHasViolation(violations, POLICY, ['ml-service: "batch-scorer", which is not a service role of this stack'], "svc");
    });

    it("refuses a service role that someone else may assume", async () => {
        const trust = document({ Effect: "Allow", Principal: { Service: ["sagemaker.amazonaws.com", "ec2.amazonaws.com"], AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: "sts:AssumeRole", Condition: { StringEquals: { "aws:SourceAccount": ACCOUNT } } });
        const violations = await violationsOf([role("tracking", { ...tagged({ "ml-service": "mlflow-tracking-server" }), assumeRolePolicy: trust }, "tracking")]);
        assertHasViolation(violations, POLICY, ["the mlflow-tracking-server service role tracking lets", "ec2.amazonaws.com", "only sagemaker.amazonaws.com may"], "tracking");
    });

    it("refuses grants that name no role of the stack, by any kind of grant", async () => {
        const violations = await violationsOf([
            role("ds", tagged({ "ml-persona": "data-scientist" })),
            rolePolicy(READ, "someone-elses-role", "stray-policy"),
            resource("aws:iam/rolePolicyAttachment:RolePolicyAttachment", { role: `arn:aws:iam::${ACCOUNT}:role/ghost`, policyArn: "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess" }, "stray-attachment"),
            resource("aws:iam/policyAttachment:PolicyAttachment", { name: "pa", roles: ["ds", "phantom"], policyArn: "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess" }, "mixed-attachment"),
            resource("aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive", { roleName: "nobody", policyArns: [] }, "exclusive"),
        ]);
        assertHasViolation(violations, POLICY, ['stray-policy (RolePolicy) role grants permissions to "someone-elses-role", which is not a role of this stack'], "stray-policy");
        assertHasViolation(violations, POLICY, [`stray-attachment (RolePolicyAttachment) role grants permissions to "arn:aws:iam::${ACCOUNT}:role/ghost"`], "stray-attachment");
        assertHasViolation(violations, POLICY, ['mixed-attachment (PolicyAttachment) roles[1] grants permissions to "phantom"'], "mixed-attachment");
        assertHasViolation(violations, POLICY, ['exclusive (RolePolicyAttachmentsExclusive) roleName grants permissions to "nobody"'], "exclusive");
        expect(violations.filter((v) => v.policy === POLICY && v.message.includes('"ds"'))).to.deep.equal([]);
    });

    it("places a grant whose role is unknown in preview once it is known (not runnable in preview, no violation)", async () => {
        const result = await run([role("ds", tagged({ "ml-persona": "data-scientist" })), rolePolicy(READ, UNKNOWN_INPUT as unknown as string, "later")]);
        assertNoViolations(result.violations, POLICY);
        expect(result.skipped.map((s) => s.policy)).to.include(POLICY);
    });

    it("leaves roles listed in exemptRoleNames alone", async () => {
        const config = { [POLICY]: { exemptRoleNames: ["governed-elsewhere"] } };
        assertNoViolations(await violationsOf([role("governed-elsewhere", { tags: { ...COST_TAGS } })], config), POLICY);
    });
});

describe("iam-data-scientist-read-only: every way of giving the persona permissions counts", () => {
    const ds = () => role("drone-dev-data-scientist", tagged({ "ml-persona": "data-scientist" }), "ds-role");

    it("a second RolePolicy", async () => {
        const violations = await violationsOf([ds(), rolePolicy(READ, "drone-dev-data-scientist", "reads"), rolePolicy(START, "drone-dev-data-scientist", "second")]);
        assertHasViolation(violations, READ_ONLY, ["second policy statement \"RunPipelines\"", "sagemaker:StartPipelineExecution", "s3:PutObject", "sagemaker:CreateTrainingJob"], "second");
    });

    it("a RolePolicyAttachment of AmazonSageMakerFullAccess", async () => {
        const attach = resource("aws:iam/rolePolicyAttachment:RolePolicyAttachment", { role: "drone-dev-data-scientist", policyArn: "arn:aws:iam::aws:policy/AmazonSageMakerFullAccess" }, "full-access");
        const violations = await violationsOf([ds(), attach]);
        assertHasViolation(violations, READ_ONLY, ["attaches arn:aws:iam::aws:policy/AmazonSageMakerFullAccess", "not defined in this stack"], "full-access");
        assertHasViolation(violations, "iam-no-admin-managed-policies", ["AmazonSageMakerFullAccess"], "full-access");
    });

    it("inlinePolicies and managedPolicyArns on the role itself", async () => {
        const violations = await violationsOf([
            role("drone-dev-data-scientist", { ...tagged({ "ml-persona": "data-scientist" }), inlinePolicies: [{ name: "extra", policy: START }], managedPolicyArns: ["arn:aws:iam::aws:policy/AmazonSageMakerFullAccess"] }, "ds-role"),
        ]);
        assertHasViolation(violations, READ_ONLY, ["ds-role inlinePolicies[0]", "sagemaker:StartPipelineExecution"], "ds-role");
        assertHasViolation(violations, READ_ONLY, ["ds-role managedPolicyArns[0] attaches arn:aws:iam::aws:policy/AmazonSageMakerFullAccess"], "ds-role");
    });

    it("an aws.iam.Policy of the stack attached later by a PolicyAttachment", async () => {
        const policy = resource("aws:iam/policy:Policy", { name: "later-extras", path: "/", policy: START }, "later-extras");
        const attach = resource("aws:iam/policyAttachment:PolicyAttachment", { name: "later", roles: ["drone-dev-data-scientist"], policyArn: `arn:aws:iam::${ACCOUNT}:policy/later-extras` }, "later");
        const violations = await violationsOf([ds(), policy, attach]);
        assertHasViolation(violations, READ_ONLY, ["later-extras policy statement \"RunPipelines\"", "sagemaker:StartPipelineExecution"], "later-extras");
    });

    // In preview `policy.arn` is unknown; the engine still records which Policy the attachment's input depends on.
    const previewAttachment = (type: string, props: Record<string, unknown>, property: string, dependencies: string[], name: string): OfflineResource => ({
        ...resource(type, props, name),
        propertyDependencies: { [property]: dependencies },
    });

    it("a Policy of the stack attached in preview, its ARN unknown, found through the attachment's dependency on it", async () => {
        const policy = resource("aws:iam/policy:Policy", { name: "later-extras", path: "/", policy: START }, "later-extras");
        const attach = previewAttachment("aws:iam/rolePolicyAttachment:RolePolicyAttachment", { role: "drone-dev-data-scientist", policyArn: UNKNOWN_INPUT }, "policyArn", ["later-extras"], "attach");
        const result = await run([ds(), policy, attach]);
        assertHasViolation(result.violations, READ_ONLY, ["later-extras policy statement \"RunPipelines\"", "sagemaker:StartPipelineExecution", "s3:PutObject"], "later-extras");
        // Every role rule follows it: the registry's separation of duties sees the same document.
        const registering = resource("aws:iam/policy:Policy", { name: "registers", path: "/", policy: document({ Sid: "Register", Effect: "Allow", Action: "sagemaker:CreateModelPackage", Resource: "*" }) }, "registers");
        const exclusive = previewAttachment("aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive", { roleName: "drone-dev-data-scientist", policyArns: [UNKNOWN_INPUT] }, "policyArns", ["registers"], "exclusive");
        const registry = await run([ds(), registering, exclusive]);
        assertHasViolation(registry.violations, "sagemaker-model-registry-persona-separation", ['registers policy statement "Register"', "sagemaker:CreateModelPackage"], "registers");
        expect(registry.skipped.map((s) => s.policy)).to.not.include("sagemaker-model-registry-persona-separation");
    });

    it("a compliant Policy attached in preview is judged (no violation, fully run); an unknown ARN with no Policy behind it waits for deployment", async () => {
        const policy = resource("aws:iam/policy:Policy", { name: "reads", path: "/", policy: READ }, "reads");
        const attach = previewAttachment("aws:iam/rolePolicyAttachment:RolePolicyAttachment", { role: "drone-dev-data-scientist", policyArn: UNKNOWN_INPUT }, "policyArn", ["reads"], "attach");
        const judged = await run([ds(), policy, attach]);
        assertNoViolations(judged.violations, READ_ONLY);
        expect(judged.skipped.map((s) => s.policy)).to.not.include(READ_ONLY);
        const blind = await run([ds(), resource("aws:iam/rolePolicyAttachment:RolePolicyAttachment", { role: "drone-dev-data-scientist", policyArn: UNKNOWN_INPUT }, "attach")]);
        assertNoViolations(blind.violations, READ_ONLY);
        expect(blind.skipped.map((s) => s.policy)).to.include(READ_ONLY);
    });
});

describe("the pipeline persona is a service's role", () => {
    const pipelineRole = (assumeRolePolicy?: string) =>
        role("drone-dev-data-scientist", { ...tagged({ "ml-persona": "pipeline" }), ...(assumeRolePolicy ? { assumeRolePolicy } : {}) }, "team-data-scientist");

    it("accepts a pipeline role only SageMaker assumes", async () => {
        assertNoViolations(await violationsOf([pipelineRole()]), POLICY);
    });

    it("refuses a pipeline role that people of the account may assume", async () => {
        const trust = document({ Sid: "Team", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root`, Service: "sagemaker.amazonaws.com" }, Action: "sts:AssumeRole" });
        const found = assertHasViolation(
            await violationsOf([pipelineRole(trust)]),
            POLICY,
            ['team-data-scientist assumeRolePolicy statement "Team": the pipeline persona role drone-dev-data-scientist is a service\'s (the training pipeline and the jobs it starts)', `lets arn:aws:iam::${ACCOUNT}:root assume it; only sagemaker.amazonaws.com may`],
            "team-data-scientist",
        );
        expect(found.enforcementLevel).to.equal("mandatory");
    });

    it("the audit's escape: a data-scientist role re-tagged pipeline, given pipeline starts and writes, as a Studio user's role", async () => {
        const profile = resource(
            "aws:sagemaker/userProfile:UserProfile",
            { domainId: "d-1", userProfileName: "ana", userSettings: { executionRole: `arn:aws:iam::${ACCOUNT}:role/drone-dev-data-scientist` }, tags: { ...COST_TAGS } },
            "user-ana",
        );
        const violations = await violationsOf([pipelineRole(), rolePolicy(START, "drone-dev-data-scientist"), profile]);
        const found = assertHasViolation(violations, "sagemaker-studio-execution-roles-personas", ['userSettings.executionRole is the role drone-dev-data-scientist (ml-persona: "pipeline")'], "user-ana");
        expect(found.enforcementLevel).to.equal("mandatory");
    });
});

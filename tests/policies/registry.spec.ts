// Model registry governance: duties separated by persona, and versions registered pending approval.
import { expect } from "chai";
import { parseDefinition, registerSteps } from "../../policies/pipeline";
import {
    ACCOUNT,
    assertHasViolation,
    assertNoViolations,
    COST_TAGS,
    definition,
    document,
    Json,
    parameters,
    pipeline,
    processingStep,
    REGION,
    resource,
    role,
    rolePolicy,
    run,
    TestStatement,
    trainingStep,
    UNKNOWN_INPUT,
    violationsOf,
} from "./helpers";

const GROUP = "drone-dev-yolo11-detector";
const GROUP_ARN = `arn:aws:sagemaker:${REGION}:${ACCOUNT}:model-package-group/${GROUP}`;
const VERSIONS_ARN = `arn:aws:sagemaker:${REGION}:${ACCOUNT}:model-package/${GROUP}/*`;
const allow = (Action: string | string[], Resource: string | string[] = [GROUP_ARN, VERSIONS_ARN], extra: Partial<TestStatement> = {}): TestStatement => ({
    Effect: "Allow",
    Action,
    Resource,
    ...extra,
});

const personaRole = (persona: string, props: Record<string, unknown> = {}) =>
    role(`drone-dev-${persona}`, { tags: { ...COST_TAGS, "ml-persona": persona }, ...props }, `team-${persona}`);
const READ_REGISTRY = allow(["sagemaker:DescribeModelPackageGroup", "sagemaker:DescribeModelPackage", "sagemaker:ListModelPackages"]);
const LIST_GROUPS = allow("sagemaker:ListModelPackageGroups", "*");

/** The platform's persona roles with their model registry permissions, as the stack grants them. */
function separatedRoles() {
    return [
        personaRole("data-scientist"),
        rolePolicy(document(LIST_GROUPS, READ_REGISTRY), "drone-dev-data-scientist", "ds-registry"),
        personaRole("ml-engineer"),
        rolePolicy(document(LIST_GROUPS, READ_REGISTRY, { Sid: "Approve", ...allow("sagemaker:UpdateModelPackage", VERSIONS_ARN) }), "drone-dev-ml-engineer", "mle-registry"),
        personaRole("pipeline"),
        rolePolicy(document(allow(["sagemaker:CreateModelPackage", "sagemaker:DescribeModelPackageGroup", "sagemaker:DescribeModelPackage"])), "drone-dev-pipeline", "pipeline-registry"),
    ];
}

describe("sagemaker-model-registry-persona-separation", () => {
    const policy = "sagemaker-model-registry-persona-separation";

    it("accepts data scientists reading, ML engineers approving and the pipeline registering (the whole pack agrees)", async () => {
        assertNoViolations(await violationsOf(separatedRoles()));
    });

    const cases: { name: string; persona: string; statement: TestStatement; fragments: string[] }[] = [
        { name: "a data scientist approving", persona: "data-scientist", statement: allow("sagemaker:UpdateModelPackage", VERSIONS_ARN), fragments: ["sagemaker:UpdateModelPackage, which the data-scientist persona may not hold"] },
        { name: "a data scientist registering", persona: "data-scientist", statement: allow("sagemaker:CreateModelPackage"), fragments: ["sagemaker:CreateModelPackage"] },
        { name: "a data scientist deleting the group", persona: "data-scientist", statement: allow("sagemaker:DeleteModelPackageGroup", GROUP_ARN), fragments: ["sagemaker:DeleteModelPackageGroup"] },
        { name: "a data scientist with sagemaker:*", persona: "data-scientist", statement: allow("sagemaker:*"), fragments: ['"sagemaker:*" (7 forbidden actions such as'] },
        { name: "a data scientist with sagemaker:Update*", persona: "data-scientist", statement: allow("sagemaker:Update*"), fragments: ['"sagemaker:Update*" (1 forbidden action such as sagemaker:UpdateModelPackage)'] },
        { name: "a data scientist with every action", persona: "data-scientist", statement: allow("*", "*"), fragments: ['"*" (every action)'] },
        { name: "a data scientist with the group's policy", persona: "data-scientist", statement: allow("sagemaker:PutModelPackageGroupPolicy", GROUP_ARN), fragments: ["sagemaker:PutModelPackageGroupPolicy"] },
        { name: "the pipeline approving its own output", persona: "pipeline", statement: allow("sagemaker:UpdateModelPackage", VERSIONS_ARN), fragments: ["sagemaker:UpdateModelPackage, which the pipeline persona may not hold", "ML engineers approve or reject them"] },
        { name: "the pipeline through a pattern", persona: "pipeline", statement: allow("sagemaker:*ModelPackage"), fragments: ['"sagemaker:*ModelPackage" (', "sagemaker:UpdateModelPackage"] },
        { name: "an ML engineer registering around the quality gate", persona: "ml-engineer", statement: allow("sagemaker:CreateModelPackage"), fragments: ["sagemaker:CreateModelPackage, which the ml-engineer persona may not hold"] },
        { name: "an ML engineer deleting versions", persona: "ml-engineer", statement: allow("sagemaker:DeleteModelPackage", VERSIONS_ARN), fragments: ["sagemaker:DeleteModelPackage"] },
        {
            name: "a NotAction Allow",
            persona: "data-scientist",
            statement: { Effect: "Allow", NotAction: ["iam:*", "sagemaker:Delete*"], Resource: "*" },
            fragments: ["every action except iam:* and sagemaker:Delete* (NotAction), sagemaker:CreateModelPackage, sagemaker:UpdateModelPackage"],
        },
    ];
    for (const testCase of cases) {
        it(`reports ${testCase.name}`, async () => {
            const violations = await violationsOf([personaRole(testCase.persona), rolePolicy(document({ Sid: "Extra", ...testCase.statement }), `drone-dev-${testCase.persona}`, "extra")]);
            assertHasViolation(violations, policy, [`extra policy statement "Extra" gives the role drone-dev-${testCase.persona} (ml-persona: ${testCase.persona})`, ...testCase.fragments], "extra");
        });
    }

    it("follows inline policies and attached policies of the stack, and reports attached policies it cannot read", async () => {
        const external = "arn:aws:iam::aws:policy/AmazonSageMakerModelRegistryFullAccess";
        const violations = await violationsOf([
            personaRole("data-scientist", {
                inlinePolicies: [{ name: "inline", policy: document(allow("sagemaker:UpdateModelPackage", VERSIONS_ARN)) }],
                managedPolicyArns: [external],
            }),
            resource("aws:iam/policy:Policy", { name: "registry-admin", policy: document(allow("sagemaker:DeleteModelPackage", VERSIONS_ARN)) }, "registry-admin"),
            resource("aws:iam/rolePolicyAttachment:RolePolicyAttachment", { role: "drone-dev-pipeline", policyArn: `arn:aws:iam::${ACCOUNT}:policy/registry-admin` }, "attach-admin"),
            personaRole("pipeline"),
        ]);
        assertHasViolation(violations, policy, ["team-data-scientist inlinePolicies[0]", "sagemaker:UpdateModelPackage"], "team-data-scientist");
        assertHasViolation(violations, policy, [external, "not defined in this stack"], "team-data-scientist");
        assertHasViolation(violations, policy, ["registry-admin policy", "(ml-persona: pipeline) sagemaker:DeleteModelPackage"], "registry-admin");
    });

    it("takes the forbidden actions per persona from personaForbiddenActions, and trusts listed managed policies", async () => {
        const resources = [personaRole("ml-engineer"), rolePolicy(document(allow("sagemaker:CreateModelPackage")), "drone-dev-ml-engineer", "mle")];
        assertHasViolation(await violationsOf(resources), policy, "sagemaker:CreateModelPackage", "mle");
        assertNoViolations(await violationsOf(resources, { [policy]: { personaForbiddenActions: { "ml-engineer": ["sagemaker:DeleteModelPackage*"] } } }), policy);
        const external = "arn:aws:iam::aws:policy/AmazonSageMakerReadOnly";
        const attached = [personaRole("pipeline", { managedPolicyArns: [external] })];
        assertHasViolation(await violationsOf(attached), policy, external);
        assertNoViolations(await violationsOf(attached, { [policy]: { trustedPolicyArns: [external] } }), policy);
    });

    it("leaves roles without a persona alone, and is not applicable without persona roles", async () => {
        const result = await run([role("service-role"), rolePolicy(document(allow("sagemaker:UpdateModelPackage", VERSIONS_ARN)), "service-role")]);
        assertNoViolations(result.violations, policy);
        expect(result.skipped.map((s) => s.policy)).to.not.include(policy);
    });

    it("under preview: reports what is known, then skips documents and persona tags that are unknown", async () => {
        const result = await run([
            personaRole("data-scientist"),
            rolePolicy(UNKNOWN_INPUT as unknown as string, "drone-dev-data-scientist", "pending-doc"),
            rolePolicy(document(allow("sagemaker:CreateModelPackage")), "drone-dev-data-scientist", "known-doc"),
            role("drone-dev-new", { tags: UNKNOWN_INPUT }),
        ]);
        assertHasViolation(result.violations, policy, "sagemaker:CreateModelPackage", "known-doc");
        expect(result.skipped.filter((s) => s.policy === policy)).to.have.length(1);
    });
});

// ---- Model approval ----

const APPROVAL_PARAMETER = "ModelApprovalStatus";
const approvalParameter = (defaultValue?: string): Json => ({
    Name: APPROVAL_PARAMETER,
    Type: "String",
    ...(defaultValue === undefined ? {} : { DefaultValue: defaultValue }),
    EnumValues: ["PendingManualApproval", "Approved"],
});

function registerStep(status: unknown = { Get: `Parameters.${APPROVAL_PARAMETER}` }, name = "RegisterYOLO11"): Json {
    return {
        Name: name,
        Type: "RegisterModel",
        DependsOn: ["Evaluate"],
        Arguments: {
            ModelPackageGroupName: GROUP,
            ...(status === undefined ? {} : { ModelApprovalStatus: status }),
            InferenceSpecification: {
                Containers: [{ Image: "763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-inference:2.6.0-gpu", ModelDataUrl: { Get: "Steps.Train.ModelArtifacts.S3ModelArtifacts" } }],
                SupportedContentTypes: ["image/jpeg"],
                SupportedResponseMIMETypes: ["application/json"],
            },
        },
    };
}

/** The quality gate as the stack builds it: nested Condition steps, each failing into a Fail step. */
function gate(passed: Json[], metrics = ["MAP50_95", "MAP50"]): Json {
    const [first, ...rest] = metrics;
    return {
        Name: `Check${first}`,
        Type: "Condition",
        Arguments: {
            Conditions: [{ Type: "GreaterThanOrEqualTo", LeftValue: 0.5, RightValue: { Get: `Parameters.Min${first}` } }],
            IfSteps: rest.length > 0 ? [gate(passed, rest)] : passed,
            ElseSteps: [{ Name: `Fail${first}`, Type: "Fail", Arguments: { ErrorMessage: `${first} below minimum` } }],
        },
    };
}

const registryDefinition = (step: Json = registerStep(), defaultStatus: string | undefined = "PendingManualApproval") =>
    definition(
        [trainingStep(), processingStep(), gate([step])],
        [...parameters(), { Name: "MinMAP50_95", Type: "Float", DefaultValue: 0.3 }, { Name: "MinMAP50", Type: "Float", DefaultValue: 0.5 }, approvalParameter(defaultStatus)],
    );

const mlflowServer = (props: Record<string, unknown> = {}, name = "tracking-server") =>
    resource(
        "aws:sagemaker/mlflowTrackingServer:MlflowTrackingServer",
        { trackingServerName: "drone-dev-mlflow", artifactStoreUri: "s3://drone-data-bucket/mlflow/", roleArn: `arn:aws:iam::${ACCOUNT}:role/drone-dev-mlflow-server`, automaticModelRegistration: false, tags: COST_TAGS, ...props },
        name,
    );

describe("pipeline definitions: RegisterModel steps", () => {
    it("finds RegisterModel steps in nested Condition branches, labelled with their branch", () => {
        const steps = registerSteps(parseDefinition(registryDefinition()).steps);
        expect(steps.map((s) => s.label)).to.deep.equal(['RegisterModel step "RegisterYOLO11" (in the if branch of Condition step "CheckMAP50")']);
        expect(steps[0].args.ModelPackageGroupName).to.equal(GROUP);
    });

    it("keeps every other rule of the pack quiet on a definition with a gate, Fail steps and a RegisterModel step", async () => {
        assertNoViolations(await violationsOf([pipeline(registryDefinition())]), "sagemaker-pipeline-definition-checkable", "sagemaker-pipeline-run-cost", "sagemaker-pipeline-output-kms", "sagemaker-model-approval-manual");
    });

    it("reports a RegisterModel step without Arguments as not checkable", async () => {
        const broken = registryDefinition({ Name: "Register", Type: "RegisterModel" });
        assertHasViolation(await violationsOf([pipeline(broken, "p")]), "sagemaker-pipeline-definition-checkable", "RegisterModel step Register has no Arguments object", "p");
    });
});

describe("sagemaker-model-approval-manual (advisory)", () => {
    const policy = "sagemaker-model-approval-manual";

    it("accepts a parameter defaulting to PendingManualApproval, a literal pending status, no status and no default", async () => {
        const violations = await violationsOf([
            pipeline(registryDefinition()),
            pipeline(registryDefinition(registerStep("PendingManualApproval"))),
            pipeline(registryDefinition(registerStep(undefined))),
            pipeline(registryDefinition(registerStep(), undefined)),
            mlflowServer(),
        ]);
        assertNoViolations(violations, policy);
    });

    const cases: { name: string; def: Json; fragment: string }[] = [
        { name: "a parameter defaulting to Approved", def: registryDefinition(registerStep(), "Approved"), fragment: 'takes ModelApprovalStatus from parameter ModelApprovalStatus, whose DefaultValue is "Approved"' },
        { name: "a literal Approved", def: registryDefinition(registerStep("Approved")), fragment: 'registers every model version as "Approved"' },
        {
            name: "an expression",
            def: registryDefinition(registerStep({ "Std:Join": { On: "", Values: ["Appro", "ved"] } })),
            fragment: "ModelApprovalStatus is the expression",
        },
        {
            name: "a top-level RegisterModel step",
            def: definition([trainingStep(), processingStep(), registerStep("Approved", "RegisterNow")], [...parameters()]),
            fragment: 'RegisterModel step "RegisterNow" registers every model version as "Approved"',
        },
    ];
    for (const testCase of cases) {
        it(`reports ${testCase.name}, at the advisory level`, async () => {
            const violations = await violationsOf([pipeline(testCase.def, "p")]);
            const found = assertHasViolation(violations, policy, ["Pipeline p:", testCase.fragment], "p");
            expect(found.enforcementLevel).to.equal("advisory");
        });
    }

    it("names the Condition branch of a nested RegisterModel step", async () => {
        const violations = await violationsOf([pipeline(registryDefinition(registerStep(), "Approved"), "p")]);
        assertHasViolation(violations, policy, '(in the if branch of Condition step "CheckMAP50")', "p");
    });

    it("reports an MLflow tracking server with automatic model registration unless allowAutomaticModelRegistration is set", async () => {
        const server = mlflowServer({ automaticModelRegistration: true }, "auto-register");
        assertHasViolation(await violationsOf([server]), policy, "sets automaticModelRegistration: true", "auto-register");
        assertNoViolations(await violationsOf([server], { [policy]: { allowAutomaticModelRegistration: true } }), policy);
        assertHasViolation(await violationsOf([server], { [policy]: "mandatory" }), policy, "without passing the pipeline's quality gate", "auto-register");
    });

    it("skips a tracking server whose automaticModelRegistration is unknown during preview", async () => {
        const result = await run([mlflowServer({ automaticModelRegistration: UNKNOWN_INPUT }, "pending")]);
        assertNoViolations(result.violations, policy);
        expect(result.skipped.filter((s) => s.policy === policy).map((s) => s.resource)).to.deep.equal(["pending"]);
    });
});

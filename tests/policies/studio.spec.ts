// Studio: idle apps shut down, and lifecycle configurations come from the stack only.
import { expect } from "chai";
import { OfflineResource } from "../../policies/offline";
import { ACCOUNT, assertHasViolation, assertNoViolations, COST_TAGS, document, REGION, resource, role, rolePolicy, run, TestStatement, UNKNOWN_INPUT, violationsOf } from "./helpers";

const DOMAIN = "aws:sagemaker/domain:Domain";
const PROFILE = "aws:sagemaker/userProfile:UserProfile";
const SPACE = "aws:sagemaker/space:Space";
const LCC = "aws:sagemaker/studioLifecycleConfig:StudioLifecycleConfig";
const LCC_NAME = "drone-dev-yolo11-kernel";
const LCC_ARN = `arn:aws:sagemaker:${REGION}:${ACCOUNT}:studio-lifecycle-config/${LCC_NAME}`;

const idle = (settings: Record<string, unknown> = {}) => ({
    idleSettings: { lifecycleManagement: "ENABLED", idleTimeoutInMinutes: 60, minIdleTimeoutInMinutes: 60, maxIdleTimeoutInMinutes: 240, ...settings },
});
/** JupyterLab settings as the stack writes them: the stack's lifecycle config and idle shutdown. */
const jupyterLab = (lcc: unknown = LCC_ARN, idleSettings: Record<string, unknown> = {}) => ({
    lifecycleConfigArns: [lcc],
    defaultResourceSpec: { instanceType: "ml.t3.medium", lifecycleConfigArn: lcc },
    appLifecycleManagement: idle(idleSettings),
});
const domain = (props: Record<string, unknown> = {}, name = "studio-domain") =>
    resource(DOMAIN, { domainName: "drone-dev-studio", defaultUserSettings: { jupyterLabAppSettings: jupyterLab() }, defaultSpaceSettings: { jupyterLabAppSettings: jupyterLab() }, kmsKeyId: "k", tags: COST_TAGS, ...props }, name);
const profile = (userSettings: Record<string, unknown>, name = "user-ana") => resource(PROFILE, { domainId: "d-1", userProfileName: "ana", userSettings, tags: COST_TAGS }, name);
const space = (spaceSettings: Record<string, unknown>, name = "space-ana") => resource(SPACE, { domainId: "d-1", spaceName: "ana", spaceSettings, tags: COST_TAGS }, name);
const lifecycleConfig = (props: Record<string, unknown> = {}, name = "yolo11-kernel") =>
    resource(LCC, { studioLifecycleConfigName: LCC_NAME, studioLifecycleConfigAppType: "JupyterLab", studioLifecycleConfigContent: Buffer.from("#!/bin/bash\n").toString("base64"), tags: COST_TAGS, ...props }, name);

describe("sagemaker-studio-idle-shutdown", () => {
    const policy = "sagemaker-studio-idle-shutdown";

    it("accepts a domain with idle shutdown in both defaults, and profiles and spaces within the limits", async () => {
        const violations = await violationsOf([
            domain(),
            profile({ jupyterLabAppSettings: jupyterLab() }),
            profile({ jupyterLabAppSettings: { defaultResourceSpec: { instanceType: "ml.t3.medium" } } }, "inherits"),
            space({ jupyterLabAppSettings: { defaultResourceSpec: { instanceType: "ml.t3.medium" }, appLifecycleManagement: { idleSettings: { idleTimeoutInMinutes: 120 } } } }),
            lifecycleConfig(),
        ]);
        assertNoViolations(violations, policy);
    });

    const cases: { name: string; resource: OfflineResource; fragment: string }[] = [
        {
            name: "a domain without idle shutdown for users",
            resource: domain({ defaultUserSettings: { jupyterLabAppSettings: { defaultResourceSpec: { instanceType: "ml.t3.medium" } } } }, "d"),
            fragment: 'Studio domain d defaultUserSettings.jupyterLabAppSettings has no idle shutdown; set defaultUserSettings.jupyterLabAppSettings.appLifecycleManagement.idleSettings to {lifecycleManagement: "ENABLED", idleTimeoutInMinutes: <at most 240>}',
        },
        { name: "a domain without default space settings", resource: domain({ defaultSpaceSettings: undefined }, "d"), fragment: "defaultSpaceSettings.jupyterLabAppSettings has no idle shutdown" },
        { name: "a domain that disables idle shutdown", resource: domain({ defaultSpaceSettings: { jupyterLabAppSettings: jupyterLab(LCC_ARN, { lifecycleManagement: "DISABLED" }) } }, "d"), fragment: 'defaultSpaceSettings.jupyterLabAppSettings.appLifecycleManagement.idleSettings.lifecycleManagement is "DISABLED"' },
        { name: "a domain that does not enable it", resource: domain({ defaultUserSettings: { jupyterLabAppSettings: jupyterLab(LCC_ARN, { lifecycleManagement: undefined }) } }, "d"), fragment: "lifecycleManagement is not set" },
        { name: "a domain idle timeout above the maximum", resource: domain({ defaultUserSettings: { jupyterLabAppSettings: jupyterLab(LCC_ARN, { idleTimeoutInMinutes: 600 }) } }, "d"), fragment: "idleTimeoutInMinutes is 600, above maxIdleTimeoutMinutes 240" },
        { name: "a domain without an idle timeout", resource: domain({ defaultUserSettings: { jupyterLabAppSettings: jupyterLab(LCC_ARN, { idleTimeoutInMinutes: undefined }) } }, "d"), fragment: "sets no idleTimeoutInMinutes; set it to at most 240 minutes" },
        { name: "a user ceiling above the maximum", resource: domain({ defaultUserSettings: { jupyterLabAppSettings: jupyterLab(LCC_ARN, { maxIdleTimeoutInMinutes: 10080 }) } }, "d"), fragment: "maxIdleTimeoutInMinutes is 10080, so users can keep idle apps running for 10080 minutes, above maxUserIdleTimeoutMinutes 1440" },
        { name: "a user profile that disables it", resource: profile({ jupyterLabAppSettings: jupyterLab(LCC_ARN, { lifecycleManagement: "DISABLED" }) }, "p"), fragment: 'Studio user profile p userSettings.jupyterLabAppSettings.appLifecycleManagement.idleSettings.lifecycleManagement is "DISABLED"' },
        { name: "a user profile with a long timeout", resource: profile({ jupyterLabAppSettings: jupyterLab(LCC_ARN, { idleTimeoutInMinutes: 480 }) }, "p"), fragment: "idleTimeoutInMinutes is 480" },
        { name: "a Code Editor that never stops", resource: profile({ codeEditorAppSettings: { appLifecycleManagement: { idleSettings: { lifecycleManagement: "DISABLED" } } } }, "p"), fragment: 'userSettings.codeEditorAppSettings.appLifecycleManagement.idleSettings.lifecycleManagement is "DISABLED"' },
        { name: "a space with a long timeout", resource: space({ jupyterLabAppSettings: { appLifecycleManagement: { idleSettings: { idleTimeoutInMinutes: 1440 } } } }, "s"), fragment: "Studio space s spaceSettings.jupyterLabAppSettings.appLifecycleManagement.idleSettings.idleTimeoutInMinutes is 1440" },
    ];
    for (const testCase of cases) {
        it(`reports ${testCase.name}`, async () => {
            assertHasViolation(await violationsOf([testCase.resource]), policy, testCase.fragment, testCase.resource.name);
        });
    }

    it("takes the maximums and the required apps from the config", async () => {
        const long = domain({ defaultUserSettings: { jupyterLabAppSettings: jupyterLab(LCC_ARN, { idleTimeoutInMinutes: 600, maxIdleTimeoutInMinutes: 2880 }) } }, "d");
        assertNoViolations(await violationsOf([long], { [policy]: { maxIdleTimeoutMinutes: 600, maxUserIdleTimeoutMinutes: 2880 } }), policy);
        const violations = await violationsOf([domain({}, "d")], { [policy]: { requiredApps: ["jupyterLabAppSettings", "codeEditorAppSettings"] } });
        assertHasViolation(violations, policy, "defaultUserSettings.codeEditorAppSettings has no idle shutdown", "d");
        assertHasViolation(violations, policy, "defaultSpaceSettings.codeEditorAppSettings has no idle shutdown", "d");
    });

    it("runs at preview although the lifecycle config ARNs are unknown, and skips idle settings that are unknown", async () => {
        const known = await run([domain({ defaultUserSettings: { jupyterLabAppSettings: jupyterLab(UNKNOWN_INPUT) }, defaultSpaceSettings: { jupyterLabAppSettings: jupyterLab(UNKNOWN_INPUT) } }, "d")]);
        assertNoViolations(known.violations, policy);
        expect(known.skipped.filter((s) => s.policy === policy)).to.deep.equal([]);
        const unknown = await run([
            domain({ defaultUserSettings: { jupyterLabAppSettings: { appLifecycleManagement: UNKNOWN_INPUT } }, defaultSpaceSettings: { jupyterLabAppSettings: jupyterLab(LCC_ARN, { lifecycleManagement: "DISABLED" }) } }, "d"),
        ]);
        assertHasViolation(unknown.violations, policy, 'defaultSpaceSettings.jupyterLabAppSettings.appLifecycleManagement.idleSettings.lifecycleManagement is "DISABLED"', "d");
        expect(unknown.violations.filter((v) => v.policy === policy)).to.have.length(1);
        expect(unknown.skipped.filter((s) => s.policy === policy).map((s) => s.resource)).to.deep.equal(["d"]);
    });
});

describe("sagemaker-studio-lifecycle-configs-from-stack", () => {
    const policy = "sagemaker-studio-lifecycle-configs-from-stack";
    const FOREIGN = `arn:aws:sagemaker:${REGION}:${ACCOUNT}:studio-lifecycle-config/install-anything`;
    const personaRole = (persona: string) => role(`drone-dev-${persona}`, { tags: { ...COST_TAGS, "ml-persona": persona } }, `team-${persona}`);
    const allow = (Action: string | string[], Resource: string | string[] = `arn:aws:sagemaker:${REGION}:${ACCOUNT}:studio-lifecycle-config/*`): TestStatement => ({ Effect: "Allow", Action, Resource });

    it("accepts the domain, profiles and spaces attaching the stack's lifecycle config (by name in the ARN, or by the config's known ARN)", async () => {
        const engineArn = `arn:aws:sagemaker:${REGION}:${ACCOUNT}:studio-lifecycle-config/renamed`;
        const violations = await violationsOf([
            lifecycleConfig(),
            lifecycleConfig({ studioLifecycleConfigName: "other", arn: engineArn }, "other-lcc"),
            domain(),
            profile({ jupyterLabAppSettings: jupyterLab(engineArn) }),
            space({ jupyterLabAppSettings: { defaultResourceSpec: { instanceType: "ml.t3.medium", lifecycleConfigArn: LCC_ARN } } }),
            personaRole("data-scientist"),
            rolePolicy(document(allow(["sagemaker:DescribeStudioLifecycleConfig"]), allow("sagemaker:ListStudioLifecycleConfigs", "*")), "drone-dev-data-scientist"),
        ]);
        assertNoViolations(violations, policy);
    });

    const references: { name: string; resource: OfflineResource; fragment: string }[] = [
        { name: "a domain default attaching a foreign config", resource: domain({ defaultUserSettings: { jupyterLabAppSettings: jupyterLab(FOREIGN) } }, "d"), fragment: `Studio domain d defaultUserSettings.jupyterLabAppSettings.lifecycleConfigArns[0] is "${FOREIGN}", which is not a StudioLifecycleConfig of this stack` },
        { name: "a default resource spec naming a foreign config", resource: domain({ defaultSpaceSettings: { jupyterLabAppSettings: { ...jupyterLab(), defaultResourceSpec: { instanceType: "ml.t3.medium", lifecycleConfigArn: FOREIGN } } } }, "d"), fragment: "defaultSpaceSettings.jupyterLabAppSettings.defaultResourceSpec.lifecycleConfigArn" },
        { name: "a user profile's kernel gateway config", resource: profile({ kernelGatewayAppSettings: { lifecycleConfigArns: [LCC_ARN, FOREIGN] } }, "p"), fragment: "Studio user profile p userSettings.kernelGatewayAppSettings.lifecycleConfigArns[1]" },
        { name: "a Jupyter server config", resource: profile({ jupyterServerAppSettings: { lifecycleConfigArns: [FOREIGN] } }, "p"), fragment: "userSettings.jupyterServerAppSettings.lifecycleConfigArns[0]" },
        { name: "a space's Code Editor config", resource: space({ codeEditorAppSettings: { defaultResourceSpec: { lifecycleConfigArn: FOREIGN } } }, "s"), fragment: "Studio space s spaceSettings.codeEditorAppSettings.defaultResourceSpec.lifecycleConfigArn" },
        { name: "the stack's config attached to another app type", resource: profile({ codeEditorAppSettings: { lifecycleConfigArns: [LCC_ARN] } }, "p"), fragment: "attaches yolo11-kernel, a JupyterLab lifecycle configuration, to CodeEditor apps" },
    ];
    for (const testCase of references) {
        it(`reports ${testCase.name}`, async () => {
            assertHasViolation(await violationsOf([lifecycleConfig(), testCase.resource]), policy, testCase.fragment, testCase.resource.name);
        });
    }

    const grants: { name: string; persona: string; statement: TestStatement; fragment: string }[] = [
        { name: "a data scientist creating configs", persona: "data-scientist", statement: allow("sagemaker:CreateStudioLifecycleConfig"), fragment: "(ml-persona: data-scientist) sagemaker:CreateStudioLifecycleConfig; lifecycle configurations run code in every Studio app at start" },
        { name: "an ML engineer through a pattern", persona: "ml-engineer", statement: allow("sagemaker:*StudioLifecycleConfig"), fragment: '"sagemaker:*StudioLifecycleConfig" (2 forbidden actions such as sagemaker:CreateStudioLifecycleConfig and sagemaker:DeleteStudioLifecycleConfig)' },
        { name: "a user profile update, which attaches configs", persona: "data-scientist", statement: allow("sagemaker:UpdateUserProfile", `arn:aws:sagemaker:${REGION}:${ACCOUNT}:user-profile/d-1/*`), fragment: "sagemaker:UpdateUserProfile" },
        { name: "the pipeline with sagemaker:*", persona: "pipeline", statement: allow("sagemaker:*", "*"), fragment: '"sagemaker:*" (4 forbidden actions' },
        { name: "a NotAction Allow", persona: "ml-engineer", statement: { Effect: "Allow", NotAction: "sagemaker:Delete*", Resource: "*" }, fragment: "every action except sagemaker:Delete* (NotAction), sagemaker:CreateStudioLifecycleConfig, sagemaker:UpdateDomain and sagemaker:UpdateUserProfile among them" },
    ];
    for (const testCase of grants) {
        it(`reports ${testCase.name}`, async () => {
            const violations = await violationsOf([personaRole(testCase.persona), rolePolicy(document({ Sid: "Extra", ...testCase.statement }), `drone-dev-${testCase.persona}`, "extra")]);
            assertHasViolation(violations, policy, [`extra policy statement "Extra" gives the role drone-dev-${testCase.persona}`, testCase.fragment], "extra");
        });
    }

    it("takes forbiddenActions and trustedPolicyArns from the config", async () => {
        const external = "arn:aws:iam::aws:policy/AmazonSageMakerReadOnly";
        const resources = [personaRole("ml-engineer"), rolePolicy(document(allow("sagemaker:UpdateDomain", `arn:aws:sagemaker:${REGION}:${ACCOUNT}:domain/d-1`)), "drone-dev-ml-engineer", "mle"), personaRole("pipeline"), resource("aws:iam/rolePolicyAttachment:RolePolicyAttachment", { role: "drone-dev-pipeline", policyArn: external }, "attach")];
        const strict = await violationsOf(resources);
        assertHasViolation(strict, policy, "sagemaker:UpdateDomain", "mle");
        assertHasViolation(strict, policy, [external, "not defined in this stack"], "attach");
        const configured = await violationsOf(resources, { [policy]: { forbiddenActions: ["sagemaker:CreateStudioLifecycleConfig"], trustedPolicyArns: [external] } });
        assertNoViolations(configured, policy);
    });

    it("skips references unknown during preview, after reporting the known ones", async () => {
        const result = await run([lifecycleConfig(), domain({ defaultUserSettings: { jupyterLabAppSettings: jupyterLab(UNKNOWN_INPUT) } }), profile({ jupyterLabAppSettings: { lifecycleConfigArns: [FOREIGN] } }, "p")]);
        assertHasViolation(result.violations, policy, `is "${FOREIGN}"`, "p");
        expect(result.violations.filter((v) => v.policy === policy)).to.have.length(1);
        expect(result.skipped.map((s) => s.policy)).to.include(policy);
    });

    it("is not applicable to a stack without Studio, lifecycle configs or persona roles", async () => {
        const result = await run([role("plain")]);
        expect(result.skipped.map((s) => s.policy)).to.not.include(policy);
        assertNoViolations(result.violations, policy);
    });
});

describe("sagemaker-studio-execution-roles-personas", () => {
    const policy = "sagemaker-studio-execution-roles-personas";
    const arnOf = (name: string) => `arn:aws:iam::${ACCOUNT}:role/${name}`;
    const personaRole = (persona: string) => role(`drone-dev-${persona}`, { tags: { ...COST_TAGS, "ml-persona": persona } }, `team-${persona}`);
    const roles = () => [personaRole("data-scientist"), personaRole("ml-engineer"), personaRole("pipeline"), role("drone-dev-tracking", { tags: { ...COST_TAGS, "ml-service": "mlflow-tracking-server" } }, "tracking")];
    const withRole = (executionRole: unknown) => ({ executionRole, jupyterLabAppSettings: jupyterLab() });

    it("accepts a domain and profiles running as the data-scientist and ml-engineer roles, by ARN or by name", async () => {
        const violations = await violationsOf([
            ...roles(),
            domain({ defaultUserSettings: withRole(arnOf("drone-dev-data-scientist")), defaultSpaceSettings: withRole(arnOf("drone-dev-data-scientist")) }),
            profile(withRole(arnOf("drone-dev-ml-engineer")), "user-mle"),
            profile(withRole("drone-dev-data-scientist"), "user-ds"),
            { ...profile(withRole(arnOf("drone-dev-ml-engineer")), "user-tagged"), props: { domainId: "d-1", userProfileName: "bo", userSettings: withRole(arnOf("drone-dev-ml-engineer")), tags: { ...COST_TAGS, "ml-persona": "ml-engineer" } } },
            profile({ jupyterLabAppSettings: jupyterLab() }, "user-default"),
        ]);
        assertNoViolations(violations, policy);
    });

    const cases: { name: string; resource: OfflineResource; fragment: string }[] = [
        { name: "a user profile running as the pipeline role", resource: profile(withRole(arnOf("drone-dev-pipeline")), "p"), fragment: `Studio user profile p userSettings.executionRole is the role drone-dev-pipeline (ml-persona: "pipeline"); a Studio user acts as their execution role` },
        { name: "the domain's default user role being a service role", resource: domain({ defaultUserSettings: withRole(arnOf("drone-dev-tracking")) }, "d"), fragment: 'Studio domain d defaultUserSettings.executionRole is the role drone-dev-tracking (ml-service: "mlflow-tracking-server")' },
        { name: "shared spaces running as the pipeline role (by name)", resource: domain({ defaultUserSettings: withRole(arnOf("drone-dev-data-scientist")), defaultSpaceSettings: withRole("drone-dev-pipeline") }, "d"), fragment: "Studio domain d defaultSpaceSettings.executionRole is the role drone-dev-pipeline" },
        { name: "a role outside the stack", resource: profile(withRole(arnOf("someone-elses")), "p"), fragment: `userSettings.executionRole is "${arnOf("someone-elses")}", which is not a role of this stack` },
        {
            name: "a profile tagged data-scientist running as the ML engineer",
            resource: { ...profile(withRole(arnOf("drone-dev-ml-engineer")), "p"), props: { domainId: "d-1", userProfileName: "ana", userSettings: withRole(arnOf("drone-dev-ml-engineer")), tags: { ...COST_TAGS, "ml-persona": "data-scientist" } } },
            fragment: 'Studio user profile p is tagged ml-persona: "data-scientist" but its userSettings.executionRole is the ml-engineer role drone-dev-ml-engineer, so its user has the ml-engineer\'s rights',
        },
    ];
    for (const testCase of cases) {
        it(`reports ${testCase.name}`, async () => {
            const found = assertHasViolation(await violationsOf([...roles(), testCase.resource]), policy, testCase.fragment, testCase.resource.name);
            expect(found.enforcementLevel).to.equal("mandatory");
        });
    }

    it("finds the role in preview through the settings' dependency on it (the role's ARN is unknown then)", async () => {
        const inPreview = (name: string, dependency: string): OfflineResource => ({ ...profile(withRole(UNKNOWN_INPUT), name), propertyDependencies: { userSettings: [dependency, "yolo11-kernel"] } });
        const result = await run([...roles(), lifecycleConfig(), inPreview("p-pipeline", "team-pipeline"), inPreview("p-ds", "team-data-scientist")]);
        assertHasViolation(result.violations, policy, "Studio user profile p-pipeline userSettings.executionRole is the role drone-dev-pipeline", "p-pipeline");
        expect(result.violations.filter((v) => v.policy === policy)).to.have.length(1);
        expect(result.skipped.map((s) => s.policy)).to.not.include(policy);
        // Without the dependency the role cannot be known before deployment: not runnable in preview, no verdict.
        const blind = await run([...roles(), profile(withRole(UNKNOWN_INPUT), "p")]);
        assertNoViolations(blind.violations, policy);
        expect(blind.skipped.map((s) => s.policy)).to.include(policy);
    });
});

describe("sagemaker-studio-source-identity", () => {
    const policy = "sagemaker-studio-source-identity";
    const propagating = (props: Record<string, unknown> = {}) => domain({ domainSettings: { executionRoleIdentityConfig: "USER_PROFILE_NAME" }, ...props }, "d");
    const trusting = (...actions: string[]) =>
        document({ Effect: "Allow", Principal: { Service: "sagemaker.amazonaws.com" }, Action: actions, Condition: { StringEquals: { "aws:SourceAccount": ACCOUNT } } });
    const trustedRoles = () => [role("drone-dev-pipeline", { assumeRolePolicy: trusting("sts:AssumeRole", "sts:SetSourceIdentity") }, "pipeline")];

    it("accepts a domain that sets the user profile name as source identity, with SageMaker roles that may carry it", async () => {
        const eventsTrust = document({ Effect: "Allow", Principal: { Service: "events.amazonaws.com" }, Action: "sts:AssumeRole", Condition: { StringEquals: { "aws:SourceAccount": ACCOUNT } } });
        const violations = await violationsOf([
            propagating(),
            ...trustedRoles(),
            role("drone-dev-wildcard", { assumeRolePolicy: trusting("sts:AssumeRole", "sts:Set*") }, "wildcard"),
            // Only roles SageMaker assumes need it: EventBridge's role does not.
            role("drone-dev-trigger", { assumeRolePolicy: eventsTrust }, "trigger"),
        ]);
        assertNoViolations(violations, policy);
    });

    const cases: { name: string; resources: OfflineResource[]; at: string; fragment: string }[] = [
        {
            name: "a domain without domainSettings",
            resources: [domain({}, "d"), ...trustedRoles()],
            at: "d",
            fragment: 'Studio domain d domainSettings.executionRoleIdentityConfig is not set, so CloudTrail records only the persona role behind each Studio user\'s calls, never which person made them; set it to "USER_PROFILE_NAME"',
        },
        { name: "a domain that disables it", resources: [domain({ domainSettings: { executionRoleIdentityConfig: "DISABLED" } }, "d")], at: "d", fragment: 'executionRoleIdentityConfig is "DISABLED"' },
        {
            name: "a SageMaker role that cannot carry the source identity",
            resources: [propagating(), role("drone-dev-endpoint", { assumeRolePolicy: trusting("sts:AssumeRole") }, "endpoint")],
            at: "endpoint",
            fragment: 'Role drone-dev-endpoint assumeRolePolicy statement #1 lets sagemaker.amazonaws.com assume it without sts:SetSourceIdentity, but Studio domain d sets each user\'s source identity, so SageMaker refuses the role for apps or jobs started from a user\'s session (AccessDenied or ValidationError); add "sts:SetSourceIdentity"',
        },
    ];
    for (const testCase of cases) {
        it(`reports ${testCase.name}`, async () => {
            const found = assertHasViolation(await violationsOf(testCase.resources), policy, testCase.fragment, testCase.at);
            expect(found.enforcementLevel).to.equal("mandatory");
        });
    }

    it("does not ask roles for sts:SetSourceIdentity while no domain sets a source identity", async () => {
        const violations = await violationsOf([domain({ domainSettings: { executionRoleIdentityConfig: "DISABLED" } }, "d"), role("drone-dev-endpoint", { assumeRolePolicy: trusting("sts:AssumeRole") }, "endpoint")]);
        expect(violations.filter((v) => v.policy === policy).map((v) => v.resource)).to.deep.equal(["d"]);
    });
});

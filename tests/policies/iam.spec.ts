// Least-privilege rules over every place a policy document lives.
import { expect } from "chai";
import {
    ACCOUNT,
    assertHasViolation,
    assertNoViolations,
    BUCKET,
    COST_TAGS,
    document,
    KEY_ARN,
    policyNamed,
    resource,
    resourceValidationArgs,
    role,
    rolePolicy,
    runPolicyDirectly,
    SAGEMAKER_TRUST,
    TestStatement,
    UNKNOWN_INPUT,
    violationsOf,
} from "./helpers";

const PIPELINE_ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/drone-dev-pipeline`;
const allow = (Action: string | string[], Resource: string | string[] = `arn:aws:s3:::${BUCKET}/datasets/*`, extra: Partial<TestStatement> = {}): TestStatement => ({
    Effect: "Allow",
    Action,
    Resource,
    ...extra,
});

describe("iam-policy-document-valid", () => {
    const policy = "iam-policy-document-valid";

    it("accepts well-formed documents given as JSON strings or objects", async () => {
        const asObject = JSON.parse(document(allow("s3:GetObject")));
        assertNoViolations(await violationsOf([rolePolicy(document(allow("s3:GetObject"))), rolePolicy(asObject)]), policy);
    });

    it("reports a document that is not JSON, has no Statement or a statement without a valid Effect", async () => {
        const violations = await violationsOf([
            rolePolicy("{not json", "r", "broken-json"),
            rolePolicy(JSON.stringify({ Version: "2012-10-17" }), "r", "no-statement"),
            rolePolicy(JSON.stringify({ Statement: [{ Action: "s3:GetObject", Resource: "*" }] }), "r", "no-effect"),
        ]);
        assertHasViolation(violations, policy, "is not valid JSON", "broken-json");
        assertHasViolation(violations, policy, "has no Statement", "no-statement");
        assertHasViolation(violations, policy, ['statement #1 has Effect undefined; it must be "Allow" or "Deny"'], "no-effect");
    });

    it("reports statements without the Resource or Principal their document kind requires", async () => {
        const violations = await violationsOf([
            rolePolicy(document({ Effect: "Allow", Action: "s3:GetObject" }), "r", "no-resource"),
            rolePolicy(document({ Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: "*" }), "r", "principal-in-identity"),
            resource("aws:s3/bucketPolicy:BucketPolicy", { bucket: "b", policy: document({ Effect: "Deny", Action: "s3:*", Resource: "arn:aws:s3:::b/*" }) }, "no-principal"),
        ]);
        assertHasViolation(violations, policy, "statement #1 has no Resource", "no-resource");
        assertHasViolation(violations, policy, "has a Principal, which an identity policy cannot have", "principal-in-identity");
        assertHasViolation(violations, policy, "has no Principal; a bucket policy statement must name who it applies to", "no-principal");
    });
});

describe("iam-no-wildcard-actions", () => {
    const policy = "iam-no-wildcard-actions";

    it("accepts named actions, and wildcards in Deny statements", async () => {
        const bucketPolicy = resource("aws:s3/bucketPolicy:BucketPolicy", {
            bucket: BUCKET,
            policy: document({ Effect: "Deny", Principal: "*", Action: "s3:*", Resource: `arn:aws:s3:::${BUCKET}/*`, Condition: { Bool: { "aws:SecureTransport": "false" } } }),
        });
        assertNoViolations(await violationsOf([rolePolicy(document(allow(["s3:GetObject", "s3:ListBucket"]))), bucketPolicy]), policy);
    });

    it("reports `*`, `service:*` and partial patterns, naming the statement and the action", async () => {
        const violations = await violationsOf([
            rolePolicy(document({ Sid: "Everything", ...allow("*", "*") }), "r", "admin"),
            rolePolicy(document(allow("s3:*")), "r", "all-s3"),
            rolePolicy(document(allow("s3:Get*")), "r", "pattern"),
        ]);
        assertHasViolation(violations, policy, ['statement "Everything" allows every action ("*")'], "admin");
        assertHasViolation(violations, policy, ['allows every s3 action ("s3:*")'], "all-s3");
        assertHasViolation(violations, policy, ['allows the action pattern "s3:Get*"'], "pattern");
    });

    it("reports kms:* in a key policy even though its Resource \"*\" is fine there", async () => {
        const key = resource(
            "aws:kms/key:Key",
            { enableKeyRotation: true, policy: document({ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: "kms:*", Resource: "*" }), tags: COST_TAGS },
            "data-key",
        );
        const violations = await violationsOf([key]);
        assertHasViolation(violations, policy, '"kms:*"', "data-key");
        assertNoViolations(violations, "iam-no-wildcard-resource");
    });

    it("accepts partial patterns when allowPartialWildcards is set", async () => {
        const violations = await violationsOf([rolePolicy(document(allow("s3:Get*")))], { [policy]: { allowPartialWildcards: true } });
        assertNoViolations(violations, policy);
    });
});

describe("iam-no-not-action-allow", () => {
    const policy = "iam-no-not-action-allow";

    it("accepts NotAction in a Deny statement", async () => {
        const doc = document(allow("s3:GetObject"), { Effect: "Deny", NotAction: ["s3:GetObject"], Resource: "*" });
        assertNoViolations(await violationsOf([rolePolicy(doc)]), policy);
    });

    it("reports Allow with NotAction, NotResource or NotPrincipal", async () => {
        const violations = await violationsOf([
            rolePolicy(document({ Effect: "Allow", NotAction: "iam:*", Resource: "*" }), "r", "not-action"),
            rolePolicy(document({ Effect: "Allow", Action: "s3:GetObject", NotResource: `arn:aws:s3:::${BUCKET}/secret/*` }), "r", "not-resource"),
        ]);
        assertHasViolation(violations, policy, "is an Allow with NotAction", "not-action");
        assertHasViolation(violations, policy, "is an Allow with NotResource", "not-resource");
    });
});

describe("iam-no-wildcard-resource", () => {
    const policy = "iam-no-wildcard-resource";

    it('accepts Resource "*" for actions without resource-level permissions and for PutMetricData scoped by namespace', async () => {
        const doc = document(
            allow(["sagemaker:ListPipelines", "sagemaker:ListTrainingJobs", "ecr:GetAuthorizationToken"], "*"),
            allow("cloudwatch:PutMetricData", "*", { Condition: { StringEquals: { "cloudwatch:namespace": "/aws/sagemaker/TrainingJobs" } } }),
        );
        assertNoViolations(await violationsOf([rolePolicy(doc)]), policy);
    });

    it('reports Resource "*" on actions that support resource-level permissions', async () => {
        const violations = await violationsOf([
            rolePolicy(document({ Sid: "ReadEverything", ...allow(["s3:GetObject", "sagemaker:ListPipelines"], "*") }), "r", "read-all"),
            rolePolicy(document(allow("cloudwatch:PutMetricData", "*")), "r", "metrics-unscoped"),
            rolePolicy(document(allow("s3:GetObject", "arn:aws:s3:::*")), "r", "every-bucket"),
        ]);
        assertHasViolation(violations, policy, ['statement "ReadEverything" allows "s3:GetObject", which supports resource-level permissions, on Resource "*"'], "read-all");
        expect(violations.filter((v) => v.resource === "read-all" && v.policy === policy)).to.have.length(1);
        assertHasViolation(violations, policy, '"cloudwatch:PutMetricData"', "metrics-unscoped");
        assertHasViolation(violations, policy, 'Resource "arn:aws:s3:::*"', "every-bucket");
    });

    it("reports an ARN that leaves the account open", async () => {
        const violations = await violationsOf([rolePolicy(document(allow("iam:CreatePolicyVersion", "arn:aws:iam::*:policy/team-*")), "r", "any-account")]);
        assertHasViolation(violations, policy, "which matches every account", "any-account");
    });

    it("checks Role inline policies too, and honours configured exceptions", async () => {
        const inline = role("inline-role", { inlinePolicies: [{ name: "tags", policy: document(allow("sagemaker:AddTags", "*")) }] }, "inline-role");
        assertHasViolation(await violationsOf([inline]), policy, '"sagemaker:AddTags"', "inline-role");
        const exempted = await violationsOf([inline], { [policy]: { wildcardResourceExceptions: { "sagemaker:AddTags": ["aws:RequestTag/project"] } } });
        assertHasViolation(exempted, policy, '"sagemaker:AddTags"', "inline-role");
        const scoped = role("inline-role", {
            inlinePolicies: [{ name: "tags", policy: document(allow("sagemaker:AddTags", "*", { Condition: { StringEquals: { "aws:RequestTag/project": "x" } } })) }],
        });
        assertNoViolations(await violationsOf([scoped], { [policy]: { wildcardResourceExceptions: { "sagemaker:AddTags": ["aws:RequestTag/project"] } } }), policy);
        assertNoViolations(await violationsOf([inline], { [policy]: { wildcardResourceExceptions: { "sagemaker:addtags": [] } } }), policy);
    });
});

describe("iam-known-actions", () => {
    const policy = "iam-known-actions";

    it("accepts existing actions in any case, and patterns that match some action", async () => {
        assertNoViolations(await violationsOf([rolePolicy(document(allow(["s3:getobject", "kms:Decrypt", "sagemaker:Describe*"])))]), policy);
    });

    it("reports misspelt actions, unknown services and malformed names", async () => {
        const violations = await violationsOf([rolePolicy(document(allow(["s3:GetObjekt", "sagemakr:ListPipelines", "s3GetObject", "s3:Fetch*"])), "r", "typos")]);
        assertHasViolation(violations, policy, '"s3:GetObjekt", which is not an existing s3 action', "typos");
        assertHasViolation(violations, policy, 'unknown service "sagemakr"', "typos");
        assertHasViolation(violations, policy, '"s3GetObject", which is not of the form service:Action', "typos");
        assertHasViolation(violations, policy, '"s3:Fetch*", which matches no existing s3 action', "typos");
    });

    it("accepts actions listed in additionalActions (newer than the installed IAM data)", async () => {
        const violations = await violationsOf([rolePolicy(document(allow("s3:GetObjekt")))], { [policy]: { additionalActions: ["s3:GetObjekt"] } });
        assertNoViolations(violations, policy);
    });
});

describe("iam-pass-role-scoped", () => {
    const policy = "iam-pass-role-scoped";
    const passRole = (resourceArn: string, condition = true): string =>
        document(allow("iam:PassRole", resourceArn, condition ? { Condition: { StringEquals: { "iam:PassedToService": "sagemaker.amazonaws.com" } } } : {}));

    it("accepts PassRole on a named role ARN with an iam:PassedToService condition", async () => {
        assertNoViolations(await violationsOf([rolePolicy(passRole(PIPELINE_ROLE_ARN))]), policy);
    });

    it("reports a wildcard role resource and a missing iam:PassedToService condition", async () => {
        const violations = await violationsOf([
            rolePolicy(passRole(`arn:aws:iam::${ACCOUNT}:role/*`), "r", "any-role"),
            rolePolicy(passRole(PIPELINE_ROLE_ARN, false), "r", "any-service"),
            rolePolicy(document(allow("iam:Pass*", "*")), "r", "pattern"),
        ]);
        assertHasViolation(violations, policy, `allows iam:PassRole on "arn:aws:iam::${ACCOUNT}:role/*"`, "any-role");
        assertHasViolation(violations, policy, "without an iam:PassedToService condition", "any-service");
        assertHasViolation(violations, policy, 'allows iam:PassRole on "*"', "pattern");
    });
});

describe("iam-no-admin-managed-policies", () => {
    const policy = "iam-no-admin-managed-policies";
    const attach = (policyArn: string, name?: string) => resource("aws:iam/rolePolicyAttachment:RolePolicyAttachment", { role: "r", policyArn }, name);

    it("accepts narrow AWS-managed and customer-managed policies", async () => {
        const violations = await violationsOf([
            attach("arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"),
            attach(`arn:aws:iam::${ACCOUNT}:policy/AdminFullAccess`),
            role("r", { managedPolicyArns: ["arn:aws:iam::aws:policy/CloudWatchLogsReadOnlyAccess"] }),
        ]);
        assertNoViolations(violations, policy);
    });

    it("reports AdministratorAccess, PowerUserAccess, *FullAccess and job-function policies wherever they are attached", async () => {
        const violations = await violationsOf([
            attach("arn:aws:iam::aws:policy/AdministratorAccess", "admin"),
            resource("aws:iam/policyAttachment:PolicyAttachment", { roles: ["r"], policyArn: "arn:aws:iam::aws:policy/PowerUserAccess" }, "power"),
            role("r", { managedPolicyArns: ["arn:aws:iam::aws:policy/AmazonSageMakerFullAccess"] }, "full"),
            resource("aws:iam/userPolicyAttachment:UserPolicyAttachment", { user: "u", policyArn: "arn:aws:iam::aws:policy/job-function/DataScientist" }, "job"),
        ]);
        assertHasViolation(violations, policy, "arn:aws:iam::aws:policy/AdministratorAccess", "admin");
        assertHasViolation(violations, policy, "PowerUserAccess", "power");
        assertHasViolation(violations, policy, ["managedPolicyArns[0]", "AmazonSageMakerFullAccess"], "full");
        assertHasViolation(violations, policy, "job-function/DataScientist", "job");
    });

    it("accepts an AWS-managed policy listed in allowedPolicyArns", async () => {
        const arn = "arn:aws:iam::aws:policy/AmazonSageMakerFullAccess";
        assertNoViolations(await violationsOf([attach(arn)], { [policy]: { allowedPolicyArns: [arn] } }), policy);
    });
});

describe("iam-trust-policy-restricted", () => {
    const policy = "iam-trust-policy-restricted";
    const trust = (statement: Partial<TestStatement>) => document({ Effect: "Allow", Action: "sts:AssumeRole", ...statement });

    it("accepts a service trust tied to the account by aws:SourceAccount", async () => {
        assertNoViolations(await violationsOf([role("r", { assumeRolePolicy: SAGEMAKER_TRUST })]), policy);
    });

    it("reports anyone, unconditioned service principals and unconditioned federated principals", async () => {
        const violations = await violationsOf([
            role("public", { assumeRolePolicy: trust({ Principal: "*" }) }, "public"),
            role("aws-star", { assumeRolePolicy: trust({ Principal: { AWS: "*" } }) }, "aws-star"),
            role("deputy", { assumeRolePolicy: trust({ Principal: { Service: "sagemaker.amazonaws.com" } }) }, "deputy"),
            role("oidc", { assumeRolePolicy: trust({ Action: "sts:AssumeRoleWithWebIdentity", Principal: { Federated: `arn:aws:iam::${ACCOUNT}:oidc-provider/token.actions.githubusercontent.com` } }) }, "oidc"),
        ]);
        assertHasViolation(violations, policy, 'lets any principal ("*") assume the role', "public");
        assertHasViolation(violations, policy, 'lets any principal ("*") assume the role', "aws-star");
        assertHasViolation(violations, policy, "trusts sagemaker.amazonaws.com without aws:SourceAccount and aws:SourceArn", "deputy");
        assertHasViolation(violations, policy, "federated principal", "oidc");
    });

    it("exempts services listed in servicesWithoutSourceConditions", async () => {
        const ec2 = role("ec2", { assumeRolePolicy: trust({ Principal: { Service: "ec2.amazonaws.com" } }) });
        assertNoViolations(await violationsOf([ec2], { [policy]: { servicesWithoutSourceConditions: ["ec2.amazonaws.com"] } }), policy);
    });
});

describe("resource-policy-no-public-principal", () => {
    const policy = "resource-policy-no-public-principal";
    const bucketPolicy = (statement: TestStatement, name?: string) => resource("aws:s3/bucketPolicy:BucketPolicy", { bucket: BUCKET, policy: document(statement) }, name);

    it('accepts Deny statements for "*" and Allows restricted by organization, VPC endpoint or caller account', async () => {
        const violations = await violationsOf([
            bucketPolicy({ Effect: "Deny", Principal: "*", Action: "s3:*", Resource: `arn:aws:s3:::${BUCKET}/*`, Condition: { Bool: { "aws:SecureTransport": "false" } } }),
            bucketPolicy({ Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: `arn:aws:s3:::${BUCKET}/*`, Condition: { StringEquals: { "aws:SourceVpce": "vpce-1a2b3c" } } }),
            resource("aws:kms/keyPolicy:KeyPolicy", {
                keyId: KEY_ARN,
                policy: document({ Effect: "Allow", Principal: { AWS: "*" }, Action: ["kms:Decrypt"], Resource: "*", Condition: { StringEquals: { "kms:CallerAccount": ACCOUNT, "kms:ViaService": "s3.us-east-1.amazonaws.com" } } }),
            }),
        ]);
        assertNoViolations(violations, policy);
    });

    it('reports an unconditioned Allow to Principal "*" in bucket and key policies', async () => {
        const violations = await violationsOf([
            bucketPolicy({ Sid: "PublicRead", Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: `arn:aws:s3:::${BUCKET}/*` }, "public-bucket"),
            resource("aws:kms/key:Key", { enableKeyRotation: true, policy: document({ Effect: "Allow", Principal: { AWS: "*" }, Action: "kms:Decrypt", Resource: "*" }) }, "public-key"),
        ]);
        assertHasViolation(violations, policy, ['statement "PublicRead" allows s3:GetObject to any principal ("*") in a bucket policy'], "public-bucket");
        assertHasViolation(violations, policy, "to any principal", "public-key");
    });
});

describe("iam-data-scientist-read-only", () => {
    const policy = "iam-data-scientist-read-only";
    const persona = (personaName: string, name = `drone-${personaName}`) => role(name, { tags: { ...COST_TAGS, "ml-persona": personaName } }, `team-${personaName}`);
    const readOnly = document(allow(["s3:GetObject", "s3:ListBucket"], [`arn:aws:s3:::${BUCKET}`, `arn:aws:s3:::${BUCKET}/*`]));
    const studioApps = document(allow(["sagemaker:CreateApp", "sagemaker:CreateSpace", "sagemaker:DeleteApp"], `arn:aws:sagemaker:us-east-1:${ACCOUNT}:app/d-1/*`));

    it("accepts a data scientist with read-only access plus Studio app actions from two RolePolicies", async () => {
        const violations = await violationsOf([persona("data-scientist"), rolePolicy(readOnly, "drone-data-scientist"), rolePolicy(studioApps, "drone-data-scientist")]);
        assertNoViolations(violations, policy);
    });

    it("reports S3 writes and pipeline starts granted through a RolePolicy, naming the role, the holder and the actions", async () => {
        const violations = await violationsOf([
            persona("data-scientist"),
            rolePolicy(readOnly, "drone-data-scientist", "ds-read"),
            rolePolicy(document({ Sid: "Sneaky", ...allow(["s3:PutObject", "sagemaker:StartPipelineExecution"], "*") }), "drone-data-scientist", "ds-extra"),
        ]);
        assertHasViolation(
            violations,
            policy,
            ['ds-extra policy statement "Sneaky" gives the role drone-data-scientist (ml-persona: data-scientist)', "s3:PutObject", "sagemaker:StartPipelineExecution"],
            "ds-extra",
        );
    });

    it("lets data scientists invoke and describe an endpoint, and refuses any change to what it serves or how it is monitored", async () => {
        const endpoint = `arn:aws:sagemaker:us-east-1:${ACCOUNT}:endpoint/drone-dev-yolo11`;
        const use = document(allow(["sagemaker:InvokeEndpoint", "sagemaker:DescribeEndpoint", "sagemaker:DescribeMonitoringSchedule"], endpoint));
        assertNoViolations(await violationsOf([persona("data-scientist"), rolePolicy(use, "drone-data-scientist")]), policy);
        const change = document({ Sid: "Redeploy", ...allow(["sagemaker:UpdateEndpoint", "sagemaker:CreateModel", "sagemaker:DeleteMonitoringSchedule"], endpoint) });
        const violations = await violationsOf([persona("data-scientist"), rolePolicy(change, "drone-data-scientist", "ds-serving")]);
        assertHasViolation(violations, policy, ['statement "Redeploy"', "sagemaker:UpdateEndpoint", "sagemaker:CreateModel", "sagemaker:DeleteMonitoringSchedule"], "ds-serving");
        // Through a wildcard too.
        assertHasViolation(await violationsOf([persona("data-scientist"), rolePolicy(document(allow("sagemaker:Update*", endpoint)), "drone-data-scientist", "wild")]), policy, ['"sagemaker:Update*"'], "wild");
    });

    it("expands wildcards and follows inline policies, RolePolicyAttachments and managedPolicyArns to stack policies", async () => {
        const violations = await violationsOf([
            persona("data-scientist"),
            role("drone-data-scientist-2", {
                tags: { ...COST_TAGS, "ml-persona": "data-scientist" },
                inlinePolicies: [{ name: "wild", policy: document(allow("s3:Put*", `arn:aws:s3:::${BUCKET}/*`)) }],
                managedPolicyArns: [`arn:aws:iam::${ACCOUNT}:policy/train-anything`],
            }, "ds-2"),
            resource("aws:iam/policy:Policy", { name: "run-pipelines", policy: document(allow("sagemaker:CreatePipeline", "*")) }, "run-pipelines"),
            resource("aws:iam/policy:Policy", { name: "train-anything", path: "/", policy: document(allow("sagemaker:CreateTrainingJob", "*")) }, "train-anything"),
            resource("aws:iam/rolePolicyAttachment:RolePolicyAttachment", { role: "drone-data-scientist", policyArn: `arn:aws:iam::${ACCOUNT}:policy/run-pipelines` }, "attach"),
        ]);
        assertHasViolation(violations, policy, ["ds-2 inlinePolicies[0]", '"s3:Put*" (', "forbidden actions such as"], "ds-2");
        assertHasViolation(violations, policy, ["run-pipelines policy", "sagemaker:CreatePipeline"], "run-pipelines");
        assertHasViolation(violations, policy, ["train-anything policy", "sagemaker:CreateTrainingJob"], "train-anything");
    });

    it("reports an attached policy that is not in the stack unless trustedPolicyArns lists it", async () => {
        const external = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess";
        const resources = [persona("data-scientist"), resource("aws:iam/rolePolicyAttachment:RolePolicyAttachment", { role: "drone-data-scientist", policyArn: external }, "attach-external")];
        assertHasViolation(await violationsOf(resources), policy, [external, "not defined in this stack"], "attach-external");
        assertNoViolations(await violationsOf(resources, { [policy]: { trustedPolicyArns: [external] } }), policy);
    });

    it("counts a policy once when the role's engine outputs also list it (inlinePolicies, managedPolicyArns)", async () => {
        const write = document({ Sid: "Write", ...allow("s3:PutObject", `arn:aws:s3:::${BUCKET}/*`) });
        const external = "arn:aws:iam::aws:policy/AmazonS3FullAccess";
        const violations = await violationsOf([
            role("drone-data-scientist", {
                tags: { ...COST_TAGS, "ml-persona": "data-scientist" },
                inlinePolicies: [{ name: "access", policy: write }],
                managedPolicyArns: [external],
            }, "team-data-scientist"),
            rolePolicy(write, "drone-data-scientist", "ds-access"),
            resource("aws:iam/rolePolicyAttachment:RolePolicyAttachment", { role: "drone-data-scientist", policyArn: external }, "ds-attach"),
        ]);
        const persona = violations.filter((v) => v.policy === policy);
        expect(persona.map((v) => v.resource)).to.deep.equal(["ds-attach", "ds-access"]);
    });

    it("leaves other personas alone", async () => {
        const violations = await violationsOf([persona("ml-engineer"), rolePolicy(document(allow("s3:PutObject", `arn:aws:s3:::${BUCKET}/models/*`)), "drone-ml-engineer")]);
        assertNoViolations(violations, policy);
    });
});

describe("IAM documents: table of violating variants", () => {
    const cases: { name: string; statements: TestStatement[]; policy: string; fragment: string }[] = [
        { name: "admin", statements: [allow("*", "*")], policy: "iam-no-wildcard-actions", fragment: 'every action ("*")' },
        { name: "service wildcard", statements: [allow("sagemaker:*", "*")], policy: "iam-no-wildcard-actions", fragment: '"sagemaker:*"' },
        { name: "service wildcard in the prefix", statements: [allow("*:Get*", "*")], policy: "iam-no-wildcard-actions", fragment: 'actions of every service ("*:Get*")' },
        { name: "mid-name pattern", statements: [allow("s3:*Object", `arn:aws:s3:::${BUCKET}/*`)], policy: "iam-no-wildcard-actions", fragment: '"s3:*Object"' },
        { name: "question mark", statements: [allow("s3:GetObjec?", `arn:aws:s3:::${BUCKET}/*`)], policy: "iam-no-wildcard-actions", fragment: '"s3:GetObjec?"' },
        { name: "NotAction allow", statements: [{ Effect: "Allow", NotAction: ["iam:*", "organizations:*"], Resource: "*" }], policy: "iam-no-not-action-allow", fragment: "NotAction" },
        { name: "unscoped write", statements: [allow("s3:PutObject", "*")], policy: "iam-no-wildcard-resource", fragment: '"s3:PutObject"' },
        { name: "unscoped key use", statements: [allow("kms:Decrypt", "*")], policy: "iam-no-wildcard-resource", fragment: '"kms:Decrypt"' },
        { name: "unscoped training", statements: [allow("sagemaker:CreateTrainingJob", "*")], policy: "iam-no-wildcard-resource", fragment: '"sagemaker:CreateTrainingJob"' },
        { name: "regionless sagemaker wildcard", statements: [allow("sagemaker:DescribePipeline", `arn:aws:sagemaker:us-east-1:${ACCOUNT}:*`)], policy: "iam-no-wildcard-resource", fragment: "DescribePipeline" },
        { name: "privesc CreatePolicyVersion", statements: [allow("iam:CreatePolicyVersion", "*")], policy: "iam-no-wildcard-resource", fragment: "iam:CreatePolicyVersion" },
        { name: "typo", statements: [allow("sagemaker:StartPipelineExecutoin", "*")], policy: "iam-known-actions", fragment: "StartPipelineExecutoin" },
        { name: "PassRole anywhere", statements: [allow("iam:PassRole", "*")], policy: "iam-pass-role-scoped", fragment: 'on "*"' },
        { name: "PassRole via iam:*", statements: [allow("iam:*", PIPELINE_ROLE_ARN)], policy: "iam-pass-role-scoped", fragment: "iam:PassedToService" },
        {
            name: "PassRole to a role path wildcard",
            statements: [allow("iam:PassRole", `arn:aws:iam::${ACCOUNT}:role/team/*`, { Condition: { StringEquals: { "iam:PassedToService": "sagemaker.amazonaws.com" } } })],
            policy: "iam-pass-role-scoped",
            fragment: "role/team/*",
        },
        { name: "PassRole on a non-role ARN", statements: [allow("iam:PassRole", `arn:aws:s3:::${BUCKET}`)], policy: "iam-pass-role-scoped", fragment: `"arn:aws:s3:::${BUCKET}"` },
    ];
    for (const testCase of cases) {
        it(`reports ${testCase.name} (${testCase.policy})`, async () => {
            const violations = await violationsOf([rolePolicy(document(...testCase.statements), "r", "variant")]);
            assertHasViolation(violations, testCase.policy, testCase.fragment, "variant");
        });
    }
});

describe("IAM policies under preview unknowns (unknownCheckingProxy)", () => {
    it("checks the known trust policy of a role whose inline policies are unknown, then reports the rest as not runnable", async () => {
        const args = resourceValidationArgs("aws:iam/role:Role", {
            name: "r",
            assumeRolePolicy: document({ Effect: "Allow", Principal: "*", Action: "sts:AssumeRole" }),
            inlinePolicies: UNKNOWN_INPUT,
        });
        const result = await runPolicyDirectly(policyNamed("iam-trust-policy-restricted"), args);
        expect(result.messages.join("\n")).to.contain("lets any principal");
        expect(result.thrown).to.equal(undefined);
        const wildcard = await runPolicyDirectly(policyNamed("iam-no-wildcard-actions"), args);
        expect(wildcard.thrown).to.be.an("error").with.property("message").that.contains("can't be known during preview");
    });

    it("skips (never crashes on) a RolePolicy whose document is unknown", async () => {
        const { run } = await import("./helpers");
        const result = await run([role("r", { tags: { ...COST_TAGS, "ml-persona": "ml-engineer" } }), rolePolicy(UNKNOWN_INPUT as unknown as string, "r", "pending")]);
        expect(result.violations.filter((v) => v.resource === "pending")).to.deep.equal([]);
        expect(result.skipped.map((s) => s.policy)).to.include.members(["iam-no-wildcard-actions", "iam-known-actions"]);
    });
});

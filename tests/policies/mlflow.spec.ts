// The MLflow tracking server's role: its artifact store prefix, the bucket's location and listing, the key
// through S3, and nothing else; only SageMaker may assume it.
import { expect } from "chai";
import { parseArtifactStoreUri } from "../../policies/mlflow";
import { OfflineResource } from "../../policies/offline";
import {
    ACCOUNT,
    assertHasViolation,
    assertNoViolations,
    BUCKET,
    COST_TAGS,
    document,
    KEY_ARN,
    policyNamed,
    REGION,
    resource,
    role,
    rolePolicy,
    run,
    runPolicyDirectly,
    SAGEMAKER_TRUST,
    stackValidationArgs,
    TestStatement,
    UNKNOWN_INPUT,
    violationsOf,
} from "./helpers";

const policy = "sagemaker-mlflow-server-role-scoped";
const ROLE = "drone-dev-mlflow-server";
const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/${ROLE}`;
const STORE = `s3://${BUCKET}/mlflow/`;
const VIA_S3 = { StringEquals: { "kms:ViaService": `s3.${REGION}.amazonaws.com` } };

/** The tracking server role's policy, as the stack writes it. */
const scopedStatements = (): TestStatement[] => [
    { Sid: "LocateArtifactStore", Effect: "Allow", Action: ["s3:GetBucketLocation"], Resource: `arn:aws:s3:::${BUCKET}` },
    { Sid: "ListArtifactStore", Effect: "Allow", Action: ["s3:ListBucket"], Resource: `arn:aws:s3:::${BUCKET}`, Condition: { StringLike: { "s3:prefix": ["mlflow/*"] } } },
    { Sid: "ReadWriteArtifacts", Effect: "Allow", Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], Resource: `arn:aws:s3:::${BUCKET}/mlflow/*` },
    { Sid: "UseDataKeyThroughS3", Effect: "Allow", Action: ["kms:Decrypt", "kms:GenerateDataKey"], Resource: KEY_ARN, Condition: VIA_S3 },
];

const serverRole = (props: Record<string, unknown> = {}) => role(ROLE, { tags: { ...COST_TAGS, "ml-service": "mlflow-tracking-server" }, ...props }, "mlflow-role");
const server = (props: Record<string, unknown> = {}, name = "mlflow-server") =>
    resource(
        "aws:sagemaker/mlflowTrackingServer:MlflowTrackingServer",
        { trackingServerName: "drone-dev-mlflow", artifactStoreUri: STORE, roleArn: ROLE_ARN, trackingServerSize: "Small", automaticModelRegistration: false, tags: COST_TAGS, ...props },
        name,
    );
const access = (statements: TestStatement[] = scopedStatements(), name = "mlflow-access") => rolePolicy(document(...statements), ROLE, name);
const tracking = (statements?: TestStatement[], serverProps: Record<string, unknown> = {}, roleProps: Record<string, unknown> = {}): OfflineResource[] => [
    serverRole(roleProps),
    access(statements),
    server(serverProps),
];

describe("sagemaker-mlflow-server-role-scoped", () => {
    it("accepts the artifact store prefix, the bucket's location, a prefix-conditioned listing and the key through S3", async () => {
        const violations = await violationsOf(tracking());
        assertNoViolations(violations, policy);
        // The other least-privilege rules agree with the scoped role.
        assertNoViolations(violations, "iam-no-wildcard-resource", "iam-no-wildcard-actions", "iam-trust-policy-restricted", "iam-known-actions");
    });

    it("accepts an artifact store without a trailing slash, and a whole-bucket store", async () => {
        assertNoViolations(await violationsOf(tracking(undefined, { artifactStoreUri: `s3://${BUCKET}/mlflow` })), policy);
        const wholeBucket = [
            { Effect: "Allow" as const, Action: ["s3:ListBucket", "s3:GetBucketLocation"], Resource: `arn:aws:s3:::${BUCKET}` },
            { Effect: "Allow" as const, Action: ["s3:GetObject", "s3:PutObject"], Resource: `arn:aws:s3:::${BUCKET}/*` },
        ];
        assertNoViolations(await violationsOf(tracking(wholeBucket, { artifactStoreUri: `s3://${BUCKET}` })), policy);
    });

    const cases: { name: string; statement: TestStatement; fragments: string[] }[] = [
        { name: "another service", statement: { Effect: "Allow", Action: "sagemaker:CreateTrainingJob", Resource: `arn:aws:sagemaker:${REGION}:${ACCOUNT}:training-job/*` }, fragments: ["allows sagemaker:CreateTrainingJob, which the role may not hold"] },
        { name: "passing roles", statement: { Effect: "Allow", Action: "iam:PassRole", Resource: ROLE_ARN }, fragments: ["iam:PassRole, which the role may not hold"] },
        { name: "another prefix", statement: { Effect: "Allow", Action: "s3:GetObject", Resource: `arn:aws:s3:::${BUCKET}/datasets/*` }, fragments: [`allows s3:GetObject on "arn:aws:s3:::${BUCKET}/datasets/*", outside the artifact store ${STORE}`] },
        { name: "every object of the bucket", statement: { Effect: "Allow", Action: "s3:PutObject", Resource: `arn:aws:s3:::${BUCKET}/*` }, fragments: [`"arn:aws:s3:::${BUCKET}/*", outside the artifact store`] },
        { name: "a prefix pattern wider than the store", statement: { Effect: "Allow", Action: "s3:GetObject", Resource: `arn:aws:s3:::${BUCKET}/ml*` }, fragments: [`"arn:aws:s3:::${BUCKET}/ml*", outside the artifact store`] },
        { name: "another bucket", statement: { Effect: "Allow", Action: "s3:ListBucket", Resource: "arn:aws:s3:::other-bucket", Condition: { StringLike: { "s3:prefix": ["mlflow/*"] } } }, fragments: ['"arn:aws:s3:::other-bucket", outside'] },
        { name: "a wildcard resource", statement: { Effect: "Allow", Action: "s3:GetObject", Resource: "*" }, fragments: ['allows s3:GetObject on "*", outside the artifact store'] },
        { name: "a service wildcard action", statement: { Effect: "Allow", Action: "s3:*", Resource: `arn:aws:s3:::${BUCKET}/mlflow/*` }, fragments: ['allows the wildcard action "s3:*"'] },
        { name: "a partial wildcard action", statement: { Effect: "Allow", Action: ["s3:Get*", "kms:*"], Resource: `arn:aws:s3:::${BUCKET}/mlflow/*` }, fragments: ['wildcard actions "s3:Get*" and "kms:*"'] },
        { name: "an unconditioned listing", statement: { Effect: "Allow", Action: "s3:ListBucket", Resource: `arn:aws:s3:::${BUCKET}` }, fragments: ['allows s3:ListBucket without an s3:prefix condition limited to the artifact store prefix; add {"StringLike": {"s3:prefix": ["mlflow/*"]}}'] },
        { name: "a listing of another prefix", statement: { Effect: "Allow", Action: "s3:ListBucket", Resource: `arn:aws:s3:::${BUCKET}`, Condition: { StringLike: { "s3:prefix": ["datasets/*"] } } }, fragments: ["without an s3:prefix condition limited"] },
        { name: "a listing of everything but the store", statement: { Effect: "Allow", Action: "s3:ListBucket", Resource: `arn:aws:s3:::${BUCKET}`, Condition: { StringNotLike: { "s3:prefix": ["mlflow/*"] } } }, fragments: ["without an s3:prefix condition limited"] },
        { name: "the key on every resource", statement: { Effect: "Allow", Action: "kms:Decrypt", Resource: "*", Condition: VIA_S3 }, fragments: ['allows kms:Decrypt on "*"; name the key ARN'] },
        { name: "the key for any service", statement: { Effect: "Allow", Action: "kms:GenerateDataKey", Resource: KEY_ARN }, fragments: ["allows kms:GenerateDataKey without a kms:ViaService condition limited to S3"] },
        { name: "a NotAction Allow", statement: { Effect: "Allow", NotAction: "iam:*", Resource: "*" }, fragments: ["allows every action except iam:* (NotAction)"] },
        { name: "a NotResource Allow", statement: { Effect: "Allow", Action: "s3:GetObject", NotResource: `arn:aws:s3:::${BUCKET}/secret/*` }, fragments: ["(NotResource)"] },
    ];
    for (const testCase of cases) {
        it(`reports ${testCase.name}`, async () => {
            const violations = await violationsOf(tracking([...scopedStatements(), { Sid: "Extra", ...testCase.statement }]));
            assertHasViolation(violations, policy, [`mlflow-access policy statement "Extra" (the role ${ROLE} of MLflow tracking server mlflow-server)`, ...testCase.fragments], "mlflow-access");
        });
    }

    it("reports a trust policy that lets anyone but SageMaker assume the role, or not SageMaker at all", async () => {
        const trust = (principal: unknown) => document({ Effect: "Allow", Principal: principal, Action: "sts:AssumeRole", Condition: { StringEquals: { "aws:SourceAccount": ACCOUNT } } });
        const broad = await violationsOf(tracking(undefined, {}, { assumeRolePolicy: trust({ Service: ["sagemaker.amazonaws.com", "ec2.amazonaws.com"], AWS: `arn:aws:iam::${ACCOUNT}:root` }) }));
        assertHasViolation(broad, policy, [`mlflow-role assumeRolePolicy statement #1: the role ${ROLE} of MLflow tracking server mlflow-server lets arn:aws:iam::${ACCOUNT}:root and ec2.amazonaws.com assume it; only sagemaker.amazonaws.com may`], "mlflow-role");
        const other = await violationsOf(tracking(undefined, {}, { assumeRolePolicy: trust({ Service: "lambda.amazonaws.com" }) }));
        assertHasViolation(other, policy, "does not trust sagemaker.amazonaws.com, so the tracking server cannot assume it", "mlflow-role");
        assertNoViolations(await violationsOf(tracking(undefined, {}, { assumeRolePolicy: SAGEMAKER_TRUST })), policy);
    });

    it("reports an artifact store that is not an s3:// URI", async () => {
        for (const uri of ["https://drone-data-bucket.s3.amazonaws.com/mlflow/", "s3://", "s3://Bad_Bucket/mlflow/", "s3://drone-data-bucket/mlflow/*"]) {
            const violations = await violationsOf(tracking(undefined, { artifactStoreUri: uri }));
            assertHasViolation(violations, policy, [`MLflow tracking server mlflow-server has artifactStoreUri ${JSON.stringify(uri)}, which is not an s3://<bucket>/<prefix>/ URI`], "mlflow-server");
        }
    });

    it("reports a role that is not in the stack, and a roleArn that is not a role", async () => {
        const foreign = await violationsOf([server({ roleArn: `arn:aws:iam::${ACCOUNT}:role/service-role/AmazonSageMaker-ExecutionRole` })]);
        assertHasViolation(foreign, policy, "uses the role arn:aws:iam::123456789012:role/service-role/AmazonSageMaker-ExecutionRole, which is not defined in this stack", "mlflow-server");
        const notRole = await violationsOf([server({ roleArn: `arn:aws:iam::${ACCOUNT}:user/someone` })]);
        assertHasViolation(notRole, policy, "which is not a role ARN", "mlflow-server");
    });

    it("judges every policy of the role: inline policies, attached policies of the stack, and attached policies it cannot read", async () => {
        const external = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess";
        const violations = await violationsOf([
            serverRole({
                inlinePolicies: [{ name: "extra", policy: document({ Effect: "Allow", Action: "s3:GetObject", Resource: `arn:aws:s3:::${BUCKET}/models/*` }) }],
                managedPolicyArns: [external],
            }),
            access(),
            resource("aws:iam/policy:Policy", { name: "mlflow-more", policy: document({ Effect: "Allow", Action: "ecr:BatchGetImage", Resource: `arn:aws:ecr:${REGION}:${ACCOUNT}:repository/x` }) }, "mlflow-more"),
            resource("aws:iam/rolePolicyAttachment:RolePolicyAttachment", { role: ROLE, policyArn: `arn:aws:iam::${ACCOUNT}:policy/mlflow-more` }, "attach-more"),
            server(),
        ]);
        assertHasViolation(violations, policy, ["mlflow-role inlinePolicies[0]", `/models/*", outside the artifact store`], "mlflow-role");
        assertHasViolation(violations, policy, [external, "not defined in this stack"], "mlflow-role");
        assertHasViolation(violations, policy, ["mlflow-more policy statement #1", "ecr:BatchGetImage, which the role may not hold"], "mlflow-more");
        assertNoViolations(await violationsOf([serverRole({ managedPolicyArns: [external] }), access(), server()], { [policy]: { trustedPolicyArns: [external] } }), policy);
    });

    it("takes allowedActions, requireListPrefixCondition and requireKmsViaS3 from the config", async () => {
        const loose: TestStatement[] = [
            { Effect: "Allow", Action: ["s3:ListBucket", "s3:GetObjectVersion"], Resource: [`arn:aws:s3:::${BUCKET}`, `arn:aws:s3:::${BUCKET}/mlflow/*`] },
            { Effect: "Allow", Action: "kms:Decrypt", Resource: KEY_ARN },
        ];
        const strict = await violationsOf(tracking(loose));
        assertHasViolation(strict, policy, "s3:GetObjectVersion, which the role may not hold");
        assertHasViolation(strict, policy, "without an s3:prefix condition");
        assertHasViolation(strict, policy, "without a kms:ViaService condition");
        const configured = await violationsOf(tracking(loose), {
            [policy]: { allowedActions: ["s3:ListBucket", "s3:GetObjectVersion", "kms:Decrypt"], requireListPrefixCondition: false, requireKmsViaS3: false },
        });
        assertNoViolations(configured, policy);
    });

    it("finds the role of a roleArn unknown during preview by its ml-service tag, and checks it", async () => {
        const result = await run(tracking([...scopedStatements(), { Sid: "Extra", Effect: "Allow", Action: "s3:GetObject", Resource: `arn:aws:s3:::${BUCKET}/datasets/*` }], { roleArn: UNKNOWN_INPUT }));
        assertHasViolation(result.violations, policy, ['statement "Extra"', "outside the artifact store"], "mlflow-access");
        expect(result.skipped.filter((s) => s.policy === policy)).to.deep.equal([]);
    });

    it("follows the engine's property dependency of a roleArn unknown during preview to the role", async () => {
        const resources = [role(ROLE, { tags: COST_TAGS }, "mlflow-role"), access([{ Sid: "Wide", Effect: "Allow", Action: "s3:GetObject", Resource: "*" }]), server({ roleArn: UNKNOWN_INPUT })];
        const args = stackValidationArgs(resources);
        const [roleResource, , serverResource] = args.resources;
        serverResource.propertyDependencies = { roleArn: [roleResource] };
        const result = await runPolicyDirectly(policyNamed(policy), args);
        expect(result.thrown).to.equal(undefined);
        expect(result.messages.join("\n")).to.contain('mlflow-access policy statement "Wide"').and.to.contain('on "*", outside the artifact store');
    });

    it("skips (never guesses) a roleArn unknown during preview without a tagged role, and documents that embed unknown ARNs", async () => {
        const untagged = await run([role(ROLE, { tags: COST_TAGS }), access(), server({ roleArn: UNKNOWN_INPUT })]);
        assertNoViolations(untagged.violations, policy);
        expect(untagged.skipped.map((s) => s.policy)).to.include(policy);
        const pendingDocument = await run([serverRole(), rolePolicy(UNKNOWN_INPUT as unknown as string, ROLE, "pending"), access([{ Sid: "Wide", Effect: "Allow", Action: "s3:GetObject", Resource: "*" }], "known"), server()]);
        assertHasViolation(pendingDocument.violations, policy, 'statement "Wide"', "known");
        expect(pendingDocument.skipped.map((s) => s.policy)).to.include(policy);
    });

    it("checks the trust and other services when the artifact store URI is unknown during preview, and skips the S3 scopes", async () => {
        const result = await run(tracking([...scopedStatements(), { Sid: "Other", Effect: "Allow", Action: "sqs:SendMessage", Resource: `arn:aws:sqs:${REGION}:${ACCOUNT}:q` }], { artifactStoreUri: UNKNOWN_INPUT }));
        assertHasViolation(result.violations, policy, ['statement "Other"', "sqs:SendMessage"], "mlflow-access");
        expect(result.violations.filter((v) => v.policy === policy)).to.have.length(1);
        expect(result.skipped.map((s) => s.policy)).to.include(policy);
    });

    it("is not applicable without a tracking server", async () => {
        const result = await run([serverRole(), access([{ Effect: "Allow", Action: "s3:*", Resource: "*" }])]);
        assertNoViolations(result.violations, policy);
        expect(result.skipped.map((s) => s.policy)).to.not.include(policy);
    });
});

describe("parseArtifactStoreUri", () => {
    it("reads bucket and prefix, adding the trailing slash", () => {
        expect(parseArtifactStoreUri("s3://b-1/mlflow")).to.deep.equal({ uri: "s3://b-1/mlflow", bucket: "b-1", prefix: "mlflow/" });
        expect(parseArtifactStoreUri("s3://b-1/a/b/")).to.deep.include({ prefix: "a/b/" });
        expect(parseArtifactStoreUri("s3://b-1")).to.deep.include({ bucket: "b-1", prefix: "" });
        expect(parseArtifactStoreUri("file:///tmp/mlruns")).to.equal(undefined);
        expect(parseArtifactStoreUri(42)).to.equal(undefined);
    });
});

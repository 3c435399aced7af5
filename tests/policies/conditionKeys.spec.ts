// Condition keys that apply to their actions: a key an action never carries in its request context makes a
// Deny silently never fire (mandatory) and an Allow never match as written (advisory).
import { expect } from "chai";
import { ACCOUNT, assertHasViolation, assertNoViolations, document, KEY_ARN, resource, rolePolicy, violationsOf } from "./helpers";

const DENY = "iam-deny-condition-keys-apply";
const ALLOW = "iam-allow-condition-keys-apply";
const BUCKET_ARN = "arn:aws:s3:::drone-data-bucket";

describe("iam-deny-condition-keys-apply and iam-allow-condition-keys-apply", () => {
    it("accept global keys, the action's own keys, resource-type keys and keys some action of a wildcard supports", async () => {
        const policy = document(
            { Sid: "Tls", Effect: "Deny", Action: "s3:*", Resource: [BUCKET_ARN, `${BUCKET_ARN}/*`], Condition: { Bool: { "aws:SecureTransport": "false" } } },
            { Sid: "OldTls", Effect: "Deny", Action: "s3:*", Resource: `${BUCKET_ARN}/*`, Condition: { NumericLessThan: { "s3:TlsVersion": "1.2" } } },
            { Sid: "List", Effect: "Allow", Action: "s3:ListBucket", Resource: BUCKET_ARN, Condition: { StringLike: { "s3:prefix": ["datasets/*"] } } },
            { Sid: "Grant", Effect: "Allow", Action: "kms:CreateGrant", Resource: KEY_ARN, Condition: { Bool: { "kms:GrantIsForAWSResource": true } } },
            { Sid: "Via", Effect: "Allow", Action: ["kms:Decrypt", "kms:DescribeKey"], Resource: KEY_ARN, Condition: { StringEquals: { "kms:ViaService": "s3.us-east-1.amazonaws.com" } } },
            { Sid: "Tagged", Effect: "Allow", Action: "kms:Decrypt", Resource: KEY_ARN, Condition: { StringEquals: { "aws:ResourceTag/project": "drone", "aws:PrincipalTag/team": "ml" } } },
        );
        const violations = await violationsOf([rolePolicy(policy)]);
        assertNoViolations(violations, DENY, ALLOW);
    });

    it("report an Allow whose key one of its actions does not support (advisory), naming both", async () => {
        const policy = document({ Sid: "Mixed", Effect: "Allow", Action: ["kms:CreateGrant", "kms:DescribeKey"], Resource: KEY_ARN, Condition: { Bool: { "kms:GrantIsForAWSResource": true } } });
        const violations = await violationsOf([rolePolicy(policy, "r", "mixed")]);
        const found = assertHasViolation(violations, ALLOW, ['statement "Mixed" conditions kms:DescribeKey on kms:GrantIsForAWSResource, which it does not support'], "mixed");
        expect(found.enforcementLevel).to.equal("advisory");
        expect(violations.filter((v) => v.policy === ALLOW && v.message.includes("kms:CreateGrant on"))).to.deep.equal([]);
    });

    it("report a Deny that never fires (mandatory), in any kind of document", async () => {
        const bucketPolicy = document({ Sid: "NeverEncrypted", Effect: "Deny", Principal: "*", Action: "s3:GetObject", Resource: `${BUCKET_ARN}/*`, Condition: { StringEquals: { "s3:x-amz-server-side-encryption": "AES256" } } });
        const topicPolicy = document({ Sid: "Nope", Effect: "Deny", Principal: "*", Action: "sns:Publish", Resource: `arn:aws:sns:us-east-1:${ACCOUNT}:t`, Condition: { StringEquals: { "s3:prefix": "x" } } });
        const trustPolicy = document({ Sid: "NoPrefix", Effect: "Deny", Principal: { Service: "sagemaker.amazonaws.com" }, Action: "sts:AssumeRole", Condition: { StringEquals: { "s3:prefix": "x" } } });
        const keyPolicy = document({ Sid: "NoBucketTag", Effect: "Deny", Principal: "*", Action: "kms:Decrypt", Resource: "*", Condition: { StringEquals: { "sns:Protocol": "email" } } });
        const violations = await violationsOf([
            resource("aws:s3/bucketPolicy:BucketPolicy", { bucket: "drone-data-bucket", policy: bucketPolicy }, "bucket-policy"),
            resource("aws:sns/topicPolicy:TopicPolicy", { arn: "t", policy: topicPolicy }, "topic-policy"),
            resource("aws:iam/role:Role", { name: "r", assumeRolePolicy: trustPolicy }, "trust-policy"),
            resource("aws:kms/keyPolicy:KeyPolicy", { keyId: "k", policy: keyPolicy }, "key-policy"),
        ]);
        const bucket = assertHasViolation(violations, DENY, ['statement "NeverEncrypted" conditions s3:GetObject on s3:x-amz-server-side-encryption', "never fires"], "bucket-policy");
        expect(bucket.enforcementLevel).to.equal("mandatory");
        assertHasViolation(violations, DENY, ['statement "Nope" conditions sns:Publish on s3:prefix', "never fires"], "topic-policy");
        assertHasViolation(violations, DENY, ['assumeRolePolicy statement "NoPrefix" conditions sts:AssumeRole on s3:prefix', "never fires"], "trust-policy");
        assertHasViolation(violations, DENY, ['statement "NoBucketTag" conditions kms:Decrypt on sns:Protocol', "never fires"], "key-policy");
    });

    it("report a wildcard none of whose actions supports the key", async () => {
        const policy = document({ Sid: "Odd", Effect: "Deny", Action: "sns:*", Resource: "*", Condition: { StringEquals: { "kms:ViaService": "x" } } });
        assertHasViolation(await violationsOf([rolePolicy(policy, "r", "odd")]), DENY, ['conditions "sns:*" on kms:ViaService, which none of its actions supports'], "odd");
    });

    it("accept the catalogue's placeholder keys such as s3:ExistingObjectTag/<key> and s3:RequestObjectTag/<key>", async () => {
        const policy = document(
            { Sid: "Classified", Effect: "Deny", Principal: "*", Action: "s3:GetObject", Resource: `${BUCKET_ARN}/*`, Condition: { StringEquals: { "s3:ExistingObjectTag/classification": "secret" } } },
            { Sid: "Tagging", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/ml` }, Action: "s3:PutObject", Resource: `${BUCKET_ARN}/*`, Condition: { StringEquals: { "s3:RequestObjectTag/classification": "internal" } } },
            { Sid: "Context", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/ml` }, Action: "kms:Decrypt", Resource: "*", Condition: { StringEquals: { "kms:EncryptionContext:aws:s3:arn": BUCKET_ARN } } },
        );
        const violations = await violationsOf([resource("aws:s3/bucketPolicy:BucketPolicy", { bucket: "drone-data-bucket", policy }, "bucket-policy")]);
        assertNoViolations(violations, DENY, ALLOW);
    });
});

describe("condition keys with negated operators, …IfExists and Null", () => {
    const bucketPolicy = (...statements: Parameters<typeof document>) => resource("aws:s3/bucketPolicy:BucketPolicy", { bucket: "drone-data-bucket", policy: document(...statements) }, "bucket-policy");
    const deny = (sid: string, action: string | string[], condition: Record<string, Record<string, unknown>>) => ({ Sid: sid, Effect: "Deny" as const, Principal: "*", Action: action, Resource: `${BUCKET_ARN}/*`, Condition: condition });

    it("accept the stack's encryption-header Deny: PutObject supports the key", async () => {
        const violations = await violationsOf([
            bucketPolicy(deny("Header", "s3:PutObject", { StringNotEquals: { "s3:x-amz-server-side-encryption": "aws:kms" }, Null: { "s3:x-amz-server-side-encryption": "false" } })),
        ]);
        assertNoViolations(violations, DENY, ALLOW);
    });

    it("report a negated test of a key the action lacks: the Deny always fires (a lockout), mandatory", async () => {
        const violations = await violationsOf([bucketPolicy(deny("NoUnencrypted", "s3:GetObject", { StringNotEquals: { "s3:x-amz-server-side-encryption": "aws:kms" } }))]);
        const found = assertHasViolation(violations, DENY, ['statement "NoUnencrypted" conditions s3:GetObject on s3:x-amz-server-side-encryption with StringNotEquals', "the Deny always fires for it", "outright"], "bucket-policy");
        expect(found.enforcementLevel).to.equal("mandatory");
        expect(found.message).not.to.include("never fires");
    });

    it("report a wildcard Deny with a negated test when any of its actions lacks the key (Deny s3:* denies every read)", async () => {
        const violations = await violationsOf([bucketPolicy(deny("AllUnencrypted", "s3:*", { StringNotEquals: { "s3:x-amz-server-side-encryption": "aws:kms" } }))]);
        assertHasViolation(violations, DENY, ['statement "AllUnencrypted" conditions "s3:*" on s3:x-amz-server-side-encryption with StringNotEquals', "s3:", '(of "s3:*") do not support', "the Deny always fires for them"], "bucket-policy");
    });

    it("judge a guarded Deny by all its conditions: Null false keeps the actions without the key out, so nothing always fires", async () => {
        const guarded = { StringNotEquals: { "s3:x-amz-server-side-encryption": "aws:kms" }, Null: { "s3:x-amz-server-side-encryption": "false" } };
        assertNoViolations(await violationsOf([bucketPolicy(deny("GuardedAll", "s3:*", guarded))]), DENY, ALLOW);
        const named = await violationsOf([bucketPolicy(deny("GuardedRead", "s3:GetObject", guarded))]);
        const found = assertHasViolation(named, DENY, ['statement "GuardedRead"', "never fires"], "bucket-policy");
        expect(found.message).not.to.include("always fires");
        expect(named.filter((violation) => violation.policy === DENY)).to.have.length(1);
    });

    it("word Null by its value: Null true is true without the key (always fires), Null false is false (never fires)", async () => {
        const violations = await violationsOf([
            bucketPolicy(deny("Missing", "s3:GetObject", { Null: { "s3:x-amz-server-side-encryption": "true" } }), deny("Present", "s3:GetObject", { Null: { "s3:x-amz-server-side-encryption": "false" } })),
        ]);
        assertHasViolation(violations, DENY, ['statement "Missing"', "with Null", "always fires"], "bucket-policy");
        assertHasViolation(violations, DENY, ['statement "Present"', "never fires"], "bucket-policy");
    });

    it("report an Allow whose negated or …IfExists test the action lacks: the grant applies unrestricted (advisory)", async () => {
        const policy = document(
            { Sid: "NotLike", Effect: "Allow", Action: "kms:DescribeKey", Resource: KEY_ARN, Condition: { StringNotLike: { "kms:GrantIsForAWSResource": "false" } } },
            { Sid: "IfExists", Effect: "Allow", Action: "kms:DescribeKey", Resource: KEY_ARN, Condition: { BoolIfExists: { "kms:GrantIsForAWSResource": "true" } } },
        );
        const violations = await violationsOf([rolePolicy(policy, "r", "allow")]);
        for (const sid of ["NotLike", "IfExists"]) {
            const found = assertHasViolation(violations, ALLOW, [`statement "${sid}" conditions kms:DescribeKey on kms:GrantIsForAWSResource`, "the grant applies to it without the restriction"], "allow");
            expect(found.enforcementLevel).to.equal("advisory");
        }
    });
});

describe("condition keys of web identity trust", () => {
    const oidcTrust = (provider: string, claims: Record<string, string>) =>
        document({ Sid: "Oidc", Effect: "Allow", Principal: { Federated: `arn:aws:iam::${ACCOUNT}:oidc-provider/${provider}` }, Action: "sts:AssumeRoleWithWebIdentity", Condition: { StringEquals: claims } });

    it("accept the Federated provider's own claims, which iam-data does not list, in both rules and the trust rule", async () => {
        const eks = "oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE";
        const violations = await violationsOf([
            resource("aws:iam/role:Role", { name: "gh", assumeRolePolicy: oidcTrust("token.actions.githubusercontent.com", { "token.actions.githubusercontent.com:aud": "sts.amazonaws.com", "token.actions.githubusercontent.com:sub": "repo:acme/drones:ref:refs/heads/main" }) }, "github"),
            resource("aws:iam/role:Role", { name: "eks", assumeRolePolicy: oidcTrust(eks, { [`${eks}:sub`]: "system:serviceaccount:ml:trainer", [`${eks}:aud`]: "sts.amazonaws.com" }) }, "eks"),
        ]);
        assertNoViolations(violations, DENY, ALLOW, "iam-trust-policy-restricted");
    });

    it("report another provider's claims, which the token never carries", async () => {
        const trust = oidcTrust("token.actions.githubusercontent.com", { "oidc.eks.us-east-1.amazonaws.com/id/ABC:sub": "system:serviceaccount:ml:trainer" });
        const violations = await violationsOf([resource("aws:iam/role:Role", { name: "gh", assumeRolePolicy: trust }, "mixed-up")]);
        assertHasViolation(violations, ALLOW, ['statement "Oidc" conditions sts:AssumeRoleWithWebIdentity on oidc.eks.us-east-1.amazonaws.com/id/ABC:sub', "never applies"], "mixed-up");
    });
});

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
        const bucketPolicy = document({ Sid: "NoUnencrypted", Effect: "Deny", Principal: "*", Action: "s3:GetObject", Resource: `${BUCKET_ARN}/*`, Condition: { StringNotEquals: { "s3:x-amz-server-side-encryption": "aws:kms" } } });
        const topicPolicy = document({ Sid: "Nope", Effect: "Deny", Principal: "*", Action: "sns:Publish", Resource: `arn:aws:sns:us-east-1:${ACCOUNT}:t`, Condition: { StringEquals: { "s3:prefix": "x" } } });
        const violations = await violationsOf([
            resource("aws:s3/bucketPolicy:BucketPolicy", { bucket: "drone-data-bucket", policy: bucketPolicy }, "bucket-policy"),
            resource("aws:sns/topicPolicy:TopicPolicy", { arn: "t", policy: topicPolicy }, "topic-policy"),
        ]);
        const bucket = assertHasViolation(violations, DENY, ['statement "NoUnencrypted" conditions s3:GetObject on s3:x-amz-server-side-encryption', "never fires"], "bucket-policy");
        expect(bucket.enforcementLevel).to.equal("mandatory");
        assertHasViolation(violations, DENY, ['statement "Nope" conditions sns:Publish on s3:prefix'], "topic-policy");
    });

    it("report a wildcard none of whose actions supports the key", async () => {
        const policy = document({ Sid: "Odd", Effect: "Deny", Action: "sns:*", Resource: "*", Condition: { StringEquals: { "kms:ViaService": "x" } } });
        assertHasViolation(await violationsOf([rolePolicy(policy, "r", "odd")]), DENY, ['conditions "sns:*" on kms:ViaService, which none of its actions supports'], "odd");
    });
});

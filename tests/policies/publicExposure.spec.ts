// Public exposure: ACLs on buckets and objects, and resource policies (bucket, key, topic, model package group)
// that grant Principal "*" without confining it to an account or organisation.
import {
    ACCOUNT,
    assertHasViolation,
    assertNoViolations,
    BUCKET,
    COST_TAGS,
    document,
    resource,
    violationsOf,
} from "./helpers";

const ACL = "s3-no-public-acl";
const PUBLIC = "resource-policy-no-public-principal";
const ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers";
const OWNER = { id: "owner-canonical-id" };

describe("s3-no-public-acl", () => {
    it("accepts private ACLs and grants to canonical users", async () => {
        const violations = await violationsOf([
            resource("aws:s3/bucketAcl:BucketAcl", { bucket: BUCKET, acl: "private" }),
            resource("aws:s3/bucketAcl:BucketAcl", { bucket: BUCKET, accessControlPolicy: { owner: OWNER, grants: [{ grantee: { type: "CanonicalUser", id: "partner" }, permission: "READ" }] } }),
            resource("aws:s3/bucketObjectv2:BucketObjectv2", { bucket: BUCKET, key: "code/x", tags: { ...COST_TAGS } }),
        ]);
        assertNoViolations(violations, ACL);
    });

    it("refuses public-read on the data bucket even when ownership controls enforce the bucket owner", async () => {
        const violations = await violationsOf([
            resource("aws:s3/bucketOwnershipControls:BucketOwnershipControls", { bucket: BUCKET, rule: { objectOwnership: "BucketOwnerEnforced" } }),
            resource("aws:s3/bucketAclV2:BucketAclV2", { bucket: BUCKET, acl: "public-read" }, "public-acl"),
        ]);
        assertHasViolation(violations, ACL, ['public-acl sets the canned ACL "public-read"', "everyone on the internet"], "public-acl");
    });

    it("refuses grants to AllUsers and AuthenticatedUsers, and non-private canned ACLs on buckets and objects", async () => {
        const violations = await violationsOf([
            resource("aws:s3/bucketAcl:BucketAcl", { bucket: BUCKET, accessControlPolicy: { owner: OWNER, grants: [{ grantee: { type: "Group", uri: ALL_USERS }, permission: "READ" }] } }, "acp"),
            resource("aws:s3/bucket:Bucket", { bucket: "other", acl: "authenticated-read", tags: { ...COST_TAGS } }, "bucket-acl"),
            resource("aws:s3/bucketObjectv2:BucketObjectv2", { bucket: BUCKET, key: "models/m.tar.gz", acl: "public-read-write", tags: { ...COST_TAGS } }, "object-acl"),
            resource("aws:s3/objectCopy:ObjectCopy", { bucket: BUCKET, key: "k", source: "b/k", grants: [{ type: "Group", uri: "http://acs.amazonaws.com/groups/global/AuthenticatedUsers", permissions: ["READ"] }], tags: { ...COST_TAGS } }, "copy"),
        ]);
        assertHasViolation(violations, ACL, ["acp accessControlPolicy.grants[0] grants READ to AllUsers", "anyone on the internet"], "acp");
        assertHasViolation(violations, ACL, ['bucket-acl sets the canned ACL "authenticated-read"'], "bucket-acl");
        assertHasViolation(violations, ACL, ['object-acl sets the canned ACL "public-read-write"'], "object-acl");
        assertHasViolation(violations, ACL, ["copy grants[0] grants READ to AuthenticatedUsers", "any AWS account"], "copy");
    });
});

describe("resource-policy-no-public-principal on every kind of resource policy", () => {
    const publish = (condition?: Record<string, Record<string, unknown>>) =>
        document({ Sid: "Anyone", Effect: "Allow", Principal: "*", Action: "sns:Publish", Resource: `arn:aws:sns:us-east-1:${ACCOUNT}:alerts`, ...(condition ? { Condition: condition } : {}) });

    it("accepts Principal * confined to the account or organisation", async () => {
        const violations = await violationsOf([
            resource("aws:sns/topicPolicy:TopicPolicy", { arn: "t", policy: publish({ StringEquals: { "aws:SourceAccount": ACCOUNT } }) }),
            resource("aws:sns/topicPolicy:TopicPolicy", { arn: "t", policy: publish({ StringEquals: { "aws:PrincipalOrgID": "o-abc123" } }) }),
            resource("aws:sns/topicPolicy:TopicPolicy", { arn: "t", policy: publish({ ArnLike: { "aws:SourceArn": `arn:aws:events:*:${ACCOUNT}:rule/*` } }) }),
            resource("aws:sns/topicPolicy:TopicPolicy", { arn: "t", policy: publish({ ArnEquals: { "aws:SourceArn": "arn:aws:s3:::drone-data-bucket" } }) }),
        ]);
        assertNoViolations(violations, PUBLIC);
    });

    it("refuses a topic policy open to everyone, or confined only in appearance", async () => {
        const violations = await violationsOf([
            resource("aws:sns/topicPolicy:TopicPolicy", { arn: "t", policy: publish() }, "open"),
            resource("aws:sns/topicPolicy:TopicPolicy", { arn: "t", policy: publish({ StringNotEquals: { "aws:SourceAccount": ACCOUNT } }) }, "negated"),
            resource("aws:sns/topicPolicy:TopicPolicy", { arn: "t", policy: publish({ StringLike: { "aws:PrincipalOrgID": "*" } }) }, "wildcard"),
            resource("aws:sns/topicPolicy:TopicPolicy", { arn: "t", policy: publish({ StringEqualsIfExists: { "aws:SourceAccount": ACCOUNT } }) }, "if-exists"),
        ]);
        for (const name of ["open", "negated", "wildcard", "if-exists"]) {
            assertHasViolation(violations, PUBLIC, ['statement "Anyone" allows sns:Publish to any principal ("*") in a topic policy'], name);
        }
    });

    it("refuses wildcards in organization and account IDs, and ARNs whose account is not fixed", async () => {
        const cases: Record<string, Record<string, Record<string, unknown>>> = {
            "org-prefix": { StringLike: { "aws:PrincipalOrgID": "o-*" } },
            "account-prefix": { StringLike: { "aws:SourceAccount": "1*" } },
            "any-topic": { ArnLike: { "aws:SourceArn": "arn:aws:sns:*:*:*" } },
            "account-wildcard": { ArnLike: { "aws:SourceArn": "arn:aws:events:us-east-1:12345678901?:rule/x" } },
            "any-bucket": { ArnLike: { "aws:SourceArn": "arn:aws:s3:::*" } },
            "one-of-two": { StringEquals: { "kms:CallerAccount": [ACCOUNT, "*"] } },
        };
        const violations = await violationsOf(Object.entries(cases).map(([name, condition]) => resource("aws:sns/topicPolicy:TopicPolicy", { arn: "t", policy: publish(condition) }, name)));
        for (const name of Object.keys(cases)) {
            assertHasViolation(violations, PUBLIC, ['allows sns:Publish to any principal ("*")', "fixed 12-digit account in an ARN"], name);
        }
    });

    it("refuses a model package group policy that lets anyone read or register models", async () => {
        const policy = document({ Effect: "Allow", Principal: { AWS: "*" }, Action: ["sagemaker:DescribeModelPackage", "sagemaker:CreateModelPackage"], Resource: `arn:aws:sagemaker:us-east-1:${ACCOUNT}:model-package/yolo/*` });
        const violations = await violationsOf([resource("aws:sagemaker/modelPackageGroupPolicy:ModelPackageGroupPolicy", { modelPackageGroupName: "yolo", resourcePolicy: policy }, "group-policy")]);
        assertHasViolation(violations, PUBLIC, ["sagemaker:DescribeModelPackage and sagemaker:CreateModelPackage to any principal", "model package group policy"], "group-policy");
    });

    it("refuses an open bucket policy and key policy", async () => {
        const bucketPolicy = document({ Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: `arn:aws:s3:::${BUCKET}/*` });
        const keyPolicy = document({ Effect: "Allow", Principal: { AWS: "*" }, Action: "kms:Decrypt", Resource: "*" });
        const violations = await violationsOf([
            resource("aws:s3/bucketPolicy:BucketPolicy", { bucket: BUCKET, policy: bucketPolicy }, "bucket-policy"),
            resource("aws:kms/keyPolicy:KeyPolicy", { keyId: "k", policy: keyPolicy }, "key-policy"),
        ]);
        assertHasViolation(violations, PUBLIC, ["bucket policy"], "bucket-policy");
        assertHasViolation(violations, PUBLIC, ["key policy"], "key-policy");
    });
});

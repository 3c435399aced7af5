// Encryption rules: buckets by name (created or adopted), KMS rotation, SageMaker storage keys.
import { expect } from "chai";
import { assertHasViolation, assertNoViolations, BUCKET, COST_TAGS, document, KEY_ARN, resource, run, UNKNOWN_INPUT, violationsOf } from "./helpers";
import { OfflineResource } from "../../policies/offline";

const S3 = "aws:s3";
const bucket = (name = BUCKET, extra: Record<string, unknown> = {}) => resource(`${S3}/bucket:Bucket`, { bucket: name, tags: COST_TAGS, ...extra }, `bucket-${name}`);
const encryption = (name = BUCKET, sseAlgorithm = "aws:kms") =>
    resource(
        `${S3}/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration`,
        { bucket: name, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm, kmsMasterKeyId: KEY_ARN }, bucketKeyEnabled: true }] },
        `encryption-${name}`,
    );
const publicAccessBlock = (name = BUCKET, flags: Record<string, boolean> = {}) =>
    resource(
        `${S3}/bucketPublicAccessBlock:BucketPublicAccessBlock`,
        { bucket: name, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true, ...flags },
        `public-access-${name}`,
    );
const tlsStatement = (name: string) => ({
    Sid: "DenyInsecureTransport",
    Effect: "Deny" as const,
    Principal: "*",
    Action: "s3:*",
    Resource: [`arn:aws:s3:::${name}`, `arn:aws:s3:::${name}/*`],
    Condition: { Bool: { "aws:SecureTransport": false } },
});
const bucketPolicy = (name = BUCKET, policy = document(tlsStatement(name))) => resource(`${S3}/bucketPolicy:BucketPolicy`, { bucket: name, policy }, `policy-${name}`);
const protectedBucket = (name = BUCKET): OfflineResource[] => [bucket(name), encryption(name), publicAccessBlock(name), bucketPolicy(name)];
const adoptedBucket = (name = BUCKET): OfflineResource[] => [encryption(name), publicAccessBlock(name), bucketPolicy(name)];
const BUCKET_POLICIES = ["s3-bucket-kms-encryption", "s3-bucket-public-access-block", "s3-bucket-tls-only"];

describe("S3 bucket rules: created and adopted buckets", () => {
    it("accept a created bucket and an adopted bucket with SSE-KMS, a full public access block and a TLS-only policy", async () => {
        assertNoViolations(await violationsOf([...protectedBucket("created"), ...adoptedBucket("adopted")]), ...BUCKET_POLICIES);
    });

    it("report every protection an adopted bucket lacks, by bucket name, on its companion resource", async () => {
        const versioning = resource(`${S3}/bucketVersioning:BucketVersioning`, { bucket: "legacy", versioningConfiguration: { status: "Enabled" } }, "legacy-versioning");
        const violations = await violationsOf([versioning]);
        assertHasViolation(violations, "s3-bucket-kms-encryption", ['Bucket "legacy" (adopted: configured by legacy-versioning) has no default encryption'], "legacy-versioning");
        assertHasViolation(violations, "s3-bucket-public-access-block", 'Bucket "legacy"', "legacy-versioning");
        assertHasViolation(violations, "s3-bucket-tls-only", ['Bucket "legacy"', "does not deny requests without TLS"], "legacy-versioning");
    });

    it("ignore objects uploaded into a bucket the stack does not configure", async () => {
        const object = resource(`${S3}/bucketObjectv2:BucketObjectv2`, { bucket: "someone-elses", key: "a.txt", tags: COST_TAGS });
        assertNoViolations(await violationsOf([object]), ...BUCKET_POLICIES);
    });

    it("skip buckets whose name is unknown during preview instead of failing", async () => {
        const result = await run([encryption(UNKNOWN_INPUT as unknown as string), bucketPolicy(BUCKET), ...adoptedBucket("known")]);
        assertNoViolations(result.violations.filter((v) => v.resource === "known"));
        expect(result.skipped.map((s) => s.policy)).to.include("s3-bucket-kms-encryption");
    });
});

describe("s3-bucket-kms-encryption", () => {
    const policy = "s3-bucket-kms-encryption";

    it("accepts aws:kms from an inline Bucket setting", async () => {
        const inline = bucket("inline", { serverSideEncryptionConfiguration: { rule: { applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms" } } } });
        assertNoViolations(await violationsOf([inline]), policy);
    });

    it("treats a BucketServerSideEncryptionConfiguration as authoritative over the bucket's reported default (AES256 in engine outputs)", async () => {
        const reported = bucket("outputs", { serverSideEncryptionConfiguration: { rule: { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } } } });
        assertNoViolations(await violationsOf([reported, encryption("outputs")]), policy);
    });

    it("reports a created bucket without default encryption, naming the bucket", async () => {
        assertHasViolation(await violationsOf([bucket("plain")]), policy, ['Bucket "plain" (bucket-plain) has no default encryption', "aws:kms"], "bucket-plain");
    });

    it("reports AES256 unless allowAes256 is set", async () => {
        const resources = [bucket("sse-s3"), encryption("sse-s3", "AES256")];
        assertHasViolation(await violationsOf(resources), policy, 'encrypts by default with "AES256"', "bucket-sse-s3");
        assertNoViolations(await violationsOf(resources, { [policy]: { allowAes256: true } }), policy);
    });
});

describe("s3-bucket-public-access-block", () => {
    const policy = "s3-bucket-public-access-block";

    it("accepts a block with all four flags", async () => {
        assertNoViolations(await violationsOf(protectedBucket()), policy);
    });

    it("reports a missing block and names flags left off", async () => {
        assertHasViolation(await violationsOf([bucket("open")]), policy, "has no public access block", "bucket-open");
        const partial = await violationsOf([bucket("half"), publicAccessBlock("half", { ignorePublicAcls: false, restrictPublicBuckets: false })]);
        assertHasViolation(partial, policy, "leaves ignorePublicAcls and restrictPublicBuckets off", "public-access-half");
    });
});

describe("s3-bucket-tls-only", () => {
    const policy = "s3-bucket-tls-only";

    it('accepts a Deny of "s3:*" without TLS given as a string "false" or inline on the Bucket', async () => {
        const stringFalse = document({ ...tlsStatement("a"), Condition: { Bool: { "aws:SecureTransport": "false" } } });
        const inline = bucket("b", { policy: document(tlsStatement("b")) });
        assertNoViolations(await violationsOf([bucket("a"), bucketPolicy("a", stringFalse), inline]), policy);
    });

    it("reports a policy that denies only some actions, only the objects, or allows instead", async () => {
        const partialActions = document({ ...tlsStatement("c"), Action: ["s3:GetObject"] });
        const objectsOnly = document({ ...tlsStatement("d"), Resource: "arn:aws:s3:::d/*" });
        const violations = await violationsOf([bucket("c"), bucketPolicy("c", partialActions), bucket("d"), bucketPolicy("d", objectsOnly), bucket("e")]);
        for (const name of ["c", "d", "e"]) {
            assertHasViolation(violations, policy, `Bucket "${name}"`, `bucket-${name}`);
        }
    });
});

describe("s3-event-notifications", () => {
    const policy = "s3-event-notifications";
    const notification = (name: string, props: Record<string, unknown> = { eventbridge: true }, resourceName = `events-${name}`) =>
        resource(`${S3}/bucketNotification:BucketNotification`, { bucket: name, ...props }, resourceName);

    it("accepts created and adopted buckets that publish to EventBridge, beside other destinations", async () => {
        const queue = { eventbridge: true, queues: [{ queueArn: "arn:aws:sqs:us-east-1:123456789012:uploads", events: ["s3:ObjectCreated:*"] }] };
        assertNoViolations(await violationsOf([...protectedBucket("created"), notification("created"), ...adoptedBucket("adopted"), notification("adopted", queue)]), policy);
    });

    it("reports a bucket without notifications, created or adopted, as advisory", async () => {
        const violations = await violationsOf([...protectedBucket("silent"), ...adoptedBucket("adopted-silent")]);
        const created = assertHasViolation(violations, policy, ['Bucket "silent" (bucket-silent) publishes no object events', "eventbridge: true"], "bucket-silent");
        expect(created.enforcementLevel).to.equal("advisory");
        assertHasViolation(violations, policy, 'Bucket "adopted-silent" (adopted: configured by', "encryption-adopted-silent");
    });

    it("exempts a bucket that only receives another bucket's access logs, and only that one", async () => {
        const logging = resource(`${S3}/bucketLogging:BucketLogging`, { bucket: "data", targetBucket: "data-logs", targetPrefix: "data/" }, "data-logging");
        const violations = await violationsOf([...protectedBucket("data"), notification("data"), logging, ...protectedBucket("data-logs"), ...protectedBucket("unrelated")]);
        expect(violations.filter((v) => v.policy === policy && String(v.resource).endsWith("bucket-data-logs"))).to.deep.equal([]);
        expect(violations.filter((v) => v.policy === policy).map((v) => v.resource)).to.deep.equal(["bucket-unrelated"]);
        assertHasViolation(violations, policy, 'Bucket "unrelated" (bucket-unrelated) publishes no object events', "bucket-unrelated");
    });

    it("reports notifications that bypass EventBridge, and two configurations that overwrite each other", async () => {
        const lambdaOnly = notification("lambda-only", { lambdaFunctions: [{ lambdaFunctionArn: "arn:aws:lambda:us-east-1:123456789012:function:f", events: ["s3:ObjectCreated:*"] }] });
        const violations = await violationsOf([bucket("lambda-only"), lambdaOnly, bucket("twice"), notification("twice"), notification("twice", { eventbridge: true }, "events-twice-again")]);
        assertHasViolation(violations, policy, ["events-lambda-only does not set eventbridge: true"], "events-lambda-only");
        assertHasViolation(violations, policy, ["has 2 BucketNotification resources", "only the last one applied survives"], "events-twice-again");
    });
});

describe("kms-key-rotation-enabled", () => {
    const policy = "kms-key-rotation-enabled";
    const key = (props: Record<string, unknown>, name = "key") => resource("aws:kms/key:Key", { tags: COST_TAGS, ...props }, name);

    it("accepts a rotating symmetric key, and asymmetric keys (which cannot rotate)", async () => {
        const violations = await violationsOf([key({ enableKeyRotation: true, rotationPeriodInDays: 365 }), key({ customerMasterKeySpec: "RSA_2048", keyUsage: "SIGN_VERIFY" })]);
        assertNoViolations(violations, policy);
    });

    it("reports a key without rotation or with a long rotation period", async () => {
        const violations = await violationsOf([key({}, "static-key"), key({ enableKeyRotation: true, rotationPeriodInDays: 730 }, "slow-key")]);
        assertHasViolation(violations, policy, "KMS key static-key does not rotate; set enableKeyRotation: true", "static-key");
        assertHasViolation(violations, policy, "rotates every 730 days; set rotationPeriodInDays to at most 365", "slow-key");
        assertNoViolations(await violationsOf([key({ enableKeyRotation: true, rotationPeriodInDays: 730 })], { [policy]: { maxRotationPeriodDays: 730 } }), policy);
    });
});

describe("sagemaker-kms-encryption", () => {
    const policy = "sagemaker-kms-encryption";
    const domain = (props: Record<string, unknown>, name = "domain") =>
        resource("aws:sagemaker/domain:Domain", { domainName: "d", authMode: "IAM", tags: COST_TAGS, ...props }, name);

    it("accepts a domain and notebook with keys, and keys known only after deployment", async () => {
        const violations = await violationsOf([
            domain({ kmsKeyId: KEY_ARN }),
            domain({ kmsKeyId: UNKNOWN_INPUT }, "domain-preview"),
            resource("aws:sagemaker/notebookInstance:NotebookInstance", { instanceType: "ml.t3.medium", kmsKeyId: KEY_ARN, tags: COST_TAGS }),
        ]);
        assertNoViolations(violations, policy);
    });

    it("reports a missing key on each, and notebook sharing to S3 without s3KmsKeyId", async () => {
        const violations = await violationsOf([
            domain({ defaultUserSettings: { executionRole: "arn", sharingSettings: { notebookOutputOption: "Allowed", s3OutputPath: `s3://${BUCKET}/sharing` } } }, "bare-domain"),
            resource("aws:sagemaker/notebookInstance:NotebookInstance", { instanceType: "ml.t3.medium" }, "notebook"),
        ]);
        assertHasViolation(violations, policy, "Studio domain (EFS home folders and space volumes) bare-domain has no kmsKeyId", "bare-domain");
        assertHasViolation(violations, policy, "defaultUserSettings.sharingSettings shares notebooks to S3 without s3KmsKeyId", "bare-domain");
        assertHasViolation(violations, policy, "notebook instance (ML storage volume) notebook has no kmsKeyId", "notebook");
    });

    it("leaves endpoint configurations to sagemaker-endpoint-volume-kms (a key is required on EBS types and refused on NVMe types)", async () => {
        const bare = resource("aws:sagemaker/endpointConfiguration:EndpointConfiguration", { productionVariants: [{ instanceType: "ml.m5.xlarge", initialInstanceCount: 1 }], tags: COST_TAGS }, "endpoint-config");
        const violations = await violationsOf([bare]);
        assertNoViolations(violations, policy);
        assertHasViolation(violations, "sagemaker-endpoint-volume-kms", "runs on EBS-backed types (ml.m5.xlarge) without kmsKeyArn", "endpoint-config");
    });
});

describe("sns-topic-kms-encryption", () => {
    const policy = "sns-topic-kms-encryption";
    const topic = (props: Record<string, unknown>, name = "alerts") => resource("aws:sns/topic:Topic", { name: "drone-dev-alerts", tags: COST_TAGS, ...props }, name);

    it("accepts a customer managed key by ARN or alias, and a key known only after deployment", async () => {
        const violations = await violationsOf([
            topic({ kmsMasterKeyId: KEY_ARN }),
            topic({ kmsMasterKeyId: "alias/drone-dev-data" }, "by-alias"),
            topic({ kmsMasterKeyId: UNKNOWN_INPUT }, "preview"),
        ]);
        assertNoViolations(violations, policy);
    });

    const cases: { name: string; key?: unknown; fragment: string }[] = [
        { name: "no key", fragment: "SNS topic t has no kmsMasterKeyId, so its messages are stored unencrypted" },
        { name: "an empty key", key: " ", fragment: "has no kmsMasterKeyId" },
        { name: "the AWS managed key by alias", key: "alias/aws/sns", fragment: 'SNS topic t is encrypted with the AWS managed key "alias/aws/sns"' },
        { name: "the AWS managed key by alias ARN", key: "arn:aws:kms:us-east-1:123456789012:alias/aws/sns", fragment: "EventBridge, CloudWatch alarms and AWS Budgets cannot publish to the topic" },
    ];
    for (const testCase of cases) {
        it(`reports ${testCase.name}`, async () => {
            const violations = await violationsOf([topic(testCase.key === undefined ? {} : { kmsMasterKeyId: testCase.key }, "t")]);
            assertHasViolation(violations, policy, testCase.fragment, "t");
        });
    }

    it("leaves other resources alone", async () => {
        const result = await run([resource("aws:sns/topicSubscription:TopicSubscription", { topic: "arn:aws:sns:us-east-1:123456789012:t", protocol: "email", endpoint: "a@b.c" })]);
        assertNoViolations(result.violations, policy);
        expect(result.skipped.map((s) => s.policy)).to.not.include(policy);
    });
});

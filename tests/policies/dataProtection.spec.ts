// Data protection under the pack: server access logs of every data bucket (and log targets that can receive
// them), and cross-region replication that keeps the data encrypted and a replication role that reaches only
// the replicated buckets.
import { expect } from "chai";
import { OfflineResource } from "../../policies/offline";
import { ACCOUNT, assertHasViolation, assertNoViolations, COST_TAGS, document, KEY_ARN, resource, run, UNKNOWN_INPUT, violationsOf } from "./helpers";

const S3 = "aws:s3";
const LOGGING = "s3-access-logging-required";
const KMS = "s3-bucket-kms-encryption";

/** A resource registered with a provider of the list (by name). */
const via = (provider: string, item: OfflineResource): OfflineResource => ({ ...item, provider });
const provider = (name: string, region: string) => resource("pulumi:providers:aws", { profile: "ab", region }, name);

const tlsDeny = (name: string) => ({
    Sid: "DenyInsecureTransport",
    Effect: "Deny" as const,
    Principal: "*",
    Action: "s3:*",
    Resource: [`arn:aws:s3:::${name}`, `arn:aws:s3:::${name}/*`],
    Condition: { Bool: { "aws:SecureTransport": false } },
});
const logDelivery = (logBucket: string, source: string, prefix = `${source}/`) => ({
    Sid: "S3ServerAccessLogDelivery",
    Effect: "Allow" as const,
    Principal: { Service: "logging.s3.amazonaws.com" },
    Action: "s3:PutObject",
    Resource: `arn:aws:s3:::${logBucket}/${prefix}*`,
    Condition: { ArnLike: { "aws:SourceArn": `arn:aws:s3:::${source}` }, StringEquals: { "aws:SourceAccount": ACCOUNT } },
});

/** A created bucket with its encryption, public access block and TLS-only policy (plus any extra statements). */
function bucket(name: string, sseAlgorithm = "aws:kms", extraStatements: object[] = []): OfflineResource[] {
    return [
        resource(`${S3}/bucket:Bucket`, { bucket: name, tags: COST_TAGS }, `bucket-${name}`),
        resource(
            `${S3}/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration`,
            { bucket: name, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm, ...(sseAlgorithm === "AES256" ? {} : { kmsMasterKeyId: KEY_ARN }) } }] },
            `encryption-${name}`,
        ),
        resource(`${S3}/bucketPublicAccessBlock:BucketPublicAccessBlock`, { bucket: name, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true }, `public-access-${name}`),
        resource(`${S3}/bucketPolicy:BucketPolicy`, { bucket: name, policy: document(tlsDeny(name), ...(extraStatements as never[])) }, `policy-${name}`),
    ];
}
const logging = (source: string, target: unknown, prefix: unknown = `${source}/`, name = `logging-${source}`) =>
    resource(`${S3}/bucketLogging:BucketLogging`, { bucket: source, targetBucket: target, targetPrefix: prefix, targetObjectKeyFormat: { partitionedPrefix: { partitionDateSource: "EventTime" } } }, name);
/** A data bucket logging into its own SSE-S3 log bucket, the way components/accessLogs.ts sets it up. */
const loggedBucket = (name = "drone-data", logBucket = `${name}-access-logs`) => [
    ...bucket(name),
    ...bucket(logBucket, "AES256", [logDelivery(logBucket, name)]),
    logging(name, logBucket),
];

describe("s3-access-logging-required", () => {
    it("accepts a data bucket that logs into an SSE-S3 log bucket of the stack open to S3's log delivery, and an adopted bucket doing the same", async () => {
        const adopted = loggedBucket("adopted-data").filter((r) => r.name !== "bucket-adopted-data");
        assertNoViolations(await violationsOf([...loggedBucket(), ...adopted]));
    });

    it("reports a data bucket without server access logging, on the bucket", async () => {
        const violations = await violationsOf(bucket("silent"));
        const found = assertHasViolation(violations, LOGGING, ['Bucket "silent" (bucket-silent) has no server access logging', 'targetPrefix "silent/"'], "bucket-silent");
        expect(found.enforcementLevel).to.equal("mandatory");
    });

    it("reports logs sent to the bucket itself, to a bucket outside the stack unless the knob names it, and to another region", async () => {
        const self = [...bucket("loop"), logging("loop", "loop")];
        const external = [...bucket("exported"), logging("exported", "central-org-logs")];
        const regions = [
            provider("aws", "us-east-1"),
            provider("aws-replica", "us-west-2"),
            ...bucket("east").map((r) => via("aws", r)),
            ...bucket("west-logs", "AES256", [logDelivery("west-logs", "east")]).map((r) => via("aws-replica", r)),
            via("aws", logging("east", "west-logs")),
        ];
        const violations = await violationsOf([...self, ...external, ...regions]);
        assertHasViolation(violations, LOGGING, ["logging-loop sends the bucket's access logs to the bucket itself"], "logging-loop");
        assertHasViolation(violations, LOGGING, ['sends its access logs to "central-org-logs", which is not a bucket of the stack', "externalLogBuckets"], "logging-exported");
        assertHasViolation(violations, LOGGING, ['"west-logs" in us-west-2, but the bucket is in us-east-1', "only to a bucket of the source's region"], "logging-east");
        const allowed = await violationsOf(external, { [LOGGING]: { externalLogBuckets: ["central-org-logs"] } });
        assertNoViolations(allowed, LOGGING);
    });

    it("reports a log target that S3 cannot deliver to: SSE-KMS default encryption, or no bucket policy grant to logging.s3.amazonaws.com for the prefix", async () => {
        const kmsTarget = [...bucket("a"), ...bucket("a-logs", "aws:kms", [logDelivery("a-logs", "a")]), logging("a", "a-logs")];
        const noGrant = [...bucket("b"), ...bucket("b-logs", "AES256"), logging("b", "b-logs")];
        const wrongPrefix = [...bucket("c"), ...bucket("c-logs", "AES256", [logDelivery("c-logs", "c", "other/")]), logging("c", "c-logs")];
        const violations = await violationsOf([...kmsTarget, ...noGrant, ...wrongPrefix]);
        assertHasViolation(violations, LOGGING, ['Bucket "a-logs" (bucket-a-logs) receives the server access logs of "a" but encrypts by default with "aws:kms"', "SSE-S3"], "bucket-a-logs");
        assertHasViolation(violations, LOGGING, ['Bucket "b-logs" (bucket-b-logs) receives the server access logs of "b"', 'lets logging.s3.amazonaws.com s3:PutObject on "arn:aws:s3:::b-logs/b/*"'], "bucket-b-logs");
        assertHasViolation(violations, LOGGING, ['"arn:aws:s3:::c-logs/c/*"'], "bucket-c-logs");
    });

    it("skips, at preview, a target that is not known yet instead of reporting the bucket", async () => {
        const result = await run([...bucket("d"), ...bucket("d-logs", "AES256", [logDelivery("d-logs", "d")]), logging("d", UNKNOWN_INPUT)]);
        assertNoViolations(result.violations, LOGGING, KMS);
        expect(result.skipped.map((s) => s.policy)).to.include.members([LOGGING, KMS]);
    });
});

describe("s3-bucket-kms-encryption: SSE-S3 only on log buckets", () => {
    it("accepts AES256 on a bucket that receives another bucket's server access logs", async () => {
        assertNoViolations(await violationsOf(loggedBucket()), KMS);
    });

    it("refuses AES256 on a data bucket, even when that bucket itself logs somewhere", async () => {
        const violations = await violationsOf([...bucket("plain-data", "AES256"), ...bucket("plain-logs", "AES256", [logDelivery("plain-logs", "plain-data")]), logging("plain-data", "plain-logs")]);
        assertHasViolation(violations, KMS, ['Bucket "plain-data" (bucket-plain-data) encrypts by default with "AES256"', "accepted only on a bucket that receives server access logs"], "bucket-plain-data");
        expect(violations.filter((v) => v.policy === KMS && v.resource === "bucket-plain-logs")).to.deep.equal([]);
    });
});

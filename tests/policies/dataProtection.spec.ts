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
        // As the stack's buckets do (s3-event-notifications).
        resource(`${S3}/bucketNotification:BucketNotification`, { bucket: name, eventbridge: true }, `events-${name}`),
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

// ---- Cross-region replication ----

const REPLICATION = "s3-replication-encrypted";
const ROLE_RULE = "s3-replication-role-scoped";
const SOURCE = "drone-data";
const REPLICA = "drone-data-us-west-2";
const REPLICA_KEY_ARN = `arn:aws:kms:us-west-2:${ACCOUNT}:key/99999999-8888-7777-6666-555555555555`;

/** A replication rule as components/replication.ts writes it. */
const rule = (prefix: string, overrides: Record<string, unknown> = {}) => ({
    id: `replicate-${prefix}`,
    status: "Enabled",
    filter: { prefix: `${prefix}/` },
    deleteMarkerReplication: { status: "Disabled" },
    sourceSelectionCriteria: { sseKmsEncryptedObjects: { status: "Enabled" } },
    destination: { bucket: `arn:aws:s3:::${REPLICA}`, storageClass: "STANDARD", encryptionConfiguration: { replicaKmsKeyId: REPLICA_KEY_ARN } },
    ...overrides,
});
const replicationConfig = (rules: object[], dependsOnKeys: string[] = ["replica-key"], name = "replication-config"): OfflineResource => ({
    ...resource(`${S3}/bucketReplicationConfig:BucketReplicationConfig`, { bucket: SOURCE, role: `arn:aws:iam::${ACCOUNT}:role/drone-dev-s3-replication`, rules }, name),
    provider: "aws",
    propertyDependencies: { rules: dependsOnKeys },
});
const key = (name: string, providerName: string, props: Record<string, unknown> = {}): OfflineResource =>
    via(providerName, resource("aws:kms/key:Key", { enableKeyRotation: true, rotationPeriodInDays: 365, tags: COST_TAGS, ...props }, name));
/** Two regions, the source and its replica (each logging in its own region), and the replica's key in the replica's region. */
const replicatedStack = (): OfflineResource[] => [
    provider("aws", "us-east-1"),
    provider("aws-replica", "us-west-2"),
    ...loggedBucket(SOURCE).map((r) => via("aws", r)),
    ...loggedBucket(REPLICA).map((r) => via("aws-replica", r)),
    key("replica-key", "aws-replica"),
];

describe("s3-replication-required", () => {
    const REQUIRED = "s3-replication-required";
    const on = { [REQUIRED]: { requireReplication: true } };

    it("is off by default: a data bucket without replication passes", async () => {
        const result = await run(replicatedStack());
        assertNoViolations(result.violations, REQUIRED);
    });

    it("with requireReplication, accepts a replicated data bucket; its replica and the log buckets need no replica of their own", async () => {
        assertNoViolations(await violationsOf([...replicatedStack(), replicationConfig([rule("datasets"), rule("models")])], on), REQUIRED);
    });

    it("with requireReplication, reports a data bucket without a replication configuration (mandatory), and one whose rules are all disabled", async () => {
        const none = await violationsOf(replicatedStack(), on);
        const found = assertHasViolation(none, REQUIRED, [`Bucket "${SOURCE}" (bucket-${SOURCE}) has no aws.s3.BucketReplicationConfig`, "requireReplication"], `bucket-${SOURCE}`);
        expect(found.enforcementLevel).to.equal("mandatory");
        // Without a replication configuration the replica is only another data bucket, so it is reported too.
        expect(none.filter((v) => v.policy === REQUIRED).map((v) => v.resource)).to.have.members([`bucket-${SOURCE}`, `bucket-${REPLICA}`]);
        const disabled = await violationsOf([...replicatedStack(), replicationConfig([rule("datasets", { status: "Disabled" })])], on);
        assertHasViolation(disabled, REQUIRED, [`Bucket "${SOURCE}"`, "has no Enabled replication rule (replication-config)"]);
        expect(disabled.filter((v) => v.policy === REQUIRED)).to.have.length(1);
    });

    it("with requireReplication, waits at preview for a destination that is not known yet instead of reporting the replica", async () => {
        const unknownDestination = rule("datasets", { destination: { bucket: UNKNOWN_INPUT, encryptionConfiguration: { replicaKmsKeyId: REPLICA_KEY_ARN } } });
        const result = await run([...replicatedStack(), replicationConfig([unknownDestination])], on);
        assertNoViolations(result.violations, REQUIRED);
        expect(result.skipped.map((s) => s.policy)).to.include(REQUIRED);
    });
});

describe("s3-replication-encrypted", () => {
    it("accepts SSE-KMS replication to a bucket of the stack with a key of the stack in the destination's region", async () => {
        assertNoViolations(await violationsOf([...replicatedStack(), replicationConfig([rule("datasets"), rule("models")])]));
    });

    it("accepts a replica key known only after deployment, found through the rules' dependency on it", async () => {
        const unknownKey = rule("datasets", { destination: { bucket: `arn:aws:s3:::${REPLICA}`, encryptionConfiguration: { replicaKmsKeyId: UNKNOWN_INPUT } } });
        const result = await run([...replicatedStack(), replicationConfig([unknownKey])]);
        assertNoViolations(result.violations, REPLICATION);
    });

    it("reports a rule that leaves the SSE-KMS objects of a KMS-encrypted source behind", async () => {
        const plain = rule("datasets", { sourceSelectionCriteria: undefined, destination: { bucket: `arn:aws:s3:::${REPLICA}` } });
        const violations = await violationsOf([...replicatedStack(), replicationConfig([plain])]);
        const found = assertHasViolation(violations, REPLICATION, ['replication-config rule "replicate-datasets" does not replicate SSE-KMS objects', `"${SOURCE}" encrypts every object with aws:kms`], "replication-config");
        expect(found.enforcementLevel).to.equal("mandatory");
    });

    it("reports SSE-KMS objects replicated without a replica key", async () => {
        const keyless = rule("models", { destination: { bucket: `arn:aws:s3:::${REPLICA}` } });
        assertHasViolation(await violationsOf([...replicatedStack(), replicationConfig([keyless])]), REPLICATION, 'rule "replicate-models" replicates SSE-KMS objects without destination.encryptionConfiguration.replicaKmsKeyId');
    });

    it("reports a replica key in the source's region (by its provider, or by its ARN)", async () => {
        // At preview the key's ARN is unknown: its provider's region tells.
        const unknownArn = rule("datasets", { destination: { bucket: `arn:aws:s3:::${REPLICA}`, encryptionConfiguration: { replicaKmsKeyId: UNKNOWN_INPUT } } });
        const byProvider = await violationsOf([...replicatedStack(), key("east-key", "aws"), replicationConfig([unknownArn], ["east-key"])]);
        assertHasViolation(byProvider, REPLICATION, [`encrypts replicas in "${REPLICA}" (us-west-2) with east-key in us-east-1`, "S3 requires the replica key in the destination bucket's region"]);
        // Under the engine after deployment the key's outputs carry its ARN, which names its region.
        const eastArn = `arn:aws:kms:us-east-1:${ACCOUNT}:key/12121212-3434-5656-7878-909090909090`;
        const byArn = await violationsOf([
            ...replicatedStack(),
            resource("aws:kms/key:Key", { enableKeyRotation: true, tags: COST_TAGS, arn: eastArn }, "outputs-key"),
            replicationConfig([rule("datasets", { destination: { bucket: `arn:aws:s3:::${REPLICA}`, encryptionConfiguration: { replicaKmsKeyId: eastArn } } })], []),
        ]);
        assertHasViolation(byArn, REPLICATION, ["with outputs-key in us-east-1"]);
    });

    it("follows a replica key named by its alias ARN to the alias's target key (and judges that key's region)", async () => {
        const alias = (name: string, target: string, providerName: string): OfflineResource => ({ ...via(providerName, resource("aws:kms/alias:Alias", { name, targetKeyId: UNKNOWN_INPUT }, `${name.slice(6)}-alias`)), propertyDependencies: { targetKeyId: [target] } });
        const byAlias = (name: string, region: string) => rule("datasets", { destination: { bucket: `arn:aws:s3:::${REPLICA}`, encryptionConfiguration: { replicaKmsKeyId: `arn:aws:kms:${region}:${ACCOUNT}:${name}` } } });
        const west = await violationsOf([...replicatedStack(), alias("alias/drone-replica", "replica-key", "aws-replica"), replicationConfig([byAlias("alias/drone-replica", "us-west-2")], [])]);
        assertNoViolations(west, REPLICATION);
        // The alias ARN says us-west-2, but the key it stands for is the east one: the ARN's region is what S3 reads.
        const east = await violationsOf([...replicatedStack(), key("east-key", "aws"), alias("alias/drone-east", "east-key", "aws"), replicationConfig([byAlias("alias/drone-east", "us-east-1")], [])]);
        assertHasViolation(east, REPLICATION, [`encrypts replicas in "${REPLICA}" (us-west-2) with east-key in us-east-1`]);
    });

    it("reports a key that is not a key of the stack, and a destination outside the stack", async () => {
        const foreignKey = await violationsOf([...replicatedStack(), replicationConfig([rule("datasets")], [])]);
        assertHasViolation(foreignKey, REPLICATION, [`encrypts replicas with "${REPLICA_KEY_ARN}" that is not an aws.kms.Key of the stack`]);
        const elsewhere = rule("datasets", { destination: { bucket: "arn:aws:s3:::someone-elses-bucket", encryptionConfiguration: { replicaKmsKeyId: REPLICA_KEY_ARN } } });
        assertHasViolation(await violationsOf([...replicatedStack(), replicationConfig([elsewhere])]), REPLICATION, ['replicates to "someone-elses-bucket", which is not a bucket of the stack']);
    });
});

describe("s3-replication-role-scoped and the replication role's trust", () => {
    const TRUST = document({ Sid: "S3AssumesRoleToReplicate", Effect: "Allow", Principal: { Service: "s3.amazonaws.com" }, Action: "sts:AssumeRole" });
    const replicationRole = (tags: Record<string, string> = { "ml-service": "s3-replication" }, trust = TRUST) =>
        resource("aws:iam/role:Role", { name: "drone-dev-s3-replication", assumeRolePolicy: trust, tags: { ...COST_TAGS, ...tags } }, "replication-role");
    const access = (...statements: object[]) => resource("aws:iam/rolePolicy:RolePolicy", { role: "drone-dev-s3-replication", name: "replication", policy: document(...(statements as never[])) }, "replication-access");
    const viaS3 = (region: string) => ({ StringEquals: { "kms:ViaService": `s3.${region}.amazonaws.com` } });
    const least = [
        { Sid: "ReadReplicationConfiguration", Effect: "Allow", Action: ["s3:GetReplicationConfiguration", "s3:ListBucket"], Resource: `arn:aws:s3:::${SOURCE}` },
        { Sid: "ReadVersionsToReplicate", Effect: "Allow", Action: ["s3:GetObjectVersionForReplication", "s3:GetObjectVersionAcl", "s3:GetObjectVersionTagging"], Resource: [`arn:aws:s3:::${SOURCE}/datasets/*`] },
        { Sid: "WriteReplicas", Effect: "Allow", Action: ["s3:ReplicateObject", "s3:ReplicateTags"], Resource: [`arn:aws:s3:::${REPLICA}/datasets/*`] },
        { Sid: "DecryptSourceThroughS3", Effect: "Allow", Action: ["kms:Decrypt"], Resource: KEY_ARN, Condition: viaS3("us-east-1") },
        { Sid: "EncryptReplicasThroughS3", Effect: "Allow", Action: ["kms:Encrypt", "kms:Decrypt"], Resource: REPLICA_KEY_ARN, Condition: viaS3("us-west-2") },
    ];
    const stack = (...extra: OfflineResource[]) => [...replicatedStack(), replicationConfig([rule("datasets")]), ...extra];

    it("accepts the least-privilege role, trusted by S3 as AWS documents it", async () => {
        assertNoViolations(await violationsOf(stack(replicationRole(), access(...least))));
    });

    it("reports replica writes outside the stack's destinations, wildcard and foreign actions, and keys used outside S3", async () => {
        const violations = await violationsOf(
            stack(
                replicationRole(),
                access(
                    ...least,
                    { Sid: "WriteAnywhere", Effect: "Allow", Action: ["s3:ReplicateObject"], Resource: "arn:aws:s3:::another-bucket/*" },
                    { Sid: "Everything", Effect: "Allow", Action: ["s3:*"], Resource: `arn:aws:s3:::${REPLICA}/*` },
                    { Sid: "Upload", Effect: "Allow", Action: ["s3:PutObject"], Resource: `arn:aws:s3:::${REPLICA}/*` },
                    { Sid: "AnyKeyUse", Effect: "Allow", Action: ["kms:Encrypt"], Resource: REPLICA_KEY_ARN },
                ),
            ),
        );
        const rule = (sid: string, fragment: string) => assertHasViolation(violations, ROLE_RULE, [`replication-access policy statement "${sid}" (the replication role drone-dev-s3-replication)`, fragment], "replication-access");
        rule("WriteAnywhere", `s3:ReplicateObject on "arn:aws:s3:::another-bucket/*", outside the replication destinations of the stack (${REPLICA})`);
        rule("Everything", 'the wildcard action "s3:*"');
        rule("Upload", "allows s3:PutObject, which the replication role may not hold");
        rule("AnyKeyUse", "without a kms:ViaService condition limited to S3");
    });

    it("lets only the replication service role trust S3 without aws:SourceAccount, and only S3", async () => {
        const sagemakerToo = document({ Effect: "Allow", Principal: { Service: ["s3.amazonaws.com", "sagemaker.amazonaws.com"] }, Action: "sts:AssumeRole" });
        const untagged = await violationsOf([replicationRole({ "ml-persona": "pipeline" })]);
        assertHasViolation(untagged, "iam-trust-policy-restricted", "trusts s3.amazonaws.com without aws:SourceAccount and aws:SourceArn", "replication-role");
        const widened = await violationsOf([replicationRole(undefined, sagemakerToo)]);
        const found = assertHasViolation(widened, "iam-trust-policy-restricted", "trusts sagemaker.amazonaws.com without", "replication-role");
        expect(found.message).to.not.contain("s3.amazonaws.com");
        assertHasViolation(widened, "iam-every-role-placed", "lets sagemaker.amazonaws.com assume it; only s3.amazonaws.com may");
    });
});

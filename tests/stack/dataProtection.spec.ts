// Data protection in the stack (offline, under mocks): S3 server access logs of the data bucket in a log bucket
// of its own, and (opt-in) cross-region replication of datasets/ and models/ to a replica with its own key.
import { expect } from "chai";
import { evaluateDetailed, providerNameOfReference, toPolicyResources } from "../../policies/offline";
import { parseConfig } from "../../components/config";
import { MOCK_ACCOUNT_ID } from "../../tools/mocks";
import { rawStackConfig, stackPolicyConfig } from "../../tools/stackConfig";
import { assertHasViolation, assertNoViolations } from "../policies/helpers";
import { OfflineStack } from "../../tools/offlineStack";
import { offlineStack, resourceNamed, resourcesOfType } from "./fixtures";

const BUCKET = "lucaskle-ab3-project-pv";
const LOG_BUCKET = `${BUCKET}-access-logs`;

const policyOf = (stack: OfflineStack, name: string) => JSON.parse(resourceNamed(stack, name).inputs.policy) as { Statement: Record<string, any>[] };

describe("S3 server access logs (offline)", () => {
    let adopt: OfflineStack;
    let create: OfflineStack;
    let teardown: OfflineStack;

    before(async () => {
        adopt = await offlineStack();
        create = await offlineStack({ config: { bucketMode: "create" } });
        teardown = await offlineStack({ config: { bucketMode: "create", allowDataDestroy: true } });
    });

    it("logs the adopted bucket's requests without touching its data: the log bucket is created, the data bucket only gets a BucketLogging", () => {
        expect(resourcesOfType(adopt, "aws:s3/bucket:Bucket").map((b) => b.inputs.bucket)).to.deep.equal([LOG_BUCKET]);
        const [logging] = resourcesOfType(adopt, "aws:s3/bucketLogging:BucketLogging");
        expect(logging.inputs).to.deep.include({
            bucket: BUCKET,
            targetBucket: LOG_BUCKET,
            targetPrefix: `${BUCKET}/`,
            targetObjectKeyFormat: { partitionedPrefix: { partitionDateSource: "EventTime" } },
        });
        // Switched on once the data bucket's protections and the log bucket's encryption and policy exist.
        expect(logging.options.dependsOn).to.include.members(["data-policy", "data-encryption", "access-logs-encryption", "access-logs-policy", "access-logs-ownership"]);
        expect(adopt.outputs.accessLogsUri).to.equal(`s3://${LOG_BUCKET}/${BUCKET}/`);
    });

    it("encrypts the log bucket with SSE-S3, the only default encryption S3 delivers access logs to", () => {
        expect(resourceNamed(adopt, "access-logs-encryption").inputs.rules).to.deep.equal([{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }]);
    });

    it("blocks all public access to the logs, disables ACLs, keeps versions and expires logs after accessLogRetentionDays", () => {
        expect(resourceNamed(adopt, "access-logs-public-access").inputs).to.include({ bucket: LOG_BUCKET, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true });
        expect(resourceNamed(adopt, "access-logs-ownership").inputs.rule).to.deep.equal({ objectOwnership: "BucketOwnerEnforced" });
        expect(resourceNamed(adopt, "access-logs-versioning").inputs.versioningConfiguration).to.deep.equal({ status: "Enabled" });
        const [expiry] = resourceNamed(adopt, "access-logs-lifecycle").inputs.rules;
        expect(expiry).to.deep.include({ id: "expire-access-logs", expiration: { days: 365 }, noncurrentVersionExpiration: { noncurrentDays: 90 } });
    });

    it("lets only S3's log delivery write, under the data bucket's prefix, for this bucket and account; nothing without TLS", () => {
        const [delivery, tls] = policyOf(adopt, "access-logs-policy").Statement;
        expect(delivery).to.deep.equal({
            Sid: "S3ServerAccessLogDelivery",
            Effect: "Allow",
            Principal: { Service: "logging.s3.amazonaws.com" },
            Action: "s3:PutObject",
            Resource: `arn:aws:s3:::${LOG_BUCKET}/${BUCKET}/*`,
            Condition: { ArnLike: { "aws:SourceArn": `arn:aws:s3:::${BUCKET}` }, StringEquals: { "aws:SourceAccount": MOCK_ACCOUNT_ID } },
        });
        expect(tls).to.deep.include({ Effect: "Deny", Principal: "*", Action: "s3:*", Condition: { Bool: { "aws:SecureTransport": false } } });
    });

    it("keeps the logs on destroy like the data, and deletes them with allowDataDestroy", () => {
        const names = ["access-logs-bucket", "access-logs-policy", "access-logs-encryption", "access-logs-lifecycle", "access-logs-logging"];
        for (const name of names) {
            expect(resourceNamed(create, name).options.retainOnDelete, name).to.equal(true);
            expect(resourceNamed(teardown, name).options.retainOnDelete, name).to.equal(false);
        }
        expect(resourceNamed(create, "access-logs-bucket").inputs.forceDestroy).to.equal(false);
        expect(resourceNamed(teardown, "access-logs-bucket").inputs.forceDestroy).to.equal(true);
    });

    it("follows accessLogBucketName and accessLogRetentionDays, and is gone with accessLogging: false", async () => {
        const named = await offlineStack({ config: { accessLogBucketName: "drone-audit-logs", accessLogRetentionDays: 30 } });
        expect(resourceNamed(named, "access-logs-logging").inputs.targetBucket).to.equal("drone-audit-logs");
        expect(resourceNamed(named, "access-logs-lifecycle").inputs.rules[0].expiration).to.deep.equal({ days: 30 });
        const off = await offlineStack({ config: { accessLogging: false } });
        expect(off.resources.filter((r) => r.name.startsWith("access-logs"))).to.deep.equal([]);
        expect(off.outputs).to.not.have.property("accessLogsUri");
        // The pack still wants the logs: switching them off is a decision to make in the pack config too.
        const { violations } = await evaluateDetailed(toPolicyResources(off.resources));
        assertHasViolation(violations, "s3-access-logging-required", `Bucket "${BUCKET}" (adopted: configured by`);
    });
});

describe("cross-region replication (offline)", () => {
    const REPLICA = `${BUCKET}-us-west-2`;
    let full: OfflineStack;
    let fullPreview: OfflineStack;
    let dev: OfflineStack;
    let adoptReplicated: OfflineStack;

    before(async () => {
        full = await offlineStack({ stack: "full" });
        fullPreview = await offlineStack({ stack: "full", preview: true });
        dev = await offlineStack();
        adoptReplicated = await offlineStack({ config: { replication: true } });
    });

    const inReplicaRegion = (stack: OfflineStack, name: string) => providerNameOfReference(resourceNamed(stack, name).provider);

    it("is off by default: the dev stack has no second provider, replica or replication role", () => {
        expect(resourcesOfType(dev, "pulumi:providers:aws").map((p) => p.name)).to.deep.equal(["aws"]);
        expect(dev.resources.filter((r) => /replica/.test(r.name))).to.deep.equal([]);
        expect(dev.outputs).to.not.have.property("replication");
    });

    it("creates the replica through a second provider with the stack's profile in replicaRegion", () => {
        const providers = resourcesOfType(full, "pulumi:providers:aws");
        expect(providers.map((p) => [p.name, p.inputs.profile, p.inputs.region])).to.deep.equal([
            ["aws", "ab", "us-east-1"],
            ["aws-replica", "ab", "us-west-2"],
        ]);
        for (const name of ["replication-replica-key", "replication-replica-bucket", "replication-replica-encryption", "replication-replica-policy", "replica-access-logs-bucket", "replica-access-logs-logging"]) {
            expect(inReplicaRegion(full, name), name).to.equal("aws-replica");
        }
        // The replication configuration belongs to the source bucket, the role to IAM: the stack's own provider.
        expect(inReplicaRegion(full, "replication-config")).to.equal("aws");
        expect(inReplicaRegion(full, "replication-role")).to.equal("aws");
    });

    it("protects the replica like the data: its own rotating key in the replica's region, SSE-KMS, versioning, public access blocked, ACLs off, TLS-only", () => {
        const key = resourceNamed(full, "replication-replica-key");
        expect(key.inputs).to.include({ enableKeyRotation: true, rotationPeriodInDays: 365 });
        expect(resourceNamed(full, "replication-replica-key-alias").inputs.name).to.equal("alias/drone-full-data-replica");
        const replicaKeyArn = (full.outputs.replication as Record<string, string>).kmsKeyArn;
        expect(replicaKeyArn).to.match(/^arn:aws:kms:us-west-2:123456789012:key\//);
        expect(resourceNamed(full, "replication-replica-encryption").inputs.rules).to.deep.equal([
            { applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: replicaKeyArn }, bucketKeyEnabled: true },
        ]);
        expect(resourceNamed(full, "replication-replica-versioning").inputs.versioningConfiguration).to.deep.equal({ status: "Enabled" });
        expect(resourceNamed(full, "replication-replica-public-access").inputs).to.include({ bucket: REPLICA, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true });
        expect(resourceNamed(full, "replication-replica-ownership").inputs.rule).to.deep.equal({ objectOwnership: "BucketOwnerEnforced" });
        const [tls] = policyOf(full, "replication-replica-policy").Statement;
        expect(tls).to.deep.include({ Sid: "DenyInsecureTransport", Effect: "Deny", Resource: [`arn:aws:s3:::${REPLICA}`, `arn:aws:s3:::${REPLICA}/*`] });
    });

    it("replicates datasets/ and models/ (not checkpoints/), SSE-KMS objects re-encrypted with the replica's key, delete markers not replicated", () => {
        const config = resourceNamed(full, "replication-config");
        expect(config.inputs.bucket).to.equal(BUCKET);
        const replicaKeyArn = (full.outputs.replication as Record<string, string>).kmsKeyArn;
        expect(config.inputs.rules).to.deep.equal(
            ["datasets", "models"].map((prefix, index) => ({
                id: `replicate-${prefix}`,
                priority: index + 1,
                status: "Enabled",
                filter: { prefix: `${prefix}/` },
                deleteMarkerReplication: { status: "Disabled" },
                sourceSelectionCriteria: { sseKmsEncryptedObjects: { status: "Enabled" } },
                destination: { bucket: `arn:aws:s3:::${REPLICA}`, storageClass: "STANDARD", encryptionConfiguration: { replicaKmsKeyId: replicaKeyArn } },
            })),
        );
        // S3 refuses replication from an unversioned bucket, and the replica must be ready to receive.
        expect(config.options.dependsOn).to.include.members(["data-versioning", "replication-replica-versioning", "replication-replica-encryption", "replication-access"]);
        expect(config.propertyDependencies.rules).to.deep.equal(["replication-replica-key"]);
    });

    it("gives S3 a role of least privilege: replication reads on the source prefixes, replica writes (no deletes) on the replica's, each key only through S3 in its region", () => {
        const role = resourceNamed(full, "replication-role");
        expect(role.inputs.name).to.equal("drone-full-s3-replication");
        expect(role.inputs.tags["ml-service"]).to.equal("s3-replication");
        expect(JSON.parse(role.inputs.assumeRolePolicy).Statement).to.deep.equal([{ Sid: "S3AssumesRoleToReplicate", Effect: "Allow", Principal: { Service: "s3.amazonaws.com" }, Action: "sts:AssumeRole" }]);
        const statements = Object.fromEntries(policyOf(full, "replication-access").Statement.map((s) => [s.Sid, s]));
        expect(statements.ReadVersionsToReplicate.Resource).to.deep.equal([`arn:aws:s3:::${BUCKET}/datasets/*`, `arn:aws:s3:::${BUCKET}/models/*`]);
        expect(statements.WriteReplicas).to.deep.include({ Action: ["s3:ReplicateObject", "s3:ReplicateTags"], Resource: [`arn:aws:s3:::${REPLICA}/datasets/*`, `arn:aws:s3:::${REPLICA}/models/*`] });
        expect(statements.DecryptSourceThroughS3).to.deep.include({ Action: ["kms:Decrypt"], Resource: full.outputs.kmsKeyArn });
        expect(statements.DecryptSourceThroughS3.Condition.StringEquals).to.deep.equal({ "kms:ViaService": "s3.us-east-1.amazonaws.com" });
        expect(statements.DecryptSourceThroughS3.Condition.StringLike["kms:EncryptionContext:aws:s3:arn"]).to.include(`arn:aws:s3:::${BUCKET}`);
        expect(statements.EncryptReplicasThroughS3).to.deep.include({ Action: ["kms:Encrypt", "kms:Decrypt"], Resource: (full.outputs.replication as Record<string, string>).kmsKeyArn });
        expect(statements.EncryptReplicasThroughS3.Condition.StringEquals).to.deep.equal({ "kms:ViaService": "s3.us-west-2.amazonaws.com" });
    });

    it("keeps the replica and its key on destroy like the data; the role and the configuration go with the stack", async () => {
        for (const name of ["replication-replica-bucket", "replication-replica-key", "replica-access-logs-bucket"]) {
            expect(resourceNamed(full, name).options.retainOnDelete, name).to.equal(true);
        }
        for (const name of ["replication-config", "replication-role", "replication-access"]) {
            expect(resourceNamed(full, name).options.retainOnDelete, name).to.not.equal(true);
        }
        const teardown = await offlineStack({ stack: "full", config: { allowDataDestroy: true } });
        expect(resourceNamed(teardown, "replication-replica-bucket").inputs.forceDestroy).to.equal(true);
        expect(resourceNamed(teardown, "replication-replica-key").options.retainOnDelete).to.equal(false);
    });

    it("replicates an adopted bucket without touching it, and logs the replica's requests in a log bucket of its own region", () => {
        expect(resourcesOfType(adoptReplicated, "aws:s3/bucket:Bucket").map((b) => b.inputs.bucket)).to.not.include(BUCKET);
        expect(resourceNamed(adoptReplicated, "replication-config").inputs.bucket).to.equal(BUCKET);
        const logging = resourceNamed(adoptReplicated, "replica-access-logs-logging");
        expect(logging.inputs).to.include({ bucket: REPLICA, targetBucket: `${REPLICA}-access-logs`, targetPrefix: `${REPLICA}/` });
        expect(adoptReplicated.outputs.replication).to.deep.include({ region: "us-west-2", bucketName: REPLICA, accessLogsUri: `s3://${REPLICA}-access-logs/${REPLICA}/` });
    });

    // The pack config the stack's own config implies (what `npm run plan` evaluates with): replication required.
    const fullPolicyConfig = () => stackPolicyConfig(parseConfig(rawStackConfig("full")));

    it("passes the pack with replication on (adopted bucket too), and the pack notices a replica key moved to the source's region", async () => {
        const adoptPolicyConfig = stackPolicyConfig(parseConfig(rawStackConfig("dev", { replication: true })));
        expect(adoptPolicyConfig).to.deep.equal({ "s3-replication-required": { requireReplication: true } });
        for (const [stack, config] of [[full, fullPolicyConfig()], [fullPreview, fullPolicyConfig()], [adoptReplicated, adoptPolicyConfig]] as const) {
            assertNoViolations((await evaluateDetailed(toPolicyResources(stack.resources), config)).violations);
        }
        // The same key registered through the stack's own provider: what a missing `providers` option would do.
        const moved = toPolicyResources(fullPreview.resources).map((r) => (r.name === "replication-replica-key" ? { ...r, provider: "aws" } : r));
        const { violations } = await evaluateDetailed(moved);
        assertHasViolation(violations, "s3-replication-encrypted", [`encrypts replicas in "${REPLICA}" (us-west-2) with replication-replica-key in us-east-1`]);
    });

    it("with the stack's config asking for replication, the pack refuses the data bucket once its replication configuration is gone; with it off, it does not ask", async () => {
        const withoutReplication = toPolicyResources(full.resources).filter((r) => r.name !== "replication-config");
        const found = assertHasViolation((await evaluateDetailed(withoutReplication, fullPolicyConfig())).violations, "s3-replication-required", [`Bucket "${BUCKET}" (data-bucket) has no aws.s3.BucketReplicationConfig`], "data-bucket");
        expect(found.enforcementLevel).to.equal("mandatory");
        const devPolicyConfig = stackPolicyConfig(parseConfig(rawStackConfig("dev")));
        expect(devPolicyConfig).to.deep.equal({ "s3-replication-required": { requireReplication: false } });
        assertNoViolations((await evaluateDetailed(toPolicyResources(dev.resources), devPolicyConfig)).violations);
    });

    it("the pack notices the real replication role given a write outside the replica", async () => {
        const resources = toPolicyResources(full.resources).map((r) => {
            if (r.name !== "replication-access") {
                return r;
            }
            const policy = JSON.parse(String(r.props.policy));
            policy.Statement.push({ Sid: "Stray", Effect: "Allow", Action: ["s3:ReplicateObject"], Resource: `arn:aws:s3:::${BUCKET}/code/*` });
            return { ...r, props: { ...r.props, policy: JSON.stringify(policy) } };
        });
        const { violations } = await evaluateDetailed(resources);
        assertHasViolation(violations, "s3-replication-role-scoped", ['replication-access policy statement "Stray"', `outside the replication destinations of the stack (${REPLICA})`], "replication-access");
    });
});

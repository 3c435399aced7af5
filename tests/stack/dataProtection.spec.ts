// Data protection in the stack (offline, under mocks): S3 server access logs of the data bucket in a log bucket
// of its own, and (opt-in) cross-region replication of datasets/ and models/ to a replica with its own key.
import { expect } from "chai";
import { evaluateDetailed, toPolicyResources } from "../../policies/offline";
import { MOCK_ACCOUNT_ID } from "../../tools/mocks";
import { assertHasViolation } from "../policies/helpers";
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

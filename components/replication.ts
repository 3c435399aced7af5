import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { REPLICATION_SERVICE, SERVICE_TAG_KEY } from "../policies/catalog";
import { DataBucket } from "./dataBucket";
import { replicationRolePolicy, replicationTrustPolicy } from "./iamDocuments";
import { bucketArn, PrefixName, PREFIXES } from "./s3Layout";

/** What is worth a copy in another region: the data and the models trained on it, not what a run can redo. */
export const REPLICATED_PREFIXES: readonly PrefixName[] = ["datasets", "models"];

export interface ReplicationArgs {
    /** The data bucket (created or adopted); it must be versioned before replication is configured. */
    sourceBucketName: string;
    sourceRegion: string;
    /** The data key, which encrypts the source objects. */
    sourceKeyArn: pulumi.Input<string>;
    /** The replica bucket this component creates in `replicaRegion`. */
    replicaBucketName: string;
    replicaRegion: string;
    /** An AWS provider for `replicaRegion` with the stack's profile: the replica, its key and settings live there. */
    replicaProvider: aws.Provider;
    replicaKeyAlias: string;
    roleName: string;
    accountId: pulumi.Input<string>;
    /** Prefixes replicated, one rule each. Defaults to datasets/ and models/. */
    prefixes?: readonly PrefixName[];
    /** As for the data: false retains the replica, its objects and its key on `pulumi destroy`. */
    allowDataDestroy: boolean;
    preparedDatasetRetentionDays: number;
    noncurrentVersionRetentionDays: number;
    incompleteUploadDays: number;
    checkpointRetentionDays: number;
    kmsDeletionWindowDays: number;
    /** The source bucket's protections (its versioning above all: S3 refuses replication from an unversioned bucket). */
    dependsOn: pulumi.Input<pulumi.Resource>[];
}

/**
 * Cross-region replication of the data bucket for disaster recovery (CKV_AWS_144): a replica bucket in another
 * region with the same protections as the data bucket (a DataBucket: its own rotating KMS key there, SSE-KMS,
 * versioning, all public access blocked, ACLs off, TLS-only, the same lifecycle), a role only S3 assumes that can
 * read the replicated versions and write replicas and nothing else, and the source bucket's replication
 * configuration: one rule per prefix, SSE-KMS objects included and re-encrypted with the replica's key.
 *
 * Delete markers are not replicated: a deletion (or an expiry) in the source leaves the replica's copy in place,
 * which is what a disaster-recovery copy is for. Live replication copies objects written after it is configured;
 * objects already in an adopted bucket need a one-off S3 Batch Replication job.
 */
export class Replication extends pulumi.ComponentResource {
    public readonly replicaBucketName: pulumi.Output<string>;
    public readonly replicaKeyArn: pulumi.Output<string>;
    public readonly roleArn: pulumi.Output<string>;
    public readonly region: string;
    /** The replica's protections, for resources (its access logging) that must come after them. */
    public readonly replicaProtections: pulumi.Resource[];

    constructor(name: string, args: ReplicationArgs, opts?: pulumi.ComponentResourceOptions) {
        super("sagemaker-yolo:storage:Replication", name, {}, opts);
        if (args.replicaRegion === args.sourceRegion) {
            throw new Error(`Replication ${name}: replicaRegion must differ from sourceRegion (${args.sourceRegion}); a replica in the same region survives nothing the source does not.`);
        }
        const prefixes = args.prefixes ?? REPLICATED_PREFIXES;

        const replica = new DataBucket(
            `${name}-replica`,
            {
                bucketName: args.replicaBucketName,
                mode: "create",
                allowDataDestroy: args.allowDataDestroy,
                checkpointRetentionDays: args.checkpointRetentionDays,
                preparedDatasetRetentionDays: args.preparedDatasetRetentionDays,
                noncurrentVersionRetentionDays: args.noncurrentVersionRetentionDays,
                incompleteUploadDays: args.incompleteUploadDays,
                kmsDeletionWindowDays: args.kmsDeletionWindowDays,
                keyAlias: args.replicaKeyAlias,
                // Free and consistent with the source; no rule of the stack listens to the replica's events.
                eventBridge: true,
                keyDescription: `Encrypts s3://${args.replicaBucketName}, the ${args.replicaRegion} replica of s3://${args.sourceBucketName}`,
                accountId: args.accountId,
            },
            { parent: this, providers: { aws: args.replicaProvider } },
        );

        const role = new aws.iam.Role(
            `${name}-role`,
            {
                name: args.roleName,
                description: `S3 replicates ${prefixes.map((prefix) => PREFIXES[prefix]).join(" and ")} of s3://${args.sourceBucketName} to s3://${args.replicaBucketName} with this role`,
                assumeRolePolicy: JSON.stringify(replicationTrustPolicy()),
                tags: { [SERVICE_TAG_KEY]: REPLICATION_SERVICE },
            },
            { parent: this },
        );
        const access = new aws.iam.RolePolicy(
            `${name}-access`,
            {
                role: role.name,
                name: "replication",
                policy: pulumi.all([args.sourceKeyArn, replica.keyArn]).apply(([sourceKeyArn, replicaKeyArn]) =>
                    JSON.stringify(
                        replicationRolePolicy({
                            sourceBucket: args.sourceBucketName,
                            sourceRegion: args.sourceRegion,
                            sourceKeyArn,
                            replicaBucket: args.replicaBucketName,
                            replicaRegion: args.replicaRegion,
                            replicaKeyArn,
                            prefixes,
                        }),
                    ),
                ),
            },
            { parent: this },
        );

        new aws.s3.BucketReplicationConfig(
            `${name}-config`,
            {
                bucket: args.sourceBucketName,
                role: role.arn,
                rules: prefixes.map((prefix, index) => ({
                    id: `replicate-${prefix}`,
                    priority: index + 1,
                    status: "Enabled",
                    filter: { prefix: PREFIXES[prefix] },
                    // Deliberately off: see the class comment.
                    deleteMarkerReplication: { status: "Disabled" },
                    // The data bucket encrypts every object with SSE-KMS, which S3 replicates only when asked to.
                    sourceSelectionCriteria: { sseKmsEncryptedObjects: { status: "Enabled" } },
                    destination: {
                        bucket: bucketArn(args.replicaBucketName),
                        storageClass: "STANDARD",
                        encryptionConfiguration: { replicaKmsKeyId: replica.keyArn },
                    },
                })),
            },
            // Not retained: without its role (deleted with the stack) the configuration could only fail.
            { parent: this, dependsOn: [...args.dependsOn, ...replica.protections, access] },
        );

        this.replicaBucketName = replica.bucketName;
        this.replicaKeyArn = replica.keyArn;
        this.roleArn = role.arn;
        this.region = args.replicaRegion;
        this.replicaProtections = replica.protections;
        this.registerOutputs({ replicaBucketName: this.replicaBucketName, replicaKeyArn: this.replicaKeyArn, roleArn: this.roleArn });
    }
}

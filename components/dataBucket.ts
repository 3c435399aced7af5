import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { dataBucketPolicy, dataKeyPolicy } from "./iamDocuments";
import { MONITORING, PREFIXES, PREPARED_DATASETS } from "./s3Layout";

export interface DataBucketArgs {
    /** Name of the data bucket. */
    bucketName: string;
    /**
     * `create` makes the bucket. `adopt` leaves an existing bucket (and its objects) unowned and manages
     * only its protection settings: default encryption, public access block, ownership controls,
     * versioning, lifecycle rules and bucket policy, each of which replaces what the bucket had.
     */
    mode: "create" | "adopt";
    /** Service principals that publish to SNS topics this key encrypts (the alert topic). */
    notificationServices?: readonly string[];
    /**
     * When false (the default in Pulumi.yaml), `pulumi destroy` leaves the bucket, every object, the
     * protection settings and the KMS key in place (retainOnDelete), so the drone data stays readable.
     * When true, destroy deletes all of them, objects included (forceDestroy).
     */
    allowDataDestroy: boolean;
    /** Days before managed-spot checkpoints expire. */
    checkpointRetentionDays: number;
    /** Days a run's prepared dataset (`datasets/prepared/<execution-id>/`) is kept. */
    preparedDatasetRetentionDays: number;
    /**
     * Days the endpoint's captured requests and Model Monitor's reports are kept, when the stack serves a model.
     * Baselines under monitoring/baseline/ are not expired: a version deployed again is monitored against its own.
     */
    monitoringRetentionDays?: number;
    /** Days a noncurrent object version is kept. */
    noncurrentVersionRetentionDays: number;
    /** Days before an incomplete multipart upload is aborted. */
    incompleteUploadDays: number;
    /**
     * Publish the bucket's object events to EventBridge. The notification configuration is authoritative: it
     * replaces whatever Lambda, SQS or SNS notifications the bucket had, also in `adopt` mode.
     */
    eventBridge: boolean;
    /** Waiting period before a destroyed key is deleted (7-30 days). */
    kmsDeletionWindowDays: number;
    /** Alias of the data key, e.g. `alias/yolo-dev-data`; the pipeline definition refers to the key by it. */
    keyAlias: string;
    /** Account that administers the key. */
    accountId: pulumi.Input<string>;
    /** Description of the key. Defaults to what the data key encrypts: the bucket's objects and the platform's SageMaker outputs. */
    keyDescription?: string;
}

/**
 * The encrypted data bucket: a customer-managed KMS key with rotation, SSE-KMS with a bucket key,
 * versioning, all four public-access blocks, owner-enforced object ownership, a TLS-only policy and
 * lifecycle rules for uploads, checkpoints, prepared datasets, monitoring captures and reports, and old versions.
 */
export class DataBucket extends pulumi.ComponentResource {
    public readonly bucketName: pulumi.Output<string>;
    public readonly bucketArn: pulumi.Output<string>;
    /** ARN of the customer-managed key that encrypts every object. */
    public readonly keyArn: pulumi.Output<string>;
    public readonly keyAlias: pulumi.Output<string>;
    /** The bucket's protection settings; depend on these before writing objects. */
    public readonly protections: pulumi.Resource[];

    constructor(name: string, args: DataBucketArgs, opts?: pulumi.ComponentResourceOptions) {
        super("sagemaker-yolo:storage:DataBucket", name, {}, opts);
        const retain = !args.allowDataDestroy;
        const keep: pulumi.CustomResourceOptions = { parent: this, retainOnDelete: retain };

        const key = new aws.kms.Key(
            `${name}-key`,
            {
                description: args.keyDescription ?? `Encrypts the objects of s3://${args.bucketName} and the platform's SageMaker outputs`,
                enableKeyRotation: true,
                rotationPeriodInDays: 365,
                deletionWindowInDays: args.kmsDeletionWindowDays,
                policy: pulumi.output(args.accountId).apply((accountId) => JSON.stringify(dataKeyPolicy(accountId, args.notificationServices ?? []))),
            },
            keep,
        );
        const alias = new aws.kms.Alias(`${name}-key-alias`, { name: args.keyAlias, targetKeyId: key.keyId }, { parent: this });

        let bucketDependency: pulumi.Resource[] = [];
        if (args.mode === "create") {
            const bucket = new aws.s3.Bucket(
                `${name}-bucket`,
                { bucket: args.bucketName, forceDestroy: args.allowDataDestroy },
                keep,
            );
            this.bucketArn = bucket.arn;
            bucketDependency = [bucket];
        } else {
            // A lookup, not a resource: the adopted bucket is never created, replaced or deleted by this stack,
            // and a missing bucket fails the preview with the provider's "bucket not found" error.
            this.bucketArn = aws.s3.getBucketOutput({ bucket: args.bucketName }, { parent: this }).arn;
        }
        const onBucket: pulumi.CustomResourceOptions = { ...keep, dependsOn: bucketDependency };
        const bucket = args.bucketName;

        const ownership = new aws.s3.BucketOwnershipControls(
            `${name}-ownership`,
            { bucket, rule: { objectOwnership: "BucketOwnerEnforced" } },
            onBucket,
        );
        const publicAccess = new aws.s3.BucketPublicAccessBlock(
            `${name}-public-access`,
            { bucket, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
            onBucket,
        );
        const encryption = new aws.s3.BucketServerSideEncryptionConfiguration(
            `${name}-encryption`,
            {
                bucket,
                rules: [
                    {
                        applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: key.arn },
                        // One data key per bucket instead of one KMS call per object: cheaper, same protection.
                        bucketKeyEnabled: true,
                    },
                ],
            },
            onBucket,
        );
        const versioning = new aws.s3.BucketVersioning(
            `${name}-versioning`,
            { bucket, versioningConfiguration: { status: "Enabled" } },
            onBucket,
        );
        const lifecycle = new aws.s3.BucketLifecycleConfiguration(
            `${name}-lifecycle`,
            {
                bucket,
                rules: [
                    {
                        id: "abort-incomplete-uploads",
                        status: "Enabled",
                        filter: {},
                        abortIncompleteMultipartUpload: { daysAfterInitiation: args.incompleteUploadDays },
                    },
                    {
                        id: "expire-checkpoints",
                        status: "Enabled",
                        filter: { prefix: PREFIXES.checkpoints },
                        expiration: { days: args.checkpointRetentionDays },
                    },
                    {
                        // Each run's prepared copy of its source; the source under datasets/ is never expired.
                        id: "expire-prepared-datasets",
                        status: "Enabled",
                        filter: { prefix: PREPARED_DATASETS },
                        expiration: { days: args.preparedDatasetRetentionDays },
                    },
                    ...(args.monitoringRetentionDays === undefined
                        ? []
                        : [MONITORING.dataCapture, MONITORING.reports].map((prefix) => ({
                              id: `expire-${prefix.slice(0, -1).replace(/\//g, "-")}`,
                              status: "Enabled",
                              filter: { prefix },
                              expiration: { days: args.monitoringRetentionDays! },
                          }))),
                    {
                        id: "expire-noncurrent-versions",
                        status: "Enabled",
                        filter: {},
                        noncurrentVersionExpiration: { noncurrentDays: args.noncurrentVersionRetentionDays },
                        expiration: { expiredObjectDeleteMarker: true },
                    },
                ],
            },
            { ...onBucket, dependsOn: [...bucketDependency, versioning] },
        );
        const policy = new aws.s3.BucketPolicy(
            `${name}-policy`,
            { bucket, policy: JSON.stringify(dataBucketPolicy(args.bucketName)) },
            // S3 rejects a policy while the public access block is being changed.
            { ...onBucket, dependsOn: [...bucketDependency, publicAccess] },
        );

        if (args.eventBridge) {
            // EventBridge receives every event for free and bills only what a rule matches, so one switch serves
            // the dataset trigger and any rule a team adds later, without a notification filter per consumer.
            new aws.s3.BucketNotification(`${name}-events`, { bucket, eventbridge: true }, onBucket);
        }

        this.bucketName = pulumi.output(args.bucketName);
        this.keyArn = key.arn;
        this.keyAlias = alias.name;
        this.protections = [...bucketDependency, ownership, publicAccess, encryption, versioning, lifecycle, policy];
        this.registerOutputs({ bucketName: this.bucketName, bucketArn: this.bucketArn, keyArn: this.keyArn, keyAlias: this.keyAlias });
    }
}

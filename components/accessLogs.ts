import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { accessLogBucketPolicy } from "./iamDocuments";

export interface AccessLogsArgs {
    /** The bucket whose requests are logged: created or adopted by the stack; this component only adds its logging. */
    sourceBucketName: string;
    /**
     * The log bucket this component creates. S3 delivers access logs only to a bucket of the source's account and
     * region, so the component must run with the source bucket's provider.
     */
    logBucketName: string;
    accountId: pulumi.Input<string>;
    /** Days a log object is kept. */
    retentionDays: number;
    /** Days an expired or deleted log object is kept as a noncurrent version. */
    noncurrentVersionRetentionDays: number;
    /** Days before an incomplete multipart upload is aborted. */
    incompleteUploadDays: number;
    /** As for the data: false retains the log bucket, its objects and the logging setting on `pulumi destroy`. */
    allowDataDestroy: boolean;
    /** The source bucket's resources (the bucket, or an adopted bucket's settings); logging is switched on after them. */
    dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/**
 * S3 server access logs of one bucket (CKV_AWS_18): who read, wrote or listed what, and from where. A log bucket of
 * its own with all public access blocked, ACLs disabled, versioning, a TLS-only policy that lets only S3's log
 * delivery write (for this source bucket and account), lifecycle expiry, and the source bucket's BucketLogging with
 * date-partitioned keys (`<prefix><account>/<region>/<bucket>/<yyyy>/<mm>/<dd>/...`, which Athena can partition on).
 *
 * The log bucket is encrypted with SSE-S3 (AES256), not the stack's KMS key: S3 server access logging delivers to a
 * target bucket only when its default encryption is SSE-S3, and silently delivers nothing to an SSE-KMS default.
 */
export class AccessLogs extends pulumi.ComponentResource {
    public readonly logBucketName: pulumi.Output<string>;
    public readonly logBucketArn: pulumi.Output<string>;
    /** Where the source bucket's logs land: `s3://<log bucket>/<source bucket>/`. */
    public readonly logPrefixUri: pulumi.Output<string>;

    constructor(name: string, args: AccessLogsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("sagemaker-yolo:storage:AccessLogs", name, {}, opts);
        if (args.logBucketName === args.sourceBucketName) {
            // S3 would log the delivery of its own logs, without end.
            throw new Error(`AccessLogs ${name}: logBucketName must differ from sourceBucketName (${args.sourceBucketName}).`);
        }
        const keep: pulumi.CustomResourceOptions = { parent: this, retainOnDelete: !args.allowDataDestroy };
        const prefix = `${args.sourceBucketName}/`;

        const logBucket = new aws.s3.Bucket(`${name}-bucket`, { bucket: args.logBucketName, forceDestroy: args.allowDataDestroy }, keep);
        const onBucket: pulumi.CustomResourceOptions = { ...keep, dependsOn: [logBucket] };
        const bucket = args.logBucketName;

        // BucketOwnerEnforced disables ACLs, so the bucket policy below is the only way log delivery gets in.
        const ownership = new aws.s3.BucketOwnershipControls(`${name}-ownership`, { bucket, rule: { objectOwnership: "BucketOwnerEnforced" } }, onBucket);
        const publicAccess = new aws.s3.BucketPublicAccessBlock(
            `${name}-public-access`,
            { bucket, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
            onBucket,
        );
        const encryption = new aws.s3.BucketServerSideEncryptionConfiguration(
            `${name}-encryption`,
            // SSE-S3: the only default encryption S3 server access logging delivers to (see the class comment).
            { bucket, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }] },
            onBucket,
        );
        const versioning = new aws.s3.BucketVersioning(`${name}-versioning`, { bucket, versioningConfiguration: { status: "Enabled" } }, onBucket);
        new aws.s3.BucketLifecycleConfiguration(
            `${name}-lifecycle`,
            {
                bucket,
                rules: [
                    {
                        id: "expire-access-logs",
                        status: "Enabled",
                        filter: {},
                        expiration: { days: args.retentionDays },
                        // A deleted or expired log stays recoverable this long: tampering with the audit trail shows.
                        noncurrentVersionExpiration: { noncurrentDays: args.noncurrentVersionRetentionDays },
                        abortIncompleteMultipartUpload: { daysAfterInitiation: args.incompleteUploadDays },
                    },
                    {
                        id: "remove-expired-delete-markers",
                        status: "Enabled",
                        filter: {},
                        expiration: { expiredObjectDeleteMarker: true },
                    },
                ],
            },
            { ...keep, dependsOn: [logBucket, versioning] },
        );
        const policy = new aws.s3.BucketPolicy(
            `${name}-policy`,
            {
                bucket,
                policy: pulumi.output(args.accountId).apply((accountId) => JSON.stringify(accessLogBucketPolicy(args.logBucketName, args.sourceBucketName, prefix, accountId))),
            },
            // S3 rejects a policy while the public access block is being changed.
            { ...keep, dependsOn: [logBucket, publicAccess] },
        );

        // Switched on once the target can receive logs: encrypted as S3 requires, and open to log delivery.
        new aws.s3.BucketLogging(
            `${name}-logging`,
            {
                bucket: args.sourceBucketName,
                targetBucket: args.logBucketName,
                targetPrefix: prefix,
                targetObjectKeyFormat: { partitionedPrefix: { partitionDateSource: "EventTime" } },
            },
            { ...keep, dependsOn: [...(args.dependsOn ?? []), ownership, encryption, policy] },
        );

        this.logBucketName = pulumi.output(args.logBucketName);
        this.logBucketArn = logBucket.arn;
        this.logPrefixUri = pulumi.output(`s3://${args.logBucketName}/${prefix}`);
        this.registerOutputs({ logBucketName: this.logBucketName, logBucketArn: this.logBucketArn, logPrefixUri: this.logPrefixUri });
    }
}

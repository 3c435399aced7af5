// Encryption at rest and in transit: S3 buckets (per bucket name, managed or adopted), KMS key rotation,
// SageMaker resources that keep data on volumes or in S3, and SNS topics that carry the platform's alerts.
import { ofTypes, ScopedResourcePolicy } from "./appliesTo";
import { PolicyResource, StackValidationArgs, StackValidationPolicy } from "@pulumi/policy";
import { parseDocument, Statement, wildcardMatch } from "./iamDocument";
import { booleanKnob, integerKnob, knobs, listText, stringList } from "./knobs";
import { eachKnown, elements, isSetOrUnknown, peek, UNKNOWN } from "./unknowns";

const BUCKET_TYPES = new Set(["aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"]);
const OBJECT_TYPES = new Set(["aws:s3/bucketObject:BucketObject", "aws:s3/bucketObjectv2:BucketObjectv2"]);
const ENCRYPTION_TYPES = new Set([
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
]);
const PUBLIC_ACCESS_BLOCK_TYPE = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock";
export const BUCKET_POLICY_TYPE = "aws:s3/bucketPolicy:BucketPolicy";
const NOTIFICATION_TYPE = "aws:s3/bucketNotification:BucketNotification";
export const LOGGING_TYPES: ReadonlySet<string> = new Set(["aws:s3/bucketLogging:BucketLogging", "aws:s3/bucketLoggingV2:BucketLoggingV2"]);

/** A bucket the stack manages or configures, keyed by its name. */
export interface BucketView {
    readonly name: string;
    /** The `aws:s3/bucket:Bucket` resource, absent for an adopted bucket the stack only configures. */
    readonly bucket?: PolicyResource;
    /** Bucket-level configuration resources (`aws:s3/bucket*` with a `bucket` input, objects excluded). */
    readonly companions: PolicyResource[];
}

function isCompanion(type: string): boolean {
    return type.startsWith("aws:s3/bucket") && !BUCKET_TYPES.has(type) && !OBJECT_TYPES.has(type);
}

/**
 * Every bucket of the stack by name: managed buckets by their `bucket` input and buckets only referenced by
 * configuration resources (adopted). `pending` re-reads names that are unknown during preview.
 */
export function bucketsByName(resources: readonly PolicyResource[]): { buckets: BucketView[]; pending: (() => void)[] } {
    const byName = new Map<string, { name: string; bucket?: PolicyResource; companions: PolicyResource[] }>();
    const pending: (() => void)[] = [];
    const entry = (name: string) => {
        let view = byName.get(name);
        if (!view) {
            view = { name, companions: [] };
            byName.set(name, view);
        }
        return view;
    };
    for (const resource of resources) {
        const managed = BUCKET_TYPES.has(resource.type);
        if (!managed && !isCompanion(resource.type)) {
            continue;
        }
        const name = peek(() => resource.props.bucket);
        if (name === UNKNOWN) {
            pending.push(() => void resource.props.bucket);
        } else if (typeof name === "string" && name.length > 0) {
            const view = entry(name);
            if (managed) {
                view.bucket = resource;
            } else {
                view.companions.push(resource);
            }
        }
        // A managed bucket without a `bucket` input is auto-named: its companions refer to its (unknown) id,
        // and under the engine the stack policy sees the resolved name in the bucket's outputs.
    }
    return { buckets: [...byName.values()], pending };
}

/** The resource a bucket finding is reported on: the bucket itself, else the companion most related to it. */
export function anchorOf(view: BucketView, preferredTypes: ReadonlySet<string> | string): PolicyResource {
    const preferred = view.companions.find((c) => (typeof preferredTypes === "string" ? c.type === preferredTypes : preferredTypes.has(c.type)));
    return view.bucket ?? preferred ?? view.companions[0];
}

export function describe(view: BucketView): string {
    return view.bucket ? `Bucket "${view.name}" (${view.bucket.name})` : `Bucket "${view.name}" (adopted: configured by ${listText(view.companions.map((c) => c.name), 3)})`;
}

/** Runs a per-bucket check, then re-reads unknown bucket names so preview reports the policy as not fully run. */
export async function forEachBucket(args: StackValidationArgs, check: (view: BucketView) => void | Promise<void>): Promise<void> {
    const { buckets, pending } = bucketsByName(args.resources);
    if (buckets.length === 0 && pending.length === 0) {
        args.notApplicable("the stack has no S3 bucket");
    }
    await eachKnown([...buckets.map((view) => () => check(view)), ...pending], (step) => step());
}

interface EncryptionKnobs {
    allowAes256: boolean;
}
const encryptionSchema = {
    properties: {
        allowAes256: booleanKnob("Accept SSE-S3 (AES256) default encryption besides SSE-KMS.", false),
    },
};

/**
 * Default-encryption algorithms a bucket configures. A BucketServerSideEncryptionConfiguration is
 * authoritative: the Bucket's own (deprecated) inline setting is only read when there is none, because under
 * the engine a bucket's outputs hold what S3 reported at creation (AES256) before the companion applied.
 */
export function encryptionAlgorithms(view: BucketView): { algorithms: string[]; configured: boolean } {
    const companions = view.companions.filter((c) => ENCRYPTION_TYPES.has(c.type));
    if (companions.length > 0) {
        const algorithms = companions.flatMap((resource) =>
            elements(() => resource.props.rules).map((readRule) => String((readRule() as Record<string, any> | undefined)?.applyServerSideEncryptionByDefault?.sseAlgorithm)),
        );
        return { algorithms, configured: true };
    }
    const inline = view.bucket && "serverSideEncryptionConfiguration" in view.bucket.props ? view.bucket.props.serverSideEncryptionConfiguration : undefined;
    return inline ? { algorithms: [String(inline.rule?.applyServerSideEncryptionByDefault?.sseAlgorithm)], configured: true } : { algorithms: [], configured: false };
}

/** One bucket's server access logging: the resource (or the bucket's inline setting) and where it sends the logs. */
export interface LoggingSetting {
    readonly holder: PolicyResource;
    readonly where: string;
    /** The target bucket's name (may throw UnknownValueError in preview). */
    readonly target: () => unknown;
    readonly prefix: () => unknown;
}

/**
 * A bucket's server access logging. A BucketLogging resource is authoritative; the Bucket's own (deprecated)
 * `logging` only counts without one.
 */
export function loggingOf(view: BucketView): LoggingSetting[] {
    const resources = view.companions.filter((c) => LOGGING_TYPES.has(c.type));
    if (resources.length > 0) {
        return resources.map((holder) => ({ holder, where: holder.name, target: () => holder.props.targetBucket, prefix: () => holder.props.targetPrefix }));
    }
    const bucket = view.bucket;
    if (bucket && peek(() => bucket.props.logging) !== undefined && peek(() => bucket.props.logging) !== null) {
        return [{ holder: bucket, where: `${bucket.name} logging`, target: () => bucket.props.logging.targetBucket, prefix: () => bucket.props.logging.targetPrefix }];
    }
    return [];
}

/**
 * Buckets of the stack that receive another bucket's server access logs, by name, with the settings that send
 * them; `pending` re-reads targets unknown during preview.
 */
export function accessLogTargets(buckets: readonly BucketView[]): { targets: Map<string, { source: BucketView; setting: LoggingSetting }[]>; pending: (() => void)[] } {
    const targets = new Map<string, { source: BucketView; setting: LoggingSetting }[]>();
    const pending: (() => void)[] = [];
    for (const source of buckets) {
        for (const setting of loggingOf(source)) {
            const target = peek(setting.target);
            if (target === UNKNOWN) {
                pending.push(() => void setting.target());
            } else if (typeof target === "string" && target !== source.name) {
                targets.set(target, [...(targets.get(target) ?? []), { source, setting }]);
            }
        }
    }
    return { targets, pending };
}

export const s3BucketKmsEncryption: StackValidationPolicy = {
    name: "s3-bucket-kms-encryption",
    description:
        "Every S3 bucket of the stack, created or adopted (configured by companion resources only), has default server-side encryption with aws:kms (or aws:kms:dsse; AES256 only when allowAes256 is set), through BucketServerSideEncryptionConfiguration or the bucket's inline setting. A bucket that receives another bucket's server access logs (the target of a BucketLogging of the stack) may use AES256, and only such a bucket: S3 delivers access logs to no other default encryption.",
    enforcementLevel: "mandatory",
    configSchema: encryptionSchema,
    validateStack: async (args, reportViolation) => {
        const { targets, pending } = accessLogTargets(bucketsByName(args.resources).buckets);
        await forEachBucket(args, (view) => {
            const { allowAes256 } = knobs<EncryptionKnobs>(args, encryptionSchema);
            const logTarget = targets.has(view.name);
            const allowed = ["aws:kms", "aws:kms:dsse", ...(allowAes256 || logTarget ? ["AES256"] : [])];
            const { algorithms, configured } = encryptionAlgorithms(view);
            const anchor = anchorOf(view, ENCRYPTION_TYPES);
            if (!configured || algorithms.length === 0) {
                reportViolation(
                    `${describe(view)} has no default encryption; add an aws.s3.BucketServerSideEncryptionConfiguration with sseAlgorithm "aws:kms" and the stack's KMS key.`,
                    anchor.urn,
                );
                return;
            }
            const wrong = algorithms.filter((algorithm) => !allowed.includes(algorithm));
            if (wrong.length > 0) {
                // A bucket whose role as a log target is not known until deployment is judged then.
                if (wrong.every((algorithm) => algorithm === "AES256")) {
                    pending.forEach((read) => read());
                }
                reportViolation(
                    `${describe(view)} encrypts by default with ${listText(wrong.map((a) => `"${a}"`))}; set sseAlgorithm to ${listText(allowed.map((a) => `"${a}"`))}${wrong.includes("AES256") ? " (AES256 is accepted only on a bucket that receives server access logs of a bucket of the stack)" : ""}.`,
                    anchor.urn,
                );
            }
        });
    },
};

const PUBLIC_ACCESS_FLAGS = ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"] as const;

export const s3BucketPublicAccessBlock: StackValidationPolicy = {
    name: "s3-bucket-public-access-block",
    description:
        "Every S3 bucket of the stack, created or adopted, has a BucketPublicAccessBlock with blockPublicAcls, blockPublicPolicy, ignorePublicAcls and restrictPublicBuckets all true.",
    enforcementLevel: "mandatory",
    configSchema: { properties: {} },
    validateStack: (args, reportViolation) =>
        forEachBucket(args, (view) => {
            const blocks = view.companions.filter((c) => c.type === PUBLIC_ACCESS_BLOCK_TYPE);
            if (blocks.length === 0) {
                reportViolation(
                    `${describe(view)} has no public access block; add an aws.s3.BucketPublicAccessBlock with ${listText([...PUBLIC_ACCESS_FLAGS])} set to true.`,
                    anchorOf(view, PUBLIC_ACCESS_BLOCK_TYPE).urn,
                );
                return;
            }
            for (const block of blocks) {
                const off = PUBLIC_ACCESS_FLAGS.filter((flag) => block.props[flag] !== true);
                if (off.length > 0) {
                    reportViolation(`${describe(view)}: ${block.name} leaves ${listText([...off])} off; set all four flags to true.`, block.urn);
                }
            }
        }),
};

/** A statement denying every S3 action on the bucket and its objects to everyone when the request is not TLS. */
function deniesInsecureTransport(statement: Statement, bucket: string): boolean {
    if (statement.effect !== "Deny" || !statement.principal?.anyone) {
        return false;
    }
    if (!(statement.actions ?? []).some((action) => action === "*" || /^s3:\*+$/i.test(action))) {
        return false;
    }
    const resources = (statement.resources ?? []).map((resource) => resource.replace(/^arn:aws[a-z-]*:/, "arn:aws:"));
    const covers = (arn: string) => resources.some((resource) => wildcardMatch(resource, arn));
    if (!covers(`arn:aws:s3:::${bucket}`) || !covers(`arn:aws:s3:::${bucket}/any-object`)) {
        return false;
    }
    return statement.conditions.some(
        (condition) =>
            /^Bool(IfExists)?$/.test(condition.operator) &&
            condition.key.toLowerCase() === "aws:securetransport" &&
            condition.values.some((value) => value === false || value === "false"),
    );
}

export const s3BucketTlsOnly: StackValidationPolicy = {
    name: "s3-bucket-tls-only",
    description:
        'Every S3 bucket of the stack, created or adopted, has a bucket policy with a Deny of "s3:*" to Principal "*" on the bucket and its objects when aws:SecureTransport is false.',
    enforcementLevel: "mandatory",
    configSchema: { properties: {} },
    validateStack: (args, reportViolation) =>
        forEachBucket(args, (view) => {
            // A BucketPolicy resource is authoritative; the Bucket's own (deprecated) policy only counts without one.
            const documents = view.companions.filter((c) => c.type === BUCKET_POLICY_TYPE).map((c) => () => c.props.policy);
            const bucket = view.bucket;
            if (documents.length === 0 && bucket && "policy" in bucket.props) {
                documents.push(() => bucket.props.policy);
            }
            const statements = documents.flatMap((read) => {
                const parsed = parseDocument(read());
                return "document" in parsed ? parsed.document.statements : [];
            });
            if (!statements.some((statement) => deniesInsecureTransport(statement, view.name))) {
                reportViolation(
                    `${describe(view)} does not deny requests without TLS; add a bucket policy statement {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": ["arn:aws:s3:::${view.name}", "arn:aws:s3:::${view.name}/*"], "Condition": {"Bool": {"aws:SecureTransport": "false"}}}.`,
                    anchorOf(view, BUCKET_POLICY_TYPE).urn,
                );
            }
        }),
};

export const s3EventNotifications: StackValidationPolicy = {
    name: "s3-event-notifications",
    description:
        "Every S3 bucket of the stack, created or adopted, publishes its object events to Amazon EventBridge: exactly one BucketNotification with eventbridge true (each one replaces the bucket's whole notification configuration), so that rules such as the dataset trigger, an audit or a team's own automation can act on uploads and deletions (Checkov CKV2_AWS_62). A bucket that receives another bucket's server access logs is exempt: its objects are S3's own log records, which nothing should react to one by one. Advisory: the platform runs without events unless its dataset trigger is on (the stack's config then requires them), and a team that adopts a bucket whose Lambda, SQS or SNS notifications it must keep may decide otherwise.",
    enforcementLevel: "advisory",
    configSchema: { properties: {} },
    validateStack: async (args, reportViolation) => {
        const { targets, pending } = accessLogTargets(bucketsByName(args.resources).buckets);
        await forEachBucket(args, (view) => {
            if (targets.has(view.name)) {
                return;
            }
            const notifications = view.companions.filter((c) => c.type === NOTIFICATION_TYPE);
            if (notifications.length === 0) {
                // A bucket whose role as a log target is not known until deployment is judged then.
                pending.forEach((read) => read());
                reportViolation(
                    `${describe(view)} publishes no object events, so nothing can react to new data (CKV2_AWS_62); add an aws.s3.BucketNotification with eventbridge: true (sagemaker-yolo:bucketEvents). EventBridge receives S3 events at no charge.`,
                    anchorOf(view, NOTIFICATION_TYPE).urn,
                );
                return;
            }
            if (notifications.length > 1) {
                reportViolation(
                    `${describe(view)} has ${notifications.length} BucketNotification resources (${listText(notifications.map((n) => n.name))}); each replaces the bucket's whole notification configuration, so only the last one applied survives: merge them into one.`,
                    notifications[1].urn,
                );
            }
            for (const notification of notifications) {
                if (notification.props.eventbridge !== true) {
                    reportViolation(
                        `${describe(view)}: ${notification.name} does not set eventbridge: true, so EventBridge rules never see the bucket's events; set it (Lambda, SQS and SNS destinations keep working beside it).`,
                        notification.urn,
                    );
                }
            }
        });
    },
};

interface RotationKnobs {
    maxRotationPeriodDays: number;
}
const rotationSchema = {
    properties: {
        maxRotationPeriodDays: integerKnob("Longest allowed rotationPeriodInDays (AWS accepts 90-2560; default rotation is yearly).", 365, 90),
    },
};

export const kmsKeyRotationEnabled: ScopedResourcePolicy = {
    appliesTo: ofTypes("aws:kms/key:Key"),
    name: "kms-key-rotation-enabled",
    description:
        "Symmetric customer-managed KMS keys (aws:kms/key:Key) have enableKeyRotation true and a rotationPeriodInDays no longer than maxRotationPeriodDays. Asymmetric and HMAC keys, which AWS cannot rotate, are exempt.",
    enforcementLevel: "mandatory",
    configSchema: rotationSchema,
    validateResource: (args, reportViolation) => {
        if (args.type !== "aws:kms/key:Key") {
            args.notApplicable("only KMS keys rotate");
        }
        const spec = args.props.keySpec ?? args.props.customerMasterKeySpec;
        if (spec !== undefined && spec !== "SYMMETRIC_DEFAULT") {
            args.notApplicable(`${spec} keys cannot rotate automatically`);
        }
        if (args.props.enableKeyRotation !== true) {
            reportViolation(`KMS key ${args.name} does not rotate; set enableKeyRotation: true.`);
        }
        const { maxRotationPeriodDays } = knobs<RotationKnobs>(args, rotationSchema);
        const period = args.props.rotationPeriodInDays;
        if (typeof period === "number" && period > maxRotationPeriodDays) {
            reportViolation(`KMS key ${args.name} rotates every ${period} days; set rotationPeriodInDays to at most ${maxRotationPeriodDays}.`);
        }
    },
};

/** Where each SageMaker resource type names its KMS key. */
const SAGEMAKER_KEYS: Record<string, { property: string; what: string }> = {
    "aws:sagemaker/domain:Domain": { property: "kmsKeyId", what: "Studio domain (EFS home folders and space volumes)" },
    "aws:sagemaker/notebookInstance:NotebookInstance": { property: "kmsKeyId", what: "notebook instance (ML storage volume)" },
};
const SHARING_SETTINGS: Record<string, string[]> = {
    "aws:sagemaker/domain:Domain": ["defaultUserSettings"],
    "aws:sagemaker/userProfile:UserProfile": ["userSettings"],
};

export const sagemakerKmsEncryption: ScopedResourcePolicy = {
    appliesTo: ofTypes(...Object.keys(SAGEMAKER_KEYS), ...Object.keys(SHARING_SETTINGS)),
    name: "sagemaker-kms-encryption",
    description:
        "SageMaker Studio domains (kmsKeyId) and notebook instances (kmsKeyId) name a KMS key, and Studio notebook sharing to S3 (sharingSettings with notebookOutputOption Allowed) names s3KmsKeyId. A key that is only known after deployment counts as set. (Endpoint configurations take a key only on EBS types: sagemaker-endpoint-volume-kms.)",
    enforcementLevel: "mandatory",
    configSchema: { properties: {} },
    validateResource: (args, reportViolation) => {
        const key = SAGEMAKER_KEYS[args.type];
        const settings = SHARING_SETTINGS[args.type];
        if (!key && !settings) {
            args.notApplicable("not a SageMaker resource that stores data");
        }
        if (key && !isSetOrUnknown(() => args.props[key.property])) {
            reportViolation(`SageMaker ${key.what} ${args.name} has no ${key.property}; set it to the stack's KMS key ARN.`);
        }
        for (const property of settings ?? []) {
            const sharing = peek(() => args.props[property]?.sharingSettings);
            if (sharing === UNKNOWN || !sharing || peek(() => sharing.notebookOutputOption) !== "Allowed") {
                continue;
            }
            if (!isSetOrUnknown(() => sharing.s3KmsKeyId)) {
                reportViolation(`${args.name} ${property}.sharingSettings shares notebooks to S3 without s3KmsKeyId; set it to the stack's KMS key.`);
            }
        }
    },
};

const SNS_TOPIC_TYPE = "aws:sns/topic:Topic";
/** An AWS managed key, by alias or alias ARN (`alias/aws/sns`, `arn:aws:kms:<region>:<account>:alias/aws/sns`). */
const AWS_MANAGED_KEY = /(^|:)alias\/aws\//;

export const snsTopicKmsEncryption: ScopedResourcePolicy = {
    appliesTo: ofTypes(SNS_TOPIC_TYPE),
    name: "sns-topic-kms-encryption",
    description:
        "SNS topics are encrypted at rest with a customer managed KMS key: kmsMasterKeyId is set and is not an AWS managed key (alias/aws/sns), whose key policy cannot let EventBridge, CloudWatch alarms or AWS Budgets publish to the topic. A key known only after deployment counts as set.",
    enforcementLevel: "mandatory",
    configSchema: { properties: {} },
    validateResource: (args, reportViolation) => {
        if (args.type !== SNS_TOPIC_TYPE) {
            args.notApplicable("not an SNS topic");
        }
        const key = peek(() => args.props.kmsMasterKeyId);
        if (key === UNKNOWN) {
            return; // An output of the stack's key: set at deployment.
        }
        if (typeof key !== "string" || key.trim().length === 0) {
            reportViolation(
                `SNS topic ${args.name} has no kmsMasterKeyId, so its messages are stored unencrypted; set it to the stack's customer managed KMS key ARN (whose key policy lets the publishing services use it).`,
            );
        } else if (AWS_MANAGED_KEY.test(key)) {
            reportViolation(
                `SNS topic ${args.name} is encrypted with the AWS managed key "${key}", whose key policy AWS controls: EventBridge, CloudWatch alarms and AWS Budgets cannot publish to the topic; set kmsMasterKeyId to a customer managed key whose key policy allows them kms:GenerateDataKey* and kms:Decrypt.`,
            );
        }
    },
};

const PUBLIC_GRANTEES = ["http://acs.amazonaws.com/groups/global/AllUsers", "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"];

/** Where each resource type sets a canned ACL and grants (`grants[].uri`, or `accessControlPolicy.grants[].grantee.uri`). */
const ACL_SETTINGS: Readonly<Record<string, { readonly grants?: "grants" | "accessControlPolicy" }>> = {
    "aws:s3/bucket:Bucket": { grants: "grants" },
    "aws:s3/bucketV2:BucketV2": { grants: "grants" },
    "aws:s3/bucketAcl:BucketAcl": { grants: "accessControlPolicy" },
    "aws:s3/bucketAclV2:BucketAclV2": { grants: "accessControlPolicy" },
    "aws:s3/bucketObject:BucketObject": {},
    "aws:s3/bucketObjectv2:BucketObjectv2": {},
    "aws:s3/objectCopy:ObjectCopy": { grants: "grants" },
};

interface AclKnobs {
    allowedCannedAcls: string[];
}
const aclSchema = {
    properties: {
        allowedCannedAcls: stringList("Canned ACLs a bucket or object may set (`private` is S3's default: only the owner).", ["private"]),
    },
};

export const s3NoPublicAcl: ScopedResourcePolicy = {
    appliesTo: ofTypes(...Object.keys(ACL_SETTINGS)),
    name: "s3-no-public-acl",
    description:
        "No bucket or object of the stack sets a canned ACL other than `private` (Bucket/BucketV2.acl, BucketAcl/BucketAclV2.acl, BucketObject(v2).acl, ObjectCopy.acl) or grants anything to AllUsers or AuthenticatedUsers (grants, accessControlPolicy.grants). The rule holds whatever the bucket's ownership controls say: BucketOwnerEnforced makes S3 refuse ACLs today, but the pack does not depend on another resource staying as it is.",
    enforcementLevel: "mandatory",
    configSchema: aclSchema,
    validateResource: async (args, reportViolation) => {
        const setting = ACL_SETTINGS[args.type];
        if (!setting) {
            args.notApplicable("sets no S3 ACL");
        }
        const { allowedCannedAcls } = knobs<AclKnobs>(args, aclSchema);
        const reads: (() => void)[] = [
            () => {
                const acl = args.props.acl;
                if (acl !== undefined && acl !== null && !allowedCannedAcls.includes(String(acl))) {
                    reportViolation(
                        `${args.name} sets the canned ACL "${String(acl)}"; ${/public/.test(String(acl)) ? "it exposes the data to everyone on the internet" : "only the owner may have access through ACLs"}: remove acl (or set "private") and grant access with IAM and the bucket policy.`,
                    );
                }
            },
        ];
        const grantsAt = setting.grants === "accessControlPolicy" ? () => args.props.accessControlPolicy?.grants : setting.grants === "grants" ? () => args.props.grants : undefined;
        if (grantsAt) {
            for (const [index, read] of elements(grantsAt).entries()) {
                reads.push(() => {
                    const grant = read() as Record<string, any> | undefined;
                    const uri = setting.grants === "accessControlPolicy" ? grant?.grantee?.uri : grant?.uri;
                    if (typeof uri === "string" && PUBLIC_GRANTEES.includes(uri)) {
                        const where = setting.grants === "accessControlPolicy" ? `accessControlPolicy.grants[${index}]` : `grants[${index}]`;
                        reportViolation(
                            `${args.name} ${where} grants ${listText((setting.grants === "accessControlPolicy" ? [grant?.permission] : (grant?.permissions ?? [])).map(String))} to ${uri.split("/").pop()}; ${uri.endsWith("AllUsers") ? "anyone on the internet" : "any AWS account"} could then reach the data: remove the grant.`,
                        );
                    }
                });
            }
        }
        await eachKnown(reads, (read) => read());
    },
};

export const storagePolicies = [s3BucketKmsEncryption, s3BucketPublicAccessBlock, s3BucketTlsOnly, s3EventNotifications, s3NoPublicAcl, kmsKeyRotationEnabled, sagemakerKmsEncryption, snsTopicKmsEncryption];

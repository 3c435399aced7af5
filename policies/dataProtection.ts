// Data protection beyond encryption: who touched the data (S3 server access logs) and a copy that survives the
// loss of a region (cross-region replication). The pack sees resources, not the stack's config, so whether
// replication was asked for is a knob (requireReplication) that the stack's plan sets from its own config; it
// checks that logging is everywhere, that replication which exists keeps the data encrypted with a key of the
// stack in the replica's region, and that the role S3 replicates with reaches only the replicated buckets.
import { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { REPLICATION_SERVICE, SERVICE_TAG_KEY } from "./catalog";
import { coversAction } from "./iamActions";
import { hasWildcard, parseDocument, Statement, usesKeyThroughS3Only, wildcardMatch } from "./iamDocument";
import { booleanKnob, knobs, listText, stringList } from "./knobs";
import { reportExternalAttachment, roleNameOf, roleSteps, rolesTagged } from "./roleGrants";
import { indexOf, StackIndex } from "./stackIndex";
import {
    accessLogTargets,
    anchorOf,
    BUCKET_POLICY_TYPE,
    BucketView,
    bucketsByName,
    describe,
    encryptionAlgorithms,
    forEachBucket,
    LOGGING_TYPES,
    loggingOf,
    LoggingSetting,
} from "./storage";
import { eachKnown, elements, isSetOrUnknown, peek, UNKNOWN } from "./unknowns";

export const REPLICATION_CONFIG_TYPE = "aws:s3/bucketReplicationConfig:BucketReplicationConfig";
const KEY_TYPE = "aws:kms/key:Key";
const ALIAS_TYPE = "aws:kms/alias:Alias";
/** The service principal that delivers S3 server access logs. */
const LOG_DELIVERY_SERVICE = "logging.s3.amazonaws.com";

/** The region a resource is deployed to: its provider's `region`, when the provider states one. */
export function regionOf(resource: PolicyResource | undefined): string | undefined {
    const region = peek(() => resource?.provider?.props.region);
    return typeof region === "string" && region.length > 0 ? region : undefined;
}

/** The region of a bucket of the stack: that of its Bucket resource, else of the resources that configure it. */
function bucketRegion(view: BucketView): string | undefined {
    return [view.bucket, ...view.companions].map(regionOf).find((region) => region !== undefined);
}

/** The bucket name in an S3 bucket ARN (`arn:aws:s3:::name`), or the value itself when it is a plain name. */
function bucketNameOfArn(value: string): string {
    const match = /^arn:aws[a-z-]*:s3:::([^/]+)$/.exec(value);
    return match ? match[1] : value;
}

// ---- Server access logging ----

interface LoggingKnobs {
    externalLogBuckets: string[];
}
const loggingSchema = {
    properties: {
        externalLogBuckets: stringList(
            "Log buckets outside the stack (an organisation's central log bucket, say) that a bucket may send its server access logs to; the pack cannot check their encryption or policy.",
            [],
        ),
    },
};

/** Whether a bucket policy statement lets S3's log delivery write objects under `prefix` of the target. */
function allowsLogDelivery(statement: Statement, target: string, prefix: string): boolean {
    return (
        statement.effect === "Allow" &&
        (statement.principal?.service ?? []).includes(LOG_DELIVERY_SERVICE) &&
        (statement.actions ?? []).some((action) => coversAction(action, "s3:PutObject")) &&
        (statement.resources ?? []).some((resource) => wildcardMatch(resource.replace(/^arn:aws[a-z-]*:/, "arn:aws:"), `arn:aws:s3:::${target}/${prefix}any-log-object`))
    );
}

/** The statements of every bucket policy of a bucket of the stack (a BucketPolicy is authoritative over the bucket's own). */
function bucketPolicyStatements(view: BucketView): Statement[] {
    const documents = view.companions.filter((c) => c.type === BUCKET_POLICY_TYPE).map((c) => () => c.props.policy);
    const bucket = view.bucket;
    if (documents.length === 0 && bucket && "policy" in bucket.props) {
        documents.push(() => bucket.props.policy);
    }
    return documents.flatMap((read) => {
        const parsed = parseDocument(read());
        return "document" in parsed ? parsed.document.statements : [];
    });
}

export const s3AccessLoggingRequired: StackValidationPolicy = {
    name: "s3-access-logging-required",
    description:
        "Every S3 bucket of the stack that is not itself a log target has server access logging (aws.s3.BucketLogging, or the Bucket's inline logging) to a bucket of the stack in the same region (or one of externalLogBuckets), never to itself. Every log target of the stack can receive the logs: its default encryption is AES256 (S3 delivers no access logs to an SSE-KMS default) and its bucket policy lets logging.s3.amazonaws.com s3:PutObject under each source's targetPrefix (with ACLs disabled, nothing else can).",
    enforcementLevel: "mandatory",
    configSchema: loggingSchema,
    validateStack: async (args, reportViolation) => {
        const { externalLogBuckets } = knobs<LoggingKnobs>(args, loggingSchema);
        const { buckets, pending } = bucketsByName(args.resources);
        const byName = new Map(buckets.map((view) => [view.name, view]));
        const { targets, pending: pendingTargets } = accessLogTargets(buckets);
        await forEachBucket(args, (view) => {
            const received = targets.get(view.name);
            if (received) {
                checkTarget(view, received, reportViolation);
                return;
            }
            const settings = loggingOf(view);
            if (settings.length === 0) {
                // A bucket that turns out to be a log target at deployment needs no logs of its own.
                pendingTargets.forEach((read) => read());
                reportViolation(
                    `${describe(view)} has no server access logging, so reads and writes of its data leave no trace; add an aws.s3.BucketLogging with bucket "${view.name}", targetBucket a log bucket of the stack (AES256, a bucket policy letting ${LOG_DELIVERY_SERVICE} write) and targetPrefix "${view.name}/".`,
                    anchorOf(view, LOGGING_TYPES).urn,
                );
                return;
            }
            for (const setting of settings) {
                const target = setting.target();
                const at = `${describe(view)}: ${setting.where}`;
                if (typeof target !== "string" || target.length === 0) {
                    reportViolation(`${at} names no targetBucket; name the log bucket.`, setting.holder.urn);
                } else if (target === view.name) {
                    reportViolation(`${at} sends the bucket's access logs to the bucket itself, so every delivery is logged again without end; use a log bucket of its own.`, setting.holder.urn);
                } else if (!byName.has(target) && !externalLogBuckets.includes(target)) {
                    reportViolation(
                        `${at} sends its access logs to "${target}", which is not a bucket of the stack, so the pack cannot check that the logs are kept, encrypted and private; create the log bucket in the stack or list it in externalLogBuckets.`,
                        setting.holder.urn,
                    );
                } else if (byName.has(target)) {
                    const [from, to] = [bucketRegion(view), bucketRegion(byName.get(target)!)];
                    if (from !== undefined && to !== undefined && from !== to) {
                        reportViolation(
                            `${at} sends its access logs to "${target}" in ${to}, but the bucket is in ${from}; S3 delivers access logs only to a bucket of the source's region: create a log bucket there (with that region's provider).`,
                            setting.holder.urn,
                        );
                    }
                }
            }
        });
        await eachKnown(pending, (read) => read());
    },
};

/** A log target's encryption and its policy's grant to log delivery, for every bucket that logs to it. */
function checkTarget(view: BucketView, sources: { source: BucketView; setting: LoggingSetting }[], reportViolation: (message: string, urn?: string) => void): void {
    const { algorithms, configured } = encryptionAlgorithms(view);
    const notSseS3 = algorithms.filter((algorithm) => algorithm !== "AES256");
    const from = listText(sources.map(({ source }) => `"${source.name}"`));
    if (configured && notSseS3.length > 0) {
        reportViolation(
            `${describe(view)} receives the server access logs of ${from} but encrypts by default with ${listText(notSseS3.map((a) => `"${a}"`))}; S3 delivers access logs only to a bucket whose default encryption is SSE-S3, so none arrive: set sseAlgorithm "AES256" on the log bucket.`,
            anchorOf(view, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration").urn,
        );
    }
    const statements = bucketPolicyStatements(view);
    for (const { source, setting } of sources) {
        const rawPrefix = peek(setting.prefix);
        if (rawPrefix === UNKNOWN) {
            setting.prefix();
        }
        const prefix = typeof rawPrefix === "string" ? rawPrefix : "";
        if (!statements.some((statement) => allowsLogDelivery(statement, view.name, prefix))) {
            reportViolation(
                `${describe(view)} receives the server access logs of "${source.name}" (${setting.where}) but no bucket policy statement lets ${LOG_DELIVERY_SERVICE} s3:PutObject on "arn:aws:s3:::${view.name}/${prefix}*"; add one with aws:SourceArn "arn:aws:s3:::${source.name}" and aws:SourceAccount (AWS's recommended grant; bucket ACL grants stop working once ObjectOwnership is BucketOwnerEnforced).`,
                anchorOf(view, BUCKET_POLICY_TYPE).urn,
            );
        }
    }
}

// ---- Cross-region replication ----

/** The rules of a BucketReplicationConfig, each read when checked (a rule may be unknown during preview). */
function replicationRules(config: PolicyResource): { label: string; read: () => Record<string, any> }[] {
    return elements(() => config.props.rules).map((read, index) => {
        const id = peek(() => (read() as Record<string, any> | undefined)?.id);
        return { label: `rule ${typeof id === "string" ? `"${id}"` : `#${index + 1}`}`, read: () => (read() ?? {}) as Record<string, any> };
    });
}

/** The destination bucket names of the stack's replication rules; `unknown` when some are not known yet (preview). */
function replicationDestinations(resources: readonly PolicyResource[]): { names: ReadonlySet<string>; unknown: boolean } {
    return indexOf(resources).memo(findReplicationDestinations);
}

function findReplicationDestinations(resources: readonly PolicyResource[]): { names: ReadonlySet<string>; unknown: boolean } {
    const names = new Set<string>();
    let unknown = false;
    for (const config of indexOf(resources).ofType(REPLICATION_CONFIG_TYPE)) {
        for (const rule of replicationRules(config)) {
            const destination = peek(() => rule.read().destination?.bucket);
            if (destination === UNKNOWN) {
                unknown = true;
            } else if (typeof destination === "string") {
                names.add(bucketNameOfArn(destination));
            }
        }
    }
    return { names, unknown };
}

/** Re-reads every replication destination, so that a check waiting on one unknown in preview throws until it is known. */
function readDestinations(resources: readonly PolicyResource[]): void {
    for (const config of indexOf(resources).ofType(REPLICATION_CONFIG_TYPE)) {
        replicationRules(config).forEach((rule) => void rule.read().destination?.bucket);
    }
}

interface RequiredReplicationKnobs {
    requireReplication: boolean;
}
const requiredReplicationSchema = {
    properties: {
        requireReplication: booleanKnob(
            "Every data bucket of the stack must replicate to another region. The pack cannot tell from the resources whether a stack wants a replica: the project's plan sets this from its `replication` config (tools/stackConfig.ts stackPolicyConfig); a `--policy-pack-config` sets it for `pulumi preview`.",
            false,
        ),
    },
};

export const s3ReplicationRequired: StackValidationPolicy = {
    name: "s3-replication-required",
    description:
        "With requireReplication on (the stack's config asks for cross-region replication), every data bucket of the stack, created or adopted, is the source of an aws.s3.BucketReplicationConfig with at least one Enabled rule, so that a copy of the data survives the loss of its region. A bucket that receives another bucket's server access logs, or is a replication destination itself, is not a data bucket. Off by default: without the stack's config the pack cannot know whether a replica was asked for.",
    enforcementLevel: "mandatory",
    configSchema: requiredReplicationSchema,
    validateStack: async (args, reportViolation) => {
        const { requireReplication } = knobs<RequiredReplicationKnobs>(args, requiredReplicationSchema);
        if (!requireReplication) {
            args.notApplicable("requireReplication is off");
        }
        const { targets, pending: pendingTargets } = accessLogTargets(bucketsByName(args.resources).buckets);
        const destinations = replicationDestinations(args.resources);
        await forEachBucket(args, (view) => {
            if (targets.has(view.name) || destinations.names.has(view.name)) {
                return;
            }
            const configs = view.companions.filter((companion) => companion.type === REPLICATION_CONFIG_TYPE);
            const enabled = configs.some((config) =>
                replicationRules(config).some((rule) => {
                    const status = peek(() => rule.read().status);
                    return status === "Enabled" || status === UNKNOWN;
                }),
            );
            if (enabled) {
                return;
            }
            // A bucket that turns out to be a log target or a replica at deployment is judged then.
            pendingTargets.forEach((read) => read());
            if (destinations.unknown) {
                readDestinations(args.resources);
            }
            reportViolation(
                configs.length > 0
                    ? `${describe(view)} has no Enabled replication rule (${listText(configs.map((config) => config.name))}), but the stack's config asks for cross-region replication (requireReplication), so its data has no copy outside its region; enable the rules.`
                    : `${describe(view)} has no aws.s3.BucketReplicationConfig, but the stack's config asks for cross-region replication (requireReplication), so its data has no copy outside its region; replicate it to a bucket of the stack in another region (sagemaker-yolo:replication).`,
                anchorOf(view, REPLICATION_CONFIG_TYPE).urn,
            );
        });
    },
};

/** The region in a KMS key or alias ARN. */
function regionOfKeyArn(value: string): string | undefined {
    return /^arn:aws[a-z-]*:kms:([a-z0-9-]+):\d{12}:(key|alias)\//.exec(value)?.[1];
}

/**
 * The KMS keys of the stack a replica key reference can stand for: the key (or alias) whose ARN it is, when the
 * ARN is known and the stack's resources carry ARNs (under the engine after deployment); otherwise the keys the
 * config's `rules` input depends on (what the engine records whichever way the reference is written).
 */
function candidateKeys(config: PolicyResource, reference: unknown, resources: readonly PolicyResource[]): PolicyResource[] {
    const index = indexOf(resources);
    if (typeof reference === "string") {
        const { keysByReference, aliases } = index.memo(kmsLookup);
        const byArn = keysByReference.get(reference);
        if (byArn) {
            return byArn;
        }
        // The alias itself (`alias/name`) or an ARN ending in it (`…:alias/name`): the first registered of those names.
        const names = [reference, ...[...reference.matchAll(/:/g)].map((match) => reference.slice(match.index + 1))];
        const alias = names.map((name) => aliases.get(name)).filter((found) => found !== undefined).sort((a, b) => a.order - b.order)[0]?.alias;
        if (alias) {
            return index.dependenciesOf(alias, "targetKeyId", KEY_TYPE);
        }
    }
    return index.dependenciesOf(config, "rules", KEY_TYPE);
}

/** The stack's KMS keys by known ARN and key id, and its aliases by name (with registration order), once per evaluation. */
function kmsLookup(_resources: readonly PolicyResource[], index: StackIndex): { keysByReference: Map<unknown, PolicyResource[]>; aliases: Map<string, { alias: PolicyResource; order: number }> } {
    const keysByReference = new Map<unknown, PolicyResource[]>();
    for (const key of index.ofType(KEY_TYPE)) {
        for (const reference of new Set([peek(() => key.props.arn), peek(() => key.props.keyId)])) {
            if (typeof reference === "string") {
                keysByReference.set(reference, [...(keysByReference.get(reference) ?? []), key]);
            }
        }
    }
    const aliases = new Map<string, { alias: PolicyResource; order: number }>();
    index.ofType(ALIAS_TYPE).forEach((alias, order) => {
        const name = peek(() => alias.props.name);
        if (typeof name === "string" && !aliases.has(name)) {
            aliases.set(name, { alias, order });
        }
    });
    return { keysByReference, aliases };
}

export const s3ReplicationEncrypted: StackValidationPolicy = {
    name: "s3-replication-encrypted",
    description:
        "Every rule of every aws.s3.BucketReplicationConfig keeps the data encrypted with a key of the stack: a source bucket whose default encryption is aws:kms replicates its SSE-KMS objects (sourceSelectionCriteria.sseKmsEncryptedObjects Enabled; otherwise S3 silently skips them); a rule that replicates SSE-KMS objects names destination.encryptionConfiguration.replicaKmsKeyId; that key is an aws.kms.Key of the stack (by ARN, or by the rules' dependency on it) in the destination bucket's region (the providers' regions, or the key ARN's), as S3 requires; and the destination is a bucket of the stack, so the pack checks its own protection.",
    enforcementLevel: "mandatory",
    configSchema: { properties: {} },
    validateStack: async (args, reportViolation) => {
        const configs = indexOf(args.resources).ofType(REPLICATION_CONFIG_TYPE);
        if (configs.length === 0) {
            args.notApplicable("the stack configures no replication");
        }
        const byName = new Map(bucketsByName(args.resources).buckets.map((view) => [view.name, view]));
        const checkRule = (config: PolicyResource, label: string, rule: Record<string, any>) => {
            const at = `${config.name} ${label}`;
            const sourceName = config.props.bucket;
            const source = typeof sourceName === "string" ? byName.get(sourceName) : undefined;
            if (rule.sourceSelectionCriteria?.sseKmsEncryptedObjects?.status !== "Enabled") {
                if (source !== undefined && encryptionAlgorithms(source).algorithms.some((algorithm) => algorithm.startsWith("aws:kms"))) {
                    reportViolation(
                        `${at} does not replicate SSE-KMS objects, but "${source.name}" encrypts every object with aws:kms by default, so S3 replicates none of them; set sourceSelectionCriteria.sseKmsEncryptedObjects.status "Enabled" and destination.encryptionConfiguration.replicaKmsKeyId.`,
                        config.urn,
                    );
                }
                return;
            }
            const readKey = () => rule.destination?.encryptionConfiguration?.replicaKmsKeyId;
            if (!isSetOrUnknown(readKey)) {
                reportViolation(`${at} replicates SSE-KMS objects without destination.encryptionConfiguration.replicaKmsKeyId; name a KMS key of the stack in the destination's region.`, config.urn);
                return;
            }
            const destinationArn = rule.destination?.bucket;
            const destinationName = typeof destinationArn === "string" ? bucketNameOfArn(destinationArn) : undefined;
            const destination = destinationName === undefined ? undefined : byName.get(destinationName);
            if (!destination) {
                reportViolation(
                    `${at} replicates to ${destinationName === undefined ? "no destination bucket" : `"${destinationName}"`}, which is not a bucket of the stack, so its encryption, public access block and TLS policy are not checked; replicate to a bucket the stack creates.`,
                    config.urn,
                );
                return;
            }
            const reference = peek(readKey);
            const known = typeof reference === "string" ? reference : undefined;
            const keys = candidateKeys(config, known, args.resources);
            if (keys.length === 0) {
                reportViolation(
                    `${at} encrypts replicas with ${known ? `"${known}"` : "a key"} that is not an aws.kms.Key of the stack, so its rotation and key policy are not checked; create the replica's key in the stack (with the destination region's provider) and pass its ARN.`,
                    config.urn,
                );
                return;
            }
            const wanted = bucketRegion(destination);
            const arnRegion = known === undefined ? undefined : regionOfKeyArn(known);
            // A known ARN names the key's region itself; before deployment the key's provider tells.
            const keyRegions = arnRegion ? [arnRegion] : [...new Set(keys.map(regionOf).filter((region): region is string => region !== undefined))];
            if (wanted !== undefined && keyRegions.length > 0 && !keyRegions.includes(wanted)) {
                reportViolation(
                    `${at} encrypts replicas in "${destination.name}" (${wanted}) with ${listText(keys.map((key) => key.name))} in ${listText(keyRegions)}; S3 requires the replica key in the destination bucket's region: create it with that region's provider.`,
                    config.urn,
                );
            }
        };
        const work = configs.flatMap((config) => replicationRules(config).map((rule) => () => checkRule(config, rule.label, rule.read())));
        await eachKnown(work, (step) => step());
    },
};

interface ReplicationRoleKnobs {
    allowedActions: string[];
    trustedPolicyArns: string[];
}
const replicationRoleSchema = {
    properties: {
        allowedActions: stringList("Actions the replication role may hold (named, no wildcards).", [
            "s3:GetReplicationConfiguration",
            "s3:ListBucket",
            "s3:GetObjectVersionForReplication",
            "s3:GetObjectVersionAcl",
            "s3:GetObjectVersionTagging",
            "s3:ReplicateObject",
            "s3:ReplicateDelete",
            "s3:ReplicateTags",
            "kms:Decrypt",
            "kms:Encrypt",
        ]),
        trustedPolicyArns: stringList("Managed policies not defined in the stack that may nevertheless be attached to the replication role.", []),
    },
};

const REPLICA_WRITES = ["s3:replicateobject", "s3:replicatedelete", "s3:replicatetags"];

/** Problems of one Allow statement of the replication role, given the buckets the stack replicates into. */
function replicationStatementProblems(statement: Statement, config: ReplicationRoleKnobs, destinations: ReadonlySet<string> | undefined): string[] {
    if (statement.notActions) {
        return [`allows every action except ${listText(statement.notActions)} (NotAction)`];
    }
    const allowed = new Set(config.allowedActions.map((action) => action.toLowerCase()));
    const actions = statement.actions ?? [];
    const problems: string[] = [];
    const wildcards = actions.filter(hasWildcard);
    const disallowed = actions.filter((action) => !hasWildcard(action) && !allowed.has(action.toLowerCase()));
    if (wildcards.length > 0) {
        problems.push(`allows the wildcard action${wildcards.length > 1 ? "s" : ""} ${listText(wildcards.map((a) => `"${a}"`))}; name the actions replication needs`);
    }
    if (disallowed.length > 0) {
        problems.push(`allows ${listText(disallowed)}, which the replication role may not hold (allowed: ${listText(config.allowedActions, 10)})`);
    }
    const writes = actions.filter((action) => REPLICA_WRITES.includes(action.toLowerCase()));
    // Inside a destination: an object ARN (`arn:aws:s3:::<bucket>/…`) whose bucket part is one of them, looked up by name.
    const outside = (statement.resources ?? []).filter((resource) => {
        const object = /^arn:aws[a-z-]*:s3:::([^/]*)\//.exec(resource);
        return !(object && destinations?.has(object[1]));
    });
    if (destinations !== undefined && writes.length > 0 && (outside.length > 0 || statement.notResources)) {
        const where = statement.notResources ? ["everything but the NotResource"] : outside.map((r) => `"${r}"`);
        problems.push(
            `allows ${listText(writes)} on ${listText(where)}, outside the replication destinations of the stack (${destinations.size > 0 ? listText([...destinations]) : "none"}); a replica is written only where a BucketReplicationConfig of the stack sends it`,
        );
    }
    const kms = actions.filter((action) => action.toLowerCase().startsWith("kms:"));
    if (kms.length > 0 && !usesKeyThroughS3Only(statement)) {
        problems.push(`allows ${listText(kms)} without a kms:ViaService condition limited to S3; add {"StringLike": {"kms:ViaService": "s3.<region>.amazonaws.com"}}`);
    }
    return problems;
}

export const s3ReplicationRoleScoped: StackValidationPolicy = {
    name: "s3-replication-role-scoped",
    description: `Every role tagged \`${SERVICE_TAG_KEY}: ${REPLICATION_SERVICE}\` (the role S3 replicates with) holds only named actions of allowedActions — reading object versions for replication, writing replicas (ReplicateObject/Delete/Tags) only into the destination buckets of the stack's BucketReplicationConfigs, the keys only through S3 (kms:ViaService) — counting inline policies, RolePolicy resources and attached policies of the stack; wildcards, NotAction and unreadable attached policies are reported.`,
    enforcementLevel: "mandatory",
    configSchema: replicationRoleSchema,
    validateStack: async (args, reportViolation) => {
        const config = knobs<ReplicationRoleKnobs>(args, replicationRoleSchema);
        const { roles, pending } = rolesTagged(args.resources, SERVICE_TAG_KEY, (value) => value === REPLICATION_SERVICE);
        if (roles.length === 0 && pending.length === 0) {
            args.notApplicable(`no role is tagged ${SERVICE_TAG_KEY}: ${REPLICATION_SERVICE}`);
        }
        const destinations = replicationDestinations(args.resources);
        const work: (() => Promise<void>)[] = [...pending];
        if (destinations.unknown) {
            // Writes are judged against the destinations once every one of them is known: this read throws until then.
            work.push(async () => readDestinations(args.resources));
        }
        for (const role of roles) {
            const roleLabel = `the replication role ${roleNameOf(role) ?? role.name}`;
            work.push(
                ...roleSteps(role, args.resources, {
                    trustedPolicyArns: config.trustedPolicyArns,
                    external: reportExternalAttachment(reportViolation, roleLabel, "what replication can reach"),
                    statement: ({ statement, grant, at }) => {
                        if (statement.effect !== "Allow") {
                            return;
                        }
                        for (const problem of replicationStatementProblems(statement, config, destinations.unknown ? undefined : destinations.names)) {
                            reportViolation(`${at} (${roleLabel}) ${problem}.`, grant.holder.urn);
                        }
                    },
                }),
            );
        }
        await eachKnown(work, (step) => step());
    },
};

export const dataProtectionPolicies = [s3AccessLoggingRequired, s3ReplicationRequired, s3ReplicationEncrypted, s3ReplicationRoleScoped];

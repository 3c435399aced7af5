// Experiment tracking: a SageMaker managed MLflow tracking server keeps its artifacts in S3 and reaches them
// with a role of its own. That role is what the server (and so anyone who can reach the server's API) can do
// in the account, so it may touch its artifact store prefix, the bucket's location and listing, and the key
// through S3: nothing else. The role is found through the server's roleArn and judged with every policy the
// stack grants it (roleGrants.ts), like the persona roles.
import { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { MLFLOW_SERVER_SERVICE, SERVICE_TAG_KEY } from "./catalog";
import { hasWildcard, ROLE_TYPE, Statement, usesKeyThroughS3Only } from "./iamDocument";
import { booleanKnob, knobs, listText, stringList } from "./knobs";
import { reportExternalAttachment, roleNameOf, roleSteps, rolesTagged } from "./roleGrants";
import { serviceTrustProblems } from "./personas";
import { indexOf, roleNameOfArn } from "./stackIndex";
import { eachKnown, peek, UNKNOWN } from "./unknowns";

export const MLFLOW_SERVER_TYPE = "aws:sagemaker/mlflowTrackingServer:MlflowTrackingServer";

const SAGEMAKER_SERVICE = "sagemaker.amazonaws.com";

/** An S3 artifact store: `s3://<bucket>/<prefix>`, the prefix empty (whole bucket) or ending in `/`. */
export interface ArtifactStore {
    readonly uri: string;
    readonly bucket: string;
    readonly prefix: string;
}

/** Parses an artifactStoreUri; undefined unless it is an `s3://<bucket>[/<prefix>]` URI. */
export function parseArtifactStoreUri(uri: unknown): ArtifactStore | undefined {
    if (typeof uri !== "string") {
        return undefined;
    }
    const match = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(uri);
    if (!match) {
        return undefined;
    }
    const path = match[2] ?? "";
    if (hasWildcard(path)) {
        return undefined;
    }
    return { uri, bucket: match[1], prefix: path === "" || path.endsWith("/") ? path : `${path}/` };
}

interface MlflowRoleKnobs {
    allowedActions: string[];
    requireListPrefixCondition: boolean;
    requireKmsViaS3: boolean;
    trustedPolicyArns: string[];
}
const mlflowRoleSchema = {
    properties: {
        allowedActions: stringList(
            "Actions the tracking server's role may hold (named, no wildcards). S3 actions must be scoped to the artifact store's bucket ARN or to objects under its prefix, KMS actions to named keys.",
            [
                "s3:GetObject",
                "s3:PutObject",
                "s3:DeleteObject",
                "s3:AbortMultipartUpload",
                "s3:ListMultipartUploadParts",
                "s3:ListBucket",
                "s3:GetBucketLocation",
                "kms:Decrypt",
                "kms:Encrypt",
                "kms:GenerateDataKey",
                "kms:DescribeKey",
            ],
        ),
        requireListPrefixCondition: booleanKnob(
            "s3:ListBucket must test s3:prefix with values under the artifact store prefix (otherwise the server can list every key of the bucket).",
            true,
        ),
        requireKmsViaS3: booleanKnob("KMS actions must test kms:ViaService = s3.<region>.amazonaws.com, so the key serves only S3 requests of the server.", true),
        trustedPolicyArns: stringList("Managed policies not defined in the stack that may nevertheless be attached to the tracking server's role (their documents cannot be checked).", []),
    },
};

/** Which roles the stack's tracking servers use, with the artifact stores each role serves. */
interface ServerRole {
    readonly role: PolicyResource;
    readonly servers: string[];
    readonly serverResources: PolicyResource[];
    readonly stores: ArtifactStore[];
    /** Some server's artifactStoreUri is unknown during preview or not an S3 URI: S3 scopes are not checked. */
    storesIncomplete: boolean;
}

const S3_ARN = /^arn:aws[a-z-]*:s3:::(.+)$/;
const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(key|alias)\/[^*?]+$/;

/** Whether an S3 resource is the store's bucket or objects under its prefix (wildcards only after the prefix). */
function inStore(resource: string, store: ArtifactStore): boolean {
    const match = S3_ARN.exec(resource);
    if (!match) {
        return false;
    }
    const path = match[1];
    if (path === store.bucket) {
        return true;
    }
    const literal = path.split(/[*?]/)[0];
    return literal.startsWith(`${store.bucket}/${store.prefix}`);
}

/** Whether every value of the statement's s3:prefix conditions stays under one of the store prefixes. */
function listsOnlyUnderPrefix(statement: Statement, stores: readonly ArtifactStore[]): boolean {
    const conditions = statement.conditions.filter((condition) => condition.key.toLowerCase() === "s3:prefix");
    // Only positive string tests limit the listing: StringNotLike lists everything else, …IfExists lists without a prefix.
    if (conditions.length === 0 || conditions.some((condition) => !/^(ForAnyValue:|ForAllValues:)?String(Equals|Like)$/.test(condition.operator))) {
        return false;
    }
    return conditions.every((condition) =>
        condition.values.length > 0 &&
        condition.values.every((value) => typeof value === "string" && stores.some((store) => value.split(/[*?]/)[0].startsWith(store.prefix))),
    );
}

/** Problems of one Allow statement granted to a tracking server's role. */
function statementProblems(statement: Statement, serverRole: ServerRole, config: MlflowRoleKnobs): string[] {
    if (statement.notActions) {
        return [`allows every action except ${listText(statement.notActions)} (NotAction)`];
    }
    const problems: string[] = [];
    if (statement.notResources) {
        problems.push(`allows its actions on every resource except ${listText(statement.notResources)} (NotResource)`);
    }
    const allowed = new Set(config.allowedActions.map((action) => action.toLowerCase()));
    const actions = statement.actions ?? [];
    const wildcards = actions.filter(hasWildcard);
    const named = actions.filter((action) => !hasWildcard(action));
    const disallowed = named.filter((action) => !allowed.has(action.toLowerCase()));
    if (wildcards.length > 0) {
        problems.push(`allows the wildcard action${wildcards.length > 1 ? "s" : ""} ${listText(wildcards.map((a) => `"${a}"`))}; name the S3 and KMS actions the server needs`);
    }
    if (disallowed.length > 0) {
        problems.push(`allows ${listText(disallowed)}, which the role may not hold (allowed: ${listText(config.allowedActions, 12)}); remove ${disallowed.length > 1 ? "them" : "it"}`);
    }
    const service = (action: string) => action.split(":")[0].toLowerCase();
    const s3Actions = named.filter((action) => allowed.has(action.toLowerCase()) && service(action) === "s3");
    const kmsActions = named.filter((action) => allowed.has(action.toLowerCase()) && service(action) === "kms");
    const resources = statement.resources ?? [];
    const storeText = serverRole.stores.length > 0 ? listText(serverRole.stores.map((store) => store.uri)) : "its artifact store";
    if (s3Actions.length > 0 && !serverRole.storesIncomplete) {
        const outside = resources.filter((resource) => !serverRole.stores.some((store) => inStore(resource, store)));
        if (outside.length > 0) {
            const scopes = serverRole.stores.flatMap((store) => [`arn:aws:s3:::${store.bucket}`, `arn:aws:s3:::${store.bucket}/${store.prefix}*`]);
            problems.push(
                `allows ${listText(s3Actions)} on ${listText(outside.map((r) => `"${r}"`))}, outside the artifact store ${storeText}; scope S3 to ${listText([...new Set(scopes)].map((r) => `"${r}"`))}`,
            );
        }
        const lists = s3Actions.filter((action) => /^s3:ListBucket(Versions)?$/i.test(action));
        const prefixed = serverRole.stores.some((store) => store.prefix !== "");
        if (config.requireListPrefixCondition && lists.length > 0 && prefixed && !listsOnlyUnderPrefix(statement, serverRole.stores)) {
            const example = serverRole.stores.find((store) => store.prefix !== "")!.prefix;
            problems.push(`allows ${listText(lists)} without an s3:prefix condition limited to the artifact store prefix; add {"StringLike": {"s3:prefix": ["${example}*"]}}`);
        }
    }
    if (kmsActions.length > 0) {
        const unscoped = resources.filter((resource) => !KMS_KEY_ARN.test(resource));
        if (unscoped.length > 0) {
            problems.push(`allows ${listText(kmsActions)} on ${listText(unscoped.map((r) => `"${r}"`))}; name the key ARN (arn:aws:kms:<region>:<account>:key/<id>) without wildcards`);
        }
        if (config.requireKmsViaS3 && !usesKeyThroughS3Only(statement)) {
            problems.push(`allows ${listText(kmsActions)} without a kms:ViaService condition limited to S3; add {"StringEquals": {"kms:ViaService": "s3.<region>.amazonaws.com"}}`);
        }
    }
    return problems;
}

export const sagemakerMlflowServerRoleScoped: StackValidationPolicy = {
    name: "sagemaker-mlflow-server-role-scoped",
    description:
        "Every SageMaker managed MLflow tracking server has an s3:// artifactStoreUri and a role of the stack that only SageMaker may assume and that can do nothing but S3 on the artifact store (objects under its prefix, the bucket's location and a prefix-conditioned listing) and KMS through S3 on named keys: no other service, prefix, wildcard resource or wildcard action, counting inline policies, RolePolicy resources and attached policies of the stack.",
    enforcementLevel: "mandatory",
    configSchema: mlflowRoleSchema,
    validateStack: async (args, reportViolation) => {
        const config = knobs<MlflowRoleKnobs>(args, mlflowRoleSchema);
        const index = indexOf(args.resources);
        const servers = index.ofType(MLFLOW_SERVER_TYPE);
        if (servers.length === 0) {
            args.notApplicable("the stack has no MLflow tracking server");
        }
        const work: (() => Promise<void>)[] = [];
        const byRole = new Map<PolicyResource, ServerRole>();
        const claimed = new Set<PolicyResource>();
        const unresolved: PolicyResource[] = [];
        const use = (role: PolicyResource, server: PolicyResource) => {
            let entry = byRole.get(role);
            if (!entry) {
                entry = { role, servers: [], serverResources: [], stores: [], storesIncomplete: false };
                byRole.set(role, entry);
            }
            entry.servers.push(server.name);
            entry.serverResources.push(server);
            const uri = peek(() => server.props.artifactStoreUri);
            const store = uri === UNKNOWN ? undefined : parseArtifactStoreUri(uri);
            if (store) {
                entry.stores.push(store);
            } else {
                entry.storesIncomplete = true;
            }
        };

        for (const server of servers) {
            const uri = peek(() => server.props.artifactStoreUri);
            if (uri === UNKNOWN) {
                work.push(async () => void server.props.artifactStoreUri);
            } else if (!parseArtifactStoreUri(uri)) {
                reportViolation(
                    `MLflow tracking server ${server.name} has artifactStoreUri ${JSON.stringify(uri)}, which is not an s3://<bucket>/<prefix>/ URI; store artifacts under a prefix of the stack's encrypted bucket.`,
                    server.urn,
                );
            }
            const arn = peek(() => server.props.roleArn);
            if (arn === UNKNOWN) {
                // Under the engine the role a computed roleArn comes from is a property dependency.
                const dependencies = index.dependenciesOf(server, "roleArn", ROLE_TYPE);
                const role = dependencies.length === 1 ? dependencies[0] : undefined;
                if (role) {
                    claimed.add(role);
                    use(role, server);
                } else {
                    unresolved.push(server);
                }
                continue;
            }
            const roleName = typeof arn === "string" ? roleNameOfArn(arn) : undefined;
            const role = roleName === undefined ? undefined : index.role(roleName);
            if (!role) {
                reportViolation(
                    typeof arn === "string" && roleName !== undefined
                        ? `MLflow tracking server ${server.name} uses the role ${arn}, which is not defined in this stack, so what the server can do cannot be checked; give the server a role of its own in the stack.`
                        : `MLflow tracking server ${server.name} has roleArn ${JSON.stringify(arn)}, which is not a role ARN; give the server a role of its own in the stack.`,
                    server.urn,
                );
                continue;
            }
            claimed.add(role);
            use(role, server);
        }
        // A roleArn unknown during preview (the role's ARN is an output): the one role tagged as the tracking
        // server's that no other server claims is the one it uses; otherwise give up on it (not runnable in preview).
        if (unresolved.length > 0) {
            const tagged = rolesTagged(args.resources, SERVICE_TAG_KEY, (value) => value === MLFLOW_SERVER_SERVICE);
            const candidates = tagged.roles.filter((role) => !claimed.has(role));
            if (unresolved.length === 1 && candidates.length === 1) {
                use(candidates[0], unresolved[0]);
            } else {
                work.push(...unresolved.map((server) => async () => void server.props.roleArn));
            }
        }

        for (const serverRole of byRole.values()) {
            const { role } = serverRole;
            const roleLabel = `the role ${roleNameOf(role) ?? role.name} of MLflow tracking server ${listText(serverRole.servers)}`;
            work.push(async () => {
                for (const { where, problem } of serviceTrustProblems(role, [SAGEMAKER_SERVICE], "the tracking server")) {
                    reportViolation(`${role.name} ${where}: ${roleLabel} ${problem}.`, role.urn);
                }
            });
            work.push(
                ...roleSteps(role, args.resources, {
                    trustedPolicyArns: config.trustedPolicyArns,
                    external: reportExternalAttachment(reportViolation, roleLabel, "what the server can do"),
                    statement: ({ statement, grant, at }) => {
                        if (statement.effect !== "Allow") {
                            return;
                        }
                        for (const problem of statementProblems(statement, serverRole, config)) {
                            reportViolation(`${at} (${roleLabel}) ${problem}.`, grant.holder.urn);
                        }
                    },
                }),
            );
            if (serverRole.storesIncomplete) {
                // The S3 scopes were not checked: re-read the URIs so preview reports the policy as not fully run.
                work.push(async () => {
                    for (const server of serverRole.serverResources) {
                        void server.props.artifactStoreUri;
                    }
                });
            }
        }
        await eachKnown(work, (step) => step());
    },
};

export const mlflowPolicies = [sagemakerMlflowServerRoleScoped];

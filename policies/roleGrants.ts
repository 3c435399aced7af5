// What a role of the stack may do, joined from every resource that grants it something: its own inline
// policies and managedPolicyArns, RolePolicy resources, and RolePolicyAttachment / PolicyAttachment /
// RolePolicyAttachmentsExclusive resources followed to aws.iam.Policy resources of the stack. The stack
// policies that judge a role as a whole (persona boundaries, the model registry's separation of duties,
// Studio lifecycle configurations, the MLflow tracking server's role, the labeling and serving roles) share
// this join.
import { PolicyResource } from "@pulumi/policy";
import { SERVICE_TAG_KEY } from "./catalog";
import { ActionFacts, matchAction } from "./iamActions";
import { documentSourcesOf, hasWildcard, parseDocument, ROLE_TYPE, Statement, usesKeyThroughS3Only, wildcardMatch } from "./iamDocument";
import { listText } from "./knobs";
import { indexOf, MANAGED_POLICY_TYPE, referencedRoleName, ROLE_POLICY_TYPE } from "./stackIndex";
import { eachKnown, elements, peek, UNKNOWN } from "./unknowns";

/** A document that grants a role permissions, and the resource that holds it. */
export interface Grant {
    readonly holder: PolicyResource;
    readonly where: string;
    readonly read: () => unknown;
}

/** A managed policy ARN attached to a role, and the resource that attaches it. */
export interface Attachment {
    readonly holder: PolicyResource;
    readonly where: string;
    /** The holder's top-level input the ARN is in (`policyArn`, `policyArns`, `managedPolicyArns`). */
    readonly property: string;
    readonly read: () => unknown;
}

const ATTACHING_TYPES = new Set([
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
    "aws:iam/policyAttachment:PolicyAttachment",
    "aws:iam/userPolicyAttachment:UserPolicyAttachment",
    "aws:iam/groupPolicyAttachment:GroupPolicyAttachment",
    "aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive",
    "aws:iam/userPolicyAttachmentsExclusive:UserPolicyAttachmentsExclusive",
    "aws:iam/groupPolicyAttachmentsExclusive:GroupPolicyAttachmentsExclusive",
    ROLE_TYPE,
]);

/** Whether resources of this type can attach managed policies (attachments, and Role.managedPolicyArns). */
export function attachesManagedPolicies(type: string): boolean {
    return ATTACHING_TYPES.has(type);
}

/** Managed-policy ARNs a resource attaches, each with a way to read it (unknown in preview when computed). */
export function attachedPolicyArns(type: string, props: Record<string, any>): { where: string; property: string; read: () => unknown }[] {
    switch (type) {
        case "aws:iam/rolePolicyAttachment:RolePolicyAttachment":
        case "aws:iam/policyAttachment:PolicyAttachment":
        case "aws:iam/userPolicyAttachment:UserPolicyAttachment":
        case "aws:iam/groupPolicyAttachment:GroupPolicyAttachment":
            return [{ where: "policyArn", property: "policyArn", read: () => props.policyArn }];
        case "aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive":
        case "aws:iam/userPolicyAttachmentsExclusive:UserPolicyAttachmentsExclusive":
        case "aws:iam/groupPolicyAttachmentsExclusive:GroupPolicyAttachmentsExclusive":
            return elements(() => props.policyArns).map((read, index) => ({ where: `policyArns[${index}]`, property: "policyArns", read }));
        case ROLE_TYPE:
            return "managedPolicyArns" in props
                ? elements(() => props.managedPolicyArns).map((read, index) => ({ where: `managedPolicyArns[${index}]`, property: "managedPolicyArns", read }))
                : [];
        default:
            return [];
    }
}

/** The role's `name` input, when known. */
export function roleNameOf(role: PolicyResource): string | undefined {
    const name = peek(() => role.props.name);
    return typeof name === "string" ? name : undefined;
}

/**
 * The roles of the stack a role reference (`executionRole`, `roleArn`) stands for: the one its known ARN or name
 * names (none when that is not a role of the stack), or, while preview leaves it unknown, the roles the holder's
 * top-level input `property` depends on; `unknown` when no such dependency tells.
 */
export function rolesReferenced(resources: readonly PolicyResource[], holder: PolicyResource, property: string, value: unknown): { roles: PolicyResource[]; unknown: boolean } {
    const index = indexOf(resources);
    if (value === UNKNOWN) {
        const roles = index.dependenciesOf(holder, property, ROLE_TYPE);
        return { roles, unknown: roles.length === 0 };
    }
    const name = referencedRoleName(value);
    const role = name === undefined ? undefined : index.role(name);
    return { roles: role ? [role] : [], unknown: false };
}

/** The documents granted to a role and the managed policies attached to it, each counted once. */
export function grantsOf(role: PolicyResource, roleName: string | undefined, resources: readonly PolicyResource[]): { grants: Grant[]; attachments: Attachment[] } {
    const grants: Grant[] = [];
    const attachments: Attachment[] = [];
    const rolePolicyNames = new Set<unknown>();
    const attachedArns = new Set<unknown>();
    const attach = (found: Attachment[]) => {
        attachments.push(...found);
        found.forEach((attachment) => attachedArns.add(peek(attachment.read)));
    };
    // A PolicyAttachment naming the role twice attaches its policy once.
    const seen = new Set<PolicyResource>();
    for (const { holder } of roleName === undefined ? [] : indexOf(resources).referencesTo(roleName)) {
        if (seen.has(holder)) {
            continue;
        }
        seen.add(holder);
        if (holder.type === ROLE_POLICY_TYPE) {
            grants.push({ holder, where: "policy", read: () => holder.props.policy });
            rolePolicyNames.add(peek(() => holder.props.name));
        } else {
            attach(attachedPolicyArns(holder.type, holder.props).map((arn) => ({ holder, ...arn })));
        }
    }
    // Under the engine a role's outputs also list the inline policies and managed policy ARNs that separate
    // RolePolicy and attachment resources manage; count each of those once, on the resource that manages it.
    const inline = documentSourcesOf(role.type, role.props, ["identity"]).filter((source) => !rolePolicyNames.has(source.policyName));
    const managed = attachedPolicyArns(role.type, role.props).filter((arn) => !attachedArns.has(peek(arn.read)));
    return {
        grants: [...inline.map((source) => ({ holder: role, ...source })), ...grants],
        attachments: [...managed.map((arn) => ({ holder: role, ...arn })), ...attachments],
    };
}

/** One statement of a document granted to a role, with where it is for messages (`<holder> <where> statement "Sid"`). */
export interface GrantedStatement {
    readonly statement: Statement;
    readonly grant: Grant;
    readonly at: string;
}

export interface RoleVisitor {
    /** Attached managed policies that need not be in the stack (their documents cannot be read). */
    readonly trustedPolicyArns?: readonly string[];
    /** A managed policy attached to the role that is neither defined in the stack nor trusted. */
    readonly external: (attachment: Attachment, arn: string) => void;
    /** Every statement (Allow and Deny) of every well-formed document the role holds. */
    readonly statement: (granted: GrantedStatement) => void | Promise<void>;
}

/**
 * The `external` visitor every role rule uses: a managed policy attached to the role but defined outside the stack
 * (and not in trustedPolicyArns) is a violation, since what it grants cannot be read.
 */
export function reportExternalAttachment(
    reportViolation: (message: string, urn?: string) => void,
    roleLabel: string,
    unchecked: string,
): RoleVisitor["external"] {
    return (attachment, arn) =>
        reportViolation(
            `${attachment.holder.name} ${attachment.where} attaches ${arn} to ${roleLabel}, but that policy is not defined in this stack, so ${unchecked} cannot be checked; define the permissions in the stack or list the policy in trustedPolicyArns.`,
            attachment.holder.urn,
        );
}

/**
 * The steps that visit everything a role holds: attachments first (an attached policy of the stack adds its
 * document), then every document's statements. Run them with `eachKnown`, so a value unknown during preview
 * skips its step and is rethrown after every known one ran.
 */
export function roleSteps(role: PolicyResource, resources: readonly PolicyResource[], visitor: RoleVisitor): (() => Promise<void>)[] {
    const { grants, attachments } = grantsOf(role, roleNameOf(role), resources);
    const trusted = visitor.trustedPolicyArns ?? [];
    const index = indexOf(resources);
    const grant = (policy: PolicyResource) => {
        if (!grants.some((granted) => granted.holder === policy)) {
            grants.push({ holder: policy, where: "policy", read: () => policy.props.policy });
        }
    };
    const steps: (() => Promise<void>)[] = attachments.map((attachment) => async () => {
        const value = peek(attachment.read);
        if (value === UNKNOWN) {
            // In preview an ARN computed from a Policy of the stack (`policy.arn`) is unknown, but the engine records
            // the input's dependency on that Policy: every Policy an attaching input depends on is one it attaches.
            const policies = index.dependenciesOf(attachment.holder, attachment.property, MANAGED_POLICY_TYPE);
            policies.forEach(grant);
            if (policies.length < unknownArnsOf(attachment)) {
                attachment.read(); // Some unknown ARN is not a Policy of the stack: judged at deployment.
            }
            return;
        }
        const arn = String(value);
        if (trusted.includes(arn)) {
            return;
        }
        const policy = index.policy(arn);
        if (!policy) {
            visitor.external(attachment, arn);
            return;
        }
        grant(policy);
    });
    // How many of each attaching input's ARNs are unknown (a list may hold several computed ARNs).
    const unknownCounts = new Map<string, number>();
    const keyOf = (attachment: Attachment) => `${attachment.holder.urn}\u0000${attachment.property}`;
    for (const attachment of attachments) {
        if (peek(attachment.read) === UNKNOWN) {
            unknownCounts.set(keyOf(attachment), (unknownCounts.get(keyOf(attachment)) ?? 0) + 1);
        }
    }
    const unknownArnsOf = (attachment: Attachment) => unknownCounts.get(keyOf(attachment)) ?? 0;
    // The grants list is read when this step runs, after the attachment steps added to it.
    steps.push(async () => {
        await eachKnown(grants, async (grant) => {
            const parsed = parseDocument(grant.read());
            if (!("document" in parsed)) {
                return; // iam-policy-document-valid reports it.
            }
            for (const statement of parsed.document.statements) {
                await visitor.statement({ statement, grant, at: `${grant.holder.name} ${grant.where} ${statement.label}` });
            }
        });
    });
    return steps;
}

/**
 * Roles of the stack whose tag `key` has a value `accept`s. A tag unknown during preview adds a step that
 * re-reads it, so the policy is reported as not fully runnable once everything known was checked.
 */
export function rolesTagged(resources: readonly PolicyResource[], key: string, accept: (value: unknown) => boolean): { roles: PolicyResource[]; pending: (() => Promise<void>)[] } {
    const pending: (() => Promise<void>)[] = [];
    const roles = indexOf(resources)
        .ofType(ROLE_TYPE)
        .filter((resource) => {
            const value = peek(() => resource.props.tags?.[key]);
            if (value === UNKNOWN) {
                pending.push(async () => void resource.props.tags[key]);
                return false;
            }
            return accept(value);
        });
    return { roles, pending };
}

/**
 * The actions of a statement's Action list that `forbidden` matches, expanded through wildcards with the IAM
 * data: `sagemaker:UpdateModelPackage`, or `"sagemaker:Update*" (3 forbidden actions such as …)`, or
 * `"*" (every action)`. Unknown services and names match nothing (iam-known-actions reports them).
 */
export async function forbiddenActionsOf(statement: Statement, forbidden: (facts: ActionFacts) => boolean): Promise<string[]> {
    const found = new Set<string>();
    for (const action of statement.actions ?? []) {
        const match = await matchAction(action);
        if (match.kind === "everything") {
            found.add(`"${action}" (every action)`);
        } else if (match.kind === "actions") {
            const hits = match.actions.filter(forbidden).map((facts) => facts.action);
            if (hits.length > 0) {
                found.add(hasWildcard(action) ? `"${action}" (${hits.length} forbidden action${hits.length > 1 ? "s" : ""} such as ${listText(hits, 3)})` : hits[0]);
            }
        }
    }
    return [...found];
}

export interface ForbiddenActionsCheck {
    /** Action patterns (wildcards allowed) the role may not hold. */
    readonly patterns: readonly string[];
    readonly trustedPolicyArns: readonly string[];
    /** `role <name> (<tag>: <value>)`, for messages. */
    readonly roleLabel: string;
    /** What an unreadable attached policy leaves unchecked, e.g. `its model registry actions`. */
    readonly unchecked: string;
    /** Why the actions are forbidden, ending the NotAction message. */
    readonly why: string;
    /** The message when a statement grants forbidden actions (listed as `forbidden`). */
    readonly grantedMessage: (at: string, forbidden: string[]) => string;
    readonly reportViolation: (message: string, urn?: string) => void;
}

/**
 * The steps that report every way a role holds one of the forbidden actions: by name, through a wildcard,
 * through NotAction, or through an attached policy the stack does not define (which cannot be read).
 */
export function forbiddenActionSteps(role: PolicyResource, resources: readonly PolicyResource[], check: ForbiddenActionsCheck): (() => Promise<void>)[] {
    const matches = (action: string) => check.patterns.some((pattern) => wildcardMatch(pattern, action));
    return roleSteps(role, resources, {
        trustedPolicyArns: check.trustedPolicyArns,
        external: reportExternalAttachment(check.reportViolation, `the ${check.roleLabel}`, check.unchecked),
        statement: async ({ statement, grant, at }) => {
            if (statement.effect !== "Allow") {
                return;
            }
            if (statement.notActions) {
                const notActions = statement.notActions;
                const granted = check.patterns.filter((pattern) => !notActions.some((excluded) => wildcardMatch(excluded, pattern)));
                if (granted.length > 0) {
                    check.reportViolation(
                        `${at} gives the ${check.roleLabel} every action except ${listText(notActions)} (NotAction), ${listText(granted, 3)} among them; ${check.why}.`,
                        grant.holder.urn,
                    );
                }
                return;
            }
            const forbidden = await forbiddenActionsOf(statement, (facts) => matches(facts.action));
            if (forbidden.length > 0) {
                check.reportViolation(check.grantedMessage(at, forbidden), grant.holder.urn);
            }
        },
    });
}

// ---- Service roles judged by an allow-list: named actions, object writes under some prefixes, the key through S3 ----

/** What a service role (`ml-service` tag) may hold. */
export interface ServiceRoleLimits {
    /** Actions the role may hold (named, no wildcards). */
    readonly allowedActions: readonly string[];
    /** Key prefixes under which it may write objects (s3:PutObject, s3:AbortMultipartUpload). */
    readonly writablePrefixes: readonly string[];
}

/** How a service role's findings are worded: `the labeling role`, and what it serves (`Ground Truth`). */
export interface ServiceRoleWording {
    readonly role: string;
    readonly service: string;
}

const S3_WRITES = ["s3:putobject", "s3:abortmultipartupload"];

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** A kms:CreateGrant confined to grants for AWS resources (an instance's volume), never to another principal. */
function grantsForAwsResourcesOnly(statement: Statement): boolean {
    return statement.conditions.some(
        (condition) =>
            /^Bool$/.test(condition.operator) && condition.key.toLowerCase() === "kms:grantisforawsresource" && condition.values.length > 0 && condition.values.every((value) => value === true || value === "true"),
    );
}

/**
 * Problems of one Allow statement of a service role: NotAction, wildcard actions, actions outside the allow-list,
 * object writes outside the writable prefixes, KMS use not through S3 (kms:CreateGrant only for AWS resources).
 */
export function serviceRoleStatementProblems(statement: Statement, limits: ServiceRoleLimits, wording: ServiceRoleWording): string[] {
    if (statement.notActions) {
        return [`allows every action except ${listText(statement.notActions)} (NotAction)`];
    }
    const allowed = new Set(limits.allowedActions.map((action) => action.toLowerCase()));
    const actions = statement.actions ?? [];
    const problems: string[] = [];
    const wildcards = actions.filter(hasWildcard);
    const disallowed = actions.filter((action) => !hasWildcard(action) && !allowed.has(action.toLowerCase()));
    if (wildcards.length > 0) {
        problems.push(`allows the wildcard action${wildcards.length > 1 ? "s" : ""} ${listText(wildcards.map((a) => `"${a}"`))}; name the actions ${wording.service} needs`);
    }
    if (disallowed.length > 0) {
        problems.push(`allows ${listText(disallowed)}, which ${wording.role} may not hold (allowed: ${listText([...limits.allowedActions], 12)})`);
    }
    const writes = actions.filter((action) => S3_WRITES.includes(action.toLowerCase()));
    const outside = (statement.resources ?? []).filter((resource) => !limits.writablePrefixes.some((prefix) => new RegExp(`^arn:aws[a-z-]*:s3:::[^/]+/${escapeRegExp(prefix)}`).test(resource)));
    if (writes.length > 0 && (outside.length > 0 || statement.notResources)) {
        problems.push(
            `allows ${listText(writes)} on ${listText((statement.notResources ? ["everything but the NotResource"] : outside).map((r) => `"${r}"`))}, outside ${listText([...limits.writablePrefixes])}; ${wording.service} writes under those prefixes only`,
        );
    }
    const kms = actions.filter((action) => action.toLowerCase().startsWith("kms:"));
    const grants = kms.filter((action) => action.toLowerCase() === "kms:creategrant");
    const uses = kms.filter((action) => action.toLowerCase() !== "kms:creategrant");
    if (uses.length > 0 && !usesKeyThroughS3Only(statement)) {
        problems.push(`allows ${listText(uses)} without a kms:ViaService condition limited to S3; add {"StringEquals": {"kms:ViaService": "s3.<region>.amazonaws.com"}}`);
    }
    if (grants.length > 0 && !grantsForAwsResourcesOnly(statement)) {
        problems.push(`allows kms:CreateGrant without {"Bool": {"kms:GrantIsForAWSResource": "true"}}, so the role could grant the key to any principal`);
    }
    return problems;
}

/**
 * The steps that judge every role tagged `ml-service: <service>` against `limits`, over everything granted to it.
 * `notApplicable` is left to the caller (a policy may judge several services).
 */
export function serviceRoleSteps(
    resources: readonly PolicyResource[],
    service: string,
    limits: ServiceRoleLimits & { readonly trustedPolicyArns: readonly string[] },
    wording: ServiceRoleWording,
    reportViolation: (message: string, urn?: string) => void,
): { found: boolean; steps: (() => Promise<void>)[] } {
    const { roles, pending } = rolesTagged(resources, SERVICE_TAG_KEY, (value) => value === service);
    const steps: (() => Promise<void>)[] = [...pending];
    for (const role of roles) {
        const roleLabel = `${wording.role} ${roleNameOf(role) ?? role.name}`;
        steps.push(
            ...roleSteps(role, resources, {
                trustedPolicyArns: limits.trustedPolicyArns,
                external: reportExternalAttachment(reportViolation, roleLabel, `what ${wording.service} can do`),
                statement: ({ statement, grant, at }) => {
                    if (statement.effect !== "Allow") {
                        return;
                    }
                    for (const problem of serviceRoleStatementProblems(statement, limits, wording)) {
                        reportViolation(`${at} (${roleLabel}) ${problem}.`, grant.holder.urn);
                    }
                },
            }),
        );
    }
    return { found: roles.length > 0 || pending.length > 0, steps };
}

// IAM policy documents wherever a resource carries one: identity policies (Role inline policies, RolePolicy,
// Policy, UserPolicy, GroupPolicy), trust policies (Role.assumeRolePolicy), bucket policies (BucketPolicy,
// Bucket.policy) and KMS key policies (Key.policy, KeyPolicy). Documents may be JSON strings or objects; each
// is normalised into statements with every list-or-string field turned into a list.
import { peek, UNKNOWN } from "./unknowns";

export type DocumentKind = "identity" | "trust" | "bucket" | "key";

export interface Principal {
    /** `"*"` or `{"AWS": "*"}`: anyone. */
    readonly anyone: boolean;
    readonly aws: string[];
    readonly service: string[];
    readonly federated: string[];
    readonly canonicalUser: string[];
}

export interface Condition {
    /** e.g. `StringEquals`, `ForAllValues:StringLike`, `Bool`. */
    readonly operator: string;
    readonly key: string;
    readonly values: unknown[];
}

export interface Statement {
    /** `statement "Sid"` or `statement #3`, for messages. */
    readonly label: string;
    readonly effect: "Allow" | "Deny";
    readonly actions?: string[];
    readonly notActions?: string[];
    readonly resources?: string[];
    readonly notResources?: string[];
    readonly principal?: Principal;
    readonly notPrincipal?: Principal;
    readonly conditions: Condition[];
}

export interface ParsedDocument {
    readonly statements: Statement[];
}

/** Where a resource keeps a document, and how to read it (reading may throw UnknownValueError in preview). */
export interface DocumentSource {
    readonly kind: DocumentKind;
    /** Property path, e.g. `policy` or `inlinePolicies[0] (studio-apps)`. */
    readonly where: string;
    readonly read: () => unknown;
    /** Name of a Role inline policy, when known. */
    readonly policyName?: string;
}

const IDENTITY_POLICY_TYPES = new Set([
    "aws:iam/rolePolicy:RolePolicy",
    "aws:iam/policy:Policy",
    "aws:iam/userPolicy:UserPolicy",
    "aws:iam/groupPolicy:GroupPolicy",
]);
const BUCKET_POLICY_TYPES = new Set(["aws:s3/bucketPolicy:BucketPolicy", "aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"]);
const KEY_POLICY_TYPES = new Set(["aws:kms/key:Key", "aws:kms/keyPolicy:KeyPolicy"]);
export const ROLE_TYPE = "aws:iam/role:Role";

/** Every policy document a resource of this type carries. */
export function documentSources(type: string, props: Record<string, any>): DocumentSource[] {
    if (IDENTITY_POLICY_TYPES.has(type)) {
        return [{ kind: "identity", where: "policy", read: () => props.policy }];
    }
    if (BUCKET_POLICY_TYPES.has(type)) {
        return "policy" in props ? [{ kind: "bucket", where: "policy", read: () => props.policy }] : [];
    }
    if (KEY_POLICY_TYPES.has(type)) {
        return "policy" in props ? [{ kind: "key", where: "policy", read: () => props.policy }] : [];
    }
    if (type === ROLE_TYPE) {
        const sources: DocumentSource[] = [];
        if ("assumeRolePolicy" in props) {
            sources.push({ kind: "trust", where: "assumeRolePolicy", read: () => props.assumeRolePolicy });
        }
        if ("inlinePolicies" in props) {
            const inline = peek(() => props.inlinePolicies);
            if (inline === UNKNOWN) {
                sources.push({ kind: "identity", where: "inlinePolicies", read: () => props.inlinePolicies });
            } else if (Array.isArray(inline)) {
                for (let index = 0; index < inline.length; index++) {
                    const name = peek(() => inline[index]?.name);
                    sources.push({
                        kind: "identity",
                        where: `inlinePolicies[${index}]`,
                        read: () => inline[index].policy,
                        ...(typeof name === "string" ? { policyName: name } : {}),
                    });
                }
            }
        }
        return sources;
    }
    return [];
}

/** Only the document kinds in `kinds`. */
export function documentSourcesOf(type: string, props: Record<string, any>, kinds: readonly DocumentKind[]): DocumentSource[] {
    return documentSources(type, props).filter((source) => kinds.includes(source.kind));
}

function asList(value: unknown): string[] | undefined {
    if (value === undefined || value === null) {
        return undefined;
    }
    const list = Array.isArray(value) ? value : [value];
    return list.map((item) => String(item));
}

function parsePrincipal(value: unknown): Principal | undefined {
    if (value === undefined || value === null) {
        return undefined;
    }
    if (value === "*") {
        return { anyone: true, aws: ["*"], service: [], federated: [], canonicalUser: [] };
    }
    const map = (typeof value === "object" ? value : {}) as Record<string, unknown>;
    const aws = asList(map.AWS) ?? [];
    return {
        anyone: aws.includes("*"),
        aws,
        service: asList(map.Service) ?? [],
        federated: asList(map.Federated) ?? [],
        canonicalUser: asList(map.CanonicalUser) ?? [],
    };
}

function parseConditions(value: unknown): Condition[] {
    if (!value || typeof value !== "object") {
        return [];
    }
    const conditions: Condition[] = [];
    for (const [operator, block] of Object.entries(value as Record<string, unknown>)) {
        if (!block || typeof block !== "object") {
            continue;
        }
        for (const [key, values] of Object.entries(block as Record<string, unknown>)) {
            conditions.push({ operator, key, values: Array.isArray(values) ? [...values] : [values] });
        }
    }
    return conditions;
}

/**
 * Parses a policy document (JSON string or object). Returns an error text for anything AWS would reject
 * as malformed: not JSON, no Statement, a statement without Effect Allow/Deny or without Action/NotAction.
 */
export function parseDocument(raw: unknown): { document: ParsedDocument } | { error: string } {
    let value = raw;
    if (typeof raw === "string") {
        try {
            value = JSON.parse(raw);
        } catch (error) {
            return { error: `is not valid JSON (${(error as Error).message})` };
        }
    }
    if (!value || typeof value !== "object" || Array.isArray(value)) {
        return { error: "is not a JSON object" };
    }
    const body = value as Record<string, unknown>;
    const rawStatements = Array.isArray(body.Statement) ? body.Statement : body.Statement ? [body.Statement] : undefined;
    if (!rawStatements || rawStatements.length === 0) {
        return { error: "has no Statement" };
    }
    const statements: Statement[] = [];
    for (const [index, item] of rawStatements.entries()) {
        if (!item || typeof item !== "object") {
            return { error: `statement #${index + 1} is not an object` };
        }
        const s = item as Record<string, unknown>;
        const label = typeof s.Sid === "string" && s.Sid.length > 0 ? `statement "${s.Sid}"` : `statement #${index + 1}`;
        if (s.Effect !== "Allow" && s.Effect !== "Deny") {
            return { error: `${label} has Effect ${JSON.stringify(s.Effect)}; it must be "Allow" or "Deny"` };
        }
        if (s.Action === undefined && s.NotAction === undefined) {
            return { error: `${label} has neither Action nor NotAction` };
        }
        statements.push({
            label,
            effect: s.Effect,
            actions: asList(s.Action),
            notActions: asList(s.NotAction),
            resources: asList(s.Resource),
            notResources: asList(s.NotResource),
            principal: parsePrincipal(s.Principal),
            notPrincipal: parsePrincipal(s.NotPrincipal),
            conditions: parseConditions(s.Condition),
        });
    }
    return { document: { statements } };
}

/** The parsed document of a source, or undefined when it is malformed (iam-policy-document-valid reports that). */
export function readDocument(source: DocumentSource): ParsedDocument | undefined {
    const parsed = parseDocument(source.read());
    return "document" in parsed ? parsed.document : undefined;
}

/** Condition keys a statement tests (lower-cased), whatever the operator. */
export function conditionKeys(statement: Statement): Set<string> {
    return new Set(statement.conditions.map((condition) => condition.key.toLowerCase()));
}

/**
 * Whether a Resource value means "every resource": `*`, `arn:*`, `arn:aws:*`, or an ARN whose resource
 * part is only wildcards and slashes (`arn:aws:s3:::*`, all objects of all buckets, `arn:aws:sagemaker:us-east-1:123456789012:*`).
 */
export function isAllResources(resource: string): boolean {
    if (resource === "*" || resource === "arn:*" || /^arn:[^:]+:\*$/.test(resource)) {
        return true;
    }
    const parts = resource.split(":");
    return parts.length >= 6 && parts[0] === "arn" && /^[*/]+$/.test(parts.slice(5).join(":"));
}

/** Whether an ARN leaves its account open (`arn:aws:iam::*:role/x`): it matches resources of every AWS account. */
export function hasWildcardAccount(resource: string): boolean {
    const parts = resource.split(":");
    return parts.length >= 6 && parts[0] === "arn" && hasWildcard(parts[4]);
}

/** Case-insensitive IAM wildcard match (`*` any run, `?` one character). */
export function wildcardMatch(pattern: string, value: string): boolean {
    const regex = pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".");
    return new RegExp(`^${regex}$`, "i").test(value);
}

export function hasWildcard(value: string): boolean {
    return value.includes("*") || value.includes("?");
}

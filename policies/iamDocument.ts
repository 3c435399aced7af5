// IAM policy documents wherever a resource carries one: identity policies (Role inline policies, RolePolicy,
// Policy, UserPolicy, GroupPolicy), trust policies (Role.assumeRolePolicy), bucket policies (BucketPolicy,
// Bucket.policy), KMS key policies (Key.policy, KeyPolicy), SNS topic policies (Topic.policy, TopicPolicy) and
// model package group policies (ModelPackageGroupPolicy.resourcePolicy). Documents may be JSON strings or
// objects; each is normalised into statements with every list-or-string field turned into a list.
import { cachedByText } from "./textCache";
import { peek, UNKNOWN } from "./unknowns";

export type DocumentKind = "identity" | "trust" | "bucket" | "key" | "topic" | "registry";

/** How messages name each kind of document. */
export const DOCUMENT_KIND_NAMES: Readonly<Record<DocumentKind, string>> = {
    identity: "IAM policy",
    trust: "trust policy",
    bucket: "bucket policy",
    key: "key policy",
    topic: "topic policy",
    registry: "model package group policy",
};

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

const IDENTITY_POLICY_TYPES = ["aws:iam/rolePolicy:RolePolicy", "aws:iam/policy:Policy", "aws:iam/userPolicy:UserPolicy", "aws:iam/groupPolicy:GroupPolicy"];
export const ROLE_TYPE = "aws:iam/role:Role";

/** Where each resource type keeps its documents: property and kind. A Role also has inline policies (below). */
const DOCUMENT_PROPERTIES: Readonly<Record<string, readonly { readonly property: string; readonly kind: DocumentKind; readonly optional: boolean }[]>> = {
    ...Object.fromEntries(IDENTITY_POLICY_TYPES.map((type) => [type, [{ property: "policy", kind: "identity", optional: false }]])),
    "aws:s3/bucketPolicy:BucketPolicy": [{ property: "policy", kind: "bucket", optional: true }],
    "aws:s3/bucket:Bucket": [{ property: "policy", kind: "bucket", optional: true }],
    "aws:s3/bucketV2:BucketV2": [{ property: "policy", kind: "bucket", optional: true }],
    "aws:kms/key:Key": [{ property: "policy", kind: "key", optional: true }],
    "aws:kms/keyPolicy:KeyPolicy": [{ property: "policy", kind: "key", optional: true }],
    "aws:sns/topic:Topic": [{ property: "policy", kind: "topic", optional: true }],
    "aws:sns/topicPolicy:TopicPolicy": [{ property: "policy", kind: "topic", optional: true }],
    "aws:sagemaker/modelPackageGroupPolicy:ModelPackageGroupPolicy": [{ property: "resourcePolicy", kind: "registry", optional: true }],
    [ROLE_TYPE]: [{ property: "assumeRolePolicy", kind: "trust", optional: true }],
};

/** Whether resources of this type can carry a document of one of these kinds. */
export function carriesDocuments(type: string, kinds: readonly DocumentKind[]): boolean {
    return (DOCUMENT_PROPERTIES[type] ?? []).some((entry) => kinds.includes(entry.kind)) || (type === ROLE_TYPE && kinds.includes("identity"));
}

/** Every policy document a resource of this type carries. */
export function documentSources(type: string, props: Record<string, any>): DocumentSource[] {
    const sources: DocumentSource[] = [];
    for (const { property, kind, optional } of DOCUMENT_PROPERTIES[type] ?? []) {
        if (!optional || property in props) {
            sources.push({ kind, where: property, read: () => props[property] });
        }
    }
    if (type === ROLE_TYPE && "inlinePolicies" in props) {
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
export function parseDocument(raw: unknown): DocumentParse {
    return typeof raw === "string" ? parseDocumentText(raw) : parseDocumentValue(raw);
}

export type DocumentParse = { document: ParsedDocument } | { error: string };

const parseDocumentText = cachedByText((text): DocumentParse => {
    let value: unknown;
    try {
        value = JSON.parse(text);
    } catch (error) {
        return { error: `is not valid JSON (${(error as Error).message})` };
    }
    return parseDocumentValue(value);
});

function parseDocumentValue(value: unknown): DocumentParse {
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

// Policies match the same patterns against many values; each is compiled once.
const patterns = new Map<string, RegExp>();

/** Case-insensitive IAM wildcard match (`*` any run, `?` one character). */
export function wildcardMatch(pattern: string, value: string): boolean {
    let regex = patterns.get(pattern);
    if (!regex) {
        regex = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`, "i");
        patterns.set(pattern, regex);
    }
    return regex.test(value);
}


export function hasWildcard(value: string): boolean {
    return value.includes("*") || value.includes("?");
}

/** Whether a statement confines its KMS actions to requests S3 makes on a caller's behalf (`kms:ViaService` = `s3.<region>.amazonaws.com`). */
export function usesKeyThroughS3Only(statement: Statement): boolean {
    const conditions = statement.conditions.filter((condition) => condition.key.toLowerCase() === "kms:viaservice" && /^String(Equals|Like)$/.test(condition.operator));
    return (
        conditions.length > 0 &&
        conditions.every((condition) => condition.values.length > 0 && condition.values.every((value) => typeof value === "string" && /^s3\.[a-z0-9-]+\.amazonaws\.com$/.test(value)))
    );
}

// One pass over a stack's resources that answers the cross-resource questions stack policies ask (which
// resources grant a role something, which role has a name, which managed policy an ARN names, which
// resources are of a type), so that no policy scans every resource once per resource: evaluation stays
// linear in the size of the stack. Built once per resource list and shared by every policy that receives
// the same list (in-process evaluation hands every stack policy one list; under the engine each stack
// policy builds its own, still in one pass).
import { PolicyResource } from "@pulumi/policy";
import { ROLE_TYPE } from "./iamDocument";
import { elements, peek, UNKNOWN } from "./unknowns";

export const ROLE_POLICY_TYPE = "aws:iam/rolePolicy:RolePolicy";
export const ROLE_POLICY_ATTACHMENT_TYPE = "aws:iam/rolePolicyAttachment:RolePolicyAttachment";
export const POLICY_ATTACHMENT_TYPE = "aws:iam/policyAttachment:PolicyAttachment";
export const ROLE_POLICY_ATTACHMENTS_EXCLUSIVE_TYPE = "aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive";
export const MANAGED_POLICY_TYPE = "aws:iam/policy:Policy";

/** Where each resource type that grants a role permissions names the role (or roles). */
const ROLE_REFERENCES: Readonly<Record<string, { readonly property: string; readonly list: boolean }>> = {
    [ROLE_POLICY_TYPE]: { property: "role", list: false },
    [ROLE_POLICY_ATTACHMENT_TYPE]: { property: "role", list: false },
    [POLICY_ATTACHMENT_TYPE]: { property: "roles", list: true },
    [ROLE_POLICY_ATTACHMENTS_EXCLUSIVE_TYPE]: { property: "roleName", list: false },
};

/** Types that grant a role permissions by naming it. */
export const ROLE_GRANT_TYPES: readonly string[] = Object.keys(ROLE_REFERENCES);

/** A resource that names a role, how it names it, and where. */
export interface RoleReference {
    readonly holder: PolicyResource;
    /** `role`, `roles[1]`, `roleName`. */
    readonly where: string;
    /** The reference as written: a role name or a role ARN (unknown during preview when computed). */
    readonly read: () => unknown;
}

export interface StackIndex {
    /** The resources of these types, in registration order. */
    ofType(...types: string[]): PolicyResource[];
    /** The role of the stack whose `name` is this (known) name. */
    role(name: string): PolicyResource | undefined;
    /** Every RolePolicy and attachment that names the role of this name (by name or ARN), in registration order. */
    referencesTo(roleName: string): readonly RoleReference[];
    /** References whose role is unknown during preview: they cannot be placed until it is known. */
    readonly unknownReferences: readonly RoleReference[];
    /** References that name a role the stack does not define. */
    readonly foreignReferences: readonly { readonly reference: RoleReference; readonly roleName: string | undefined; readonly value: unknown }[];
    /** The aws.iam.Policy of the stack a policy ARN names: by its known ARN, or by its path and name. */
    policy(arn: string): PolicyResource | undefined;
    /**
     * The resources of `type` that `holder`'s top-level input `property` uses outputs of (the engine's
     * propertyDependencies), as this list's own objects: what a value computed from another resource of the
     * stack (`role.arn`, `policy.arn`) stands for while preview leaves it unknown.
     */
    dependenciesOf(holder: PolicyResource, property: string, type: string): PolicyResource[];
    /**
     * What `build` derives from the resources (a policy module's own lookup table), built on first use and kept
     * for the rest of the evaluation: keyed by `build` itself, so pass a module-level function.
     */
    memo<T>(build: (resources: readonly PolicyResource[], index: StackIndex) => T): T;
}

/** The name part of a role ARN (`arn:aws:iam::123456789012:role/path/name` → `name`). */
export function roleNameOfArn(arn: string): string | undefined {
    const match = /^arn:aws[a-z-]*:iam::[^:]*:role\/(?:.*\/)?([^/]+)$/.exec(arn);
    return match ? match[1] : undefined;
}

/** The role name a `role` input stands for: the name itself, or the name part of a role ARN. */
export function referencedRoleName(reference: unknown): string | undefined {
    if (typeof reference !== "string" || reference.length === 0) {
        return undefined;
    }
    return reference.startsWith("arn:") ? roleNameOfArn(reference) : reference;
}

/** `/path/name` of a managed policy ARN (`arn:aws:iam::123456789012:policy/path/name`). */
function policyPathOfArn(arn: string): string | undefined {
    const at = arn.indexOf(":policy/");
    return at < 0 ? undefined : arn.slice(at + ":policy".length);
}

function buildIndex(resources: readonly PolicyResource[]): StackIndex {
    const memos = new Map<unknown, unknown>();
    const byType = new Map<string, PolicyResource[]>();
    const roles = new Map<string, PolicyResource>();
    const references = new Map<string, RoleReference[]>();
    const unknownReferences: RoleReference[] = [];
    const unresolved: { reference: RoleReference; roleName: string | undefined; value: unknown }[] = [];
    const policiesByArn = new Map<unknown, PolicyResource>();
    const policiesByPath = new Map<string, PolicyResource>();
    const byUrn = new Map<string, PolicyResource>();

    for (const resource of resources) {
        let list = byType.get(resource.type);
        if (!list) {
            list = [];
            byType.set(resource.type, list);
        }
        list.push(resource);
        byUrn.set(resource.urn, resource);
        if (resource.type === ROLE_TYPE) {
            const name = peek(() => resource.props.name);
            if (typeof name === "string" && !roles.has(name)) {
                roles.set(name, resource);
            }
        } else if (resource.type === MANAGED_POLICY_TYPE) {
            const arn = peek(() => resource.props.arn);
            if (typeof arn === "string") {
                policiesByArn.set(arn, resource);
            }
            const name = peek(() => resource.props.name);
            const path = peek(() => resource.props.path);
            if (typeof name === "string") {
                policiesByPath.set(`${typeof path === "string" ? path : "/"}${name}`, resource);
            }
        }
        const spec = ROLE_REFERENCES[resource.type];
        if (!spec) {
            continue;
        }
        const reads: { where: string; read: () => unknown }[] = spec.list
            ? peek(() => resource.props[spec.property]) === UNKNOWN
                ? [{ where: spec.property, read: () => resource.props[spec.property] }]
                : elements(() => resource.props[spec.property]).map((read, index) => ({ where: `${spec.property}[${index}]`, read }))
            : [{ where: spec.property, read: () => resource.props[spec.property] }];
        for (const { where, read } of reads) {
            const reference: RoleReference = { holder: resource, where, read };
            const value = peek(read);
            if (value === UNKNOWN) {
                unknownReferences.push(reference);
                continue;
            }
            const roleName = referencedRoleName(value);
            unresolved.push({ reference, roleName, value });
            if (roleName !== undefined) {
                let found = references.get(roleName);
                if (!found) {
                    found = [];
                    references.set(roleName, found);
                }
                found.push(reference);
            }
        }
    }
    const index: StackIndex = {
        ofType: (...types) => (types.length === 1 ? [...(byType.get(types[0]) ?? [])] : resources.filter((resource) => types.includes(resource.type))),
        role: (name) => roles.get(name),
        referencesTo: (roleName) => references.get(roleName) ?? [],
        unknownReferences,
        foreignReferences: unresolved.filter((entry) => entry.roleName === undefined || !roles.has(entry.roleName)),
        policy: (arn) => {
            const byArn = policiesByArn.get(arn);
            if (byArn) {
                return byArn;
            }
            const path = policyPathOfArn(arn);
            return path === undefined ? undefined : policiesByPath.get(path);
        },
        dependenciesOf: (holder, property, type) => {
            const found = (holder.propertyDependencies?.[property] ?? []).filter((dependency) => dependency.type === type).map((dependency) => byUrn.get(dependency.urn) ?? dependency);
            return [...new Set(found)];
        },
        memo: <T>(build: (resources: readonly PolicyResource[], index: StackIndex) => T): T => {
            if (!memos.has(build)) {
                memos.set(build, build(resources, index));
            }
            return memos.get(build) as T;
        },
    };
    return index;
}

const indexes = new WeakMap<readonly PolicyResource[], StackIndex>();

/** The index of a resource list (`args.resources` of a stack policy), built on first use. */
export function indexOf(resources: readonly PolicyResource[]): StackIndex {
    let index = indexes.get(resources);
    if (!index) {
        index = buildIndex(resources);
        indexes.set(resources, index);
    }
    return index;
}

// Which resource types a resource policy can apply to. The engine calls every resource policy for every
// resource, and a policy declares itself not applicable to the types it does not check; in-process
// evaluation (offline.ts) asks `appliesTo` first and skips the call, which is most of the cost of evaluating
// a large stack. `appliesTo` must cover every type the policy checks: tests/policies/appliesTo.spec.ts runs
// each policy over resources of every other type and fails if one of them is applicable.
import type { ResourceValidationPolicy } from "@pulumi/policy";

export interface ScopedResourcePolicy extends ResourceValidationPolicy {
    /** Whether the policy can apply to resources of this type token. Absent: any type. */
    readonly appliesTo?: (type: string) => boolean;
}

/** `appliesTo` for a fixed list of type tokens. */
export function ofTypes(...types: readonly string[]): (type: string) => boolean {
    const set = new Set(types);
    return (type) => set.has(type);
}

// Preview unknowns. The engine wraps resource properties in @pulumi/policy's unknownCheckingProxy: reading a
// value that is not known yet throws UnknownValueError, and the engine then reports the policy as "can't run
// during preview" for that resource instead of running it. These helpers let a policy check everything that
// IS known first and only then give up, and treat "will be set at deployment" as set where that is the rule.
import type * as PolicySdk from "@pulumi/policy";

/**
 * @pulumi/policy's proxy module, where the engine's unknown handling lives (its index re-exports it, so the
 * classes are the same). Loaded directly: the index also loads the policy-analyzer gRPC server, a third of
 * `npm run plan`'s time, which in-process evaluation and the CLI never use.
 */
export const policyProxy: Pick<typeof PolicySdk, "unknownCheckingProxy" | "UnknownValueError"> & { readonly unknownStringValue: string } = require("@pulumi/policy/proxy");
const { UnknownValueError } = policyProxy;

export function isUnknownValueError(error: unknown): boolean {
    return error instanceof UnknownValueError;
}

/** Marker for a value that is unknown during preview. */
export const UNKNOWN: unique symbol = Symbol("unknown during preview");
export type Maybe<T> = T | typeof UNKNOWN;

/** Reads a property that may be unknown during preview without throwing. */
export function peek<T>(read: () => T): Maybe<T> {
    try {
        return read();
    } catch (error) {
        if (isUnknownValueError(error)) {
            return UNKNOWN;
        }
        throw error;
    }
}

/**
 * Runs `check` for every item; an item whose values are unknown is skipped, and after all known items were
 * checked the first UnknownValueError is rethrown so the engine (or `evaluate`) records the policy as not
 * fully runnable during preview. Violations already reported stay reported, as under the engine.
 */
export async function eachKnown<T>(items: Iterable<T>, check: (item: T) => void | Promise<void>): Promise<void> {
    let firstUnknown: unknown;
    for (const item of items) {
        try {
            await check(item);
        } catch (error) {
            if (!isUnknownValueError(error)) {
                throw error;
            }
            firstUnknown ??= error;
        }
    }
    if (firstUnknown !== undefined) {
        throw firstUnknown;
    }
}

/** A non-empty string, or a value that will be known (and set) at deployment. */
export function isSetOrUnknown(read: () => unknown): boolean {
    const value = peek(read);
    return value === UNKNOWN || (typeof value === "string" ? value.length > 0 : value !== undefined && value !== null);
}

/** Element `index` of a (proxied) array, read one at a time so one unknown element does not hide the others. */
export function elements(read: () => unknown): (() => unknown)[] {
    const list = read();
    if (!Array.isArray(list)) {
        return [];
    }
    return Array.from({ length: list.length }, (_, index) => () => list[index]);
}

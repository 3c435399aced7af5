// The pack's verdict in-process, for `npm run plan`, the CLI and tests: runs every resource policy and every
// stack policy over a list of resources the way the Pulumi engine does (same argument objects, config
// defaults and validation, preview unknowns behind unknownCheckingProxy, notApplicable, "can't run during
// preview"), without a Pulumi CLI or a policy-analyzer gRPC server.
import type {
    Policy,
    PolicyProviderResource,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
} from "@pulumi/policy";
import type { ScopedResourcePolicy } from "./appliesTo";
import { isPlainObject, PolicySettings, resolvePolicySettings } from "./knobs";
import { PACK_NAME, policies as packPolicies } from "./policies";
import { isUnknownValueError, policyProxy } from "./unknowns";

const { unknownCheckingProxy } = policyProxy;

/** A resource to evaluate: its Pulumi type token, name and inputs. */
export interface OfflineResource {
    type: string;
    name: string;
    props: Record<string, unknown>;
    urn?: string;
    /** Name of the `pulumi:providers:*` resource of the same list it is registered with (the engine's `provider`). */
    provider?: string;
    /** Per top-level input, the names of the resources of the same list whose outputs it uses (the engine's `propertyDependencies`). */
    propertyDependencies?: Record<string, string[]>;
}

export interface Violation {
    policy: string;
    enforcementLevel: string;
    /** Name of the offending resource (its URN when the caller supplied URNs); absent for stack-wide findings. */
    resource?: string;
    message: string;
}

/** A policy that could not run for a resource because a value it reads is unknown (preview). */
export interface SkippedCheck {
    policy: string;
    resource?: string;
    reason: string;
}

export interface Evaluation {
    violations: Violation[];
    skipped: SkippedCheck[];
}

type AnyPolicy = ResourceValidationPolicy | StackValidationPolicy;

export interface EvaluationOptions {
    /** Call every resource policy for every resource, as the engine does, ignoring `appliesTo` (for tests of it). */
    readonly allTypes?: boolean;
}

/** Stack and project of the URNs `evaluate` makes up for resources given without one. */
export const OFFLINE_STACK = "offline";
export const OFFLINE_PROJECT = "offline";

/** @pulumi/policy's sentinel for an unknown value, which its unknownCheckingProxy recognises (internal export). */
const UNKNOWN_SENTINEL: string = policyProxy.unknownStringValue;

/**
 * What `args.notApplicable()` throws. Most policies are not applicable to most resources, so this is thrown
 * policies × resources times: it is not an Error, whose stack trace would cost more than the policy itself.
 */
class NotApplicable {
    constructor(readonly reason?: string) {}
}

function notApplicable(reason?: string): never {
    throw new NotApplicable(reason);
}

/** The provider resource's name in a provider reference as the SDK sends it (`<provider URN>::<provider id>`). */
export function providerNameOfReference(reference: string | undefined): string | undefined {
    const parts = reference?.split("::") ?? [];
    // urn:pulumi:<stack>::<project>::<parent types $ ...><type>::<name>::<id>
    return parts.length >= 5 && (parts[2].split("$").pop() ?? "").startsWith("pulumi:providers:") ? parts[parts.length - 2] : undefined;
}

/** Turns the resources of `runOfflineStack()` (tools/offlineStack.ts) into `evaluate`'s input. */
export function toPolicyResources(
    resources: readonly { type: string; name: string; inputs: Record<string, unknown>; provider?: string; propertyDependencies?: Record<string, string[]> }[],
): OfflineResource[] {
    return resources.map((resource) => {
        const provider = providerNameOfReference(resource.provider);
        const dependencies = Object.entries(resource.propertyDependencies ?? {}).filter(([, names]) => names.length > 0);
        return {
            type: resource.type,
            name: resource.name,
            props: resource.inputs,
            ...(provider ? { provider } : {}),
            ...(dependencies.length > 0 ? { propertyDependencies: Object.fromEntries(dependencies) } : {}),
        };
    });
}

/**
 * A copy of resource inputs with every Pulumi SDK unknown (`{__pulumiUnknown: true}`, what the mocks record in
 * preview) replaced by the sentinel the engine sends, which the policy SDK's proxy turns into UnknownValueError.
 * Assets, archives and other class instances are kept as they are.
 */
export function withPolicyUnknowns(value: unknown): unknown {
    if (value !== null && typeof value === "object" && (value as { __pulumiUnknown?: unknown }).__pulumiUnknown === true) {
        return UNKNOWN_SENTINEL;
    }
    if (Array.isArray(value)) {
        return value.map(withPolicyUnknowns);
    }
    if (isPlainObject(value)) {
        const copy: Record<string, unknown> = {};
        for (const [key, item] of Object.entries(value)) {
            if (item !== undefined) {
                copy[key] = withPolicyUnknowns(item);
            }
        }
        return copy;
    }
    return value;
}

// ---- Configuration: the engine's defaults, "all", per-policy overrides, schema validation (knobs.ts) ----

export type { PolicySettings } from "./knobs";

/**
 * Each policy's enforcement level and knobs: schema defaults, then `all`, then the policy's own entry,
 * in the shape of a `--policy-pack-config` file. Throws naming the policy and the knob on invalid config.
 */
export function resolveConfig(config: Record<string, unknown> = {}, policyList: readonly AnyPolicy[] = packPolicies): Map<string, PolicySettings> {
    return resolvePolicySettings(config, policyList, PACK_NAME);
}

// ---- Argument objects, faithful to @pulumi/policy's ResourceValidationArgs / StackValidationArgs ----

const EMPTY_OPTIONS: PolicyResourceOptions = {
    protect: false,
    ignoreChanges: [],
    aliases: [],
    customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
    additionalSecretOutputs: [],
};

const NO_STACK_TAGS: ReadonlyMap<string, string> = new Map();

/** The engine's type test: the class's `__pulumiType`, else its `isInstance`. */
function isTypeOf(type: string, resourceClass: unknown): boolean {
    const pulumiType = (resourceClass as { __pulumiType?: unknown } | undefined)?.__pulumiType;
    if (typeof pulumiType === "string" && pulumiType.length > 0) {
        return type === pulumiType;
    }
    const isInstance = (resourceClass as { isInstance?: unknown } | undefined)?.isInstance;
    return typeof isInstance === "function" && isInstance({ __pulumiType: type }) === true;
}

interface Prepared {
    readonly type: string;
    readonly name: string;
    readonly urn: string;
    /** What a violation names: the caller's URN when given, else the name. */
    readonly display: string;
    /** The inputs as the engine sends them (unknowns as its sentinel), behind the unknown-checking proxy. */
    readonly props: Record<string, any>;
    readonly isType: (resourceClass: unknown) => boolean;
    /** Names of the provider and of each input's dependencies, resolved against the list by `policyResources`. */
    readonly provider?: string;
    readonly propertyDependencies: Readonly<Record<string, readonly string[]>>;
}

// Each resource is prepared once per evaluation and shared by every policy: the copy, the proxy and the
// type test cost as much as a cheap policy, and there are policies × resources of them. (Not frozen: the
// proxy's invariants would then hand out nested values unproxied, hiding preview unknowns. Policies only read.)
function prepare(resources: readonly OfflineResource[]): Prepared[] {
    return resources.map((resource) => {
        if (!resource || typeof resource.type !== "string" || typeof resource.name !== "string") {
            throw new Error(`evaluate() needs resources of the form {type, name, props, urn?}; got ${JSON.stringify(resource)}.`);
        }
        const urn = resource.urn ?? `urn:pulumi:${OFFLINE_STACK}::${OFFLINE_PROJECT}::${resource.type}::${resource.name}`;
        const props = unknownCheckingProxy(withPolicyUnknowns(resource.props ?? {})) as Record<string, any>;
        return {
            type: resource.type,
            name: resource.name,
            urn,
            display: resource.urn ?? resource.name,
            props,
            isType: (resourceClass) => isTypeOf(resource.type, resourceClass),
            provider: resource.provider,
            propertyDependencies: resource.propertyDependencies ?? {},
        };
    });
}

/** The engine's view of a resource's provider: type, name, inputs and URN of the provider resource. */
function providerOf(resource: Prepared, byName: ReadonlyMap<string, Prepared>): PolicyProviderResource | undefined {
    const provider = resource.provider === undefined ? undefined : byName.get(resource.provider);
    return provider?.type.startsWith("pulumi:providers:") ? { type: provider.type, name: provider.name, props: provider.props, urn: provider.urn } : undefined;
}

function resourceArgs(resource: Prepared, getConfig: () => object, provider: PolicyProviderResource | undefined): ResourceValidationArgs {
    const props = resource.props;
    return {
        type: resource.type,
        props,
        urn: resource.urn,
        name: resource.name,
        opts: EMPTY_OPTIONS,
        ...(provider ? { provider } : {}),
        stackTags: NO_STACK_TAGS,
        isType: resource.isType,
        asType: (resourceClass) => (resource.isType(resourceClass) ? (props as never) : undefined),
        getConfig: <T extends object>() => getConfig() as T,
        notApplicable,
    };
}

/** The stack's resources as stack policies see them; one list shared by every stack policy of an evaluation. */
function policyResources(resources: Prepared[], byName: ReadonlyMap<string, Prepared>): readonly PolicyResource[] {
    const list: PolicyResource[] = resources.map((resource) => {
        const provider = providerOf(resource, byName);
        return {
            type: resource.type,
            props: resource.props,
            urn: resource.urn,
            name: resource.name,
            opts: EMPTY_OPTIONS,
            ...(provider ? { provider } : {}),
            dependencies: [],
            propertyDependencies: {},
            isType: resource.isType,
            asType: (resourceClass: unknown) => (resource.isType(resourceClass) ? (resource.props as never) : undefined),
        };
    });
    // Property dependencies point at the same objects the policies receive, as under the engine.
    const policyByName = new Map(list.map((resource) => [resource.name, resource]));
    resources.forEach((resource, index) => {
        for (const [property, names] of Object.entries(resource.propertyDependencies)) {
            list[index].propertyDependencies[property] = names.flatMap((name) => policyByName.get(name) ?? []);
        }
    });
    return list;
}

function stackArgs(resources: readonly PolicyResource[], getConfig: () => object): StackValidationArgs {
    return { resources: resources as PolicyResource[], stackTags: NO_STACK_TAGS, getConfig: <T extends object>() => getConfig() as T, notApplicable };
}

function deepFreeze<T>(value: T): T {
    if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
        Object.freeze(value);
        Object.values(value).forEach(deepFreeze);
    }
    return value;
}

function isStackPolicy(policy: AnyPolicy): policy is StackValidationPolicy {
    return typeof (policy as StackValidationPolicy).validateStack === "function";
}

function failure(policy: Policy, resource: Prepared | undefined, error: unknown): Error {
    const on = resource ? ` on ${resource.type} ${resource.name}` : " on the stack";
    const wrapped = new Error(`Policy "${policy.name}" of ${PACK_NAME} failed${on}: ${error instanceof Error ? error.message : String(error)}`);
    (wrapped as Error & { cause?: unknown }).cause = error;
    return wrapped;
}

/**
 * Runs every policy of the pack over the resources (props are inputs, by type token) with the pack's
 * defaults merged with `config`, and returns every violation plus the checks unknown values prevented.
 */
export async function evaluateDetailed(
    resources: readonly OfflineResource[],
    config: Record<string, unknown> = {},
    policyList: readonly AnyPolicy[] = packPolicies,
    options: EvaluationOptions = {},
): Promise<Evaluation> {
    const settings = resolveConfig(config, policyList);
    const prepared = prepare(resources);
    const byName = new Map(prepared.map((resource) => [resource.name, resource]));
    const stackResources = policyResources(prepared, byName);
    const providers = new Map(prepared.map((resource) => [resource, providerOf(resource, byName)]));
    const byUrn = new Map(prepared.map((resource) => [resource.urn, resource]));
    const violations: Violation[] = [];
    const skipped: SkippedCheck[] = [];

    for (const policy of policyList) {
        const { enforcementLevel: configured, properties } = settings.get(policy.name)!;
        if (configured === "disabled") {
            continue;
        }
        // As under the engine: a violation of a remediate-level policy is reported as mandatory.
        const enforcementLevel = configured === "remediate" ? "mandatory" : configured;
        // One frozen copy per policy and evaluation, not a clone per resource: a policy that tried to change its
        // config would throw here rather than see its change leak into the next resource's check.
        const config = deepFreeze(structuredClone(properties));
        const getConfig = () => config;

        if (isStackPolicy(policy)) {
            const report = (message: string, urn?: string) => {
                const resource = urn === undefined ? undefined : (byUrn.get(urn)?.display ?? urn);
                violations.push({ policy: policy.name, enforcementLevel, ...(resource === undefined ? {} : { resource }), message });
            };
            try {
                await policy.validateStack(stackArgs(stackResources, getConfig), report);
            } catch (error) {
                if (isUnknownValueError(error)) {
                    skipped.push({ policy: policy.name, reason: (error as Error).message });
                } else if (!(error instanceof NotApplicable)) {
                    throw failure(policy, undefined, error);
                }
            }
            continue;
        }

        const validations = policy.validateResource === undefined ? [] : Array.isArray(policy.validateResource) ? policy.validateResource : [policy.validateResource];
        const appliesTo = options.allTypes ? undefined : (policy as ScopedResourcePolicy).appliesTo;
        for (const resource of prepared) {
            if (appliesTo && !appliesTo(resource.type)) {
                continue;
            }
            // A resource policy's reportViolation ignores its urn argument: the resource under validation is meant.
            const report = (message: string) => violations.push({ policy: policy.name, enforcementLevel, resource: resource.display, message });
            for (const validation of validations) {
                try {
                    await validation(resourceArgs(resource, getConfig, providers.get(resource)), report);
                } catch (error) {
                    if (error instanceof NotApplicable) {
                        continue;
                    }
                    if (isUnknownValueError(error)) {
                        skipped.push({ policy: policy.name, resource: resource.display, reason: (error as Error).message });
                        continue;
                    }
                    throw failure(policy, resource, error);
                }
            }
        }
    }
    return { violations, skipped };
}

/**
 * The pack's verdict in-process: every violation of every resource and stack policy, with its enforcement
 * level. `config` has the shape of a `--policy-pack-config` file (`{"<policy>": "advisory" | {enforcementLevel, ...knobs}}`).
 */
export async function evaluate(
    resources: { type: string; name: string; props: Record<string, unknown>; urn?: string }[],
    config?: Record<string, unknown>,
): Promise<{ policy: string; enforcementLevel: string; resource?: string; message: string }[]> {
    return (await evaluateDetailed(resources, config)).violations;
}

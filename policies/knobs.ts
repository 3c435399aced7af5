// Policy configuration ("knobs"): JSON-schema builders for configSchema, the typed read of a policy's
// configuration, and the resolution of a `--policy-pack-config` file into each policy's level and knobs.
// The engine fills schema defaults into the config it sends, but a policy must behave the same when it
// does not (older CLIs, in-process runs), so every read merges the schema's own defaults. Types only from
// @pulumi/policy: the operations CLI loads this module (through limits.ts) without the policy SDK.
import type { EnforcementLevel, Policy, PolicyConfigSchema } from "@pulumi/policy";
import type { PolicyConfigJSONSchema } from "@pulumi/policy/schema";
import type AjvClass from "ajv";
import type { ErrorObject, ValidateFunction } from "ajv";

/** Enforcement levels a `--policy-pack-config` file may set. */
export const ENFORCEMENT_LEVELS = ["advisory", "mandatory", "remediate", "disabled"] as const;

/** Pack-wide default level, as `new PolicyPack(...)` in index.ts sets it. */
export const PACK_ENFORCEMENT_LEVEL: EnforcementLevel = "mandatory";

/** The `default` of every knob in a schema. */
export function schemaDefaults(schema: PolicyConfigSchema | undefined): Record<string, unknown> {
    const defaults: Record<string, unknown> = {};
    for (const [key, property] of Object.entries(schema?.properties ?? {})) {
        if (property.default !== undefined) {
            defaults[key] = structuredClone(property.default);
        }
    }
    return defaults;
}

// Read for every resource a policy checks: the defaults are worked out once per schema and shared read-only.
const frozenDefaults = new WeakMap<PolicyConfigSchema, Readonly<Record<string, unknown>>>();

function sharedDefaults(schema: PolicyConfigSchema): Readonly<Record<string, unknown>> {
    let defaults = frozenDefaults.get(schema);
    if (!defaults) {
        defaults = schemaDefaults(schema);
        for (const value of Object.values(defaults)) {
            if (value !== null && typeof value === "object") {
                Object.freeze(value);
            }
        }
        frozenDefaults.set(schema, Object.freeze(defaults));
    }
    return defaults;
}

/** A policy's knobs: the schema defaults overridden by whatever the engine (or `evaluate`) configured. */
export function knobs<T extends object>(args: { getConfig<C extends object>(): C }, schema: PolicyConfigSchema): T {
    const { enforcementLevel: _level, ...configured } = args.getConfig<Record<string, unknown>>();
    return { ...sharedDefaults(schema), ...configured } as T;
}

export function stringList(description: string, defaults: readonly string[]): PolicyConfigJSONSchema {
    return { type: "array", items: { type: "string", minLength: 1 }, uniqueItems: true, default: [...defaults], description };
}

export function integerKnob(description: string, defaultValue: number, minimum = 0): PolicyConfigJSONSchema {
    return { type: "integer", minimum, default: defaultValue, description };
}

export function numberKnob(description: string, defaultValue: number, minimum = 0): PolicyConfigJSONSchema {
    return { type: "number", minimum, default: defaultValue, description };
}

export function booleanKnob(description: string, defaultValue: boolean): PolicyConfigJSONSchema {
    return { type: "boolean", default: defaultValue, description };
}

/** `{ "<key>": [strings] }`, e.g. action → condition keys. */
export function stringListMap(description: string, defaults: Record<string, readonly string[]>): PolicyConfigJSONSchema {
    return {
        type: "object",
        additionalProperties: { type: "array", items: { type: "string", minLength: 1 } },
        default: Object.fromEntries(Object.entries(defaults).map(([key, values]) => [key, [...values]])),
        description,
    };
}

/** A list printed in a message: `a, b and c`. */
export function listText(values: readonly string[], limit = 8): string {
    const shown = values.slice(0, limit);
    const rest = values.length - shown.length;
    if (rest > 0) {
        return `${shown.join(", ")} and ${rest} more`;
    }
    return shown.length <= 1 ? shown.join("") : `${shown.slice(0, -1).join(", ")} and ${shown[shown.length - 1]}`;
}

// ---- A `--policy-pack-config` file: the engine's defaults, "all", per-policy overrides, schema validation ----

export function isPlainObject(value: unknown): value is Record<string, unknown> {
    if (value === null || typeof value !== "object") {
        return false;
    }
    const prototype = Object.getPrototypeOf(value);
    return prototype === Object.prototype || prototype === null;
}

/** What resolving a pack config needs of a policy. */
export type ConfigurablePolicy = Pick<Policy, "name" | "enforcementLevel" | "configSchema">;

export interface PolicySettings {
    readonly enforcementLevel: EnforcementLevel;
    readonly properties: Record<string, unknown>;
}

// Loaded and compiled only for policies a config file gives knobs: every plan and CLI run resolves the whole
// pack, and compiling ~80 schemas would cost more than evaluating the stack (the defaults alone are valid, a
// test of the pack checks that).
let ajv: AjvClass | undefined;
const validators = new WeakMap<PolicyConfigSchema | ConfigurablePolicy, ValidateFunction>();

function validatorFor(policy: ConfigurablePolicy): ValidateFunction {
    // By schema, so that policies sharing one (the pack's and limits.ts's view of it) compile it once.
    const key = policy.configSchema ?? policy;
    let validate = validators.get(key);
    if (!validate) {
        if (!ajv) {
            const Ajv: typeof AjvClass = require("ajv").default;
            ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
        }
        validate = ajv.compile({
            type: "object",
            properties: { ...(policy.configSchema?.properties ?? {}) },
            required: policy.configSchema?.required ?? [],
            additionalProperties: false,
        });
        validators.set(key, validate);
    }
    return validate;
}

function knobError(policy: ConfigurablePolicy, error: ErrorObject, config: Record<string, unknown>): string {
    const known = Object.keys(policy.configSchema?.properties ?? {});
    if (error.keyword === "additionalProperties") {
        const knob = String(error.params.additionalProperty);
        return `unknown knob "${knob}"; ${known.length > 0 ? `its knobs are ${known.join(", ")}` : "it has no knobs"} (and enforcementLevel)`;
    }
    if (error.keyword === "required") {
        return `knob "${String(error.params.missingProperty)}" is required`;
    }
    const path = error.instancePath.split("/").filter(Boolean);
    const knob = path[0] ?? "";
    const value = knob in config ? ` (got ${JSON.stringify(config[knob])})` : "";
    return `knob "${path.join(".")}" ${error.message ?? "is invalid"}${value}`;
}

function isEnforcementLevel(value: unknown): value is EnforcementLevel {
    return typeof value === "string" && (ENFORCEMENT_LEVELS as readonly string[]).includes(value);
}

/**
 * Each listed policy's enforcement level and knobs from the content of a `--policy-pack-config` file:
 * schema defaults, then `all`, then the policy's own entry. Throws naming the policy and the knob on an
 * invalid entry. With `pack` (its name), `policies` is the whole pack and an entry naming any other policy
 * is refused; without, entries of policies not listed are left alone (a reader of a few policies' knobs,
 * like limits.ts, leaves them to the pack).
 */
export function resolvePolicySettings(config: unknown, policies: readonly ConfigurablePolicy[], pack?: string): Map<string, PolicySettings> {
    if (!isPlainObject(config)) {
        throw new Error(`The policy pack config must be an object of "<policy-name>": level or {enforcementLevel, ...knobs}; got ${JSON.stringify(config)}.`);
    }
    if (pack !== undefined) {
        const names = policies.map((policy) => policy.name);
        for (const name of Object.keys(config)) {
            if (name !== "all" && !names.includes(name)) {
                throw new Error(`The policy pack config names "${name}", which is not a policy of ${pack}; its policies are ${names.join(", ")}.`);
            }
        }
    }
    const levelOf = (name: string, entry: unknown): EnforcementLevel | undefined => {
        const level = typeof entry === "string" ? entry : isPlainObject(entry) ? entry.enforcementLevel : entry;
        if (isPlainObject(entry) && level === undefined) {
            return undefined;
        }
        if (!isEnforcementLevel(level)) {
            const what = typeof entry === "string" || isPlainObject(entry) ? `enforcementLevel ${JSON.stringify(level)}` : `the value ${JSON.stringify(entry)}`;
            throw new Error(`Invalid policy pack config for "${name}": ${what} is not one of ${ENFORCEMENT_LEVELS.join(", ")} (or an object with enforcementLevel and knobs).`);
        }
        return level;
    };
    const allLevel = "all" in config ? levelOf("all", config.all) : undefined;
    const settings = new Map<string, PolicySettings>();
    for (const policy of policies) {
        const entry = config[policy.name];
        const level = entry === undefined ? undefined : levelOf(policy.name, entry);
        const knobs: Record<string, unknown> = isPlainObject(entry) ? { ...entry } : {};
        delete knobs.enforcementLevel;
        const properties = { ...schemaDefaults(policy.configSchema), ...knobs };
        if (Object.keys(knobs).length > 0 || (policy.configSchema?.required ?? []).length > 0) {
            const validate = validatorFor(policy);
            if (!validate(properties)) {
                const problems = (validate.errors ?? []).map((error) => knobError(policy, error, properties));
                throw new Error(`Invalid policy pack config for "${policy.name}": ${[...new Set(problems)].join("; ")}.`);
            }
        }
        settings.set(policy.name, {
            enforcementLevel: level ?? allLevel ?? policy.enforcementLevel ?? PACK_ENFORCEMENT_LEVEL,
            properties,
        });
    }
    return settings;
}

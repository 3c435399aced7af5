// Policy configuration ("knobs"): JSON-schema builders for configSchema and the typed read of a policy's
// configuration. The engine fills schema defaults into the config it sends, but a policy must behave the
// same when it does not (older CLIs, in-process runs), so every read merges the schema's own defaults.
import { PolicyConfigSchema } from "@pulumi/policy";
import { PolicyConfigJSONSchema } from "@pulumi/policy/schema";

/** Enforcement levels a `--policy-pack-config` file may set. */
export const ENFORCEMENT_LEVELS = ["advisory", "mandatory", "remediate", "disabled"] as const;

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

/** A policy's knobs: the schema defaults overridden by whatever the engine (or `evaluate`) configured. */
export function knobs<T extends object>(args: { getConfig<C extends object>(): C }, schema: PolicyConfigSchema): T {
    const configured: Record<string, unknown> = { ...args.getConfig<Record<string, unknown>>() };
    delete configured.enforcementLevel;
    return { ...schemaDefaults(schema), ...configured } as T;
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

// Stack configuration as the Pulumi CLI hands it to the program: Pulumi.yaml defaults, overlaid by
// Pulumi.<stack>.yaml, overlaid by explicit overrides; keys namespaced (`aws:region`), values strings
// with lists and objects JSON-encoded. The offline plan and the tests use it to run the real program.
import * as fs from "fs";
import * as yaml from "js-yaml";
import * as path from "path";
import type { RawConfig } from "../components/config";

export const PROJECT_ROOT = path.resolve(__dirname, "..");

interface ProjectFile {
    name: string;
    config?: Record<string, { default?: unknown } | string | number | boolean>;
}

interface StackFile {
    config?: Record<string, unknown>;
}

function encode(value: unknown): string {
    return typeof value === "string" ? value : JSON.stringify(value);
}

export function projectName(root = PROJECT_ROOT): string {
    return (yaml.load(fs.readFileSync(path.join(root, "Pulumi.yaml"), "utf8")) as ProjectFile).name;
}

/**
 * Configuration of `stack`. Override keys may omit the project namespace (`epochs` means
 * `sagemaker-yolo:epochs`); an override of `undefined` removes the key, as `pulumi config rm` would.
 * `stackFileText` stands in for Pulumi.<stack>.yaml, so that an edit is judged before it is written.
 */
export function loadStackConfig(stack: string, overrides: Record<string, unknown> = {}, root = PROJECT_ROOT, stackFileText?: string): Record<string, string> {
    const project = yaml.load(fs.readFileSync(path.join(root, "Pulumi.yaml"), "utf8")) as ProjectFile;
    const qualify = (key: string) => (key.includes(":") ? key : `${project.name}:${key}`);
    const config: Record<string, string> = {};

    for (const [key, declaration] of Object.entries(project.config ?? {})) {
        const value = typeof declaration === "object" && declaration !== null ? declaration.default : declaration;
        if (value !== undefined) {
            config[qualify(key)] = encode(value);
        }
    }
    const stackPath = path.join(root, `Pulumi.${stack}.yaml`);
    const text = stackFileText ?? (fs.existsSync(stackPath) ? fs.readFileSync(stackPath, "utf8") : undefined);
    if (text !== undefined) {
        const stackFile = (yaml.load(text) ?? {}) as StackFile;
        for (const [key, value] of Object.entries(stackFile.config ?? {})) {
            config[qualify(key)] = encode(value);
        }
    }
    for (const [key, value] of Object.entries(overrides)) {
        if (value === undefined) {
            delete config[qualify(key)];
        } else {
            config[qualify(key)] = encode(value);
        }
    }
    return config;
}

/** The stack's configuration in the form `parseConfig` (components/config.ts) validates. */
export function rawStackConfig(stack: string, overrides: Record<string, unknown> = {}, root = PROJECT_ROOT, stackFileText?: string): RawConfig {
    const project = projectName(root);
    const flat = loadStackConfig(stack, overrides, root, stackFileText);
    const prefix = `${project}:`;
    const values = Object.fromEntries(
        Object.entries(flat)
            .filter(([key]) => key.startsWith(prefix))
            .map(([key, value]) => [key.slice(prefix.length), value]),
    );
    return { project, stack, values, awsProfile: flat["aws:profile"], awsRegion: flat["aws:region"] };
}

/**
 * The policy pack config a stack's own config implies, in the shape of a `--policy-pack-config` file: what the
 * resources alone cannot tell the pack (cross-region replication was asked for, so every data bucket must have
 * it). `npm run plan` evaluates with it and writes it to build/policy-config.<stack>.json for `pulumi preview`.
 */
export function stackPolicyConfig(config: { readonly replication: { readonly enabled: boolean } }): Record<string, unknown> {
    return { "s3-replication-required": { requireReplication: config.replication.enabled } };
}

/**
 * The stack's implied pack config under a team's own `--policy-pack-config` file: the file wins, policy by
 * policy and setting by setting, so a file that only lowers the run-cost ceiling still requires replication.
 */
export function withStackPolicyConfig(stackConfig: Record<string, unknown>, fileConfig: Record<string, unknown>): Record<string, unknown> {
    const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);
    const merged: Record<string, unknown> = { ...stackConfig };
    for (const [policy, given] of Object.entries(fileConfig)) {
        // Pulumi's shorthand `"policy": "advisory"` sets only the enforcement level; it must not drop the policy's knobs.
        const settings = typeof given === "string" ? { enforcementLevel: given } : given;
        const implied = stackConfig[policy];
        merged[policy] = isObject(implied) && isObject(settings) ? { ...implied, ...settings } : given;
    }
    return merged;
}

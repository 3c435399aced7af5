// What every command starts from: the stack's validated configuration (read like the Pulumi CLI does),
// the profile rule the stack itself enforces, AWS clients, and the terminal.
import { randomUUID } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { ConfigError, parseConfig, PlatformConfig } from "../components/config";
import { resourceNames } from "../components/naming";
import { PROJECT_ROOT, rawStackConfig } from "../tools/stackConfig";
import { ClientOptions, Clients, createClients } from "./clients";
import { UsageError } from "./errors";
import { Io, processIo } from "./io";

/** What the commands take from outside, replaceable in tests. */
export interface RunDeps {
    readonly io: Io;
    readonly createClients: (options: ClientOptions) => Clients;
    readonly sleep: (milliseconds: number) => Promise<void>;
    readonly now: () => Date;
    readonly newToken: () => string;
    /** Folder with Pulumi.yaml and the stack files. */
    readonly projectRoot: string;
}

export function defaultDeps(): RunDeps {
    return {
        io: processIo(),
        createClients,
        sleep: (milliseconds) => new Promise((done) => setTimeout(done, milliseconds)),
        now: () => new Date(),
        newToken: randomUUID,
        projectRoot: PROJECT_ROOT,
    };
}

export interface GlobalOptions {
    readonly profile: string;
    readonly region?: string;
    readonly stack: string;
    readonly json: boolean;
}

export interface CommandContext extends Omit<RunDeps, "createClients" | "projectRoot"> {
    readonly options: GlobalOptions;
    readonly stack: PlatformConfig;
    readonly clients: Clients;
}

/** The stack's configuration exactly as the program validates it (components/config.ts parseConfig). */
export function loadStack(stack: string, root: string): PlatformConfig {
    if (!fs.existsSync(path.join(root, `Pulumi.${stack}.yaml`))) {
        throw new UsageError([`--stack ${JSON.stringify(stack)}: there is no Pulumi.${stack}.yaml in ${root}; name a configured stack (default dev).`]);
    }
    try {
        return parseConfig(rawStackConfig(stack, {}, root));
    } catch (error) {
        if (error instanceof ConfigError) {
            throw new UsageError(error.problems.map((problem) => `stack ${stack}: ${problem}`));
        }
        throw error;
    }
}

/** The stack may only be deployed with an allowed profile; the CLI acts on the same resources, so the same rule. */
export function checkProfile(profile: string, stack: PlatformConfig): void {
    if (!stack.allowedProfiles.includes(profile)) {
        throw new UsageError([
            `--profile ${JSON.stringify(profile)} is not allowed; stack ${stack.stack} allows ${stack.allowedProfiles.join(", ") || "(none)"} (allowedProfiles in Pulumi.yaml or Pulumi.${stack.stack}.yaml).`,
        ]);
    }
}

export function createContext(options: GlobalOptions, deps: RunDeps): CommandContext {
    const stack = loadStack(options.stack, deps.projectRoot);
    checkProfile(options.profile, stack);
    const clients = deps.createClients({ profile: options.profile, region: options.region });
    return { io: deps.io, sleep: deps.sleep, now: deps.now, newToken: deps.newToken, options, stack, clients };
}

export interface ResolvedName {
    readonly name: string;
    /** How the name was found, for the user: a flag (`--pipeline`, `--group`) or the stack's naming rule (components/naming.ts). */
    readonly source: string;
}

export type ResolvedPipeline = ResolvedName;

/** `--pipeline` wins; otherwise the name the stack gave its pipeline (components/naming.ts). */
export function resolvePipeline(explicit: string | undefined, stack: PlatformConfig): ResolvedPipeline {
    if (explicit !== undefined) {
        return { name: explicit, source: "given by --pipeline" };
    }
    return {
        name: resourceNames(stack.namePrefix, stack.stack).pipeline,
        source: `derived from stack ${stack.stack}, namePrefix ${stack.namePrefix}; --pipeline overrides`,
    };
}

/** Writes which pipeline a command acts on, so that a derived name never surprises. */
export function notePipeline(context: CommandContext, pipeline: ResolvedPipeline): void {
    context.io.stderr.write(`pipeline ${pipeline.name} (${pipeline.source})\n`);
}

/**
 * `--group` wins; otherwise the model package group the stack registers passing models in
 * (components/naming.ts). A stack with `modelRegistry: false` has none, so then `--group` is required.
 */
export function resolveModelPackageGroup(explicit: string | undefined, stack: PlatformConfig): ResolvedName {
    if (explicit !== undefined) {
        return { name: explicit, source: "given by --group" };
    }
    if (!stack.governance.modelRegistry) {
        throw new UsageError([
            `stack ${stack.stack} has modelRegistry: false, so it has no model package group; name one with --group.`,
        ]);
    }
    return {
        name: resourceNames(stack.namePrefix, stack.stack).modelPackageGroup,
        source: `derived from stack ${stack.stack}, namePrefix ${stack.namePrefix}; --group overrides`,
    };
}

/** Writes which model package group a command acts on, like notePipeline. */
export function noteModelPackageGroup(context: CommandContext, group: ResolvedName): void {
    context.io.stderr.write(`model package group ${group.name} (${group.source})\n`);
}

/** A command's body: the context, then commander's positional arguments and the command's own options. */
export type CommandHandler<A extends unknown[]> = (context: CommandContext, ...args: A) => Promise<number>;

/** Turns a handler into a commander action (builds the context from the global options, records the exit code). */
export type ActionFactory = <A extends unknown[]>(handler: CommandHandler<A>) => (...args: unknown[]) => Promise<void>;

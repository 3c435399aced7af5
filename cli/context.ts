// What every command starts from: the stack's validated configuration (read like the Pulumi CLI does),
// the profile rule the stack itself enforces, AWS clients, and the terminal. Everything that can be judged
// without AWS is judged here or at the top of each command; the clients are only built when a command first
// asks for them, so a refused value never gets as far as the SDK (no credential or region lookup, no request).
import { randomUUID } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { ConfigError, parseConfig, PlatformConfig } from "../components/config";
import { resourceNames } from "../components/naming";
import { PROJECT_ROOT, rawStackConfig } from "../tools/stackConfig";
import { ClientOptions, Clients, createClients } from "./clients";
import type { SetupFacts } from "./diagnosis";
import { UsageError } from "./errors";
import { Io, processIo } from "./io";
import { StackDefinition, stackDefinition } from "./stackDefinition";

/** What the commands take from outside, replaceable in tests. */
export interface RunDeps {
    readonly io: Io;
    readonly createClients: (options: ClientOptions) => Clients;
    readonly sleep: (milliseconds: number) => Promise<void>;
    readonly now: () => Date;
    readonly newToken: () => string;
    /** Folder with Pulumi.yaml and the stack files. */
    readonly projectRoot: string;
    /** The pipeline this checkout's program gives a stack (cli/stackDefinition.ts). */
    readonly stackDefinition: (stack: string) => Promise<StackDefinition>;
}

export function defaultDeps(): RunDeps {
    return {
        io: processIo(),
        createClients,
        sleep: (milliseconds) => new Promise((done) => setTimeout(done, milliseconds)),
        now: () => new Date(),
        newToken: randomUUID,
        projectRoot: PROJECT_ROOT,
        stackDefinition,
    };
}

export interface GlobalOptions {
    readonly profile: string;
    readonly region?: string;
    readonly stack: string;
    readonly json: boolean;
    /** Options (by attribute name) whose value came from an environment variable (`profile` → `AWS_PROFILE`), not a flag. */
    readonly fromEnvironment?: Readonly<Record<string, string>>;
}

/**
 * Where a value came from, as the user set it: the environment variable when the flag was not given (a value
 * refused as `--profile` would send the user looking for a flag they never typed), else the flag.
 */
export function valueSource(options: GlobalOptions, attribute: string, flag: string): string {
    return options.fromEnvironment?.[attribute] ?? flag;
}

export interface CommandContext extends Omit<RunDeps, "createClients"> {
    readonly options: GlobalOptions;
    readonly stack: PlatformConfig;
    /** Built on first use: a command reads it only after its own local checks. */
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

/**
 * The stack may only be deployed with an allowed profile; the CLI acts on the same resources, so the same rule.
 * `source` is where the profile came from: `--profile`, or `AWS_PROFILE` when the flag was not given.
 */
export function checkProfile(profile: string, stack: PlatformConfig, source = "--profile"): void {
    if (!stack.allowedProfiles.includes(profile)) {
        const fix = source === "--profile" ? "" : ` Unset ${source} or set it to an allowed profile, or pass --profile.`;
        throw new UsageError([
            `${source} ${JSON.stringify(profile)} is not allowed; stack ${stack.stack} allows ${stack.allowedProfiles.join(", ") || "(none)"} (allowedProfiles in Pulumi.yaml or Pulumi.${stack.stack}.yaml).${fix}`,
        ]);
    }
}

/**
 * The region the SDK will be given, from --region or AWS_REGION, must look like one: a typo would otherwise
 * surface as a DNS failure after six attempts. The rule is the stack config's own (aws:region in
 * components/config.ts), applied by validating the stack's configuration with that region.
 */
export function checkRegion(stack: string, root: string, region: string, source: string): void {
    const prefix = "aws:region: ";
    try {
        parseConfig(rawStackConfig(stack, { "aws:region": region }, root));
    } catch (error) {
        const problem = error instanceof ConfigError ? error.problems.find((candidate) => candidate.startsWith(prefix)) : undefined;
        if (problem !== undefined) {
            throw new UsageError([`${source}: ${problem.slice(prefix.length)}`]);
        }
    }
}

export function createContext(options: GlobalOptions, deps: RunDeps): CommandContext {
    const stack = loadStack(options.stack, deps.projectRoot);
    checkProfile(options.profile, stack, valueSource(options, "profile", "--profile"));
    if (options.region !== undefined) {
        checkRegion(options.stack, deps.projectRoot, options.region, "--region");
    } else if (process.env.AWS_REGION) {
        checkRegion(options.stack, deps.projectRoot, process.env.AWS_REGION, "AWS_REGION");
    }
    let clients: Clients | undefined;
    return {
        io: deps.io,
        sleep: deps.sleep,
        now: deps.now,
        newToken: deps.newToken,
        stackDefinition: deps.stackDefinition,
        projectRoot: deps.projectRoot,
        options,
        stack,
        get clients() {
            clients ??= deps.createClients({ profile: options.profile, region: options.region });
            return clients;
        },
    };
}

/** What cli/diagnosis.ts needs to explain an AWS setup error of this command. */
export function setupFacts(context: CommandContext): SetupFacts {
    return { profile: context.options.profile, region: context.options.region, stack: context.stack };
}

/** CreatePipeline's and CreateModelPackageGroup's name rules: a name AWS could never accept is refused here. */
const PIPELINE_NAME = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,255}$/;
const MODEL_PACKAGE_GROUP_NAME = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;

function checkName(flag: string, value: string, pattern: RegExp, what: string): void {
    if (!pattern.test(value)) {
        throw new UsageError([`${flag}: ${JSON.stringify(value)} is not allowed; expected a ${what}: letters, digits and hyphens, starting and ending with a letter or digit.`]);
    }
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
        checkName("--pipeline", explicit, PIPELINE_NAME, "SageMaker pipeline name (1-256 characters)");
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
        checkName("--group", explicit, MODEL_PACKAGE_GROUP_NAME, "model package group name (1-63 characters)");
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

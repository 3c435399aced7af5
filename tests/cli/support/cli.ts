// Two ways to run the CLI: as a real subprocess through the npm bin shim (exit codes, nothing started),
// and in-process through `run()` with captured streams (everything else, without a ts-node start each).
import { S3Client } from "@aws-sdk/client-s3";
import { SageMakerClient } from "@aws-sdk/client-sagemaker";
import { SageMakerRuntimeClient } from "@aws-sdk/client-sagemaker-runtime";
import { spawn } from "child_process";
import * as path from "path";
import { Readable } from "stream";
import { ClientOptions, Clients, createClients } from "../../../cli/clients";
import { defaultDeps, RunDeps } from "../../../cli/context";
import { InputStream, Io, OutputStream } from "../../../cli/io";
import { run } from "../../../cli/main";
import { PROJECT_ROOT } from "../../../tools/stackConfig";

export const BIN = path.join(PROJECT_ROOT, "cli", "bin.js");

export interface CliResult {
    readonly code: number;
    readonly stdout: string;
    readonly stderr: string;
}

export function runCliProcess(args: readonly string[], env: NodeJS.ProcessEnv, input?: string): Promise<CliResult> {
    return new Promise((resolve, reject) => {
        const child = spawn(process.execPath, [BIN, ...args], { cwd: PROJECT_ROOT, env, stdio: ["pipe", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
        child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
        child.once("error", reject);
        child.once("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
        child.stdin.end(input ?? "");
    });
}

class Capture implements OutputStream {
    text = "";
    constructor(readonly isTTY: boolean) {}
    write(text: string): boolean {
        this.text += text;
        return true;
    }
}

export interface InProcessOptions {
    /** stdout is a terminal (watch redraws in place). */
    readonly tty?: boolean;
    /** stdin is a terminal, with these lines typed. */
    readonly typed?: string;
    readonly clients?: Clients;
    /** Merged into the options the CLI builds its clients with (when `clients` is not given). */
    readonly clientOptions?: Partial<ClientOptions>;
    readonly now?: () => Date;
    /** Called instead of waiting between polls. */
    readonly sleep?: (ms: number) => Promise<void>;
    readonly newToken?: () => string;
    /** Folder with Pulumi.yaml and the stack files (default: the repository). */
    readonly projectRoot?: string;
    /** Environment variables for the run (undefined removes one); AWS_PROFILE and STACK_OUTPUTS are removed unless given. */
    readonly env?: Readonly<Record<string, string | undefined>>;
}

export interface InProcessResult extends CliResult {
    readonly sleeps: number[];
    /** How often the CLI built its AWS clients: 0 for a command refused before any AWS call. */
    readonly clientsCreated: number;
}

export async function runCliInProcess(args: readonly string[], options: InProcessOptions = {}): Promise<InProcessResult> {
    const stdout = new Capture(options.tty ?? false);
    const stderr = new Capture(false);
    const stdin: InputStream = Readable.from(options.typed !== undefined ? [options.typed] : []);
    stdin.isTTY = options.typed !== undefined;
    const io: Io = { stdout, stderr, stdin };
    const sleeps: number[] = [];
    let clientsCreated = 0;
    const deps: RunDeps = {
        ...defaultDeps(),
        io,
        createClients: (clientOptions) => {
            clientsCreated++;
            return options.clients ?? createClients({ ...clientOptions, ...options.clientOptions });
        },
        sleep: async (ms) => {
            sleeps.push(ms);
            await options.sleep?.(ms);
        },
        ...(options.now ? { now: options.now } : {}),
        ...(options.newToken ? { newToken: options.newToken } : {}),
        ...(options.projectRoot ? { projectRoot: options.projectRoot } : {}),
    };
    // STACK_OUTPUTS (label start's --stack-outputs) is a developer's own setting too: a test passes it when it means to.
    const env: Record<string, string | undefined> = { AWS_PROFILE: undefined, STACK_OUTPUTS: undefined, ...options.env };
    const saved = Object.fromEntries(Object.keys(env).map((key) => [key, process.env[key]]));
    const apply = (values: Record<string, string | undefined>) => {
        for (const [key, value] of Object.entries(values)) {
            if (value === undefined) {
                delete process.env[key];
            } else {
                process.env[key] = value;
            }
        }
    };
    apply(env);
    try {
        const code = await run(args, deps);
        return { code, stdout: stdout.text, stderr: stderr.text, sleeps, clientsCreated };
    } finally {
        apply(saved);
    }
}

/** Clients that must not be reached (for tests that fail before any call); mock them to use them. */
export function offlineClients(): Clients {
    const endpoint = "http://127.0.0.1:9";
    const common = { region: "us-east-1", endpoint, credentials: { accessKeyId: "x", secretAccessKey: "x" }, maxAttempts: 1 };
    return { sagemaker: new SageMakerClient(common), s3: new S3Client({ ...common, forcePathStyle: true }), sagemakerRuntime: new SageMakerRuntimeClient(common) };
}

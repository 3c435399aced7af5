// The AWS API emulator for the CLI's integration tests: moto's server from the project's Python venv,
// started on a free 127.0.0.1 port and stopped by the suite that started it.
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as path from "path";
import { PROJECT_ROOT } from "../../../tools/stackConfig";

export const MOTO_SERVER = path.join(PROJECT_ROOT, ".venv", "bin", "moto_server");
/** moto's server with InvokeEndpoint taking image bodies (moto 5.2.5 answers any non-UTF-8 body with HTTP 500; see the script). */
export const MOTO_SERVER_BINARY_BODIES = path.join(PROJECT_ROOT, "tests", "python", "moto_server_binary.py");

export interface MotoOptions {
    /** Run tests/python/moto_server_binary.py with the venv's Python instead of moto_server itself. */
    readonly binaryInvocations?: boolean;
}
const READY_TIMEOUT_MS = 30_000;

export interface Moto {
    readonly endpoint: string;
    /** Milliseconds from spawn to the first answered request. */
    readonly startupMs: number;
    /** Forgets every resource (POST /moto-api/reset). */
    reset(): Promise<void>;
    stop(): Promise<void>;
    /** Queues InvokeEndpoint answers (moto's /moto-api/static/sagemaker/endpoint-results): each new request takes the next. */
    queueEndpointResults(results: readonly EndpointResult[]): Promise<void>;
}

export interface EndpointResult {
    readonly Body: string;
    readonly ContentType?: string;
    readonly InvokedProductionVariant?: string;
}

/** A port nothing listens on once it returns (for "endpoint unreachable" cases too). */
export function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const server = net.createServer();
        server.once("error", reject);
        server.listen(0, "127.0.0.1", () => {
            const { port } = server.address() as net.AddressInfo;
            server.close(() => resolve(port));
        });
    });
}

const delay = (ms: number) => new Promise((done) => setTimeout(done, ms));

export async function startMoto(server = MOTO_SERVER, options: MotoOptions = {}): Promise<Moto> {
    if (!fs.existsSync(server)) {
        // Never skip: a missing emulator must not look like a passing suite.
        throw new Error(`The CLI integration tests need moto's server at ${server}, which is missing. Run \`bash tools/setup-python.sh\` (it creates .venv from requirements-dev.txt), then run the tests again.`);
    }
    const started = Date.now();
    const port = await freePort();
    const endpoint = `http://127.0.0.1:${port}`;
    const [command, ...script] = options.binaryInvocations ? [path.join(path.dirname(server), "python"), MOTO_SERVER_BINARY_BODIES] : [server];
    const child: ChildProcess = spawn(command, [...script, "-H", "127.0.0.1", "-p", String(port)], { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    let exited: number | null | undefined;
    child.once("exit", (code) => (exited = code));

    for (;;) {
        if (exited !== undefined) {
            throw new Error(`moto_server exited with code ${exited} before answering on ${endpoint}:\n${stderr}`);
        }
        if (Date.now() - started > READY_TIMEOUT_MS) {
            child.kill();
            throw new Error(`moto_server did not answer on ${endpoint} within ${READY_TIMEOUT_MS / 1000} s:\n${stderr}`);
        }
        try {
            const response = await fetch(`${endpoint}/moto-api/`);
            if (response.ok) {
                break;
            }
        } catch {
            // Not listening yet.
        }
        await delay(50);
    }
    const startupMs = Date.now() - started;

    return {
        endpoint,
        startupMs,
        async reset() {
            const response = await fetch(`${endpoint}/moto-api/reset`, { method: "POST" });
            if (!response.ok) {
                throw new Error(`moto reset failed: HTTP ${response.status}`);
            }
        },
        async queueEndpointResults(results) {
            const response = await fetch(`${endpoint}/moto-api/static/sagemaker/endpoint-results`, {
                method: "POST",
                headers: { "content-type": "application/json" },
                body: JSON.stringify({ region: "us-east-1", results }),
            });
            if (!response.ok) {
                throw new Error(`moto endpoint-results failed: HTTP ${response.status}`);
            }
        },
        stop() {
            return new Promise((done) => {
                if (exited !== undefined) {
                    return done();
                }
                child.once("exit", () => done());
                child.kill("SIGTERM");
            });
        },
    };
}

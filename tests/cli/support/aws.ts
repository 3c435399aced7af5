// A throwaway AWS configuration for the emulator: a `[profile ab]` with dummy keys, and the environment
// that points the SDK's standard provider chain at moto.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

export const TEST_REGION = "us-east-1";

export interface AwsSandbox {
    readonly dir: string;
    /** The variables the CLI needs, for a subprocess environment or process.env. */
    readonly env: Readonly<Record<string, string>>;
    remove(): void;
}

/** Variables that would let the developer's own AWS setup leak into a test. */
const AMBIENT = [
    "AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL_SAGEMAKER", "AWS_MAX_ATTEMPTS", "AWS_RETRY_MODE",
];

export function createAwsSandbox(endpoint: string): AwsSandbox {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "yolo-pipeline-aws-"));
    const config = path.join(dir, "config");
    const credentials = path.join(dir, "credentials");
    fs.writeFileSync(config, `[profile ab]\nregion = ${TEST_REGION}\n`);
    fs.writeFileSync(credentials, "[ab]\naws_access_key_id = testing\naws_secret_access_key = testing\n");
    return {
        dir,
        env: {
            AWS_CONFIG_FILE: config,
            AWS_SHARED_CREDENTIALS_FILE: credentials,
            AWS_ENDPOINT_URL: endpoint,
            AWS_EC2_METADATA_DISABLED: "true",
        },
        remove: () => fs.rmSync(dir, { recursive: true, force: true }),
    };
}

/** The environment of a CLI subprocess: PATH, a scratch HOME (no ~/.aws), and the sandbox's variables. */
export function subprocessEnv(sandbox: AwsSandbox, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    return { PATH: process.env.PATH ?? "", HOME: sandbox.dir, ...sandbox.env, ...extra };
}

/** Points this process's SDK clients at the sandbox; returns the function that restores process.env. */
export function useSandboxInProcess(sandbox: AwsSandbox): () => void {
    const keys = [...AMBIENT, ...Object.keys(sandbox.env)];
    const saved = Object.fromEntries(keys.map((key) => [key, process.env[key]]));
    for (const key of AMBIENT) {
        delete process.env[key];
    }
    Object.assign(process.env, sandbox.env);
    return () => {
        for (const [key, value] of Object.entries(saved)) {
            if (value === undefined) {
                delete process.env[key];
            } else {
                process.env[key] = value;
            }
        }
    };
}

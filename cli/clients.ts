// AWS clients of the CLI. Credentials, region and endpoints come from the SDK's standard provider chain
// (flags, AWS_* variables, the profile in ~/.aws/config), so AWS_ENDPOINT_URL points the CLI at an
// emulator without a code path of its own.
import { S3Client } from "@aws-sdk/client-s3";
import { SageMakerClient } from "@aws-sdk/client-sagemaker";
import { SageMakerRuntimeClient } from "@aws-sdk/client-sagemaker-runtime";

export interface ClientOptions {
    readonly profile: string;
    /** Undefined lets the SDK resolve it (AWS_REGION, then the profile's `region`). */
    readonly region?: string;
    /** Milliseconds to wait for a connection and, once connected, for the next byte of an answer. */
    readonly timeouts?: { readonly connectMs: number; readonly idleMs: number };
}

export interface Clients {
    readonly sagemaker: SageMakerClient;
    readonly s3: S3Client;
    /** InvokeEndpoint (the endpoint's own host, runtime.sagemaker.<region>.amazonaws.com; IAM actions are sagemaker:*). */
    readonly sagemakerRuntime: SageMakerRuntimeClient;
}

/**
 * Adaptive mode adds client-side rate limiting to the standard retries, which is what a `watch` polling
 * next to other tools in the same account needs when SageMaker throttles. Retries reuse the request,
 * so a StartPipelineExecution retried by the SDK carries the same ClientRequestToken.
 */
export const RETRY = { retryMode: "adaptive", maxAttempts: 6 } as const;

/**
 * The SDK sets no timeout of its own: an endpoint that accepts nothing (a firewall dropping packets) or
 * answers nothing would hang a command, six attempts over. Every call the CLI makes answers in well under
 * a second, so these bound a dead endpoint to about half a minute in all.
 */
export const TIMEOUTS = { connectMs: 3_000, idleMs: 20_000 } as const;

/** InvokeEndpoint's own limit on the model's answer (SageMaker API reference), plus a margin for the transfer. */
export const INVOCATION_TIMEOUT_MS = 65_000;

/** Emulators and S3-compatible stores serve buckets by path only; AWS itself prefers virtual-hosted names. */
export function usesCustomS3Endpoint(env: NodeJS.ProcessEnv = process.env): boolean {
    return Boolean(env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL);
}

/** What a failed call was, recorded on its error by the clients (cli/diagnosis.ts names it to the user). */
interface CallFacts {
    /** The IAM action, e.g. `sagemaker:StartPipelineExecution`. */
    $action?: string;
    /** The URL the call was sent to, once the endpoint was resolved. */
    $endpoint?: string;
    /** The call's input (PipelineName, PipelineExecutionArn, …): what a "not found" answer was about. */
    $input?: Readonly<Record<string, unknown>>;
}

/** The IAM action of the call that failed with `error`, when a client of createClients made it. */
export function actionOf(error: unknown): string | undefined {
    return (error as CallFacts | undefined)?.$action;
}

/** The input of the call that failed with `error`, when a client of createClients made it. */
export function inputOf(error: unknown): Readonly<Record<string, unknown>> | undefined {
    return (error as CallFacts | undefined)?.$input;
}

/** Where the call that failed with `error` was sent, when a client of createClients made it. */
export function endpointOf(error: unknown): string | undefined {
    return (error as CallFacts | undefined)?.$endpoint;
}

// `any`: the two stacks differ in their input and output types, not in the shape this middleware needs.
type Handler = (args: any) => Promise<any>;
type CallContext = { commandName?: string; endpointV2?: { url?: URL } };

/** The one middleware shape used here; both clients' stacks take it at the initialize step. */
interface ClientWithStack {
    readonly middlewareStack: {
        add(middleware: (next: Handler, context: CallContext) => Handler, options: { step: "initialize"; name: string; override: boolean }): void;
    };
}

/** Records on every error which call failed and where it went; the outermost step sees every failure. */
function recordCallFacts(client: ClientWithStack, service: string): void {
    client.middlewareStack.add(
        (next, context) => async (args) => {
            try {
                return await next(args);
            } catch (error) {
                if (typeof error === "object" && error !== null) {
                    const facts = error as CallFacts;
                    facts.$action ??= `${service}:${String(context.commandName ?? "").replace(/Command$/, "")}`;
                    facts.$endpoint ??= context.endpointV2?.url?.href;
                    facts.$input ??= args.input;
                }
                throw error;
            }
        },
        { step: "initialize", name: "yoloPipelineCallFacts", override: true },
    );
}

const MULTIPLE_SOURCES_WARNING = "@aws-sdk/credential-provider-node - defaultProvider::fromEnv WARNING:\n    Multiple credential sources detected";
let noticesSilenced = false;

/**
 * Two SDK notices that a user of the CLI can do nothing about, silenced exactly (every other warning passes):
 * - the credential chain's console.warn that AWS_PROFILE wins over AWS_ACCESS_KEY_ID/SECRET: the CLI always
 *   names a profile (the stack's profile rule), so environment keys are never used, and the CLI says so
 *   itself when that matters (cli/diagnosis.ts);
 * - the client constructor's process.emitWarning that releases from January 2027 need Node >= 22: the CLI
 *   states the Node it needs itself, in one line (tools/nodeVersion.js), and the SDK's switch for it
 *   (AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED) is honoured when a user sets it to anything.
 */
export function silenceSdkNotices(): void {
    if (noticesSilenced) {
        return;
    }
    noticesSilenced = true;
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
    const warn = console.warn;
    console.warn = (...args: unknown[]) => {
        if (typeof args[0] === "string" && args[0].startsWith(MULTIPLE_SOURCES_WARNING)) {
            return;
        }
        warn(...args);
    };
}

export function createClients(options: ClientOptions): Clients {
    silenceSdkNotices();
    const timeouts = options.timeouts ?? TIMEOUTS;
    const common = {
        profile: options.profile,
        ...(options.region ? { region: options.region } : {}),
        ...RETRY,
        requestHandler: { connectionTimeout: timeouts.connectMs, socketTimeout: timeouts.idleMs },
    };
    const clients = {
        sagemaker: new SageMakerClient(common),
        s3: new S3Client({ ...common, forcePathStyle: usesCustomS3Endpoint() }),
        // SageMaker gives the model container 60 s to answer an invocation: a slow prediction is not a dead endpoint.
        sagemakerRuntime: new SageMakerRuntimeClient({
            ...common,
            requestHandler: { connectionTimeout: timeouts.connectMs, socketTimeout: Math.max(timeouts.idleMs, INVOCATION_TIMEOUT_MS) },
        }),
    };
    recordCallFacts(clients.sagemaker, "sagemaker");
    recordCallFacts(clients.s3, "s3");
    recordCallFacts(clients.sagemakerRuntime, "sagemaker");
    return clients;
}

// Exit codes and the errors that carry them. Scripts branch on these codes, so they are part of the CLI's
// interface: documented in cli/README.md and never renumbered.

export const EXIT = {
    /** The command did what was asked (watch: the execution Succeeded). */
    ok: 0,
    /** An AWS call or the environment failed (credentials, network, missing pipeline, ...). */
    error: 1,
    /** A flag or value was refused before any change was made: unknown option, invalid parameter, profile not allowed. */
    usage: 2,
    /** watch: the execution ended Failed (or CompletedWithFailures). */
    executionFailed: 3,
    /** watch: the execution ended Stopped. */
    executionStopped: 4,
    /** stop, approve, reject: the confirmation was answered with anything but "y". */
    declined: 5,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** An error whose message is already fit for the user; it ends the command with `exitCode`. */
export class CliError extends Error {
    constructor(
        message: string,
        readonly exitCode: ExitCode = EXIT.error,
    ) {
        super(message);
        this.name = "CliError";
    }
}

/** A refused flag or value; `problems` are reported one per line. */
export class UsageError extends CliError {
    constructor(readonly problems: readonly string[]) {
        super(problems.join("\n"), EXIT.usage);
        this.name = "UsageError";
    }
}

/** Runs `check`, keeping a UsageError's problems instead of throwing, so a command can refuse with those of several checks at once. */
export function usageProblems<T>(check: () => T): { value?: T; problems: readonly string[] } {
    try {
        return { value: check(), problems: [] };
    } catch (error) {
        if (error instanceof UsageError) {
            return { problems: error.problems };
        }
        throw error;
    }
}

/**
 * One readable line for any error: AWS service and SDK errors carry their code in `name`
 * (`ResourceNotFound`, `ThrottlingException`, `CredentialsProviderError`), which is what users search for.
 */
export function describeError(error: unknown): string {
    if (error instanceof UsageError) {
        return error.problems.map((problem) => `error: ${problem}`).join("\n");
    }
    if (error instanceof CliError) {
        return `error: ${error.message}`;
    }
    if (error instanceof Error) {
        const xml = xmlErrorOf(error);
        if (xml !== undefined) {
            return `error: ${xml.code}: ${xml.message || "(no message)"}${transportDetails(error, "an XML error response")}`;
        }
        const message = error.message.split("\n")[0].trim();
        return `error: ${error.name}: ${message || "(no message)"}${transportDetails(error)}`;
    }
    return `error: ${String(error)}`;
}

/**
 * The AWS error code: the modelled error's name, or the <Code> of an XML error body a JSON service's
 * client could not parse (an IAM denial from a front end or an emulator answers in XML; the SDK then
 * reports a SyntaxError and keeps the body in `$responseBodyText`).
 */
export function awsErrorCode(error: unknown): string | undefined {
    if (!(error instanceof Error)) {
        return undefined;
    }
    return xmlErrorOf(error)?.code ?? error.name;
}

const ACCESS_DENIED_CODES = new Set(["AccessDeniedException", "AccessDenied", "UnauthorizedOperation"]);

/**
 * How IAM's refusal of a call shows, or undefined when the error is something else: the AWS error code,
 * or for a bare HTTP 403 whose body the SDK could not read (an XML denial to a JSON service, which the
 * SDK reports as a SyntaxError without the body) `AccessDenied (HTTP 403)`.
 */
export function accessDeniedCode(error: unknown): string | undefined {
    const code = awsErrorCode(error);
    if (code !== undefined && ACCESS_DENIED_CODES.has(code)) {
        return code;
    }
    const modelled = (error as { $fault?: string } | undefined)?.$fault !== undefined;
    const status = (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
    return error instanceof Error && !modelled && status === 403 && xmlErrorOf(error) === undefined ? "AccessDenied (HTTP 403)" : undefined;
}

/** IAM refused the call. */
export function isAccessDenied(error: unknown): boolean {
    return accessDeniedCode(error) !== undefined;
}

/** The principal IAM names in a denial (`User: arn:aws:sts::…:assumed-role/<role>/<session> is not authorized …`). */
export function deniedPrincipal(error: unknown): string | undefined {
    if (!(error instanceof Error)) {
        return undefined;
    }
    const message = xmlErrorOf(error)?.message ?? error.message;
    return /User: (\S+) is not authorized/.exec(message)?.[1];
}

function xmlErrorOf(error: Error): { code: string; message: string } | undefined {
    if ((error as { $fault?: string }).$fault !== undefined) {
        return undefined;
    }
    const body = (error as { $responseBodyText?: unknown }).$responseBodyText;
    if (typeof body !== "string") {
        return undefined;
    }
    const code = /<Code>([^<]+)<\/Code>/.exec(body)?.[1];
    const message = /<Message>([^<]*)<\/Message>/.exec(body)?.[1] ?? "";
    return code === undefined ? undefined : { code: code.trim(), message: message.split("\n")[0].trim() };
}

/**
 * What the SDK knows about the HTTP exchange. A response that is not an AWS error (an HTML 500 from a
 * proxy or an emulator lacking the operation) surfaces as a bare parse error; the status explains it.
 */
function transportDetails(error: Error, kind = "not an AWS error response"): string {
    const metadata = (error as { $metadata?: { httpStatusCode?: number; attempts?: number } }).$metadata;
    if (metadata === undefined) {
        return "";
    }
    const modelled = (error as { $fault?: string }).$fault !== undefined;
    const details = [
        ...(!modelled && metadata.httpStatusCode ? [`HTTP ${metadata.httpStatusCode}, ${kind}`] : []),
        ...(metadata.attempts && metadata.attempts > 1 ? [`after ${metadata.attempts} attempts`] : []),
    ];
    return details.length > 0 ? ` (${details.join(", ")})` : "";
}

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
    /** stop: the confirmation was answered with anything but "y". */
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
        const message = error.message.split("\n")[0].trim();
        return `error: ${error.name}: ${message || "(no message)"}${transportDetails(error)}`;
    }
    return `error: ${String(error)}`;
}

/**
 * What the SDK knows about the HTTP exchange. A response that is not an AWS error (an HTML 500 from a
 * proxy or an emulator lacking the operation) surfaces as a bare parse error; the status explains it.
 */
function transportDetails(error: Error): string {
    const metadata = (error as { $metadata?: { httpStatusCode?: number; attempts?: number } }).$metadata;
    if (metadata === undefined) {
        return "";
    }
    const modelled = (error as { $fault?: string }).$fault !== undefined;
    const details = [
        ...(!modelled && metadata.httpStatusCode ? [`HTTP ${metadata.httpStatusCode}, not an AWS error response`] : []),
        ...(metadata.attempts && metadata.attempts > 1 ? [`after ${metadata.attempts} attempts`] : []),
    ];
    return details.length > 0 ? ` (${details.join(", ")})` : "";
}

// The terminal as the commands see it. Results go to stdout, notes and progress to stderr, so that
// `--json` output and `--dry-run` requests can be piped. Tests pass their own streams.

export interface OutputStream {
    write(text: string): unknown;
    /** True when the stream is a terminal: watch redraws in place only then. */
    isTTY?: boolean;
    /** Terminal width, when it is one. */
    columns?: number;
}

export interface InputStream extends NodeJS.ReadableStream {
    isTTY?: boolean;
}

export interface Io {
    readonly stdout: OutputStream;
    readonly stderr: OutputStream;
    readonly stdin: InputStream;
}

export function processIo(): Io {
    return { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin };
}

export function writeLine(stream: OutputStream, line = ""): void {
    stream.write(`${line}\n`);
}

export function writeJson(stream: OutputStream, value: unknown): void {
    stream.write(`${JSON.stringify(value, null, 2)}\n`);
}

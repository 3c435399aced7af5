// Confirmation of a change on the terminal (stop, approve, reject): a y/N question on stderr, answered
// on stdin. Without a terminal nobody can answer, so a script must say --yes explicitly.
import * as readline from "readline";
import { UsageError } from "./errors";
import { InputStream, Io, OutputStream, writeLine } from "./io";

/** Asks on `output` and reads one line from `input`; end of input counts as no answer. */
export function ask(input: InputStream, output: OutputStream, question: string): Promise<string> {
    return new Promise((resolve) => {
        const rl = readline.createInterface({ input, output: output as NodeJS.WritableStream, terminal: false });
        let answered = false;
        rl.on("close", () => {
            if (!answered) {
                resolve("");
            }
        });
        output.write(question);
        rl.once("line", (line) => {
            answered = true;
            rl.close();
            resolve(line);
        });
    });
}

export const isYes = (answer: string): boolean => /^\s*y(es)?\s*$/i.test(answer);

/**
 * Refuses (exit 2) before any AWS call when there is nobody to ask: stdin is not a terminal and --yes
 * was not given. `refusal` completes "refusing to …", e.g. `stop <arn>`.
 */
export function requireConfirmable(io: Io, yes: boolean | undefined, command: string, refusal: string): void {
    if (!yes && !io.stdin.isTTY) {
        throw new UsageError([`${command}: refusing to ${refusal} without confirmation: stdin is not a terminal. Pass --yes to ${command} it.`]);
    }
}

/** Asks `question` (with ` [y/N] ` appended) unless --yes; false when the answer is not yes (then says so). */
export async function confirm(io: Io, yes: boolean | undefined, question: string, declined: string): Promise<boolean> {
    if (yes) {
        return true;
    }
    if (isYes(await ask(io.stdin, io.stderr, `${question} [y/N] `))) {
        return true;
    }
    writeLine(io.stderr, declined);
    return false;
}

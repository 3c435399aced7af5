// Editing Pulumi.<stack>.yaml the way a person would: only the lines of the keys that change, so that the
// file's comments, order, quoting and everything else stay as they were (a YAML dump would drop the comments
// that explain a stack's choices). The edit is then proved: the edited text must parse to the old configuration
// with exactly the requested values changed, or nothing is written.
import * as yaml from "js-yaml";

/** One key's change, as the diff shows it. */
export interface StackFileChange {
    /** The namespaced key, e.g. `sagemaker-yolo:deployModelVersion`. */
    readonly key: string;
    /** The value in the file before (undefined: the key was absent, Pulumi.yaml's default applied). */
    readonly before: unknown;
    readonly after: string | number;
    /** 1-based line of the key in the edited file. */
    readonly line: number;
    /** The line as it was (undefined when the key was added). */
    readonly oldLine?: string;
    readonly newLine: string;
}

export interface StackFileEdit {
    readonly text: string;
    /** Only the keys whose value differs; empty when the file already says it. */
    readonly changes: readonly StackFileChange[];
}

/** The file cannot be edited line by line (a layout this editor does not handle); nothing is written. */
export class StackFileEditError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "StackFileEditError";
    }
}

const indentOf = (line: string): number => line.length - line.trimStart().length;
const isBlankOrComment = (line: string): boolean => line.trim() === "" || line.trimStart().startsWith("#");

/** A value as `pulumi config set` writes it: plain when YAML reads it back as the same string, else quoted. */
export function yamlScalar(value: string | number): string {
    if (typeof value === "number") {
        return String(value);
    }
    let plain: unknown;
    try {
        plain = value === "" ? null : yaml.load(value);
    } catch {
        plain = undefined;
    }
    // YAML 1.1 readers (Go's yaml.v2 among them) take yes/no/on/off for booleans: quoted, it is a string everywhere.
    const ambiguous = /^(y|yes|n|no|on|off|true|false|null|~)$/i.test(value);
    return plain === value && !ambiguous && !/^\s|\s$|\s#|:\s|^[!&*|>%@`'"#{}[\],?-]/.test(value) ? value : JSON.stringify(value);
}

/** A `key: value` line's value, with the space before it and the trailing comment (both kept) around it. */
function splitValue(rest: string): { lead: string; value: string; comment: string } {
    const lead = /^\s*/.exec(rest)![0];
    const body = rest.slice(lead.length);
    let end: number;
    const quote = body[0];
    if (quote === '"' || quote === "'") {
        end = 1;
        while (end < body.length) {
            if (body[end] === "\\" && quote === '"') {
                end += 2;
                continue;
            }
            if (body[end] === quote) {
                if (quote === "'" && body[end + 1] === "'") {
                    end += 2;
                    continue;
                }
                break;
            }
            end++;
        }
        end++;
    } else {
        const hash = body.search(/\s#/);
        end = (hash === -1 ? body : body.slice(0, hash)).trimEnd().length;
    }
    return { lead, value: body.slice(0, end), comment: body.slice(end) };
}

interface ConfigBlock {
    /** Index of the `config:` line. */
    readonly header: number;
    /** Index one past the block's last line (its trailing blank lines and comments excluded). */
    readonly end: number;
    readonly indent: string;
}

function configBlock(lines: string[]): ConfigBlock | undefined {
    const header = lines.findIndex((line) => /^config:/.test(line));
    if (header === -1) {
        return undefined;
    }
    if (!/^config:\s*(#.*)?$/.test(lines[header])) {
        throw new StackFileEditError(`its config: is not a block of one key per line (${JSON.stringify(lines[header].trim())})`);
    }
    let end = header + 1;
    let indent: string | undefined;
    for (let index = header + 1; index < lines.length; index++) {
        const line = lines[index];
        if (isBlankOrComment(line)) {
            continue;
        }
        if (indentOf(line) === 0) {
            break;
        }
        indent ??= line.slice(0, indentOf(line));
        end = index + 1;
    }
    return { header, end, indent: indent ?? "  " };
}

/** Index one past the last line of the entry that starts at `start` (a nested list or map belongs to it). */
function entryEnd(lines: string[], start: number, indent: number): number {
    let end = start + 1;
    for (let index = start + 1; index < lines.length; index++) {
        const line = lines[index];
        if (line.trim() === "") {
            continue;
        }
        if (indentOf(line) <= indent) {
            break;
        }
        end = index + 1;
    }
    return end;
}

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * Sets `values` (keys without the project namespace) in the stack file's `config:` block. A key already there
 * keeps its line, indentation and trailing comment; a missing one is added after `after`'s last present key
 * (else at the end of the block), in the order given. Throws StackFileEditError when the file's layout does
 * not allow a line edit, or when the result would read back differently from the intended change.
 */
export function editStackFile(text: string, project: string, values: Readonly<Record<string, string | number>>, after: readonly string[] = []): StackFileEdit {
    const eol = text.includes("\r\n") ? "\r\n" : "\n";
    const lines = text.split(/\r?\n/);
    const endsWithNewline = lines.length > 0 && lines[lines.length - 1] === "";
    if (endsWithNewline) {
        lines.pop();
    }
    const before = parsedConfig(text);
    const found = configBlock(lines);
    if (found === undefined) {
        lines.push("config:");
    }
    let block: ConfigBlock = found ?? { header: lines.length - 1, end: lines.length, indent: "  " };
    const indent = block.indent;
    const keyLine = (key: string) =>
        new RegExp(`^${escapeRegExp(indent)}(["']?)(?:${escapeRegExp(project)}:)?${escapeRegExp(key)}\\1:(?=\\s|$)(.*)$`);
    const find = (key: string): number => {
        const pattern = keyLine(key);
        for (let index = block.header + 1; index < block.end; index++) {
            if (pattern.test(lines[index])) {
                return index;
            }
        }
        return -1;
    };

    const edits: { key: string; qualified: string; before: unknown; after: string | number; oldLine?: string; newLine: string }[] = [];
    for (const [key, value] of Object.entries(values)) {
        const qualified = `${project}:${key}`;
        const current = before[qualified] ?? before[key];
        if (current === value) {
            continue;
        }
        const index = find(key);
        if (index !== -1) {
            const match = keyLine(key).exec(lines[index])!;
            const { lead, value: old, comment } = splitValue(match[2]);
            if (/^[|>]/.test(old.trim()) || entryEnd(lines, index, indent.length) !== index + 1) {
                throw new StackFileEditError(`its ${qualified} is not a one-line value (line ${index + 1})`);
            }
            const keyText = lines[index].slice(0, lines[index].length - match[2].length);
            const newLine = `${keyText}${lead || " "}${yamlScalar(value)}${comment}`;
            edits.push({ key, qualified, before: current, after: value, oldLine: lines[index], newLine });
            lines[index] = newLine;
        } else {
            const anchors = [...after, ...Object.keys(values)].map(find).filter((found) => found !== -1);
            const insertAt = anchors.length > 0 ? entryEnd(lines, Math.max(...anchors), indent.length) : block.end;
            const newLine = `${indent}${qualified}: ${yamlScalar(value)}`;
            lines.splice(insertAt, 0, newLine);
            block = { ...block, end: block.end + 1 };
            edits.push({ key, qualified, before: undefined, after: value, newLine });
        }
    }
    const changes: StackFileChange[] = edits.map((edit) => ({
        key: edit.qualified,
        before: edit.before,
        after: edit.after,
        line: find(edit.key) + 1,
        ...(edit.oldLine !== undefined ? { oldLine: edit.oldLine } : {}),
        newLine: edit.newLine,
    }));
    const result = changes.length === 0 ? text : lines.join(eol) + (endsWithNewline || text === "" ? eol : "");
    checkEdit(before, parsedConfig(result), project, values);
    return { text: result, changes };
}

function parsedConfig(text: string): Record<string, unknown> {
    let document: unknown;
    try {
        document = yaml.load(text) ?? {};
    } catch (error) {
        throw new StackFileEditError(`it is not valid YAML (${(error as Error).message.split("\n")[0]})`);
    }
    const config = (document as { config?: unknown }).config ?? {};
    if (typeof config !== "object" || config === null || Array.isArray(config)) {
        throw new StackFileEditError("its config: is not a mapping");
    }
    return config as Record<string, unknown>;
}

/** The edited file must say what the old one said, apart from exactly the requested values. */
function checkEdit(before: Record<string, unknown>, after: Record<string, unknown>, project: string, values: Readonly<Record<string, string | number>>): void {
    const qualify = (key: string) => (key.includes(":") ? key : `${project}:${key}`);
    const normalise = (config: Record<string, unknown>) => Object.fromEntries(Object.entries(config).map(([key, value]) => [qualify(key), value]));
    const expected = { ...normalise(before), ...Object.fromEntries(Object.entries(values).map(([key, value]) => [qualify(key), value])) };
    const actual = normalise(after);
    const keys = new Set([...Object.keys(expected), ...Object.keys(actual)]);
    for (const key of keys) {
        if (JSON.stringify(expected[key]) !== JSON.stringify(actual[key])) {
            throw new StackFileEditError(`the edited file would read ${key} as ${JSON.stringify(actual[key])} instead of ${JSON.stringify(expected[key])}`);
        }
    }
}

/** The change as a diff of the file's lines, `-` old and `+` new, each hunk headed by its line number. */
export function formatStackFileDiff(file: string, edit: StackFileEdit): string {
    const hunks = [...edit.changes]
        .sort((a, b) => a.line - b.line)
        .map((change) => [`@@ line ${change.line}${change.oldLine === undefined ? " (added)" : ""} @@`, ...(change.oldLine !== undefined ? [`-${change.oldLine}`] : []), `+${change.newLine}`]);
    return [`--- ${file}`, `+++ ${file}`, ...hunks.flat()].join("\n");
}

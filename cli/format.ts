// Text formatting shared by the commands: borderless tables, UTC timestamps and durations.
import Table from "cli-table3";

/** Borderless like `kubectl get`: columns line up, and `grep`/`awk` see one row per line. */
const PLAIN_CHARS = {
    top: "", "top-mid": "", "top-left": "", "top-right": "",
    bottom: "", "bottom-mid": "", "bottom-left": "", "bottom-right": "",
    left: "", "left-mid": "", mid: "", "mid-mid": "", right: "", "right-mid": "",
    middle: "  ",
};

export function table(head: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
    // No colour codes: they would end up in files and pipes.
    const t = new Table({ head: [...head], chars: PLAIN_CHARS, style: { head: [], border: [], "padding-left": 0, "padding-right": 0 } });
    t.push(...rows.map((row) => row.map(String)));
    return t
        .toString()
        .split("\n")
        .map((line) => line.trimEnd())
        .join("\n");
}

/** UTC, to the second: the same text on every engineer's machine and in CloudWatch. */
export function formatTime(date: Date | undefined): string {
    return date ? date.toISOString().replace(/\.\d{3}Z$/, "Z") : "-";
}

export function formatDuration(milliseconds: number | undefined): string {
    if (milliseconds === undefined || !Number.isFinite(milliseconds) || milliseconds < 0) {
        return "-";
    }
    const total = Math.floor(milliseconds / 1000);
    const hours = Math.floor(total / 3600);
    const minutes = Math.floor((total % 3600) / 60);
    const seconds = total % 60;
    if (hours > 0) {
        return `${hours}h ${String(minutes).padStart(2, "0")}m ${String(seconds).padStart(2, "0")}s`;
    }
    return minutes > 0 ? `${minutes}m ${String(seconds).padStart(2, "0")}s` : `${seconds}s`;
}

export function durationBetween(start: Date | undefined, end: Date | undefined): number | undefined {
    return start && end ? end.getTime() - start.getTime() : undefined;
}

export function formatUsd(amount: number): string {
    return `$${amount.toFixed(2)}`;
}

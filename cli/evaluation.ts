// The evaluation report an execution's evaluate step writes (pipeline-scripts/evaluation.schema.json),
// read from S3 after a successful run. A missing or unreadable report is a note, never a failure: the
// execution itself succeeded.
import { GetObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { table } from "./format";

interface Metric {
    value: number;
}

/** The fields the CLI prints; the schema allows more. */
export interface EvaluationReport {
    schema_version: string;
    split: string;
    fallback_reason?: string | null;
    detection_metrics: { mAP50: Metric; mAP50_95: Metric; precision: Metric; recall: Metric };
    per_class: { class_id: number; class_name: string; instances?: number; mAP50: number; mAP50_95: number; precision: number; recall: number }[];
    dataset?: { images: number; instances: number; class_names: string[] };
    model?: { weights: string; variant?: string | null; image_size: number };
}

export const METRIC_LABELS: readonly [keyof EvaluationReport["detection_metrics"], string][] = [
    ["mAP50", "mAP50"],
    ["mAP50_95", "mAP50-95"],
    ["precision", "precision"],
    ["recall", "recall"],
];

export type ReportResult = { readonly uri: string; readonly report: EvaluationReport } | { readonly uri?: string; readonly note: string };

export function parseS3Uri(uri: string): { bucket: string; key: string } | undefined {
    const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri);
    return match ? { bucket: match[1], key: match[2] } : undefined;
}

/** The report, or why there is none. */
export function checkReport(value: unknown): EvaluationReport | string {
    const report = value as Partial<EvaluationReport> | null;
    if (typeof report !== "object" || report === null || typeof report.detection_metrics !== "object" || report.detection_metrics === null) {
        return "it has no detection_metrics";
    }
    const missing = METRIC_LABELS.filter(([key]) => typeof report.detection_metrics?.[key]?.value !== "number").map(([key]) => key);
    if (missing.length > 0) {
        return `detection_metrics lacks a numeric value for ${missing.join(", ")}`;
    }
    return { ...report, per_class: Array.isArray(report.per_class) ? report.per_class : [] } as EvaluationReport;
}

export async function readEvaluationReport(s3: S3Client, uri: string | undefined): Promise<ReportResult> {
    if (uri === undefined) {
        return { note: "the execution's pipeline definition has no evaluation report output, so there are no metrics to show" };
    }
    const location = parseS3Uri(uri);
    if (!location) {
        return { uri, note: `the evaluation report location ${uri} is not an s3:// URI` };
    }
    let text: string;
    try {
        const object = await s3.send(new GetObjectCommand({ Bucket: location.bucket, Key: location.key }));
        text = (await object.Body?.transformToString("utf-8")) ?? "";
    } catch (error) {
        const code = error instanceof Error ? error.name : "Error";
        const reason = code === "NoSuchKey" || code === "NotFound" ? "the evaluate step wrote none there" : (error as Error).message;
        return { uri, note: `no evaluation report at ${uri} (${code}): ${reason}` };
    }
    let parsed: unknown;
    try {
        parsed = JSON.parse(text);
    } catch {
        return { uri, note: `the evaluation report at ${uri} is not JSON` };
    }
    const report = checkReport(parsed);
    return typeof report === "string" ? { uri, note: `the evaluation report at ${uri} is not usable: ${report}` } : { uri, report };
}

const fraction = (value: number | undefined) => (typeof value === "number" ? value.toFixed(3) : "-");

export function formatEvaluation(uri: string, report: EvaluationReport): string {
    const split = report.fallback_reason ? `${report.split} split (${report.fallback_reason})` : `${report.split} split`;
    const lines = [`Evaluation on the ${split}, ${uri}`];
    lines.push(table(["METRIC", "VALUE"], METRIC_LABELS.map(([key, label]) => [label, fraction(report.detection_metrics[key].value)])));
    if (report.per_class.length > 0) {
        lines.push("");
        lines.push(
            table(
                ["CLASS", "INSTANCES", "mAP50", "mAP50-95", "PRECISION", "RECALL"],
                report.per_class.map((c) => [c.class_name, c.instances ?? "-", fraction(c.mAP50), fraction(c.mAP50_95), fraction(c.precision), fraction(c.recall)]),
            ),
        );
    }
    return lines.join("\n");
}

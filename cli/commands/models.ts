// `models`: the versions of the stack's model package group, newest first, with their approval status
// and the quality metrics the pipeline registered them with.
import { Command } from "commander";
import { MODEL_METADATA, QUALITY_METRICS } from "../../components/pipelineDefinition";
import { ActionFactory, CommandContext, noteModelPackageGroup, resolveModelPackageGroup } from "../context";
import { EXIT, UsageError } from "../errors";
import { formatTime, table } from "../format";
import { writeJson, writeLine } from "../io";
import {
    APPROVAL_STATUSES,
    ApprovalStatus,
    approvalStatusOf,
    describeGroup,
    describeVersion,
    formatMetric,
    listVersions,
    producingExecution,
    versionMetrics,
} from "../registry";
import { CONCURRENCY, mapWithLimit } from "../sagemaker";

export interface ModelsCommandOptions {
    readonly group?: string;
    readonly status?: string;
    readonly limit: string;
}

export const DEFAULT_LIMIT = 20;
const MAX_LIMIT = 1000;

export interface ModelVersionRow {
    readonly version?: number;
    readonly arn: string;
    readonly status: string;
    readonly created?: string;
    readonly approvalDescription?: string;
    /** By QUALITY_METRICS label (mAP50-95, mAP50, precision, recall); null when the version lacks it. */
    readonly metrics: Record<string, number | null>;
    readonly pipelineExecutionArn?: string;
    readonly modelVariant?: string;
    readonly inputData?: string;
    readonly evaluationReport?: string;
}

/** --status and --limit, checked before any AWS call. */
export function parseModelsOptions(options: ModelsCommandOptions): { status?: ApprovalStatus; limit: number } {
    const problems: string[] = [];
    let status: ApprovalStatus | undefined;
    if (options.status !== undefined) {
        status = APPROVAL_STATUSES.find((candidate) => candidate === options.status);
        if (status === undefined) {
            problems.push(`--status: ${JSON.stringify(options.status)} is not allowed; expected one of ${APPROVAL_STATUSES.join(", ")}.`);
        }
    }
    const limit = Number(options.limit);
    if (!/^\d+$/.test(options.limit.trim()) || limit < 1 || limit > MAX_LIMIT) {
        problems.push(`--limit: ${JSON.stringify(options.limit)} is not allowed; expected an integer from 1 to ${MAX_LIMIT}.`);
    }
    if (problems.length > 0) {
        throw new UsageError(problems);
    }
    return { status, limit };
}

export async function modelsCommand(context: CommandContext, options: ModelsCommandOptions): Promise<number> {
    const { status, limit } = parseModelsOptions(options);
    const group = resolveModelPackageGroup(options.group, context.stack);
    noteModelPackageGroup(context, group);
    const client = context.clients.sagemaker;
    await describeGroup(client, group.name);
    const summaries = await listVersions(client, group.name, { status, limit });

    // The list has no metadata; each version is described, a few at a time.
    const rows = await mapWithLimit(summaries, CONCURRENCY, async (summary): Promise<ModelVersionRow> => {
        const arn = summary.ModelPackageArn ?? "";
        const detail = await describeVersion(client, arn);
        const properties = detail.CustomerMetadataProperties;
        return {
            version: detail.ModelPackageVersion ?? summary.ModelPackageVersion,
            arn,
            status: approvalStatusOf(detail),
            created: (detail.CreationTime ?? summary.CreationTime)?.toISOString(),
            ...(detail.ApprovalDescription ? { approvalDescription: detail.ApprovalDescription } : {}),
            metrics: versionMetrics(properties),
            pipelineExecutionArn: producingExecution(detail),
            modelVariant: properties?.[MODEL_METADATA.modelVariant],
            inputData: properties?.[MODEL_METADATA.inputData],
            evaluationReport: properties?.[MODEL_METADATA.evaluationReport] ?? detail.ModelMetrics?.ModelQuality?.Statistics?.S3Uri,
        };
    });

    if (context.options.json) {
        writeJson(context.io.stdout, rows);
        return EXIT.ok;
    }
    if (rows.length === 0) {
        writeLine(context.io.stderr, `model package group ${group.name} has no ${status ? `${status} ` : ""}versions${status ? "" : " yet"}`);
        return EXIT.ok;
    }
    const head = ["VERSION", "STATUS", "CREATED", ...QUALITY_METRICS.map((metric) => metric.label.toUpperCase().replace("MAP", "mAP")), "EXECUTION"];
    const body = rows.map((row) => [
        row.version ?? "-",
        row.status,
        formatTime(row.created ? new Date(row.created) : undefined),
        ...QUALITY_METRICS.map((metric) => formatMetric(row.metrics[metric.label])),
        row.pipelineExecutionArn ?? "-",
    ]);
    writeLine(context.io.stdout, table(head, body));
    return EXIT.ok;
}

export function registerModels(program: Command, action: ActionFactory): void {
    program
        .command("models")
        .summary("list the model versions the pipeline registered, newest first")
        .description(
            "List the versions of the stack's model package group (<namePrefix>-<stack>-yolo11-detector), newest first: version, approval status, creation time, the quality metrics they were registered with (mAP50-95, mAP50, precision, recall) and the pipeline execution that produced them.",
        )
        .option("--group <name>", "model package group (default: the stack's)")
        .option("--status <status>", `only versions with this approval status: ${APPROVAL_STATUSES.join("|")}`)
        .option("--limit <n>", `how many versions, 1-${MAX_LIMIT}`, String(DEFAULT_LIMIT))
        .addHelpText(
            "after",
            [
                "",
                "Examples:",
                "  $ yolo-pipeline models",
                "  $ yolo-pipeline models --status PendingManualApproval --limit 5",
                "  $ yolo-pipeline --json models | jq '.[0].metrics'",
            ].join("\n"),
        )
        .action(action(modelsCommand));
}

// `list`: the account's pipelines in the region, each with its last execution.
import { paginateListPipelines, PipelineSummary } from "@aws-sdk/client-sagemaker";
import { Command } from "commander";
import { ActionFactory, CommandContext } from "../context";
import { EXIT } from "../errors";
import { formatTime, table } from "../format";
import { writeJson, writeLine } from "../io";
import { CONCURRENCY, mapWithLimit, recentExecutions } from "../sagemaker";

export interface PipelineRow {
    readonly name: string;
    readonly arn?: string;
    readonly created?: string;
    readonly lastModified?: string;
    readonly lastExecution: { readonly arn?: string; readonly status?: string; readonly started?: string } | null;
}

export async function listCommand(context: CommandContext): Promise<number> {
    const client = context.clients.sagemaker;
    const pipelines: PipelineSummary[] = [];
    for await (const page of paginateListPipelines({ client }, { SortBy: "Name", SortOrder: "Ascending" })) {
        pipelines.push(...(page.PipelineSummaries ?? []));
    }
    // ListPipelines carries no execution status, so each pipeline's newest execution is asked for.
    const rows = await mapWithLimit(pipelines, CONCURRENCY, async (pipeline): Promise<PipelineRow> => {
        const name = pipeline.PipelineName ?? "";
        const [last] = await recentExecutions(client, name, 1);
        return {
            name,
            arn: pipeline.PipelineArn,
            created: pipeline.CreationTime?.toISOString(),
            lastModified: pipeline.LastModifiedTime?.toISOString(),
            lastExecution: last
                ? { arn: last.PipelineExecutionArn, status: last.PipelineExecutionStatus, started: last.StartTime?.toISOString() }
                : null,
        };
    });
    if (context.options.json) {
        writeJson(context.io.stdout, rows);
        return EXIT.ok;
    }
    if (rows.length === 0) {
        writeLine(context.io.stderr, `no pipelines in ${await client.config.region()}`);
        return EXIT.ok;
    }
    const date = (iso?: string) => formatTime(iso ? new Date(iso) : undefined);
    writeLine(
        context.io.stdout,
        table(
            ["NAME", "CREATED", "LAST MODIFIED", "LAST EXECUTION", "STATUS"],
            rows.map((row) => [row.name, date(row.created), date(row.lastModified), date(row.lastExecution?.started), row.lastExecution?.status ?? "-"]),
        ),
    );
    return EXIT.ok;
}

export function registerList(program: Command, action: ActionFactory): void {
    program
        .command("list")
        .summary("list the account's pipelines and their last execution")
        .description("List the pipelines of the account in the region, with the status of each one's last execution.")
        .addHelpText("after", "\nExamples:\n  $ yolo-pipeline list\n  $ yolo-pipeline list --region eu-west-1 --json")
        .action(action(listCommand));
}

// `endpoint`: what the stack's endpoint serves right now and how its monitoring went. The deployed version is
// read from the endpoint itself (its model names the model package version it was built from), not only from
// the stack file, which may already name the next version before `pulumi up` ran.
import {
    DescribeEndpointCommand,
    DescribeEndpointCommandOutput,
    DescribeEndpointConfigCommand,
    DescribeModelCommand,
    DescribeMonitoringScheduleCommand,
    DescribeProcessingJobCommand,
    ListMonitoringExecutionsCommand,
    MonitoringExecutionSummary,
    SageMakerClient,
} from "@aws-sdk/client-sagemaker";
import { Command } from "commander";
import { ActionFactory, CommandContext } from "../context";
import { endpointNames, isMissingEndpoint, noEndpoint, requireDeployment } from "../endpoint";
import { awsErrorCode, EXIT } from "../errors";
import { formatTime, table } from "../format";
import { writeJson, writeLine } from "../io";
import { versionOfModelPackageArn } from "../registry";

/** Where Model Monitor writes a data-quality run's findings, in the run's processing output. */
export const VIOLATION_REPORT = "constraint_violations.json";

/** Statuses of a monitoring execution that ran its analysis, so that its output holds a violation report. */
const ANALYSED = new Set(["Completed", "CompletedWithViolations"]);

export interface LastMonitoringExecution {
    readonly status: string;
    readonly scheduledTime: string | null;
    readonly failureReason: string | null;
    readonly processingJobArn: string | null;
    readonly violationReport: string | null;
}

export interface MonitoringState {
    readonly scheduleName: string;
    /** False when the schedule does not exist (monitoring off in what was deployed, or not deployed yet). */
    readonly exists: boolean;
    /** Scheduled, Pending, Failed or Stopped; null without a schedule. */
    readonly scheduleStatus: string | null;
    readonly lastExecution: LastMonitoringExecution | null;
}

interface ServedModel {
    readonly instanceType?: string;
    readonly modelName?: string;
    readonly modelPackageArn?: string;
}

/** The variant's instance type and model (DescribeEndpoint's variant summary has neither): its endpoint config, then its model. */
async function servedModel(client: SageMakerClient, endpoint: DescribeEndpointCommandOutput): Promise<ServedModel> {
    if (!endpoint.EndpointConfigName) {
        return {};
    }
    const config = await client.send(new DescribeEndpointConfigCommand({ EndpointConfigName: endpoint.EndpointConfigName }));
    const variantName = endpoint.ProductionVariants?.[0]?.VariantName;
    const variant = config.ProductionVariants?.find((candidate) => candidate.VariantName === variantName) ?? config.ProductionVariants?.[0];
    if (!variant?.ModelName) {
        return { instanceType: variant?.InstanceType };
    }
    const model = await client.send(new DescribeModelCommand({ ModelName: variant.ModelName }));
    const container = model.PrimaryContainer ?? model.Containers?.[0];
    return { instanceType: variant.InstanceType, modelName: variant.ModelName, modelPackageArn: container?.ModelPackageName };
}

/** The report location of an execution that ran: the processing job's output folder (Model Monitor's layout). */
async function violationReport(client: SageMakerClient, execution: MonitoringExecutionSummary): Promise<string | null> {
    if (!execution.ProcessingJobArn || !ANALYSED.has(execution.MonitoringExecutionStatus ?? "")) {
        return null;
    }
    const job = await client.send(new DescribeProcessingJobCommand({ ProcessingJobName: execution.ProcessingJobArn.split("/").pop()! }));
    const output = job.ProcessingOutputConfig?.Outputs?.find((candidate) => candidate.S3Output?.S3Uri)?.S3Output?.S3Uri;
    return output ? `${output.replace(/\/+$/, "")}/${VIOLATION_REPORT}` : null;
}

export async function monitoringState(client: SageMakerClient, scheduleName: string): Promise<MonitoringState> {
    // Listing executions of a schedule that does not exist is not an error; describing it first tells the two apart.
    let scheduleStatus: string | null;
    try {
        const schedule = await client.send(new DescribeMonitoringScheduleCommand({ MonitoringScheduleName: scheduleName }));
        scheduleStatus = schedule.MonitoringScheduleStatus ?? null;
    } catch (error) {
        if (awsErrorCode(error) === "ResourceNotFound") {
            return { scheduleName, exists: false, scheduleStatus: null, lastExecution: null };
        }
        throw error;
    }
    const listed = await client.send(
        new ListMonitoringExecutionsCommand({ MonitoringScheduleName: scheduleName, SortBy: "ScheduledTime", SortOrder: "Descending", MaxResults: 1 }),
    );
    const executions = listed.MonitoringExecutionSummaries ?? [];
    // Sorted again: the newest is what is asked for, whatever order an implementation returns.
    const last = [...executions].sort((a, b) => (b.ScheduledTime?.getTime() ?? 0) - (a.ScheduledTime?.getTime() ?? 0))[0];
    if (last === undefined) {
        return { scheduleName, exists: true, scheduleStatus, lastExecution: null };
    }
    return {
        scheduleName,
        exists: true,
        scheduleStatus,
        lastExecution: {
            status: last.MonitoringExecutionStatus ?? "-",
            scheduledTime: last.ScheduledTime ? formatTime(last.ScheduledTime) : null,
            failureReason: last.FailureReason ?? null,
            processingJobArn: last.ProcessingJobArn ?? null,
            violationReport: await violationReport(client, last),
        },
    };
}

export async function endpointCommand(context: CommandContext): Promise<number> {
    const { stack, io } = context;
    requireDeployment(stack, "endpoint");
    const names = endpointNames(stack);
    const client = context.clients.sagemaker;
    let endpoint: DescribeEndpointCommandOutput;
    try {
        endpoint = await client.send(new DescribeEndpointCommand({ EndpointName: names.endpoint }));
    } catch (error) {
        throw isMissingEndpoint(error) ? noEndpoint(stack, names.endpoint) : error;
    }
    const served = await servedModel(client, endpoint);
    const variant = endpoint.ProductionVariants?.[0];
    const deployed = versionOfModelPackageArn(served.modelPackageArn);
    const configVersion = stack.deployment.modelVersion;
    const monitoring = stack.deployment.monitoring ? await monitoringState(client, names.monitoringSchedule) : null;

    if (context.options.json) {
        writeJson(io.stdout, {
            endpointName: endpoint.EndpointName ?? names.endpoint,
            status: endpoint.EndpointStatus ?? null,
            failureReason: endpoint.FailureReason ?? null,
            instanceType: served.instanceType ?? null,
            currentInstanceCount: variant?.CurrentInstanceCount ?? null,
            desiredInstanceCount: variant?.DesiredInstanceCount ?? null,
            modelName: served.modelName ?? null,
            modelPackageArn: served.modelPackageArn ?? null,
            deployedVersion: deployed?.version ?? null,
            configVersion,
            created: endpoint.CreationTime ? formatTime(endpoint.CreationTime) : null,
            lastModified: endpoint.LastModifiedTime ? formatTime(endpoint.LastModifiedTime) : null,
            monitoring,
        });
        return EXIT.ok;
    }
    const count = (value: number | undefined) => (value === undefined ? "-" : String(value));
    writeLine(
        io.stdout,
        table(
            ["ENDPOINT", "STATUS", "INSTANCE TYPE", "INSTANCES (CURRENT/DESIRED)", "VERSION", "LAST MODIFIED"],
            [[
                endpoint.EndpointName ?? names.endpoint,
                endpoint.EndpointStatus ?? "-",
                served.instanceType ?? "-",
                `${count(variant?.CurrentInstanceCount)}/${count(variant?.DesiredInstanceCount)}`,
                deployed ? String(deployed.version) : `${configVersion} (stack config)`,
                formatTime(endpoint.LastModifiedTime),
            ]],
        ),
    );
    if (endpoint.FailureReason) {
        writeLine(io.stdout, `failure: ${endpoint.FailureReason}`);
    }
    if (served.modelName) {
        writeLine(io.stdout, `model: ${served.modelName}${served.modelPackageArn ? ` from ${served.modelPackageArn}` : ""}`);
    }
    if (deployed && configVersion !== deployed.version) {
        writeLine(
            io.stderr,
            `note: Pulumi.${stack.stack}.yaml deploys version ${configVersion}, the endpoint serves ${deployed.version}: pulumi up --stack ${stack.stack} rolls the stack's choice out.`,
        );
    }
    if (monitoring === null) {
        writeLine(io.stdout, `monitoring: off (endpointMonitoring: false in stack ${stack.stack})`);
    } else if (!monitoring.exists) {
        writeLine(io.stdout, `monitoring: no schedule ${monitoring.scheduleName} (pulumi up --stack ${stack.stack} creates it)`);
    } else if (monitoring.lastExecution === null) {
        writeLine(io.stdout, `monitoring: ${monitoring.scheduleName} (${monitoring.scheduleStatus ?? "-"}) has not run yet (${stack.deployment.monitoringFrequency})`);
    } else {
        const last = monitoring.lastExecution;
        const facts = [
            `last execution ${last.status}`,
            `scheduled ${last.scheduledTime ?? "-"}`,
            ...(last.violationReport ? [`report ${last.violationReport}`] : []),
            ...(last.failureReason ? [`failure: ${last.failureReason}`] : []),
        ];
        writeLine(io.stdout, `monitoring: ${monitoring.scheduleName} (${monitoring.scheduleStatus ?? "-"}): ${facts.join(", ")}`);
    }
    return EXIT.ok;
}

export function registerEndpoint(program: Command, action: ActionFactory): void {
    program
        .command("endpoint")
        .summary("the stack's endpoint: status, instances, served version, last monitoring run")
        .description(
            "Describe the stack's real-time endpoint (status, the variant's instance type, current and desired instance count, the model version it serves) and the last execution of its data-quality monitoring schedule (status, time, violation report).",
        )
        .addHelpText("after", "\nExit codes: 0 shown, 1 no endpoint (deploy a version and run pulumi up) or AWS error.\n\nExamples:\n  $ yolo-pipeline --stack prod endpoint\n  $ yolo-pipeline --stack prod --json endpoint | jq .monitoring.lastExecution")
        .action(action(endpointCommand));
}

// `approve` and `reject`: set a model version's approval status (UpdateModelPackage) after a y/N
// confirmation (or --yes). Versions enter the registry PendingManualApproval through the pipeline's
// quality gate; approving one is an ML engineer's decision, and rejecting an Approved one withdraws it.
import { UpdateModelPackageCommand } from "@aws-sdk/client-sagemaker";
import { Command } from "commander";
import { confirm, requireConfirmable } from "../confirm";
import { ActionFactory, CommandContext, noteModelPackageGroup, resolveModelPackageGroup, setupFacts } from "../context";
import { diagnose } from "../diagnosis";
import { CliError, EXIT, isAccessDenied, UsageError } from "../errors";
import { formatTime } from "../format";
import { writeJson, writeLine } from "../io";
import { approvalStatusOf, describeVersion, findVersion, metricsSummary, parseModelVersionTarget, producingExecution, versionMetrics } from "../registry";

export type Decision = "Approved" | "Rejected";

export interface ApprovalCommandOptions {
    readonly group?: string;
    /** approve: the optional ApprovalDescription. */
    readonly description?: string;
    /** reject: the required ApprovalDescription. */
    readonly reason?: string;
    readonly yes?: boolean;
}

/** UpdateModelPackage's limit on ApprovalDescription. */
const MAX_APPROVAL_DESCRIPTION = 1024;

const VERB: Record<Decision, { verb: string; flag: string; done: string }> = {
    Approved: { verb: "approve", flag: "--description", done: "approved" },
    Rejected: { verb: "reject", flag: "--reason", done: "rejected" },
};

export interface ApprovalResult {
    readonly modelPackageArn: string;
    readonly modelPackageGroupName: string;
    readonly version?: number;
    readonly previousStatus: string;
    readonly status: string;
    readonly approvalDescription: string | null;
    readonly changed: boolean;
}

/** The ApprovalDescription to send; reject requires one. Pure, so that it is checked before any AWS call. */
export function approvalDescription(decision: Decision, options: ApprovalCommandOptions): string | undefined {
    const { verb, flag } = VERB[decision];
    const text = decision === "Approved" ? options.description : options.reason;
    if (decision === "Rejected" && (text === undefined || text.trim() === "")) {
        throw new UsageError([`reject: --reason <text> is required; say why the version is rejected (it is kept as the version's ApprovalDescription).`]);
    }
    if (text !== undefined && text.length > MAX_APPROVAL_DESCRIPTION) {
        throw new UsageError([`${verb}: ${flag} is ${text.length} characters long; at most ${MAX_APPROVAL_DESCRIPTION} are allowed.`]);
    }
    return text === undefined || text.trim() === "" ? undefined : text;
}

export async function approvalCommand(decision: Decision, context: CommandContext, target: string, options: ApprovalCommandOptions): Promise<number> {
    const { verb, done } = VERB[decision];
    // Everything that needs no AWS call first: the target's shape, the reason, and whether anyone can confirm.
    const parsed = parseModelVersionTarget(target);
    const description = approvalDescription(decision, options);
    const { io } = context;
    requireConfirmable(io, options.yes, verb, `${verb} model version ${target}`);

    const group = resolveModelPackageGroup(options.group, context.stack);
    if (parsed.kind === "arn" && parsed.group.toLowerCase() !== group.name.toLowerCase()) {
        throw new UsageError([
            `<version-or-arn>: ${parsed.arn} is a version of model package group ${parsed.group}, not of ${group.name}; pass --group ${parsed.group} to ${verb} it.`,
        ]);
    }
    noteModelPackageGroup(context, group);
    const client = context.clients.sagemaker;
    const arn = parsed.kind === "arn" ? parsed.arn : (await findVersion(client, group.name, parsed.version)).ModelPackageArn!;
    const modelPackage = await describeVersion(client, arn);
    const version = modelPackage.ModelPackageVersion ?? parsed.version;
    const previous = approvalStatusOf(modelPackage);
    const subject = `version ${version} of ${group.name}`;
    const result = (changed: boolean): ApprovalResult => ({
        modelPackageArn: arn,
        modelPackageGroupName: group.name,
        version,
        previousStatus: previous,
        status: changed ? decision : previous,
        approvalDescription: (changed ? description : modelPackage.ApprovalDescription) ?? null,
        changed,
    });

    if (previous === decision) {
        const why = modelPackage.ApprovalDescription ? ` (${JSON.stringify(modelPackage.ApprovalDescription)})` : "";
        writeLine(io.stderr, `${subject} is already ${decision}${why}; nothing changed`);
        if (context.options.json) {
            writeJson(io.stdout, result(false));
        }
        return EXIT.ok;
    }
    if (decision === "Rejected" && previous === "Approved") {
        writeLine(io.stderr, `note: ${subject} is Approved; rejecting it withdraws the approval, so deployments that take the group's Approved versions stop choosing it.`);
    } else if (decision === "Approved" && previous === "Rejected") {
        const why = modelPackage.ApprovalDescription ? ` (${JSON.stringify(modelPackage.ApprovalDescription)})` : "";
        writeLine(io.stderr, `note: ${subject} was Rejected${why}; approving it reverses that decision.`);
    }

    const metrics = metricsSummary(versionMetrics(modelPackage.CustomerMetadataProperties));
    const execution = producingExecution(modelPackage);
    const facts = [previous, `created ${formatTime(modelPackage.CreationTime)}`, ...(metrics ? [metrics] : []), ...(execution ? [`from ${execution}`] : [])];
    const question = `${verb.charAt(0).toUpperCase()}${verb.slice(1)} ${subject} (${facts.join(", ")})?`;
    if (!(await confirm(io, options.yes, question, `not ${done}`))) {
        return EXIT.declined;
    }

    try {
        await client.send(
            new UpdateModelPackageCommand({ ModelPackageArn: arn, ModelApprovalStatus: decision, ...(description !== undefined ? { ApprovalDescription: description } : {}) }),
        );
    } catch (error) {
        const problem = isAccessDenied(error) ? await diagnose(error, setupFacts(context), { doing: `${verb} model versions` }) : undefined;
        throw problem ? new CliError(problem.message) : error;
    }

    if (context.options.json) {
        writeJson(io.stdout, result(true));
    } else {
        writeLine(io.stdout, `${subject}: ${previous} -> ${decision}${description !== undefined ? ` (${JSON.stringify(description)})` : ""}`);
        writeLine(io.stderr, `${done} ${arn}`);
    }
    return EXIT.ok;
}

function register(program: Command, action: ActionFactory, decision: Decision): void {
    const { verb } = VERB[decision];
    const command = program
        .command(verb)
        .argument("<version-or-arn>", "version number in the model package group, or a model package ARN (see the models command)")
        .option("--group <name>", "model package group a version number refers to (default: the stack's)");
    if (decision === "Approved") {
        command
            .summary("approve a registered model version (asks first)")
            .description(
                "Set a model version's approval status to Approved (UpdateModelPackage). Asks for confirmation on a terminal; without one, --yes is required. Approving an Approved version changes nothing. Only ML engineers' roles may approve.",
            )
            .option("--description <text>", "why it is approved (the version's ApprovalDescription)");
    } else {
        command
            .summary("reject a registered model version (asks first)")
            .description(
                "Set a model version's approval status to Rejected (UpdateModelPackage), with the reason as its ApprovalDescription. Rejecting an Approved version withdraws the approval. Asks for confirmation on a terminal; without one, --yes is required. Only ML engineers' roles may reject.",
            )
            .option("--reason <text>", "why it is rejected (required; the version's ApprovalDescription)");
    }
    command
        .option("-y, --yes", `${verb} without asking`)
        .addHelpText(
            "after",
            [
                "",
                `Exit codes: 0 ${VERB[decision].done} (or already so), 5 not confirmed, 2 bad arguments or no terminal and no --yes, 1 AWS error (e.g. AccessDenied).`,
                "",
                "Examples:",
                ...(decision === "Approved"
                    ? [
                          "  $ yolo-pipeline approve 3",
                          '  $ yolo-pipeline approve 3 --description "beats v2 on the test split" --yes',
                          "  $ yolo-pipeline approve arn:aws:sagemaker:us-east-1:123456789012:model-package/drone-dev-yolo11-detector/3",
                      ]
                    : ['  $ yolo-pipeline reject 4 --reason "misses small vehicles at night"', '  $ yolo-pipeline reject 2 --reason "superseded by v3" --yes']),
            ].join("\n"),
        )
        .action(action((context: CommandContext, target: string, options: ApprovalCommandOptions) => approvalCommand(decision, context, target, options)));
}

export function registerApproval(program: Command, action: ActionFactory): void {
    register(program, action, "Approved");
    register(program, action, "Rejected");
}

// `deploy <model-version>`: choose the approved model version the stack's endpoint serves. It writes the choice
// into Pulumi.<stack>.yaml (deployModelVersion and the version's Model Monitor baseline, deployBaselineUri) and
// stops there: `pulumi up` deploys it, so the stack stays the one source of truth for what runs, its preview
// shows the change and the policy pack checks it, and `pulumi destroy` still removes everything.
import { DescribeModelPackageCommandOutput } from "@aws-sdk/client-sagemaker";
import { Command } from "commander";
import * as fs from "fs";
import * as path from "path";
import { ConfigError, parseConfig, PlatformConfig, PROJECT } from "../../components/config";
import { rawStackConfig } from "../../tools/stackConfig";
import { confirm, requireConfirmable } from "../confirm";
import { ActionFactory, CommandContext, noteModelPackageGroup, resolveModelPackageGroup } from "../context";
import { EXIT, UsageError } from "../errors";
import { formatTime } from "../format";
import { writeJson, writeLine } from "../io";
import { approvalStatusOf, describeVersion, findVersion, metricsSummary, versionBaseline, versionMetrics } from "../registry";
import { editStackFile, formatStackFileDiff, StackFileEdit, StackFileEditError } from "../stackFile";

export interface DeployOptions {
    readonly dryRun?: boolean;
    readonly yes?: boolean;
}

/** deployModelVersion's range in components/config.ts; 0 there means "nothing deployed", which is not a version. */
const MAX_VERSION = 1_000_000;

/** The keys `deploy` writes, and the one it places them after when they are missing. */
const KEYS = { version: "deployModelVersion", baseline: "deployBaselineUri", monitoring: "endpointMonitoring", deployment: "deployment" } as const;

export function parseDeployVersion(value: string): number {
    const trimmed = value.trim();
    const version = Number(trimmed);
    if (!/^\d+$/.test(trimmed) || version < 1 || version > MAX_VERSION) {
        throw new UsageError([
            `<model-version>: ${JSON.stringify(value)} is not allowed; expected a version number of the stack's model package group, an integer from 1 to ${MAX_VERSION} (see the models command).`,
        ]);
    }
    return version;
}

function requireDeployment(stack: PlatformConfig): void {
    if (!stack.deployment.enabled) {
        throw new UsageError([
            `stack ${stack.stack} has deployment: false, so it has no endpoint to deploy to; set ${PROJECT}:${KEYS.deployment}: true in Pulumi.${stack.stack}.yaml first (the endpoint bills by the hour while it exists).`,
        ]);
    }
}

/** What the endpoint needs of the version; every refusal names the version's state and what to do. */
function checkDeployable(stack: PlatformConfig, group: string, version: number, modelPackage: DescribeModelPackageCommandOutput): string {
    const subject = `version ${version} of ${group}`;
    const status = approvalStatusOf(modelPackage);
    if (status !== "Approved") {
        const why = modelPackage.ApprovalDescription ? ` (${JSON.stringify(modelPackage.ApprovalDescription)})` : "";
        throw new UsageError([
            `${subject} is ${status}${why}, not Approved: only an approved version may be deployed. Review it with \`yolo-pipeline --stack ${stack.stack} models\`, then approve it: yolo-pipeline --stack ${stack.stack} approve ${version}`,
        ]);
    }
    const supported = modelPackage.InferenceSpecification?.SupportedRealtimeInferenceInstanceTypes;
    if (supported !== undefined && supported.length > 0 && !supported.includes(stack.deployment.instanceType as never)) {
        throw new UsageError([
            `${subject} does not support the stack's endpointInstanceType ${stack.deployment.instanceType} (it supports ${supported.join(", ")}); deploy a version registered for it, or set ${PROJECT}:endpointInstanceType to one of those.`,
        ]);
    }
    const baseline = versionBaseline(modelPackage);
    if (baseline.kind === "prefix") {
        return baseline.prefix;
    }
    if (stack.deployment.monitoring) {
        const missing =
            baseline.kind === "none"
                ? "has no Model Monitor baseline (ModelMetrics.ModelDataQuality: statistics.json and constraints.json)"
                : `has an unusable Model Monitor baseline: ${baseline.problem}`;
        throw new UsageError([
            `${subject} ${missing}, and endpointMonitoring is on in stack ${stack.stack}: the data-quality schedule compares the endpoint's traffic with that baseline. Deploy a version registered with one, or set ${PROJECT}:${KEYS.monitoring}: false in Pulumi.${stack.stack}.yaml to serve it unmonitored.`,
        ]);
    }
    return "";
}

/** The edited stack file, refused (nothing written) when the program's own config validation would refuse it. */
function editedStackFile(context: CommandContext, file: string, values: Record<string, string | number>): StackFileEdit {
    const stack = context.stack.stack;
    const name = path.basename(file);
    let edit: StackFileEdit;
    try {
        edit = editStackFile(fs.readFileSync(file, "utf8"), PROJECT, values, [KEYS.deployment]);
    } catch (error) {
        if (error instanceof StackFileEditError) {
            const commands = Object.entries(values).map(([key, value]) => `pulumi config set --stack ${stack} ${PROJECT}:${key} ${JSON.stringify(String(value))}`);
            throw new UsageError([`${name} cannot be edited line by line: ${error.message}; it was not changed. Set the values with: ${commands.join(" && ")}`]);
        }
        throw error;
    }
    try {
        parseConfig(rawStackConfig(stack, {}, context.projectRoot, edit.text));
    } catch (error) {
        if (error instanceof ConfigError) {
            throw new UsageError(error.problems.map((problem) => `${name} would be refused after the change, so it was not changed: ${problem}`));
        }
        throw error;
    }
    return edit;
}

/** Replaces the file in one step, so that an interrupted write never leaves half a stack configuration. */
function writeFileAtomically(file: string, text: string): void {
    const temporary = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
    fs.writeFileSync(temporary, text, { mode: fs.statSync(file).mode });
    fs.renameSync(temporary, file);
}

const shown = (value: unknown): string => (value === undefined ? "(not set)" : value === "" ? '""' : String(value));

export async function deployCommand(context: CommandContext, versionArgument: string, options: DeployOptions): Promise<number> {
    // Everything that needs no AWS call first.
    const version = parseDeployVersion(versionArgument);
    const stack = context.stack;
    requireDeployment(stack);
    const group = resolveModelPackageGroup(undefined, stack);
    const { io } = context;
    const file = path.join(context.projectRoot, `Pulumi.${stack.stack}.yaml`);
    const name = path.basename(file);
    if (!options.dryRun) {
        requireConfirmable(io, options.yes, "deploy", `write version ${version} into ${name}`);
    }
    noteModelPackageGroup(context, group);

    const client = context.clients.sagemaker;
    const arn = (await findVersion(client, group.name, version, "model-version")).ModelPackageArn!;
    const modelPackage = await describeVersion(client, arn);
    const baselineUri = checkDeployable(stack, group.name, version, modelPackage);
    const metrics = metricsSummary(versionMetrics(modelPackage.CustomerMetadataProperties));
    const facts = [`Approved`, `created ${formatTime(modelPackage.CreationTime)}`, ...(metrics ? [metrics] : []), `baseline ${baselineUri || "none (endpointMonitoring is off)"}`];
    writeLine(io.stderr, `version ${version} of ${group.name}: ${facts.join(", ")}`);

    const edit = editedStackFile(context, file, { [KEYS.version]: version, [KEYS.baseline]: baselineUri });
    const nextStep = `pulumi up --stack ${stack.stack}`;
    const why = `the stack decides what is deployed: its preview shows the endpoint's change and the policy pack checks it before anything changes (deploy only wrote ${name})`;
    const report = (written: boolean) => ({
        stack: stack.stack,
        stackFile: name,
        modelPackageGroupName: group.name,
        version,
        modelPackageArn: arn,
        baselineUri,
        changes: edit.changes.map((change) => ({ key: change.key, before: change.before ?? null, after: change.after })),
        diff: edit.changes.length > 0 ? formatStackFileDiff(name, edit) : "",
        dryRun: Boolean(options.dryRun),
        written,
        nextStep,
    });

    if (edit.changes.length === 0) {
        writeLine(io.stderr, `${name} already deploys version ${version}${baselineUri ? " with its baseline" : ""}; nothing to change.`);
        if (context.options.json) {
            writeJson(io.stdout, report(false));
        }
        writeLine(io.stderr, `next, if it is not applied yet: ${nextStep} (${why})`);
        return EXIT.ok;
    }
    if (!context.options.json) {
        for (const change of edit.changes) {
            writeLine(io.stdout, `${change.key}: ${shown(change.before)} → ${shown(change.after)}`);
        }
        writeLine(io.stdout, formatStackFileDiff(name, edit));
    }
    if (options.dryRun) {
        if (context.options.json) {
            writeJson(io.stdout, report(false));
        }
        writeLine(io.stderr, `dry run: ${name} was not changed.`);
        return EXIT.ok;
    }
    if (!(await confirm(io, options.yes, `Write version ${version} of ${group.name} into ${name}?`, `${name} was not changed`))) {
        return EXIT.declined;
    }
    writeFileAtomically(file, edit.text);
    if (context.options.json) {
        writeJson(io.stdout, report(true));
    } else {
        writeLine(io.stdout, `${name} now deploys version ${version} of ${group.name}.`);
    }
    writeLine(io.stderr, `next: ${nextStep} (${why})`);
    return EXIT.ok;
}

export function registerDeploy(program: Command, action: ActionFactory): void {
    program
        .command("deploy")
        .summary("choose the approved model version the endpoint serves (writes the stack config)")
        .description(
            "Check that a version of the stack's model package group is Approved and has its Model Monitor baseline, then write it into Pulumi.<stack>.yaml (deployModelVersion, deployBaselineUri), editing only those lines. `pulumi up` then deploys it: the stack, its preview and its policy pack decide what is deployed.",
        )
        .argument("<model-version>", "version number in the stack's model package group (see the models command)")
        .option("--dry-run", "show the change to Pulumi.<stack>.yaml without writing it")
        .option("-y, --yes", "write without asking")
        .addHelpText(
            "after",
            [
                "",
                "Exit codes: 0 written (or already so, or --dry-run), 5 not confirmed, 2 refused (not Approved, no baseline while endpointMonitoring is on, deployment off, bad arguments, the result invalid), 1 AWS error.",
                "",
                "Examples:",
                "  $ yolo-pipeline --stack prod deploy 3 --dry-run",
                "  $ yolo-pipeline --stack prod deploy 3 --yes && pulumi up --stack prod",
            ].join("\n"),
        )
        .action(action(deployCommand));
}

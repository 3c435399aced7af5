// `label start|status`: Ground Truth bounding-box labeling of the stack's raw images by its private work team.
// `start` builds the CreateLabelingJob request from the stack's own configuration (components/groundTruth.ts,
// the request the data scientist's IAM policy permits: this work team, the stack's key, a job named after the
// stack); every value is checked before any AWS call. `status` follows a job and says how to train on its output.
import { CreateLabelingJobCommand, DescribeLabelingJobCommand, DescribeLabelingJobCommandOutput, paginateListLabelingJobs } from "@aws-sdk/client-sagemaker";
import { Command, Option } from "commander";
import type { PlatformConfig } from "../../components/config";
import {
    arnAccount,
    isPrivateCrowd,
    isPublicCrowd,
    labelingJobRequest,
    LabelingJobOptions,
    LabelingTarget,
    namedLabelingTarget,
    PUBLIC_BOUNDING_BOX_PRICES_USD,
} from "../../components/groundTruth";
import { resourceNames } from "../../components/naming";
import { PREFIXES } from "../../components/s3Layout";
import { ActionFactory, CommandContext, valueSource } from "../context";
import { awsErrorCode, EXIT, usageProblems, UsageError } from "../errors";
import { formatTime, table } from "../format";
import { writeJson, writeLine } from "../io";
import { labelingOutputs, readStackOutputs } from "../stackOutputs";
import { labelAttributeProblem } from "../validation";

// CreateLabelingJob's own rules (SageMaker API reference): refused here, never by AWS after a round trip.
const JOB_NAME = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;
const LIMITS = {
    workersPerImage: { min: 1, max: 9 },
    taskTimeLimitSeconds: { min: 30, max: 28_800 },
    // A private work team's tasks may wait up to 10 days for a worker.
    taskAvailabilitySeconds: { min: 60, max: 864_000 },
} as const;

export interface LabelStartOptions {
    readonly manifest?: string;
    readonly jobName?: string;
    readonly labelAttribute: string;
    readonly workersPerImage: string;
    readonly taskTimeLimit: string;
    readonly taskAvailability: string;
    readonly pricePerTask?: string;
    /** `pulumi stack output --json` of the stack (also from STACK_OUTPUTS). */
    readonly stackOutputs?: string;
    readonly dryRun?: boolean;
}

function requireLabeling(stack: PlatformConfig): void {
    if (!stack.labeling.enabled) {
        throw new UsageError([
            `stack ${stack.stack} has labeling: false, so it has no labeling role, label categories or permission to start labeling jobs; turn labeling on (with labelingWorkteamArn) and run pulumi up first.`,
        ]);
    }
}

function integer(flag: string, value: string, range: { min: number; max: number }, problems: string[]): number {
    const number = Number(value);
    if (!/^\d+$/.test(value.trim()) || number < range.min || number > range.max) {
        problems.push(`${flag}: ${JSON.stringify(value)} is not allowed; expected an integer from ${range.min} to ${range.max}.`);
    }
    return number;
}

/** The job's options from the flags, every problem reported at once; nothing here calls AWS. */
export function labelingJobOptions(stack: PlatformConfig, options: LabelStartOptions, now: Date): LabelingJobOptions {
    requireLabeling(stack);
    const problems: string[] = [];
    const prefix = resourceNames(stack.namePrefix, stack.stack).labelingJobPrefix;
    const jobName = options.jobName ?? `${prefix}${now.toISOString().replace(/[-:]/g, "").replace(/\.\d{3}Z$/, "").replace("T", "-").toLowerCase()}`;
    if (!JOB_NAME.test(jobName)) {
        problems.push(`--job-name: ${JSON.stringify(jobName)} is not allowed; expected 1-63 letters, digits and single hyphens.`);
    } else if (!jobName.toLowerCase().startsWith(prefix.toLowerCase())) {
        problems.push(`--job-name: ${JSON.stringify(jobName)} must start with ${JSON.stringify(prefix)}: the data scientist role may start only the stack's labeling jobs.`);
    }
    const datasets = `s3://${stack.bucket.name}/${PREFIXES.datasets}`;
    const manifest = options.manifest ?? "";
    if (!manifest.startsWith(datasets) || !/\.manifest$|\.jsonl$/.test(manifest)) {
        problems.push(
            `--manifest: ${JSON.stringify(manifest || null)} is not allowed; expected the input manifest (JSON Lines of {"source-ref": "s3://…"}, ending .manifest or .jsonl) under ${datasets}, where the labeling role reads (write it beside the raw images when uploading them).`,
        );
    }
    const attributeProblem = labelAttributeProblem(options.labelAttribute);
    if (attributeProblem !== undefined) {
        problems.push(`--label-attribute: ${JSON.stringify(options.labelAttribute)} is not allowed; expected ${attributeProblem}.`);
    }
    const team = stack.labeling.workteamArn;
    const price = options.pricePerTask === undefined ? undefined : /^\d+(\.\d{1,3})?$/.test(options.pricePerTask.trim()) ? Number(options.pricePerTask).toFixed(3) : options.pricePerTask;
    if (isPublicCrowd(team)) {
        if (price === undefined || !(PUBLIC_BOUNDING_BOX_PRICES_USD as readonly string[]).includes(price)) {
            const given = options.pricePerTask === undefined ? "is required" : `${JSON.stringify(options.pricePerTask)} is not allowed`;
            problems.push(
                `--price-per-task: ${given}; the public work team ${team} is paid per image by this account, so the job needs a price: one of ${PUBLIC_BOUNDING_BOX_PRICES_USD.join(", ")} (US dollars, AWS's bounding-box prices).`,
            );
        }
    } else if (price !== undefined) {
        problems.push(`--price-per-task: ${JSON.stringify(options.pricePerTask)} is not allowed with ${team}: only a public (Mechanical Turk) work team is paid per task; leave the flag out.`);
    }
    const result: LabelingJobOptions = {
        jobName,
        manifestUri: manifest,
        labelAttributeName: options.labelAttribute,
        workersPerImage: integer("--workers-per-image", options.workersPerImage, LIMITS.workersPerImage, problems),
        taskTimeLimitSeconds: integer("--task-time-limit", options.taskTimeLimit, LIMITS.taskTimeLimitSeconds, problems),
        taskAvailabilitySeconds: integer("--task-availability", options.taskAvailability, LIMITS.taskAvailabilitySeconds, problems),
        ...(price !== undefined && isPublicCrowd(team) ? { publicTaskPriceUsd: price } : {}),
    };
    if (problems.length > 0) {
        throw new UsageError(problems);
    }
    return result;
}

/**
 * The role, label categories and key of the job: the deployed stack's `labeling` outputs when given, which also
 * name the stack's account; otherwise the stack's naming rule in the work team's account, which is the stack's
 * only for a private work team (it labels its own account's jobs). A public or vendor team's ARN names another
 * account, so without the outputs nothing can be named and the command refuses.
 */
export function labelingTarget(stack: PlatformConfig, stackOutputs: string | undefined, flag = "--stack-outputs"): { target: LabelingTarget; source: string } {
    const team = stack.labeling.workteamArn;
    const teamAccount = arnAccount(team);
    if (stackOutputs === undefined) {
        if (!isPrivateCrowd(team)) {
            throw new UsageError([
                `--stack-outputs: required with the ${isPublicCrowd(team) ? "public (Mechanical Turk)" : "vendor"} work team ${team}: its ARN names account ${teamAccount}, not the stack's, so the labeling role and key cannot be named from it. Write the outputs with \`pulumi stack output --json --stack ${stack.stack} > stack-outputs.json\` and pass --stack-outputs stack-outputs.json (or set STACK_OUTPUTS).`,
            ]);
        }
        return { target: namedLabelingTarget(stack, teamAccount), source: `the stack's names in the private work team's account ${teamAccount}` };
    }
    const deployed = labelingOutputs(readStackOutputs(stackOutputs, flag, stack.stack), stack, flag);
    const account = arnAccount(deployed.roleArn);
    if (isPrivateCrowd(team) && teamAccount !== account) {
        throw new UsageError([
            `labelingWorkteamArn: ${team} is a private work team of account ${teamAccount}, but stack ${stack.stack} runs in account ${account} (its labeling role ${deployed.roleArn}); a private work team labels only its own account's jobs. Name a work team of account ${account} in Pulumi.${stack.stack}.yaml.`,
        ]);
    }
    return {
        target: {
            roleArn: deployed.roleArn,
            labelCategoryConfigUri: deployed.labelCategoryConfigUri,
            outputKmsKeyArn: deployed.outputKmsKeyArn ?? namedLabelingTarget(stack, account).outputKmsKeyArn,
        },
        source: `the deployed stack's outputs (${stackOutputs}), account ${account}`,
    };
}

export async function labelStartCommand(context: CommandContext, options: LabelStartOptions): Promise<number> {
    // Every problem of the flags and of the outputs file at once, so one correction round is enough.
    const jobOptions = usageProblems(() => labelingJobOptions(context.stack, options, context.now()));
    const located = usageProblems(() => labelingTarget(context.stack, options.stackOutputs, valueSource(context.options, "stackOutputs", "--stack-outputs")));
    if (jobOptions.value === undefined || located.value === undefined) {
        throw new UsageError([...jobOptions.problems, ...located.problems]);
    }
    const { target, source } = located.value;
    const request = labelingJobRequest(context.stack, target, jobOptions.value);
    const { io } = context;
    if (options.dryRun) {
        writeLine(io.stderr, `dry run: CreateLabelingJob was not called; the request for work team ${context.stack.labeling.workteamArn}, role and key from ${source}:`);
        writeJson(io.stdout, request);
        return EXIT.ok;
    }
    const created = await context.clients.sagemaker.send(new CreateLabelingJobCommand(request));
    if (context.options.json) {
        writeJson(io.stdout, { labelingJobName: request.LabelingJobName, labelingJobArn: created.LabelingJobArn });
    } else {
        writeLine(io.stdout, `labeling job ${request.LabelingJobName} started: ${created.LabelingJobArn}`);
        writeLine(io.stderr, `workers of ${context.stack.labeling.workteamArn} see it in their labeling portal; follow it with: yolo-pipeline --stack ${context.stack.stack} label status ${request.LabelingJobName}`);
    }
    return EXIT.ok;
}

/**
 * Where a finished job's labels are, and the run that trains on them. Starting a pipeline run is the ML engineer's
 * right, not the data scientist's (README 'IAM personas'), so the line says who runs it. The job's label attribute is
 * the key of its boxes in the output manifest; PrepareDataset reads the one named by the LabelAttribute parameter.
 */
export function nextStep(job: DescribeLabelingJobCommandOutput, stack: PlatformConfig): string | undefined {
    const manifest = job.LabelingJobOutput?.OutputDatasetS3Uri;
    if (job.LabelingJobStatus !== "Completed" || !manifest) {
        return undefined;
    }
    // PrepareDataset reads the manifest's folder and fetches the images it names from datasets/.
    const prefix = manifest.slice(0, manifest.lastIndexOf("/") + 1);
    const attribute = job.LabelAttributeName ? ` --param LabelAttribute=${job.LabelAttributeName}` : "";
    return `yolo-pipeline --stack ${stack.stack} start --input-data ${prefix} --input-format groundtruth${attribute}`;
}

/** The stack's newest labeling job: NameContains also matches other names with the prefix inside, so the start is checked. */
async function latestJobName(context: CommandContext, prefix: string): Promise<string | undefined> {
    const pages = paginateListLabelingJobs({ client: context.clients.sagemaker, pageSize: 100 }, { NameContains: prefix, SortBy: "CreationTime", SortOrder: "Descending" });
    for await (const page of pages) {
        const own = (page.LabelingJobSummaryList ?? []).find((job) => job.LabelingJobName?.toLowerCase().startsWith(prefix.toLowerCase()));
        if (own?.LabelingJobName) {
            return own.LabelingJobName;
        }
    }
    return undefined;
}

export async function labelStatusCommand(context: CommandContext, jobName: string | undefined): Promise<number> {
    const { stack } = context;
    requireLabeling(stack);
    const prefix = resourceNames(stack.namePrefix, stack.stack).labelingJobPrefix;
    if (jobName !== undefined && !JOB_NAME.test(jobName)) {
        throw new UsageError([`<job-name>: ${JSON.stringify(jobName)} is not allowed; expected 1-63 letters, digits and single hyphens, starting with ${JSON.stringify(prefix)}.`]);
    }
    if (jobName !== undefined && !jobName.toLowerCase().startsWith(prefix.toLowerCase())) {
        throw new UsageError([`<job-name>: ${JSON.stringify(jobName)} is not a labeling job of stack ${stack.stack}: its jobs are named ${prefix}…; leave the name out for the stack's latest job.`]);
    }
    const name = jobName ?? (await latestJobName(context, prefix));
    if (name === undefined) {
        if (context.options.json) {
            writeJson(context.io.stdout, { labelingJobName: null, status: null, labelAttributeName: null, counters: {}, failureReason: null, outputManifest: null, next: null });
        }
        writeLine(context.io.stderr, `no labeling job of stack ${stack.stack} (named ${prefix}…) yet; start one with: yolo-pipeline --stack ${stack.stack} label start --manifest <s3 URI>`);
        return EXIT.ok;
    }
    let job: DescribeLabelingJobCommandOutput;
    try {
        job = await context.clients.sagemaker.send(new DescribeLabelingJobCommand({ LabelingJobName: name }));
    } catch (error) {
        if (jobName !== undefined && awsErrorCode(error) === "ResourceNotFound") {
            throw new UsageError([`<job-name>: there is no labeling job ${JSON.stringify(jobName)} in this account and region; leave the name out for the stack's latest job.`]);
        }
        throw error;
    }
    const counters = job.LabelCounters ?? {};
    const next = nextStep(job, stack);
    if (context.options.json) {
        writeJson(context.io.stdout, {
            labelingJobName: job.LabelingJobName ?? name,
            status: job.LabelingJobStatus ?? null,
            labelAttributeName: job.LabelAttributeName ?? null,
            counters,
            failureReason: job.FailureReason ?? null,
            outputManifest: job.LabelingJobOutput?.OutputDatasetS3Uri ?? null,
            next: next ? { who: "ml-engineer", command: next } : null,
        });
        return EXIT.ok;
    }
    writeLine(
        context.io.stdout,
        table(
            ["JOB", "STATUS", "CREATED", "LABELED", "HUMAN", "UNLABELED", "FAILED"],
            [[job.LabelingJobName ?? name, job.LabelingJobStatus ?? "-", formatTime(job.CreationTime), counters.TotalLabeled ?? 0, counters.HumanLabeled ?? 0, counters.Unlabeled ?? 0, counters.FailedNonRetryableError ?? 0]],
        ),
    );
    if (job.FailureReason) {
        writeLine(context.io.stdout, `failure: ${job.FailureReason}`);
    }
    if (job.LabelingJobOutput?.OutputDatasetS3Uri) {
        writeLine(context.io.stdout, `output manifest: ${job.LabelingJobOutput.OutputDatasetS3Uri}`);
    }
    if (next) {
        writeLine(context.io.stderr, `to train on these labels, an ML engineer runs (data scientists may not start pipeline runs):\n  ${next}`);
    }
    return EXIT.ok;
}

export function registerLabel(program: Command, action: ActionFactory): void {
    const label = program.command("label").summary("Ground Truth labeling of raw images (start, status)").description("Label raw drone images with the stack's private work team (SageMaker Ground Truth, bounding boxes).");
    label
        .command("start")
        .summary("start a bounding-box labeling job")
        .description("Start a Ground Truth bounding-box labeling job of the stack: the stack's classes, its private work team, output under labeling/ encrypted with the stack's key.")
        .addOption(new Option("--manifest <s3-uri>", "input manifest under datasets/ (JSON Lines of {\"source-ref\": \"s3://…/image.jpg\"})"))
        .option("--job-name <name>", "job name, starting with the stack's prefix (default: <prefix><UTC time>)")
        .option("--label-attribute <name>", "label attribute of the output manifest", "boxes")
        .option("--workers-per-image <n>", "workers who box each image (their boxes are consolidated)", "1")
        .option("--task-time-limit <seconds>", "time a worker has for one image", "600")
        .option("--task-availability <seconds>", "how long an image waits for a worker", "259200")
        .option("--price-per-task <usd>", `with a public (Mechanical Turk) work team only, required there: US dollars per image and worker, one of ${PUBLIC_BOUNDING_BOX_PRICES_USD.join(", ")}`)
        .addOption(new Option("--stack-outputs <file>", "`pulumi stack output --json` of the stack: the role, label categories and key are taken from it (required with a public or vendor work team)").env("STACK_OUTPUTS"))
        .option("--dry-run", "print the CreateLabelingJob request without sending it")
        .addHelpText("after", "\nExamples:\n  $ yolo-pipeline --stack full label start --manifest s3://my-bucket/datasets/raw/flight-42/input.manifest --dry-run\n  $ yolo-pipeline --stack full label start --manifest s3://my-bucket/datasets/raw/flight-42/input.manifest --workers-per-image 3")
        .action(action(labelStartCommand));
    label
        .command("status")
        .summary("a labeling job's status and counts")
        .description("Status, label counts and output manifest of a labeling job of the stack (default: the latest), and the run an ML engineer starts to train on its labels.")
        .argument("[job-name]", "the job (default: the stack's latest)")
        .action(action(labelStatusCommand));
}

// `start`: validates the requested parameter values, then starts one execution of the stack's pipeline.
import { StartPipelineExecutionCommand } from "@aws-sdk/client-sagemaker";
import { Command, Option } from "commander";
import { resourceNames } from "../../components/naming";
import { PackLimits } from "../../policies/limits";
import { DeployedDefinition, RunCost } from "../definition";
import { ActionFactory, CommandContext, notePipeline, resolvePipeline, setupFacts, valueSource } from "../context";
import { diagnose } from "../diagnosis";
import { EXIT, usageProblems, UsageError } from "../errors";
import { formatUsd } from "../format";
import { writeJson, writeLine } from "../io";
import { withInputFingerprint } from "../inputFingerprint";
import { describePipelineDefinition } from "../sagemaker";
import {
    buildStartRequest,
    checkExecutionOptions,
    checkValuesByFlag,
    checkValuesByName,
    loadPackLimits,
    PARAMETER_FLAGS,
    RequestedValue,
    requestedValues,
    stackInputLocations,
    validateParameters,
} from "../validation";

/** Environment variable naming the `--policy-pack-config` file when the flag is not given. */
export const POLICY_PACK_CONFIG_ENV = "YOLO_POLICY_PACK_CONFIG";

export interface StartCommandOptions extends Record<string, unknown> {
    readonly pipeline?: string;
    readonly param?: string[];
    readonly dryRun?: boolean;
    readonly clientRequestToken?: string;
    readonly displayName?: string;
    readonly description?: string;
    readonly policyPackConfig?: string;
}

const POLICY_PACK_CONFIG_FLAG = "--policy-pack-config";

/** The pack's limits under the file, a refusal naming where the file name came from (the flag or YOLO_POLICY_PACK_CONFIG). */
function packLimitsFrom(file: string | undefined, source: string): PackLimits {
    try {
        return loadPackLimits(file);
    } catch (error) {
        if (error instanceof UsageError && source !== POLICY_PACK_CONFIG_FLAG) {
            throw new UsageError(error.problems.map((problem) => (problem.startsWith(`${POLICY_PACK_CONFIG_FLAG} `) ? `${source}${problem.slice(POLICY_PACK_CONFIG_FLAG.length)}` : problem)));
        }
        throw error;
    }
}

/** The run's cost against the pack's ceiling, for the notes on stderr. */
function costNote(cost: RunCost, limits: PackLimits, configFile: string | undefined, source: string): string {
    const { policy, enforcementLevel, knobs } = limits.runCost;
    const bounded = cost.unbounded.length === 0;
    const ceiling =
        enforcementLevel === "disabled"
            ? `; ${policy} is disabled, so no ceiling`
            : bounded
              ? ` of the ${formatUsd(knobs.maxRunCostUsd)} ceiling`
              : `; the ceiling is ${formatUsd(knobs.maxRunCostUsd)}`;
    const from = configFile ? ` (limits from ${source} ${configFile})` : "";
    return `worst-case run cost ${bounded ? formatUsd(cost.totalUsd) : "cannot be bounded"}${ceiling}${from}`;
}

export async function startCommand(context: CommandContext, options: StartCommandOptions): Promise<number> {
    // Everything that needs no AWS call is checked first, so a typo costs no round trip and needs no credentials.
    const requested = requestedValues(options, options.param ?? []);
    const executionOptions = {
        clientRequestToken: options.clientRequestToken ?? context.newToken(),
        displayName: options.displayName,
        description: options.description,
    };
    checkExecutionOptions(executionOptions);
    const configSource = valueSource(context.options, "policyPackConfig", POLICY_PACK_CONFIG_FLAG);
    const limits = packLimitsFrom(options.policyPackConfig, configSource);
    const pipeline = resolvePipeline(options.pipeline, context.stack);
    // The stack's own pipeline is judged against this checkout's definition of it; another one (--pipeline)
    // by the rules that hold for a parameter of that name anywhere and for what each flag names (the job a
    // --instance-type sizes, the URI an --input-data is), every problem at once; the rest once AWS has its definition.
    const own = pipeline.name === resourceNames(context.stack.namePrefix, context.stack.stack).pipeline ? await context.stackDefinition(context.stack.stack) : undefined;
    // Only the stack's own pipeline is known to run as the stack's pipeline role, whose readable prefixes these are.
    const inputs = own ? stackInputLocations(context.stack) : undefined;
    const local = own ? validateParameters(own.definition, pipeline.name, requested, limits, inputs) : (checkWithoutDefinition(requested, limits), undefined);

    notePipeline(context, pipeline);
    const { io } = context;
    let definition: DeployedDefinition;
    try {
        definition = await describePipelineDefinition(context.clients.sagemaker, pipeline.name);
    } catch (error) {
        // A dry run that cannot reach AWS, or finds the stack not deployed yet, still says what it would send,
        // checked against the checkout.
        const problem = options.dryRun && own && local ? await diagnose(error, setupFacts(context)) : undefined;
        if (problem === undefined || problem.kind === "access-denied") {
            throw error;
        }
        const request = buildStartRequest({ pipelineName: pipeline.name, parameters: local!.parameters, ...executionOptions });
        warn(io, local!.warnings);
        const why = problem.kind === "not-found" ? "nothing is deployed to compare with" : "AWS could not be asked";
        writeLine(io.stderr, `note: not compared with the deployed pipeline, ${why}: ${problem.message}`);
        writeLine(
            io.stderr,
            `dry run: checked against stack ${context.stack.stack}'s definition in this checkout only; ${costNote(local!.cost, limits, options.policyPackConfig, configSource)}; StartPipelineExecution was not called. The request:`,
        );
        writeJson(io.stdout, request);
        return EXIT.ok;
    }
    // What only the deployed definition can tell: SageMaker runs it, and it may be older or newer than the checkout.
    const { parameters: chosen, cost, warnings } = validateParameters(definition, pipeline.name, requested, limits, inputs);
    // PrepareDataset's cache key follows the objects at the input, not just its URI.
    const { parameters, note: inputNote, warning: inputWarning } = await withInputFingerprint(context.clients.s3, definition, chosen);
    if (own && !sameDefinition(own.definition, definition)) {
        writeLine(io.stderr, `note: the deployed definition of ${pipeline.name} differs from this checkout's (\`pulumi up\` deploys it); the values were checked against both.`);
    }
    const request = buildStartRequest({ pipelineName: pipeline.name, parameters, ...executionOptions });
    warn(io, inputWarning ? [...warnings, inputWarning] : warnings);
    if (inputNote) {
        writeLine(io.stderr, `note: ${inputNote}`);
    }
    const note = costNote(cost, limits, options.policyPackConfig, configSource);

    if (options.dryRun) {
        writeLine(io.stderr, `dry run: checked against the deployed definition of ${pipeline.name}; ${note}; StartPipelineExecution was not called. The request:`);
        writeJson(io.stdout, request);
        return EXIT.ok;
    }
    const response = await context.clients.sagemaker.send(new StartPipelineExecutionCommand(request));
    const arn = response.PipelineExecutionArn ?? "";
    if (context.options.json) {
        writeJson(io.stdout, {
            pipelineName: pipeline.name,
            pipelineNameSource: pipeline.source,
            pipelineExecutionArn: arn,
            clientRequestToken: request.ClientRequestToken,
            parameters: request.PipelineParameters,
            worstCaseRunCostUsd: Number(cost.totalUsd.toFixed(2)),
        });
        return EXIT.ok;
    }
    const given = parameters.map((p) => `${p.Name}=${p.Value}`).join(" ") || "(none; all defaults)";
    writeLine(io.stderr, `started with parameters ${given}; ${note}`);
    writeLine(io.stdout, arn);
    writeLine(io.stderr, `follow it with: yolo-pipeline watch ${arn}`);
    return EXIT.ok;
}

/** For a pipeline whose definition only AWS has: the checks by parameter name and by flag, their problems together. */
function checkWithoutDefinition(requested: readonly RequestedValue[], limits: PackLimits): void {
    const problems = [() => checkValuesByName(requested), () => checkValuesByFlag(requested, limits)].flatMap((check) => usageProblems(check).problems);
    if (problems.length > 0) {
        throw new UsageError(problems);
    }
}

function warn(io: CommandContext["io"], warnings: readonly string[]): void {
    for (const warning of warnings) {
        writeLine(io.stderr, `warning: ${warning}`);
    }
}

/** Same JSON, whatever the key order or spacing the deployed copy was stored with. */
function sameDefinition(a: DeployedDefinition, b: DeployedDefinition): boolean {
    const canonical = (value: unknown): unknown =>
        Array.isArray(value)
            ? value.map(canonical)
            : typeof value === "object" && value !== null
              ? Object.fromEntries(Object.entries(value).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)).map(([key, child]) => [key, canonical(child)]))
              : value;
    return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

export function registerStart(program: Command, action: ActionFactory): void {
    const command = program
        .command("start")
        .summary("validate parameters and start an execution")
        .description(
            "Start an execution of the pipeline. Every value is checked first, before any AWS call, against the stack's pipeline definition as this checkout builds it, the policy pack's instance allow-lists and limits (its defaults, or as a --policy-pack-config file sets them), and the stack's hyperparameter ranges; then against the deployed definition. A refused value exits 2 and starts nothing. A --dry-run that cannot reach AWS prints the request checked against the checkout only, and says so.",
        )
        .option("--pipeline <name>", "pipeline name (default: the stack's, <namePrefix>-<stack>-yolo11-training)");
    for (const { flag, parameter, description } of PARAMETER_FLAGS) {
        command.addOption(new Option(`${flag} <value>`, `${description} (pipeline parameter ${parameter})`));
    }
    command
        .option("--param <Name=Value>", "any pipeline parameter by name; repeatable", (value: string, previous: string[] = []) => [...previous, value])
        .option("--display-name <name>", "execution display name (letters, digits, hyphens)")
        .option("--description <text>", "execution description")
        .option("--client-request-token <token>", "idempotency token, 32-128 characters; reuse it to retry a start without starting twice (default: a new UUID)")
        .addOption(
            new Option("--policy-pack-config <file>", "the JSON file given to `pulumi preview --policy-pack-config`: check against the limits it sets (default: the pack's defaults)").env(
                POLICY_PACK_CONFIG_ENV,
            ),
        )
        .option("--dry-run", "print the StartPipelineExecution request as JSON and exit without starting (works without AWS access, checked against the checkout only)")
        .addHelpText(
            "after",
            [
                "",
                "Examples:",
                "  $ yolo-pipeline start --epochs 100 --instance-type ml.g5.xlarge",
                "  $ yolo-pipeline start --model-variant yolo11s --input-data s3://my-bucket/datasets/drone-v2/ --dry-run",
                "  $ yolo-pipeline start --param Seed=7 --display-name seed-7 --client-request-token $(uuidgen)",
                "  $ yolo-pipeline start --instance-type ml.g5.12xlarge --policy-pack-config policy-config.json --dry-run",
            ].join("\n"),
        )
        .action(action(startCommand));
}

// Start-time checks of pipeline parameter values, before anything is sent to AWS. Three sources, none
// copied: a pipeline definition (names, types, EnumValues: the stack's own as the checkout builds it, then
// the deployed one), the policy pack's limits (instance allow-lists, maxInstanceCount, runtime ceilings,
// prices and the run-cost ceiling, as policies/limits.ts resolves them from the pack's defaults and an
// optional --policy-pack-config file) and the stack's hyperparameter ranges.
import type { StartPipelineExecutionCommandInput } from "@aws-sdk/client-sagemaker";
import * as fs from "fs";
import { HYPERPARAMETER_RANGES, INPUT_FORMATS, MODEL_VARIANTS, PlatformConfig, SPLIT_RANGES } from "../components/config";
import { MODEL_APPROVAL_STATUSES, PARAMETERS, QUALITY_METRICS } from "../components/pipelineDefinition";
import { DATASET_READY_MARKER, PREFIXES, PREPARED_DATASETS } from "../components/s3Layout";
import { Limit, PackLimits, packLimits } from "../policies/limits";
import { DeployedDefinition, effectiveParameters, parameterUsages, ParameterUsage, RunCost, worstCaseRunCost } from "./definition";
import { UsageError } from "./errors";
import { formatUsd } from "./format";

/** A start flag that sets one pipeline parameter. */
export interface ParameterFlag {
    /** Long option, e.g. `--batch-size`. */
    readonly flag: string;
    readonly parameter: string;
    readonly description: string;
}

export const PARAMETER_FLAGS: readonly ParameterFlag[] = [
    { flag: "--epochs", parameter: PARAMETERS.epochs, description: "training epochs" },
    { flag: "--batch-size", parameter: PARAMETERS.batchSize, description: "batch size" },
    { flag: "--learning-rate", parameter: PARAMETERS.learningRate, description: "initial learning rate (lr0)" },
    { flag: "--image-size", parameter: PARAMETERS.imageSize, description: "training image size in pixels" },
    { flag: "--instance-type", parameter: PARAMETERS.trainingInstanceType, description: "training instance type" },
    { flag: "--instance-count", parameter: PARAMETERS.trainingInstanceCount, description: "training instance count" },
    { flag: "--model-variant", parameter: PARAMETERS.modelVariant, description: `YOLO11 size (${MODEL_VARIANTS.join("|")})` },
    { flag: "--input-data", parameter: PARAMETERS.inputData, description: "S3 URI of the data to prepare: raw images with annotation JSON, a Ground Truth manifest, or a YOLO dataset" },
    { flag: "--input-key", parameter: PARAMETERS.inputKey, description: "appended to --input-data (the dataset trigger passes a _READY marker's key here, with --input-data s3://<bucket>/); a URI naming a _READY marker prepares the marker's folder" },
    { flag: "--input-key-version", parameter: PARAMETERS.inputKeyVersion, description: "S3 version id of the --input-key object (part of the preparation's cache key)" },
    { flag: "--input-fingerprint", parameter: PARAMETERS.inputFingerprint, description: "digest of the input's S3 listing, part of the preparation's cache key (default: start computes it)" },
    { flag: "--input-format", parameter: PARAMETERS.inputFormat, description: `what --input-data holds (${INPUT_FORMATS.join("|")})` },
    { flag: "--label-attribute", parameter: PARAMETERS.labelAttribute, description: "Ground Truth: the manifest's label attribute to read (needed when it holds two, as a chained labeling job's does)" },
    { flag: "--val-fraction", parameter: PARAMETERS.valFraction, description: "share of images in the validation split" },
    { flag: "--test-fraction", parameter: PARAMETERS.testFraction, description: "share of images in the test split (0: evaluate on val)" },
    { flag: "--min-images-per-split", parameter: PARAMETERS.minImagesPerSplit, description: "fewest images each split must have, or the run stops at CheckDataset" },
    { flag: "--output-path", parameter: PARAMETERS.outputPath, description: "S3 URI for the trained model" },
    { flag: "--evaluation-instance-type", parameter: PARAMETERS.evaluationInstanceType, description: "evaluation instance type" },
    { flag: "--patience", parameter: PARAMETERS.patience, description: "early-stopping patience in epochs (0 disables)" },
    { flag: "--seed", parameter: PARAMETERS.seed, description: "random seed" },
    // The quality gate's minimums (--min-map50-95, --min-map50, --min-precision, --min-recall).
    ...QUALITY_METRICS.map((metric) => ({
        flag: `--min-${metric.label.toLowerCase()}`,
        parameter: metric.parameter,
        description: `quality gate: minimum ${metric.label} of the evaluation, 0-1; below it the model is not registered and the run fails`,
    })),
    {
        flag: "--model-approval-status",
        parameter: PARAMETERS.modelApprovalStatus,
        description: `status the registered model version starts in (${MODEL_APPROVAL_STATUSES.join("|")})`,
    },
];

/** The key commander stores a flag's value under (`--batch-size` → `batchSize`, `--min-map50-95` → `minMap5095`), as commander camel-cases it. */
export function optionKey(flag: string): string {
    return flag
        .replace(/^--/, "")
        .split("-")
        .reduce((key, word) => key + word.charAt(0).toUpperCase() + word.slice(1));
}

/** A value the user asked for, with the words they used for it (for error messages). */
export interface RequestedValue {
    readonly parameter: string;
    readonly value: string;
    /** `--epochs` or `--param Epochs` */
    readonly source: string;
}

/** `--param` values and the named flags, as one list; a parameter given twice is refused. */
export function requestedValues(options: Readonly<Record<string, unknown>>, assignments: readonly string[] = []): RequestedValue[] {
    const problems: string[] = [];
    const requested: RequestedValue[] = [];
    for (const { flag, parameter } of PARAMETER_FLAGS) {
        const value = options[optionKey(flag)];
        if (typeof value === "string") {
            requested.push({ parameter, value, source: flag });
        }
    }
    for (const assignment of assignments) {
        const match = /^([^=]+)=(.*)$/s.exec(assignment);
        if (!match) {
            problems.push(`--param ${JSON.stringify(assignment)}: expected Name=Value, e.g. --param ${PARAMETERS.epochs}=100.`);
            continue;
        }
        requested.push({ parameter: match[1].trim(), value: match[2], source: `--param ${match[1].trim()}` });
    }
    const seen = new Map<string, string>();
    for (const { parameter, source } of requested) {
        const first = seen.get(parameter);
        if (first !== undefined) {
            problems.push(`${source}: pipeline parameter ${parameter} is already set by ${first}; give it once.`);
        }
        seen.set(parameter, first ?? source);
    }
    if (problems.length > 0) {
        throw new UsageError(problems);
    }
    return requested;
}

/** A check of one value: undefined when it passes, otherwise what is allowed (for "expected ..."). */
type Rule = (value: string) => string | undefined;

const INTEGER = /^[+-]?\d+$/;

function integerRule(range: { min: number; max: number; multipleOf?: number }, why = ""): Rule {
    const multiple = range.multipleOf && range.multipleOf > 1 ? `, a multiple of ${range.multipleOf}` : "";
    return (value) => {
        const number = Number(value);
        const ok = INTEGER.test(value.trim()) && number >= range.min && number <= range.max && number % (range.multipleOf ?? 1) === 0;
        return ok ? undefined : `an integer from ${range.min} to ${range.max}${multiple}${why}`;
    };
}

function positiveIntegerRule(why: string): Rule {
    return (value) => (INTEGER.test(value.trim()) && Number(value) >= 1 ? undefined : `an integer of at least 1${why}`);
}

function decimalRule(range: { exclusiveMin: number; max: number }): Rule {
    return (value) => {
        const number = Number(value);
        const ok = value.trim() !== "" && Number.isFinite(number) && number > range.exclusiveMin && number <= range.max;
        return ok ? undefined : `a number greater than ${range.exclusiveMin} and at most ${range.max}`;
    };
}

// A decimal literal as prepare.py's float() reads it: JavaScript's Number() also takes 0x10, 0b1 and 0o7, which float() refuses.
const DECIMAL = /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/;

/** A split share as prepare.py accepts it (yolo_pipeline/cli.py fraction): 0 <= value < 1, within `range`. */
function splitFractionRule(range: { min: number; exclusiveMin?: boolean; max: number; exclusiveMax?: boolean }, why: string): Rule {
    return (value) => {
        const number = Number(value);
        const ok =
            DECIMAL.test(value) &&
            (range.exclusiveMin ? number > range.min : number >= range.min) &&
            (range.exclusiveMax ? number < range.max : number <= range.max);
        const low = range.exclusiveMin ? `greater than ${range.min} and` : `from ${range.min} to`;
        const high = range.exclusiveMax ? `below ${range.max}` : `at most ${range.max}`;
        return ok ? undefined : `a decimal number ${low} ${high}${why}`;
    };
}

function fractionRule(why = ""): Rule {
    return (value) => {
        const number = Number(value);
        const ok = value.trim() !== "" && Number.isFinite(number) && number >= 0 && number <= 1;
        return ok ? undefined : `a number from 0 to 1${why}`;
    };
}

function oneOfRule(choices: readonly string[], why = ""): Rule {
    return (value) => (choices.includes(value) ? undefined : `one of ${choices.join(", ")}${why}`);
}

/** Accepts `accepted`; a refusal lists `allowed`, what every check of the value accepts (possibly fewer). */
function memberRule(accepted: readonly string[], allowed: readonly string[], why: string): Rule {
    const expected = allowed.length > 0 ? `one of ${allowed.join(", ")}` : "an instance type both lists name, but they have none in common (change the definition or the pack config)";
    return (value) => (accepted.includes(value) ? undefined : `${expected}${why}`);
}

// A bucket name as S3 allows it, then an optional key.
const S3_URI = /^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/.*)?$/;
const s3UriRule: Rule = (value) => (S3_URI.test(value) ? undefined : "an s3:// URI such as s3://my-bucket/datasets/drone-detection/");

/** A Ground Truth label attribute name as CreateLabelingJob allows it; `-metadata` and `-ref` are Ground Truth's own suffixes. */
const LABEL_ATTRIBUTE = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,126}$/;
export const labelAttributeProblem = (value: string): string | undefined =>
    LABEL_ATTRIBUTE.test(value) && !/-(metadata|ref)$/.test(value) ? undefined : "1-127 letters, digits and hyphens, not ending in -metadata or -ref (Ground Truth's own suffixes)";

// PrepareDataset gets the value inside one container argument, which CreateProcessingJob caps at 256 characters.
const CONTAINER_ARGUMENT_CHARS = 256;
function containerArgumentRule(prefix: string): Rule {
    const room = CONTAINER_ARGUMENT_CHARS - prefix.length;
    return (value) => (value.length <= room && !/[\r\n]/.test(value) ? undefined : `at most ${room} characters on one line (it is passed as ${prefix}<value>, one container argument of at most ${CONTAINER_ARGUMENT_CHARS})`);
}

/** Hyperparameter ranges by parameter name: a hyperparameter's use in the definition does not say which range applies. */
const RULES_BY_NAME: Readonly<Record<string, Rule>> = {
    [PARAMETERS.epochs]: integerRule(HYPERPARAMETER_RANGES.epochs),
    [PARAMETERS.batchSize]: integerRule(HYPERPARAMETER_RANGES.batchSize),
    [PARAMETERS.imageSize]: integerRule(HYPERPARAMETER_RANGES.imageSize),
    [PARAMETERS.patience]: integerRule(HYPERPARAMETER_RANGES.patience),
    [PARAMETERS.seed]: integerRule(HYPERPARAMETER_RANGES.seed),
    [PARAMETERS.learningRate]: decimalRule(HYPERPARAMETER_RANGES.learningRate),
    [PARAMETERS.modelVariant]: oneOfRule(MODEL_VARIANTS),
    [PARAMETERS.inputFormat]: oneOfRule(INPUT_FORMATS),
    [PARAMETERS.valFraction]: splitFractionRule(
        { min: SPLIT_RANGES.valFraction.exclusiveMin, exclusiveMin: true, max: SPLIT_RANGES.valFraction.max },
        " (the share of images in the validation split)",
    ),
    // prepare.py refuses a test share of 1 (nothing left to train on).
    [PARAMETERS.testFraction]: splitFractionRule({ min: 0, max: 1, exclusiveMax: true }, " (the share of images in the test split)"),
    [PARAMETERS.minImagesPerSplit]: integerRule(SPLIT_RANGES.minImagesPerSplit),
    // Empty reads the manifest's only label attribute.
    [PARAMETERS.labelAttribute]: (value) => (value === "" ? undefined : labelAttributeProblem(value)),
    [PARAMETERS.inputFingerprint]: containerArgumentRule("--input-fingerprint="),
    // The gate compares a metric in [0, 1] with the minimum: above 1 no model could pass, below 0 every one would.
    ...Object.fromEntries(QUALITY_METRICS.map((metric) => [metric.parameter, fractionRule(` (the quality gate's minimum ${metric.label})`)])),
};

/**
 * Choices for a parameter the deployed definition declares without EnumValues: the statuses the stack
 * lets a registered version start in. A bad value would only surface at the RegisterModel step, after
 * training and evaluation have run (and been paid for).
 */
const CHOICES_WITHOUT_ENUM_VALUES: Readonly<Record<string, Rule>> = {
    [PARAMETERS.modelApprovalStatus]: oneOfRule(MODEL_APPROVAL_STATUSES, " (statuses a registered model version may start in)"),
};

/**
 * The checks that hold for a parameter of a given name whatever pipeline declares it (the stack's ranges,
 * model variants, gate minimums, approval statuses), for a pipeline whose definition only AWS has
 * (`--pipeline`): refused here, before any AWS call. validateParameters applies them again with the rest.
 */
export function checkValuesByName(requested: readonly RequestedValue[]): void {
    const problems: string[] = [];
    for (const { parameter, value, source } of requested) {
        const rule = RULES_BY_NAME[parameter] ?? CHOICES_WITHOUT_ENUM_VALUES[parameter];
        const expected = rule?.(value);
        if (expected !== undefined) {
            problems.push(`${source}: ${JSON.stringify(value)} is not allowed for pipeline parameter ${parameter}; expected ${expected}.`);
        }
    }
    if (problems.length > 0) {
        throw new UsageError(problems);
    }
}

/** A check of a value; for a policy pack limit, also the policy whose level decides what a failure does. */
interface Check {
    readonly rule: Rule;
    readonly limit?: Limit<unknown>;
}

/** The pack's allow-list for each kind of job, as sagemaker-pipeline-instance-types-allowed applies them. */
const ALLOW_LISTS = {
    training: { knob: "trainingInstanceTypes", name: "training instance allow-list" },
    processing: { knob: "processingInstanceTypes", name: "processing instance allow-list" },
    transform: { knob: "transformInstanceTypes", name: "transform instance allow-list" },
} as const;

/**
 * Policy-pack rules (and the s3:// check) follow from where the definition uses the parameter, so a
 * `--param` that feeds a job's instance type meets the same allow-list as `--instance-type`.
 */
function usageCheck(usage: ParameterUsage, limits: PackLimits, allowedTypes: readonly string[], hasEnumValues: boolean): Check {
    const pack = (knob: string) => ` (the policy pack's ${knob}, step ${usage.step})`;
    const runtime = limits.runtime.knobs;
    switch (usage.kind) {
        case "instanceType": {
            const allowList = limits.instanceTypes.knobs[ALLOW_LISTS[usage.job].knob];
            const narrowed =
                allowedTypes.length < allowList.length ? (hasEnumValues ? ", within the parameter's EnumValues" : ", within the allow-lists of its other steps") : "";
            return {
                limit: limits.instanceTypes,
                rule: memberRule(allowList, allowedTypes, ` (the policy pack's ${ALLOW_LISTS[usage.job].name}, step ${usage.step}${narrowed})`),
            };
        }
        case "instanceCount":
            return { limit: limits.instanceCount, rule: integerRule({ min: 1, max: limits.instanceCount.knobs.maxInstanceCount }, pack("maxInstanceCount")) };
        case "maxRuntime": {
            const [max, knob] =
                usage.job === "training"
                    ? [runtime.maxTrainingRuntimeSeconds, "maxTrainingRuntimeSeconds"]
                    : [runtime.maxProcessingRuntimeSeconds, "maxProcessingRuntimeSeconds"];
            return { limit: limits.runtime, rule: integerRule({ min: 1, max }, pack(knob)) };
        }
        case "maxWait":
            return { limit: limits.runtime, rule: integerRule({ min: 1, max: runtime.maxSpotWaitSeconds }, pack("maxSpotWaitSeconds")) };
        case "maxJobs":
            // No knob caps the number of tuning jobs: each multiplies the step's cost, which the run-cost check bounds.
            return { rule: positiveIntegerRule(` (a Tuning step's MaxNumberOfTrainingJobs, step ${usage.step}; the run cost counts every job)`) };
        case "maxParallelJobs":
            return {
                limit: limits.instanceCount,
                rule: integerRule({ min: 1, max: limits.instanceCount.knobs.maxParallelTrainingJobs }, pack("maxParallelTrainingJobs")),
            };
        case "s3Uri":
            return { rule: s3UriRule };
    }
}

/**
 * What a failed check does, by its policy's level in the pack config, as under the pack: a disabled
 * policy limits nothing, an advisory one warns (recorded in `warnings`), any other refuses (returned).
 */
function refusal(problem: string, limit: Limit<unknown> | undefined, warnings: string[]): string | undefined {
    if (limit?.enforcementLevel === "disabled") {
        return undefined;
    }
    if (limit?.enforcementLevel === "advisory") {
        warnings.push(`${problem} ${limit.policy} is advisory in the policy pack config, so the start goes ahead.`);
        return undefined;
    }
    return problem;
}

/**
 * The instance types a parameter may take: its EnumValues (when it has them) that every allow-list its uses as
 * an instance type meet also holds, so a refusal lists only values that would pass. A disabled allow-list holds
 * nothing; an advisory one still narrows the list (a value outside it only starts with a warning).
 */
function instanceTypesAllowed(uses: readonly ParameterUsage[], enumValues: readonly string[] | undefined, limits: PackLimits): string[] {
    const lists = uses.flatMap((use) => (use.kind === "instanceType" ? [limits.instanceTypes.knobs[ALLOW_LISTS[use.job].knob]] : []));
    if (limits.instanceTypes.enforcementLevel === "disabled" || lists.length === 0) {
        return [...(enumValues ?? [])];
    }
    const [first, ...rest] = enumValues ? [enumValues, ...lists] : lists;
    return first.filter((type) => rest.every((list) => list.includes(type)));
}

/** Each parameter type's literal form; SageMaker also reads every value from a string. */
const TYPE_RULES: Readonly<Record<string, Rule>> = {
    Integer: (value) => (INTEGER.test(value.trim()) && Number.isSafeInteger(Number(value)) ? undefined : "an integer"),
    Float: (value) => (value.trim() !== "" && Number.isFinite(Number(value)) ? undefined : "a number"),
    Boolean: (value) => (value === "true" || value === "false" ? undefined : "true or false"),
    // StartPipelineExecution limits every value to 1024 characters.
    String: (value) => (value.length <= 1024 ? undefined : "a string of at most 1024 characters"),
};

function normalise(type: string, value: string): string {
    return type === "Integer" ? String(Number(value.trim())) : type === "Float" ? value.trim() : value;
}

/**
 * The content of a `--policy-pack-config` file (JSON, as `pulumi preview --policy-pack-config` takes it), checked
 * as the pack checks its run-limiting policies' entries; no file, or an empty name, is no config (`{}`). A file
 * that cannot be read or that the pack would refuse is a UsageError. `npm run plan` reads its own flag with it.
 */
export function readPackConfig(file: string | undefined): Record<string, unknown> {
    if (file === undefined || file === "") {
        return {};
    }
    const refuse = (why: string): never => {
        throw new UsageError([`--policy-pack-config ${JSON.stringify(file)}: ${why}`]);
    };
    let text = "";
    try {
        text = fs.readFileSync(file, "utf8");
    } catch (error) {
        refuse(`cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}).`);
    }
    let config: unknown;
    try {
        config = JSON.parse(text);
    } catch (error) {
        refuse(`is not JSON (${(error as Error).message}); a policy pack config is a JSON object keyed by policy name.`);
    }
    try {
        packLimits(config);
    } catch (error) {
        refuse((error as Error).message);
    }
    return config as Record<string, unknown>;
}

/**
 * The policy pack's limits under a `--policy-pack-config` file (readPackConfig), resolved by the pack itself
 * (policies/limits.ts); no file, or an empty name, gives the pack's defaults.
 */
export function loadPackLimits(file: string | undefined): PackLimits {
    return packLimits(readPackConfig(file));
}

export interface PipelineParameterValue {
    readonly Name: string;
    readonly Value: string;
}

export interface ValidatedStart {
    /** The values to send, in the definition's parameter order; parameters not given keep their defaults. */
    readonly parameters: PipelineParameterValue[];
    readonly cost: RunCost;
    /** Limits of advisory policies the start exceeds; it goes ahead. */
    readonly warnings: string[];
}

/** Where a stack's pipeline may read the data it prepares: the stack's bucket, under these key prefixes. */
export interface InputLocations {
    readonly bucket: string;
    /** Key prefixes, each ending in "/". */
    readonly prefixes: readonly string[];
}

/**
 * The data prefixes the pipeline role's ReadInputsCodeAndCheckpoints statement lets it read (components/iamDocuments.ts):
 * datasets/, and labeling/ when the stack has labeling (a labeling job's output manifest). The role also reads code/,
 * models/, evaluation/ and checkpoints/, which hold no data to prepare. A URI elsewhere fails PrepareDataset with
 * AccessDenied after the run has started.
 */
export function stackInputLocations(stack: { readonly bucket: Pick<PlatformConfig["bucket"], "name">; readonly labeling: Pick<PlatformConfig["labeling"], "enabled"> }): InputLocations {
    return { bucket: stack.bucket.name, prefixes: [PREFIXES.datasets, ...(stack.labeling.enabled ? [PREFIXES.labeling] : [])] };
}

/** The values a run gets (accepted start values over the defaults) and how the user named those they gave. */
interface StartValues {
    readonly value: (parameter: string) => string | undefined;
    /** `--val-fraction 0.6`, or `ValFraction 0.2 (the pipeline's default)`. */
    readonly describe: (parameter: string) => string;
    readonly given: (parameter: string) => boolean;
}

/** The split shares together, as prepare.py's check_fractions holds them: train keeps what val and test leave. */
function splitProblem(values: StartValues): string | undefined {
    const names = [PARAMETERS.valFraction, PARAMETERS.testFraction];
    const [val, test] = names.map((name) => values.value(name));
    if (val === undefined || test === undefined || !names.some(values.given) || Number(val) + Number(test) < 1) {
        return undefined;
    }
    const sum = Number((Number(val) + Number(test)).toFixed(6));
    return `${names.map(values.describe).join(", ")}: the validation and test shares add up to ${sum}, which leaves no images to train on; they must add up to less than 1 (prepare.py refuses them, and the run would fail at its first step).`;
}

/**
 * Where PrepareDataset reads (InputData followed by InputKey): in the stack's bucket under a prefix the pipeline role
 * can read, and a folder (ending in "/": SageMaker copies every key that starts with the prefix, so
 * `datasets/drone-detection` would also copy `datasets/drone-detection-v2/`) or a `_READY` marker outside the
 * pipeline's own output, as prepare.py's ready_marker.marked_folder requires.
 */
function inputProblem(values: StartValues, inputs: InputLocations): string | undefined {
    const names = [PARAMETERS.inputData, PARAMETERS.inputKey];
    const [data, key] = names.map((name) => values.value(name));
    if (data === undefined || !names.some(values.given)) {
        return undefined;
    }
    const uri = data + (key ?? "");
    const culprit = names.filter(values.given).map(values.describe).join(", ");
    const match = /^s3:\/\/([^/]+)\/(.*)$/s.exec(uri);
    const [bucket, path] = match ? [match[1], match[2]] : [undefined, ""];
    const readable = inputs.prefixes.map((prefix) => `s3://${inputs.bucket}/${prefix}`);
    if (bucket !== inputs.bucket || !inputs.prefixes.some((prefix) => path.startsWith(prefix))) {
        const labelingOff = bucket === inputs.bucket && path.startsWith(PREFIXES.labeling) ? " (labeling/ only when the stack has labeling on)" : "";
        return `${culprit}: PrepareDataset would read ${uri}, which the stack's pipeline role cannot read${labelingOff}; expected a URI under ${readable.join(" or ")}.`;
    }
    const last = path.slice(path.lastIndexOf("/") + 1);
    if (last === DATASET_READY_MARKER) {
        const folder = path.slice(0, -DATASET_READY_MARKER.length);
        if (folder.startsWith(PREPARED_DATASETS) || PREPARED_DATASETS.startsWith(folder)) {
            return `${culprit}: ${uri} marks s3://${bucket}/${folder}, which holds or is the pipeline's own output (${PREPARED_DATASETS}); a prepared dataset is never prepared again. Mark the raw data's folder, e.g. s3://${bucket}/${PREFIXES.datasets}<name>/${DATASET_READY_MARKER}.`;
        }
        return undefined;
    }
    if (last !== "") {
        const fixed = values.given(PARAMETERS.inputKey) ? `${uri}/` : `--input-data ${data}/`;
        return `${culprit}: ${uri} is not a folder; as an S3 prefix it would also take every key that starts with it (${uri}-v2/ and the like). Expected a URI ending in "/" (${fixed}) or naming a ${DATASET_READY_MARKER} marker.`;
    }
    return undefined;
}

/**
 * Checks every requested value and the run's worst-case cost against the definition, the stack's ranges
 * and the policy pack's `limits` (default: the pack's defaults); throws a UsageError listing every problem.
 * With `inputs` (the stack's own pipeline), the data to prepare must be where the stack's pipeline role can read it.
 */
export function validateParameters(
    definition: DeployedDefinition,
    pipelineName: string,
    requested: readonly RequestedValue[],
    limits: PackLimits = packLimits(),
    inputs?: InputLocations,
): ValidatedStart {
    const problems: string[] = [];
    const warnings: string[] = [];
    const declared = new Map(definition.Parameters.map((parameter) => [parameter.Name, parameter]));
    const usages = parameterUsages(definition);
    const accepted = new Map<string, string>();

    for (const { parameter, value, source } of requested) {
        const declaration = declared.get(parameter);
        if (declaration === undefined) {
            const names = definition.Parameters.map((p) => p.Name).join(", ") || "(none)";
            problems.push(`${source}: pipeline '${pipelineName}' has no parameter ${JSON.stringify(parameter)}; its parameters are ${names}.`);
            continue;
        }
        const uses = usages.get(parameter) ?? [];
        const allowedTypes = instanceTypesAllowed(uses, declaration.EnumValues, limits);
        const narrowedEnum = uses.some((use) => use.kind === "instanceType") && allowedTypes.length < (declaration.EnumValues?.length ?? 0);
        // Platform rules before EnumValues: where both refuse a value, the policy pack's reason is the useful one.
        const checks: Check[] = [
            { rule: TYPE_RULES[declaration.Type] ?? (() => undefined) },
            ...uses.map((usage) => usageCheck(usage, limits, allowedTypes, declaration.EnumValues !== undefined)),
            ...(RULES_BY_NAME[parameter] ? [{ rule: RULES_BY_NAME[parameter] }] : []),
            ...(declaration.EnumValues
                ? [
                      {
                          rule: narrowedEnum
                              ? memberRule(declaration.EnumValues, allowedTypes, " (EnumValues of the pipeline definition, within the policy pack's instance allow-list)")
                              : oneOfRule(declaration.EnumValues, " (EnumValues of the pipeline definition)"),
                      },
                  ]
                : CHOICES_WITHOUT_ENUM_VALUES[parameter]
                  ? [{ rule: CHOICES_WITHOUT_ENUM_VALUES[parameter] }]
                  : []),
        ];
        // The first refusing check is the one to fix; later ones would repeat it in other words.
        let refused: string | undefined;
        for (const { rule, limit } of checks) {
            const expected = rule(value);
            if (expected !== undefined) {
                refused = refusal(`${source}: ${JSON.stringify(value)} is not allowed for pipeline parameter ${parameter}; expected ${expected}.`, limit, warnings);
            }
            if (refused !== undefined) {
                break;
            }
        }
        if (refused !== undefined) {
            problems.push(refused);
        } else {
            accepted.set(parameter, normalise(declaration.Type, value));
        }
    }
    // A value refused on its own is not judged again with the others.
    const refusedNames = new Set(requested.filter((r) => !accepted.has(r.parameter)).map((r) => r.parameter));
    const sources = new Map(requested.map((r) => [r.parameter, r.source]));
    const values: StartValues = {
        value: (name) => (refusedNames.has(name) || !declared.has(name) ? undefined : (accepted.get(name) ?? String(declared.get(name)!.DefaultValue ?? ""))),
        given: (name) => accepted.has(name),
        describe: (name) => (accepted.has(name) ? `${sources.get(name)} ${accepted.get(name)}` : `${name} ${String(declared.get(name)?.DefaultValue ?? "")} (the pipeline's default)`),
    };
    problems.push(...[splitProblem(values), inputs ? inputProblem(values, inputs) : undefined].filter((problem): problem is string => problem !== undefined));
    if (problems.length > 0) {
        throw new UsageError(problems);
    }

    const parameters = definition.Parameters.filter((p) => accepted.has(p.Name)).map((p) => ({ Name: p.Name, Value: accepted.get(p.Name)! }));
    const { knobs } = limits.runCost;
    const cost = worstCaseRunCost(definition, effectiveParameters(definition, parameters), knobs);
    const costProblem = runCostProblem(cost, knobs.maxRunCostUsd, requested, usages);
    const refusedCost = costProblem === undefined ? undefined : refusal(costProblem, limits.runCost, warnings);
    if (refusedCost !== undefined) {
        throw new UsageError([refusedCost]);
    }
    return { parameters, cost, warnings };
}

/** The settings that enter a run's cost, and what to choose when a start's values make it too dear. */
const COST_ADVICE: Partial<Readonly<Record<ParameterUsage["kind"], string>>> = {
    instanceType: "a smaller instance type",
    instanceCount: "fewer instances",
    maxRuntime: "a shorter MaxRuntimeInSeconds",
    maxJobs: "fewer tuning jobs (MaxNumberOfTrainingJobs)",
};

function runCostProblem(cost: RunCost, ceiling: number, requested: readonly RequestedValue[], usages: Map<string, ParameterUsage[]>): string | undefined {
    const costKinds = (r: RequestedValue) => (usages.get(r.parameter) ?? []).map((u) => u.kind).filter((kind) => COST_ADVICE[kind] !== undefined);
    const costFlags = requested.filter((r) => costKinds(r).length > 0);
    const culprit = costFlags.length > 0 ? costFlags.map((r) => `${r.source} ${r.value}`).join(", ") : "the pipeline's default parameters";
    if (cost.unbounded.length > 0) {
        return `${culprit}: the worst-case run cost cannot be bounded (no catalog price, count or MaxRuntimeInSeconds) for ${cost.unbounded.join("; ")}.`;
    }
    if (cost.totalUsd <= ceiling) {
        return undefined;
    }
    const jobs = cost.jobs
        .map((job) => `${job.step} ${job.instanceCount} x ${job.instanceType} x ${job.maxRuntimeSeconds} s${job.jobs === 1 ? "" : ` x ${job.jobs} jobs`} = ${formatUsd(job.costUsd)}`)
        .join("; ");
    const advise = (kinds: readonly ParameterUsage["kind"][]) => [...new Set(kinds)].map((kind) => COST_ADVICE[kind]!).join(" or ");
    // With no cost-setting value given, the defaults are too dear: point at the parameters that can lower them.
    const levers = [...usages.entries()].filter(([, list]) => list.some((u) => COST_ADVICE[u.kind] !== undefined));
    const advice =
        costFlags.length > 0
            ? `choose ${advise(costFlags.flatMap(costKinds))}`
            : levers.length > 0
              ? `start with ${advise(levers.flatMap(([, list]) => list.map((u) => u.kind)).filter((kind) => COST_ADVICE[kind] !== undefined))} (parameters ${levers.map(([name]) => name).join(", ")}), or raise maxRunCostUsd in the policy pack config`
              : "no parameter changes the cost: lower the definition's own settings, or raise maxRunCostUsd in the policy pack config";
    return `${culprit}: the worst-case run cost is ${formatUsd(cost.totalUsd)} (${jobs}), above the policy pack's ceiling of ${formatUsd(ceiling)} (maxRunCostUsd); ${advice}.`;
}

export interface StartOptions {
    readonly pipelineName: string;
    readonly parameters: readonly PipelineParameterValue[];
    readonly clientRequestToken: string;
    readonly displayName?: string;
    readonly description?: string;
}

// Constraints of the StartPipelineExecution API, checked here so that a bad value exits 2 before any call.
const DISPLAY_NAME = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,81}$/;
const TOKEN_LENGTH = { min: 32, max: 128 };
const MAX_DESCRIPTION_LENGTH = 3072;

export type ExecutionOptions = Pick<StartOptions, "clientRequestToken" | "displayName" | "description">;

/** Checks the non-parameter start options; pure, so `start` runs it before any AWS call. */
export function checkExecutionOptions(options: ExecutionOptions): void {
    const problems: string[] = [];
    const token = options.clientRequestToken;
    if (token.length < TOKEN_LENGTH.min || token.length > TOKEN_LENGTH.max) {
        problems.push(`--client-request-token: ${JSON.stringify(token)} is not allowed; expected ${TOKEN_LENGTH.min}-${TOKEN_LENGTH.max} characters (a UUID works).`);
    }
    if (options.displayName !== undefined && !DISPLAY_NAME.test(options.displayName)) {
        problems.push(`--display-name: ${JSON.stringify(options.displayName)} is not allowed; expected 1-82 letters, digits and hyphens, starting and ending with a letter or digit.`);
    }
    if (options.description !== undefined && options.description.length > MAX_DESCRIPTION_LENGTH) {
        problems.push(`--description: is ${options.description.length} characters long; at most ${MAX_DESCRIPTION_LENGTH} are allowed.`);
    }
    if (problems.length > 0) {
        throw new UsageError(problems);
    }
}

/** The exact StartPipelineExecution request; `--dry-run` prints it. */
export function buildStartRequest(options: StartOptions): StartPipelineExecutionCommandInput {
    checkExecutionOptions(options);
    return {
        PipelineName: options.pipelineName,
        ...(options.displayName !== undefined ? { PipelineExecutionDisplayName: options.displayName } : {}),
        ...(options.description !== undefined ? { PipelineExecutionDescription: options.description } : {}),
        PipelineParameters: options.parameters.map((p) => ({ Name: p.Name, Value: p.Value })),
        ClientRequestToken: options.clientRequestToken,
    };
}

/**
 * What a start flag says by itself, whatever pipeline takes it (`--pipeline` names one only AWS has): the jobs
 * `--instance-type` (training), `--evaluation-instance-type` (processing) and `--instance-count` size, and the URIs
 * `--input-data` and `--output-path` name. So the pack's allow-lists and instance ceiling (where mandatory; an
 * advisory policy warns later, with the definition) and the s3:// shape are refused before any AWS call.
 * `--param` values are judged by the definition's uses once AWS has it (validateParameters).
 */
export function checkValuesByFlag(requested: readonly RequestedValue[], limits: PackLimits = packLimits()): void {
    const allowList = (job: keyof typeof ALLOW_LISTS): Check => ({
        limit: limits.instanceTypes,
        rule: oneOfRule(limits.instanceTypes.knobs[ALLOW_LISTS[job].knob], ` (the policy pack's ${ALLOW_LISTS[job].name})`),
    });
    const byFlag: Readonly<Record<string, Check>> = {
        "--instance-type": allowList("training"),
        "--evaluation-instance-type": allowList("processing"),
        "--instance-count": { limit: limits.instanceCount, rule: integerRule({ min: 1, max: limits.instanceCount.knobs.maxInstanceCount }, " (the policy pack's maxInstanceCount)") },
        "--input-data": { rule: s3UriRule },
        "--output-path": { rule: s3UriRule },
    };
    const problems: string[] = [];
    for (const { parameter, value, source } of requested) {
        const check = byFlag[source];
        const expected = check?.rule(value);
        const enforced = check?.limit === undefined || (check.limit.enforcementLevel !== "disabled" && check.limit.enforcementLevel !== "advisory");
        if (expected !== undefined && enforced) {
            problems.push(`${source}: ${JSON.stringify(value)} is not allowed for pipeline parameter ${parameter}; expected ${expected}.`);
        }
    }
    if (problems.length > 0) {
        throw new UsageError(problems);
    }
}

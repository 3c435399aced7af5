// Reads a SageMaker Pipeline definition (the JSON `pipelineDefinition` of aws:sagemaker/pipeline:Pipeline, in
// the shape the SageMaker Python SDK writes) for the encryption, cost and registry rules: its parameters, its
// Training, Processing and RegisterModel steps (Condition branches included, recursively), and the values a
// step's settings can take: a literal, or a `{"Get": "Parameters.X"}` that resolves to the parameter's
// DefaultValue and EnumValues.
// Also the one run-cost estimate, shared by the sagemaker-pipeline-run-cost policy and the operations CLI.
// Pure: no @pulumi/policy at run time, so the CLI can load it.
import { INSTANCE_TYPES, pricePerHour, worstCaseJobCostUsd } from "./catalog";
import { cachedByText } from "./textCache";

export interface PipelineParameter {
    readonly Name: string;
    readonly Type?: string;
    readonly DefaultValue?: unknown;
    readonly EnumValues?: unknown[];
}

export interface Definition {
    readonly parameters: ReadonlyMap<string, PipelineParameter>;
    readonly steps: StepNode[];
}

export type JobType = "Training" | "Processing";

export interface JobStep {
    readonly kind: "job";
    readonly type: JobType;
    readonly name: string;
    /** `Training step "Train"`, with the Condition branch it sits in, for messages. */
    readonly label: string;
    readonly args: Record<string, any>;
}

export interface ConditionStep {
    readonly kind: "condition";
    readonly name: string;
    readonly ifSteps: StepNode[];
    readonly elseSteps: StepNode[];
}

/** A RegisterModel step: its Arguments are a CreateModelPackage request (a version of a model package group). */
export interface RegisterStep {
    readonly kind: "register";
    readonly name: string;
    /** `RegisterModel step "Register"`, with the Condition branch it sits in, for messages. */
    readonly label: string;
    readonly args: Record<string, any>;
}

/** Steps that start no job and register nothing (Fail, Lambda, …) are kept so nothing is silently dropped. */
export interface OtherStep {
    readonly kind: "other";
    readonly type: string;
    readonly name: string;
}

export type StepNode = JobStep | ConditionStep | RegisterStep | OtherStep;

export const PIPELINE_TYPE = "aws:sagemaker/pipeline:Pipeline";

export function isPipeline(type: string): boolean {
    return type === PIPELINE_TYPE;
}

function parseSteps(raw: unknown, where: string): StepNode[] {
    if (!Array.isArray(raw)) {
        throw new Error(`${where} is not a list of steps`);
    }
    return raw.map((item, index) => {
        const step = (item ?? {}) as Record<string, any>;
        const name = typeof step.Name === "string" ? step.Name : `#${index + 1}`;
        const args = step.Arguments;
        if (typeof step.Type !== "string") {
            throw new Error(`step ${name} in ${where} has no Type`);
        }
        const branch = where === "Steps" ? "" : ` (in ${where})`;
        if (step.Type === "Training" || step.Type === "Processing") {
            if (!args || typeof args !== "object") {
                throw new Error(`${step.Type} step ${name} has no Arguments object`);
            }
            return { kind: "job", type: step.Type, name, label: `${step.Type} step "${name}"${branch}`, args };
        }
        if (step.Type === "RegisterModel") {
            if (!args || typeof args !== "object") {
                throw new Error(`RegisterModel step ${name} has no Arguments object`);
            }
            return { kind: "register", name, label: `RegisterModel step "${name}"${branch}`, args };
        }
        if (step.Type === "Condition") {
            return {
                kind: "condition",
                name,
                ifSteps: parseSteps(args?.IfSteps ?? [], `the if branch of Condition step "${name}"`),
                elseSteps: parseSteps(args?.ElseSteps ?? [], `the else branch of Condition step "${name}"`),
            };
        }
        return { kind: "other", type: step.Type, name };
    });
}

/** Parses a definition (JSON string or object); throws an Error that says what is wrong. */
export function parseDefinition(raw: unknown): Definition {
    return typeof raw === "string" ? parseDefinitionText(raw) : parseDefinitionValue(raw);
}

const parseDefinitionText = cachedByText((text) => {
    let value: unknown;
    try {
        value = JSON.parse(text);
    } catch (error) {
        throw new Error(`is not valid JSON (${(error as Error).message})`);
    }
    return parseDefinitionValue(value);
}, 256);

function parseDefinitionValue(value: unknown): Definition {
    if (!value || typeof value !== "object") {
        throw new Error("is not a JSON object");
    }
    const body = value as Record<string, unknown>;
    const parameters = new Map<string, PipelineParameter>();
    for (const parameter of Array.isArray(body.Parameters) ? body.Parameters : []) {
        if (parameter && typeof parameter.Name === "string") {
            parameters.set(parameter.Name, parameter as PipelineParameter);
        }
    }
    return { parameters, steps: parseSteps(body.Steps, "Steps") };
}

/** Every Training and Processing step, Condition branches included. */
export function jobSteps(steps: StepNode[]): JobStep[] {
    return steps.flatMap((step) => (step.kind === "job" ? [step] : step.kind === "condition" ? [...jobSteps(step.ifSteps), ...jobSteps(step.elseSteps)] : []));
}

/** Every RegisterModel step, Condition branches included. */
export function registerSteps(steps: StepNode[]): RegisterStep[] {
    return steps.flatMap((step) =>
        step.kind === "register" ? [step] : step.kind === "condition" ? [...registerSteps(step.ifSteps), ...registerSteps(step.elseSteps)] : [],
    );
}

export type Resolution =
    | { readonly kind: "literal"; readonly value: unknown }
    | { readonly kind: "parameter"; readonly name: string; readonly defaultValue?: unknown; readonly enumValues?: unknown[] }
    | { readonly kind: "absent" }
    | { readonly kind: "unresolvable"; readonly reason: string };

/** What a setting can be at run time. */
export function resolve(value: unknown, definition: Definition): Resolution {
    if (value === undefined || value === null) {
        return { kind: "absent" };
    }
    if (typeof value !== "object") {
        return { kind: "literal", value };
    }
    const get = (value as Record<string, unknown>).Get;
    if (typeof get === "string" && get.startsWith("Parameters.")) {
        const name = get.slice("Parameters.".length);
        const parameter = definition.parameters.get(name);
        if (!parameter) {
            return { kind: "unresolvable", reason: `refers to the undefined parameter ${name}` };
        }
        return {
            kind: "parameter",
            name,
            defaultValue: parameter.DefaultValue,
            enumValues: Array.isArray(parameter.EnumValues) ? parameter.EnumValues : undefined,
        };
    }
    return { kind: "unresolvable", reason: `is the expression ${JSON.stringify(value)}, whose value is only known at run time` };
}

/** Every value a resolved setting can take that the definition states (literal, or default plus EnumValues). */
export function candidates(resolution: Resolution): unknown[] {
    if (resolution.kind === "literal") {
        return [resolution.value];
    }
    if (resolution.kind === "parameter") {
        const values = [...(resolution.defaultValue !== undefined ? [resolution.defaultValue] : []), ...(resolution.enumValues ?? [])];
        return [...new Set(values)];
    }
    return [];
}

/** Values a run is started with, by parameter name; a parameter not given runs with its DefaultValue. */
export type ParameterValues = Readonly<Record<string, unknown>>;

/** The value a run started with `values` uses. */
export function valueOf(resolution: Resolution, values: ParameterValues = {}): unknown {
    if (resolution.kind === "parameter") {
        const given = Object.hasOwn(values, resolution.name) ? values[resolution.name] : undefined;
        return given ?? resolution.defaultValue;
    }
    return resolution.kind === "literal" ? resolution.value : undefined;
}

/** The value a run started without overrides uses. */
export function defaultOf(resolution: Resolution): unknown {
    return valueOf(resolution);
}

/** `InstanceType "ml.g5.xlarge"` or `InstanceType (parameter TrainingInstanceType)`, for messages. */
export function describeSetting(setting: string, resolution: Resolution): string {
    return resolution.kind === "parameter" ? `${setting} (parameter ${resolution.name})` : setting;
}

export function asNumber(value: unknown): number | undefined {
    if (typeof value === "number" && Number.isFinite(value)) {
        return value;
    }
    if (typeof value === "string" && value.trim() !== "" && Number.isFinite(Number(value))) {
        return Number(value);
    }
    return undefined;
}

/** One homogeneous group of instances of a job. */
export interface Cluster {
    /** Path of the group in the step's Arguments, e.g. `ResourceConfig` or `ResourceConfig.InstanceGroups[1]`. */
    readonly where: string;
    readonly instanceType: unknown;
    readonly instanceCount: unknown;
}

/** The instance groups a job step runs on (training heterogeneous clusters included). */
export function clustersOf(step: JobStep): Cluster[] {
    if (step.type === "Training") {
        const config = step.args.ResourceConfig ?? {};
        if (Array.isArray(config.InstanceGroups) && config.InstanceGroups.length > 0) {
            return config.InstanceGroups.map((group: Record<string, unknown>, index: number) => ({
                where: `ResourceConfig.InstanceGroups[${index}]`,
                instanceType: group?.InstanceType,
                instanceCount: group?.InstanceCount,
            }));
        }
        return [{ where: "ResourceConfig", instanceType: config.InstanceType, instanceCount: config.InstanceCount }];
    }
    const cluster = step.args.ProcessingResources?.ClusterConfig ?? {};
    return [{ where: "ProcessingResources.ClusterConfig", instanceType: cluster.InstanceType, instanceCount: cluster.InstanceCount }];
}

/** Where the step's volume key lives and its value. */
export function volumeKeyOf(step: JobStep): { where: string; value: unknown } {
    return step.type === "Training"
        ? { where: "ResourceConfig.VolumeKmsKeyId", value: step.args.ResourceConfig?.VolumeKmsKeyId }
        : { where: "ProcessingResources.ClusterConfig.VolumeKmsKeyId", value: step.args.ProcessingResources?.ClusterConfig?.VolumeKmsKeyId };
}

/** The step's StoppingCondition.MaxRuntimeInSeconds / MaxWaitTimeInSeconds settings. */
export function stoppingCondition(step: JobStep): { maxRuntime: unknown; maxWait: unknown } {
    const condition = step.args.StoppingCondition ?? {};
    return { maxRuntime: condition.MaxRuntimeInSeconds, maxWait: condition.MaxWaitTimeInSeconds };
}

/** Whether an instance type has NVMe instance storage, per the catalog unless overridden. */
export function storageKind(instanceType: string, overrides: Record<string, string> = {}): "nvme" | "ebs" | undefined {
    const override = overrides[instanceType];
    if (override === "nvme" || override === "ebs") {
        return override;
    }
    const info = INSTANCE_TYPES[instanceType];
    return info === undefined ? undefined : info.nvmeInstanceStorage ? "nvme" : "ebs";
}

// ---- Run cost: price × InstanceCount × MaxRuntimeInSeconds per instance group, a Condition's dearer branch ----

/** A setting a cost estimate needs that has no usable value. */
export type CostInput = "InstanceType" | "InstanceCount" | "MaxRuntimeInSeconds";

/** The on-demand cost of one instance group billed for its job's whole MaxRuntimeInSeconds. */
export interface JobCost {
    readonly step: string;
    /** Where the group sits in the step's Arguments, e.g. `ResourceConfig`. */
    readonly where: string;
    readonly instanceType: string;
    readonly instanceCount: number;
    readonly maxRuntimeSeconds: number;
    readonly costUsd: number;
}

/** An instance group whose cost cannot be stated, with what it would run with (for messages). */
export interface UnboundedJob {
    readonly step: JobStep;
    readonly where: string;
    /** The instance types considered (the run's, or every one the setting allows), count and runtime as resolved. */
    readonly instanceTypes: readonly unknown[];
    readonly instanceCount: unknown;
    readonly maxRuntimeSeconds: unknown;
    /** Settings without a usable value, in this order: InstanceType, InstanceCount, MaxRuntimeInSeconds. */
    readonly missing: readonly CostInput[];
    /** Instance types with no price (catalog or `prices`). */
    readonly unpriced: readonly string[];
}

export interface RunCostEstimate {
    /** Sum of `jobs`. */
    readonly costUsd: number;
    /** The priced groups of the dearest path: every job step, and of each Condition the dearer branch. */
    readonly jobs: readonly JobCost[];
    /** Every group, in either branch of any Condition, whose cost cannot be stated; the estimate leaves them out. */
    readonly unbounded: readonly UnboundedJob[];
}

/** Which run the estimate prices. */
export interface CostBasis {
    /** The values of the run's parameters (default: none given, every parameter at its DefaultValue). */
    readonly parameterValues?: ParameterValues;
    /**
     * Price every instance type an instance-type setting allows (DefaultValue and EnumValues) and count the
     * dearest, instead of the one the run uses: the most a run of the definition can cost.
     */
    readonly dearestInstanceType?: boolean;
    /** USD per hour by instance type, over the catalog's list prices (the pack's instancePrices). */
    readonly prices?: Readonly<Record<string, number>>;
}

function groupCost(step: JobStep, cluster: Cluster, definition: Definition, basis: CostBasis): JobCost | UnboundedJob {
    const values = basis.parameterValues;
    const prices = { ...basis.prices };
    const typeResolution = resolve(cluster.instanceType, definition);
    const instanceTypes = basis.dearestInstanceType ? candidates(typeResolution) : [valueOf(typeResolution, values)].filter((type) => type !== undefined);
    const instanceCount = valueOf(resolve(cluster.instanceCount, definition), values);
    const maxRuntimeSeconds = valueOf(resolve(stoppingCondition(step).maxRuntime, definition), values);
    const [count, runtime] = [asNumber(instanceCount), asNumber(maxRuntimeSeconds)];
    const types = instanceTypes.map(String);
    const missing: CostInput[] = [
        ...(types.length === 0 ? ["InstanceType" as const] : []),
        ...(count === undefined ? ["InstanceCount" as const] : []),
        ...(runtime === undefined ? ["MaxRuntimeInSeconds" as const] : []),
    ];
    const unpriced = types.filter((type) => pricePerHour(type, prices) === undefined);
    if (missing.length > 0 || unpriced.length > 0) {
        return { step, where: cluster.where, instanceTypes, instanceCount, maxRuntimeSeconds, missing, unpriced };
    }
    // The first of the dearest types, so the estimate names a type the definition lists first.
    const instanceType = types.reduce((a, b) => (pricePerHour(b, prices)! > pricePerHour(a, prices)! ? b : a));
    const costUsd = worstCaseJobCostUsd(instanceType, count!, runtime!, prices)!;
    return { step: step.name, where: cluster.where, instanceType, instanceCount: count!, maxRuntimeSeconds: runtime!, costUsd };
}

function costOf(steps: readonly StepNode[], definition: Definition, basis: CostBasis): RunCostEstimate {
    const jobs: JobCost[] = [];
    const unbounded: UnboundedJob[] = [];
    for (const step of steps) {
        if (step.kind === "job") {
            for (const cost of clustersOf(step).map((cluster) => groupCost(step, cluster, definition, basis))) {
                if ("costUsd" in cost) {
                    jobs.push(cost);
                } else {
                    unbounded.push(cost);
                }
            }
        } else if (step.kind === "condition") {
            // Only one branch runs, so the dearer one bounds the run; either can hold an unboundable job.
            const branches = [costOf(step.ifSteps, definition, basis), costOf(step.elseSteps, definition, basis)];
            jobs.push(...(branches[0].costUsd >= branches[1].costUsd ? branches[0] : branches[1]).jobs);
            unbounded.push(...branches.flatMap((branch) => branch.unbounded));
        }
    }
    return { costUsd: jobs.reduce((sum, job) => sum + job.costUsd, 0), jobs, unbounded };
}

/**
 * The on-demand cost of one run: for each instance group of each Training and Processing step, the
 * instance type's price × InstanceCount × the step's MaxRuntimeInSeconds (every instance billed for the
 * whole runtime), summed along the dearest path through Condition steps. Settings are resolved for the
 * run `basis` describes; groups whose cost cannot be stated are listed in `unbounded`, not guessed.
 */
export function estimateRunCost(definition: Definition, basis: CostBasis = {}): RunCostEstimate {
    return costOf(definition.steps, definition, basis);
}

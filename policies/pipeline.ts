// Reads a SageMaker Pipeline definition (the JSON `pipelineDefinition` of aws:sagemaker/pipeline:Pipeline, in
// the shape the SageMaker Python SDK writes) for the encryption, cost and registry rules: its parameters, every
// step at any depth of Condition branches, and the jobs the steps start — Training, Processing, Tuning (one
// job request per training job definition, started up to MaxNumberOfTrainingJobs times) and Transform — with
// the values their settings can take: a literal, or a `{"Get": "Parameters.X"}` that resolves to the
// parameter's DefaultValue and EnumValues.
// Also the one run-cost estimate, shared by the sagemaker-pipeline-run-cost policy, the plan's cost report and
// the operations CLI. Pure: no @pulumi/policy at run time, so the CLI can load it.
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

/**
 * Every step type a pipeline definition can hold, by what the pack can know of the work it starts: the SageMaker
 * Python SDK's StepTypeEnum (sagemaker-mlops, workflow/steps.py; a notebook job step is written as Training)
 * and the further kinds SageMaker's API reports step metadata for (PipelineExecutionStepMetadata: endpoints,
 * endpoint configurations, inference components, Bedrock model steps, lineage). `jobs` — SageMaker jobs whose
 * requests are the step's Arguments, which the cost and encryption rules read; `control` and `registry` —
 * nothing billed; `opaque` — work the pack cannot see or price (a Lambda function, a callback's consumer, an EMR
 * cluster or EMR Serverless application, an AutoML job, Model Monitor and Clarify processing jobs configured
 * inside the step, an endpoint's instances billed until deleted, Bedrock customisation jobs and provisioned
 * throughput). None of them holds a body of further steps except Condition, whose branches are read; a type not
 * listed here is unknown to the pack.
 */
export const STEP_TYPES = {
    Training: "jobs",
    Processing: "jobs",
    Tuning: "jobs",
    Transform: "jobs",
    Condition: "control",
    Fail: "control",
    RegisterModel: "registry",
    Model: "registry",
    Lineage: "registry",
    Lambda: "opaque",
    Callback: "opaque",
    EMR: "opaque",
    EMRServerless: "opaque",
    AutoML: "opaque",
    QualityCheck: "opaque",
    ClarifyCheck: "opaque",
    EndpointConfig: "opaque",
    Endpoint: "opaque",
    InferenceComponent: "opaque",
    BedrockCustomModel: "opaque",
    BedrockCustomModelDeployment: "opaque",
    BedrockProvisionedModelThroughput: "opaque",
    BedrockModelImport: "opaque",
} as const;

export type StepType = keyof typeof STEP_TYPES;

export function isKnownStepType(type: string): type is StepType {
    return Object.hasOwn(STEP_TYPES, type);
}

export type JobType = "Training" | "Processing" | "Tuning" | "Transform";

/**
 * Which rules a job's request follows: `training` (CreateTrainingJob: ResourceConfig, StoppingCondition,
 * managed spot; a Tuning step's training job definitions too), `processing` (CreateProcessingJob) or
 * `transform` (CreateTransformJob: TransformResources, and no runtime limit in SageMaker).
 */
export type JobFamily = "training" | "processing" | "transform";

const FAMILY: Readonly<Record<JobType, JobFamily>> = { Training: "training", Processing: "processing", Tuning: "training", Transform: "transform" };

/** A step that starts SageMaker jobs. */
export interface JobStep {
    readonly kind: "job";
    readonly type: JobType;
    readonly name: string;
    /** `Training step "Train"`, with the Condition branch it sits in, for messages. */
    readonly label: string;
    readonly args: Record<string, any>;
    /** The job requests the step starts: its Arguments, or a Tuning step's training job definitions. */
    readonly jobs: readonly Job[];
}

/** One job request of a step, and how many jobs of it one run can start. */
export interface Job {
    readonly step: JobStep;
    readonly family: JobFamily;
    /** The step's label, plus the definition's path for a Tuning step (`Tuning step "Tune" TrainingJobDefinitions[1]`). */
    readonly label: string;
    /** CreateTrainingJob-, CreateProcessingJob- or CreateTransformJob-shaped. */
    readonly request: Record<string, any>;
    /** Jobs of this request a run can start: 1, or a Tuning step's ResourceLimits.MaxNumberOfTrainingJobs setting. */
    readonly count: unknown;
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

/** Every other step (Fail, Model, Lambda, EMR, …, or a type the pack does not know), kept so nothing is silently dropped. */
export interface OtherStep {
    readonly kind: "other";
    readonly type: string;
    readonly name: string;
    /** `Lambda step "Notify"`, with the Condition branch it sits in, for messages. */
    readonly label: string;
}

export type StepNode = JobStep | ConditionStep | RegisterStep | OtherStep;

export const PIPELINE_TYPE = "aws:sagemaker/pipeline:Pipeline";

export function isPipeline(type: string): boolean {
    return type === PIPELINE_TYPE;
}

/**
 * A Tuning step's training job definitions: TrainingJobDefinition and each of TrainingJobDefinitions, both read
 * when both are there (an empty list beside a single definition must not hide it). A step with none starts no
 * job the pack can see, so the definition is refused as not checkable.
 */
function tuningJobs(step: JobStep): Job[] {
    const limits = step.args.HyperParameterTuningJobConfig?.ResourceLimits ?? {};
    const count = limits.MaxNumberOfTrainingJobs;
    const { TrainingJobDefinition: single, TrainingJobDefinitions: list } = step.args;
    if (list !== undefined && !Array.isArray(list)) {
        throw new Error(`Tuning step ${step.name} has a TrainingJobDefinitions that is not a list`);
    }
    const definitions: [string, unknown][] = [
        ...(single !== undefined && single !== null ? [["TrainingJobDefinition", single] as [string, unknown]] : []),
        ...(list ?? []).map((definition: unknown, index: number): [string, unknown] => [`TrainingJobDefinitions[${index}]`, definition]),
    ];
    if (definitions.length === 0) {
        throw new Error(
            `Tuning step ${step.name} has no training job definition (neither TrainingJobDefinition nor a non-empty TrainingJobDefinitions), so the jobs it starts cannot be checked`,
        );
    }
    return definitions.map(([where, definition]) => ({
        step,
        family: "training",
        label: `${step.label} ${where}`,
        request: definition && typeof definition === "object" ? (definition as Record<string, any>) : {},
        count,
    }));
}

function parseSteps(raw: unknown, where: string): StepNode[] {
    if (!Array.isArray(raw)) {
        throw new Error(`${where} is not a list of steps`);
    }
    return raw.map((item, index): StepNode => {
        const step = (item ?? {}) as Record<string, any>;
        const name = typeof step.Name === "string" ? step.Name : `#${index + 1}`;
        const args = step.Arguments;
        if (typeof step.Type !== "string") {
            throw new Error(`step ${name} in ${where} has no Type`);
        }
        const branch = where === "Steps" ? "" : ` (in ${where})`;
        const label = `${step.Type} step "${name}"${branch}`;
        const needsArguments = isKnownStepType(step.Type) && (STEP_TYPES[step.Type] === "jobs" || step.Type === "RegisterModel");
        if (needsArguments && (!args || typeof args !== "object")) {
            throw new Error(`${step.Type} step ${name} has no Arguments object`);
        }
        if (step.Type === "Training" || step.Type === "Processing" || step.Type === "Tuning" || step.Type === "Transform") {
            const type: JobType = step.Type;
            const jobs: Job[] = [];
            const node: JobStep = { kind: "job", type, name, label, args, jobs };
            jobs.push(...(type === "Tuning" ? tuningJobs(node) : [{ step: node, family: FAMILY[type], label, request: args, count: 1 }]));
            return node;
        }
        if (step.Type === "RegisterModel") {
            return { kind: "register", name, label, args };
        }
        if (step.Type === "Condition") {
            return {
                kind: "condition",
                name,
                ifSteps: parseSteps(args?.IfSteps ?? [], `the if branch of Condition step "${name}"`),
                elseSteps: parseSteps(args?.ElseSteps ?? [], `the else branch of Condition step "${name}"`),
            };
        }
        return { kind: "other", type: step.Type, name, label };
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

/** Every step, Condition steps and their branches at any depth included, in definition order. */
export function allSteps(steps: readonly StepNode[]): StepNode[] {
    return steps.flatMap((step) => (step.kind === "condition" ? [step, ...allSteps(step.ifSteps), ...allSteps(step.elseSteps)] : [step]));
}

/** Every step that starts jobs, Condition branches included. */
export function jobSteps(steps: readonly StepNode[]): JobStep[] {
    return allSteps(steps).filter((step): step is JobStep => step.kind === "job");
}

/** Every job request of every step, Condition branches included: what the instance, runtime, cost and encryption rules check. */
export function jobsOf(steps: readonly StepNode[]): Job[] {
    return jobSteps(steps).flatMap((step) => step.jobs);
}

/** Every RegisterModel step, Condition branches included. */
export function registerSteps(steps: readonly StepNode[]): RegisterStep[] {
    return allSteps(steps).filter((step): step is RegisterStep => step.kind === "register");
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
    /** Path of the group in the job's request, e.g. `ResourceConfig` or `ResourceConfig.InstanceGroups[1]`. */
    readonly where: string;
    readonly instanceType: unknown;
    readonly instanceCount: unknown;
}

/** The instance groups a job runs on: training heterogeneous clusters and a tuning job's flexible instance configs included. */
export function clustersOf(job: Job): Cluster[] {
    const request = job.request;
    if (job.family === "training") {
        const [where, config] = resourceConfigOf(job);
        const groups = Array.isArray(config.InstanceGroups) ? config.InstanceGroups : Array.isArray(config.InstanceConfigs) ? config.InstanceConfigs : undefined;
        const list = Array.isArray(config.InstanceGroups) ? "InstanceGroups" : "InstanceConfigs";
        if (groups && groups.length > 0) {
            return groups.map((group: Record<string, unknown>, index: number) => ({
                where: `${where}.${list}[${index}]`,
                instanceType: group?.InstanceType,
                instanceCount: group?.InstanceCount,
            }));
        }
        return [{ where, instanceType: config.InstanceType, instanceCount: config.InstanceCount }];
    }
    if (job.family === "transform") {
        const resources = request.TransformResources ?? {};
        return [{ where: "TransformResources", instanceType: resources.InstanceType, instanceCount: resources.InstanceCount }];
    }
    const cluster = request.ProcessingResources?.ClusterConfig ?? {};
    return [{ where: "ProcessingResources.ClusterConfig", instanceType: cluster.InstanceType, instanceCount: cluster.InstanceCount }];
}

/** A training job's ResourceConfig, or a tuning job definition's HyperParameterTuningResourceConfig (which replaces it). */
function resourceConfigOf(job: Job): [string, Record<string, any>] {
    const tuning = job.request.HyperParameterTuningResourceConfig;
    return tuning && typeof tuning === "object" ? ["HyperParameterTuningResourceConfig", tuning] : ["ResourceConfig", job.request.ResourceConfig ?? {}];
}

/** Where the job's volume key lives and its value. */
export function volumeKeyOf(job: Job): { where: string; value: unknown } {
    if (job.family === "training") {
        const [where, config] = resourceConfigOf(job);
        return { where: `${where}.VolumeKmsKeyId`, value: config.VolumeKmsKeyId };
    }
    return job.family === "transform"
        ? { where: "TransformResources.VolumeKmsKeyId", value: job.request.TransformResources?.VolumeKmsKeyId }
        : { where: "ProcessingResources.ClusterConfig.VolumeKmsKeyId", value: job.request.ProcessingResources?.ClusterConfig?.VolumeKmsKeyId };
}

/** Where the job's output key lives, its value, and whether the job writes outputs at all (a processing job may not). */
export function outputKeyOf(job: Job): { where: string; value: unknown; writesOutput: boolean } {
    if (job.family === "training") {
        return { where: "OutputDataConfig.KmsKeyId", value: job.request.OutputDataConfig?.KmsKeyId, writesOutput: true };
    }
    if (job.family === "transform") {
        return { where: "TransformOutput.KmsKeyId", value: job.request.TransformOutput?.KmsKeyId, writesOutput: true };
    }
    const config = job.request.ProcessingOutputConfig;
    return { where: "ProcessingOutputConfig.KmsKeyId", value: config?.KmsKeyId, writesOutput: Boolean(config) };
}

/**
 * The job's StoppingCondition.MaxRuntimeInSeconds / MaxWaitTimeInSeconds settings. A transform job has no
 * runtime limit in SageMaker (both absent); a tuning job also stops at ResourceLimits.MaxRuntimeInSeconds.
 */
export function stoppingCondition(job: Job): { maxRuntime: unknown; maxWait: unknown } {
    const condition = job.family === "transform" ? {} : (job.request.StoppingCondition ?? {});
    return { maxRuntime: condition.MaxRuntimeInSeconds, maxWait: condition.MaxWaitTimeInSeconds };
}

/** Where a job sets inter-container traffic encryption and its value; undefined for transform jobs, which have no such setting. */
export function interContainerEncryptionOf(job: Job): { where: string; value: unknown } | undefined {
    if (job.family === "transform") {
        return undefined;
    }
    return job.family === "training"
        ? { where: "EnableInterContainerTrafficEncryption", value: job.request.EnableInterContainerTrafficEncryption }
        : { where: "NetworkConfig.EnableInterContainerTrafficEncryption", value: job.request.NetworkConfig?.EnableInterContainerTrafficEncryption };
}

/** A Tuning step's ResourceLimits settings. */
export function tuningLimits(step: JobStep): { maxJobs: unknown; maxParallelJobs: unknown; maxRuntime: unknown } {
    const limits = step.args.HyperParameterTuningJobConfig?.ResourceLimits ?? {};
    return { maxJobs: limits.MaxNumberOfTrainingJobs, maxParallelJobs: limits.MaxParallelTrainingJobs, maxRuntime: limits.MaxRuntimeInSeconds };
}

/** The volume rules' knob: the storage kind of types the catalog does not know, or a correction to it. */
export interface VolumeKnobs {
    instanceStorage: Record<string, "nvme" | "ebs">;
}
export const volumeSchema = {
    properties: {
        instanceStorage: {
            type: "object" as const,
            additionalProperties: { type: "string" as const, enum: ["nvme", "ebs"] },
            default: {},
            description: "Per instance type, `nvme` (NVMe instance storage, hardware-encrypted) or `ebs`; overrides and extends the catalog's nvmeInstanceStorage.",
        },
    },
};

/** Whether an instance type has NVMe instance storage, per the catalog unless overridden. */
export function storageKind(instanceType: string, overrides: Record<string, string> = {}): "nvme" | "ebs" | undefined {
    const override = overrides[instanceType];
    if (override === "nvme" || override === "ebs") {
        return override;
    }
    const info = INSTANCE_TYPES[instanceType];
    return info === undefined ? undefined : info.nvmeInstanceStorage ? "nvme" : "ebs";
}

// ---- Run cost: price × InstanceCount × MaxRuntimeInSeconds × jobs per instance group, a Condition's dearer branch ----

/** A setting a cost estimate needs that has no usable value. */
export type CostInput = "InstanceType" | "InstanceCount" | "MaxRuntimeInSeconds" | "MaxNumberOfTrainingJobs";

/** The on-demand cost of one instance group billed for its job's whole MaxRuntimeInSeconds, times the jobs a run can start. */
export interface JobCost {
    readonly step: string;
    readonly type: JobType;
    /** The label of the job this group belongs to (a Job's `label`), to find it in the definition again. */
    readonly job: string;
    /** Where the group sits in the step's Arguments, e.g. `ResourceConfig` or `TrainingJobDefinition ResourceConfig`. */
    readonly where: string;
    readonly instanceType: string;
    readonly instanceCount: number;
    readonly maxRuntimeSeconds: number;
    /** Jobs of this request one run can start: 1, or a Tuning step's MaxNumberOfTrainingJobs. */
    readonly jobs: number;
    /** Whether the runtime is the pack config's assumption (transform jobs have no MaxRuntime), not the definition's. */
    readonly assumedRuntime: boolean;
    readonly costUsd: number;
}

/** An instance group whose cost cannot be stated, with what it would run with (for messages). */
export interface UnboundedJob {
    readonly job: Job;
    readonly step: JobStep;
    readonly where: string;
    /** The instance types considered (the run's, or every one the setting allows), count and runtime as resolved. */
    readonly instanceTypes: readonly unknown[];
    readonly instanceCount: unknown;
    readonly maxRuntimeSeconds: unknown;
    /** Settings without a usable value, in this order: InstanceType, InstanceCount, MaxRuntimeInSeconds, MaxNumberOfTrainingJobs. */
    readonly missing: readonly CostInput[];
    /** Instance types with no price (catalog or `prices`). */
    readonly unpriced: readonly string[];
}

export interface RunCostEstimate {
    /** Sum of `jobs`. */
    readonly costUsd: number;
    /** The priced groups of the dearest path: every job step, of each Condition the dearer branch, of each Tuning step the dearest definition. */
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
    /**
     * The longest a transform job is taken to run (SageMaker sets it no limit): the pack config's statement,
     * without which a transform job's cost cannot be stated.
     */
    readonly transformRuntimeSeconds?: number;
}

function groupCost(job: Job, cluster: Cluster, definition: Definition, basis: CostBasis): JobCost | UnboundedJob {
    const values = basis.parameterValues;
    const prices = { ...basis.prices };
    const typeResolution = resolve(cluster.instanceType, definition);
    const instanceTypes = basis.dearestInstanceType ? candidates(typeResolution) : [valueOf(typeResolution, values)].filter((type) => type !== undefined);
    const instanceCount = valueOf(resolve(cluster.instanceCount, definition), values);
    const assumedRuntime = job.family === "transform";
    const maxRuntimeSeconds = assumedRuntime ? basis.transformRuntimeSeconds : valueOf(resolve(stoppingCondition(job).maxRuntime, definition), values);
    const jobCount = valueOf(resolve(job.count, definition), values);
    const [count, runtime, jobs] = [asNumber(instanceCount), asNumber(maxRuntimeSeconds), asNumber(jobCount)];
    const types = instanceTypes.map(String);
    const missing: CostInput[] = [
        ...(types.length === 0 ? ["InstanceType" as const] : []),
        ...(count === undefined ? ["InstanceCount" as const] : []),
        ...(runtime === undefined ? ["MaxRuntimeInSeconds" as const] : []),
        ...(jobs === undefined ? ["MaxNumberOfTrainingJobs" as const] : []),
    ];
    const unpriced = types.filter((type) => pricePerHour(type, prices) === undefined);
    if (missing.length > 0 || unpriced.length > 0) {
        return { job, step: job.step, where: cluster.where, instanceTypes, instanceCount, maxRuntimeSeconds, missing, unpriced };
    }
    // The first of the dearest types, so the estimate names a type the definition lists first.
    const instanceType = types.reduce((a, b) => (pricePerHour(b, prices)! > pricePerHour(a, prices)! ? b : a));
    const costUsd = worstCaseJobCostUsd(instanceType, count!, runtime!, prices)! * jobs!;
    const where = job.label === job.step.label ? cluster.where : `${job.label.slice(job.step.label.length + 1)} ${cluster.where}`;
    return { step: job.step.name, type: job.step.type, job: job.label, where, instanceType, instanceCount: count!, maxRuntimeSeconds: runtime!, jobs: jobs!, assumedRuntime, costUsd };
}

interface PartialCost {
    readonly costUsd: number;
    readonly jobs: JobCost[];
    readonly unbounded: UnboundedJob[];
}

function sum(jobs: readonly JobCost[]): number {
    return jobs.reduce((total, job) => total + job.costUsd, 0);
}

function stepCost(step: JobStep, definition: Definition, basis: CostBasis): PartialCost {
    const perJob = step.jobs.map((job) => {
        const costs = clustersOf(job).map((cluster) => groupCost(job, cluster, definition, basis));
        const priced = costs.filter((cost): cost is JobCost => "costUsd" in cost);
        return { jobs: priced, unbounded: costs.filter((cost): cost is UnboundedJob => !("costUsd" in cost)), costUsd: sum(priced) };
    });
    const unbounded = perJob.flatMap((job) => job.unbounded);
    // A Tuning step's MaxNumberOfTrainingJobs counts all its definitions together: at worst every job is of the dearest one.
    const dearest = perJob.reduce((a, b) => (b.costUsd > a.costUsd ? b : a), perJob[0] ?? { jobs: [], unbounded: [], costUsd: 0 });
    return { costUsd: dearest.costUsd, jobs: dearest.jobs, unbounded };
}

function costOf(steps: readonly StepNode[], definition: Definition, basis: CostBasis): PartialCost {
    const jobs: JobCost[] = [];
    const unbounded: UnboundedJob[] = [];
    for (const step of steps) {
        if (step.kind === "job") {
            const cost = stepCost(step, definition, basis);
            jobs.push(...cost.jobs);
            unbounded.push(...cost.unbounded);
        } else if (step.kind === "condition") {
            // Only one branch runs, so the dearer one bounds the run; either can hold an unboundable job.
            const branches = [costOf(step.ifSteps, definition, basis), costOf(step.elseSteps, definition, basis)];
            jobs.push(...(branches[0].costUsd >= branches[1].costUsd ? branches[0] : branches[1]).jobs);
            unbounded.push(...branches.flatMap((branch) => branch.unbounded));
        }
    }
    return { costUsd: sum(jobs), jobs, unbounded };
}

/**
 * The on-demand cost of one run: for each instance group of each job a step starts, the instance type's price
 * × InstanceCount × the job's MaxRuntimeInSeconds (every instance billed for the whole runtime) × the jobs of
 * that request a run can start (a Tuning step's MaxNumberOfTrainingJobs), summed along the dearest path
 * through Condition steps. Settings are resolved for the run `basis` describes; groups whose cost cannot be
 * stated are listed in `unbounded`, not guessed.
 */
export function estimateRunCost(definition: Definition, basis: CostBasis = {}): RunCostEstimate {
    return costOf(definition.steps, definition, basis);
}

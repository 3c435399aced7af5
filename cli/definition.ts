// Reading a deployed pipeline definition (the JSON DescribePipeline returns): which jobs it runs, where
// its parameters end up, what a run can cost and where the evaluation report lands. The CLI trusts the
// deployed definition, not the local source, because that is what SageMaker will run. Jobs, instance
// groups and stopping conditions are read by the policy pack's own reader (policies/pipeline.ts), and the
// run cost is the pack's own estimate (estimateRunCost), so the CLI and the pack see the same jobs and costs.
import type { PipelineDefinition, PipelineParameter, PipelineStep, PropertyFile } from "../components/pipelineDefinition";
import { EVALUATION_REPORT } from "../components/pipelineDefinition";
import {
    clustersOf,
    Definition,
    estimateRunCost,
    JobCost,
    JobFamily,
    jobsOf,
    jobSteps,
    parseDefinition as readJobs,
    stoppingCondition,
    tuningLimits,
    UnboundedJob,
} from "../policies/pipeline";
import { packLimits, runCostBasis, RunCostKnobs } from "../policies/limits";
import { CliError } from "./errors";

/**
 * A step as it may appear in any deployed definition: besides the Training and Processing steps this
 * project writes, a definition edited elsewhere can hold Condition (with nested steps), Lambda, ... steps.
 */
export interface DeployedStep extends Pick<PipelineStep, "Name"> {
    Type: string;
    Arguments?: unknown;
    PropertyFiles?: PropertyFile[];
}

export interface DeployedDefinition extends Omit<PipelineDefinition, "Steps" | "Parameters"> {
    Parameters: (Omit<PipelineParameter, "DefaultValue"> & { DefaultValue?: PipelineParameter["DefaultValue"] })[];
    Steps: DeployedStep[];
}

type Json = unknown;
type Scalar = string | number | boolean;

const isRecord = (value: Json): value is Record<string, Json> => typeof value === "object" && value !== null && !Array.isArray(value);

export function parseDefinition(text: string | undefined, pipelineName: string): DeployedDefinition {
    let parsed: Json;
    try {
        parsed = JSON.parse(text ?? "");
    } catch {
        throw new CliError(`pipeline '${pipelineName}' returned a definition that is not JSON`);
    }
    if (!isRecord(parsed) || !Array.isArray(parsed.Steps) || (parsed.Parameters !== undefined && !Array.isArray(parsed.Parameters))) {
        throw new CliError(`pipeline '${pipelineName}' has a definition without a Steps list; is it a SageMaker pipeline definition?`);
    }
    const definition = { ...(parsed as unknown as DeployedDefinition), Parameters: (parsed.Parameters as DeployedDefinition["Parameters"]) ?? [] };
    readPipeline(definition, pipelineName);
    return definition;
}

/** The definition as the policy pack reads it (parameters; job steps, Condition branches, others). */
function readPipeline(definition: DeployedDefinition, pipelineName = "the pipeline"): Definition {
    try {
        return readJobs(definition);
    } catch (error) {
        throw new CliError(`pipeline '${pipelineName}' has a definition the CLI cannot read: ${(error as Error).message}`);
    }
}

/** Values expressions are resolved with: parameter values by name, and the execution's id once it exists. */
export interface ResolutionScope {
    readonly parameters: Readonly<Record<string, Scalar | undefined>>;
    readonly executionId?: string;
}

const PARAMETER_REFERENCE = /^Parameters\.(.+)$/;

/** The parameter an expression is, when it is exactly `{"Get": "Parameters.<name>"}`. */
export function parameterReference(expression: Json): string | undefined {
    if (isRecord(expression) && typeof expression.Get === "string") {
        return PARAMETER_REFERENCE.exec(expression.Get)?.[1];
    }
    return undefined;
}

/** Evaluates literals, parameter and execution-id references and Std:Join; anything else is undefined. */
export function resolveExpression(expression: Json, scope: ResolutionScope): Scalar | undefined {
    if (typeof expression === "string" || typeof expression === "number" || typeof expression === "boolean") {
        return expression;
    }
    if (!isRecord(expression)) {
        return undefined;
    }
    if (typeof expression.Get === "string") {
        const parameter = parameterReference(expression);
        if (parameter !== undefined) {
            return scope.parameters[parameter];
        }
        return expression.Get === "Execution.PipelineExecutionId" ? scope.executionId : undefined;
    }
    const join = expression["Std:Join"];
    if (isRecord(join) && Array.isArray(join.Values)) {
        const values = join.Values.map((value) => resolveExpression(value, scope));
        return values.some((value) => value === undefined) ? undefined : values.join(typeof join.On === "string" ? join.On : "");
    }
    return undefined;
}

/** Every step, including those nested in Condition steps' branches. */
export function allSteps(steps: readonly DeployedStep[]): DeployedStep[] {
    return steps.flatMap((step) => {
        const args = isRecord(step.Arguments) ? step.Arguments : {};
        const nested = [args.IfSteps, args.ElseSteps].filter(Array.isArray).flat() as DeployedStep[];
        return [step, ...allSteps(nested)];
    });
}

const path = (value: Json, ...keys: string[]): Json => keys.reduce<Json>((node, key) => (isRecord(node) ? node[key] : undefined), value);

/** Where a parameter's value goes, as far as the platform's rules care. */
export type ParameterUsage =
    | { readonly kind: "instanceType"; readonly job: JobFamily; readonly step: string }
    | { readonly kind: "instanceCount"; readonly step: string }
    | { readonly kind: "maxRuntime"; readonly job: JobFamily; readonly step: string }
    | { readonly kind: "maxWait"; readonly step: string }
    /** A Tuning step's ResourceLimits.MaxNumberOfTrainingJobs: multiplies the step's cost. */
    | { readonly kind: "maxJobs"; readonly step: string }
    /** A Tuning step's ResourceLimits.MaxParallelTrainingJobs: the pack's maxParallelTrainingJobs caps it. */
    | { readonly kind: "maxParallelJobs"; readonly step: string }
    | { readonly kind: "s3Uri"; readonly step: string };

const S3_URI_KEYS = new Set(["S3Uri", "S3OutputPath"]);

/**
 * The expression a URI starts with: itself, or the first value of a Std:Join without separator (InputData in
 * `InputData + InputKey`), which must then be a URI of its own; what follows it is a key fragment.
 */
function uriHead(expression: Json): Json {
    const join = isRecord(expression) ? expression["Std:Join"] : undefined;
    return isRecord(join) && join.On === "" && Array.isArray(join.Values) && join.Values.length > 0 ? join.Values[0] : expression;
}

/**
 * Usages by parameter name. Only a parameter used as the whole value (or as a URI's head) counts: inside a Std:Join it is
 * a fragment (e.g. an execution-scoped checkpoint prefix), not an instance type or a URI of its own.
 */
export function parameterUsages(definition: DeployedDefinition): Map<string, ParameterUsage[]> {
    const usages = new Map<string, ParameterUsage[]>();
    const add = (expression: Json, usage: ParameterUsage) => {
        const name = parameterReference(expression);
        if (name !== undefined) {
            usages.set(name, [...(usages.get(name) ?? []), usage]);
        }
    };
    const { steps } = readPipeline(definition);
    for (const job of jobsOf(steps)) {
        const step = job.step.name;
        for (const cluster of clustersOf(job)) {
            add(cluster.instanceType, { kind: "instanceType", job: job.family, step });
            add(cluster.instanceCount, { kind: "instanceCount", step });
        }
        const { maxRuntime, maxWait } = stoppingCondition(job);
        add(maxRuntime, { kind: "maxRuntime", job: job.family, step });
        add(maxWait, { kind: "maxWait", step });
    }
    for (const step of jobSteps(steps).filter((candidate) => candidate.type === "Tuning")) {
        const { maxJobs, maxParallelJobs } = tuningLimits(step);
        add(maxJobs, { kind: "maxJobs", step: step.name });
        add(maxParallelJobs, { kind: "maxParallelJobs", step: step.name });
    }
    const visit = (node: Json, step: string): void => {
        if (Array.isArray(node)) {
            node.forEach((child) => visit(child, step));
        } else if (isRecord(node)) {
            for (const [key, child] of Object.entries(node)) {
                if (S3_URI_KEYS.has(key)) {
                    add(uriHead(child), { kind: "s3Uri", step });
                }
                // Nested steps are visited as steps of their own by allSteps.
                if (key !== "IfSteps" && key !== "ElseSteps") {
                    visit(child, step);
                }
            }
        }
    };
    for (const step of allSteps(definition.Steps)) {
        visit(step.Arguments, step.Name);
    }
    return usages;
}

export interface RunCost {
    readonly totalUsd: number;
    readonly jobs: readonly JobCost[];
    /** Jobs whose cost cannot be bounded (unresolvable expression, no MaxRuntime, unknown price). */
    readonly unbounded: readonly string[];
}

function describeUnbounded(job: UnboundedJob): string {
    const shown = (value: unknown) => JSON.stringify(value ?? null);
    return `${job.step.name} ${job.where} (instance type ${shown(job.instanceTypes[0])}, count ${shown(job.instanceCount)}, MaxRuntimeInSeconds ${shown(job.maxRuntimeSeconds)})`;
}

/**
 * Worst-case on-demand cost of one run with the given parameter values, by the policy pack's own estimate
 * (sagemaker-pipeline-run-cost, with its knobs from the pack config): every job's instances billed for the
 * job's whole MaxRuntimeInSeconds at the catalog price, or the pack config's `instancePrices`, a Tuning step
 * × its MaxNumberOfTrainingJobs; a Condition step costs its dearer branch.
 */
export function worstCaseRunCost(
    definition: DeployedDefinition,
    parameters: ResolutionScope["parameters"],
    knobs: RunCostKnobs = packLimits().runCost.knobs,
): RunCost {
    // The run the user starts, on the types it names: not the pack's `worst-case` basis over every allowed type.
    const estimate = estimateRunCost(readPipeline(definition), { ...runCostBasis(knobs, parameters), dearestInstanceType: false });
    return { totalUsd: estimate.costUsd, jobs: estimate.jobs, unbounded: estimate.unbounded.map(describeUnbounded) };
}

/** Parameter values an execution runs with: the definition's defaults overlaid by the start's values. */
export function effectiveParameters(
    definition: DeployedDefinition,
    overrides: readonly { Name?: string; Value?: string }[] = [],
): Record<string, Scalar | undefined> {
    const values: Record<string, Scalar | undefined> = {};
    for (const parameter of definition.Parameters) {
        values[parameter.Name] = parameter.DefaultValue;
    }
    for (const { Name, Value } of overrides) {
        if (Name !== undefined) {
            values[Name] = Value;
        }
    }
    return values;
}

/**
 * S3 URI of the evaluation report an execution wrote: the output the EvaluationReport property file
 * reads, resolved for this execution (`s3://<bucket>/evaluation/<execution-id>` + `/evaluation.json`).
 */
export function evaluationReportUri(definition: DeployedDefinition, scope: ResolutionScope): string | undefined {
    for (const step of allSteps(definition.Steps)) {
        if (step.Type !== "Processing") {
            continue;
        }
        const propertyFile = step.PropertyFiles?.find((file) => file.PropertyFileName === EVALUATION_REPORT.propertyFile);
        const outputName = propertyFile?.OutputName ?? EVALUATION_REPORT.outputName;
        const outputs = path(step.Arguments, "ProcessingOutputConfig", "Outputs");
        const output = Array.isArray(outputs) ? outputs.find((candidate) => path(candidate, "OutputName") === outputName) : undefined;
        if (output === undefined) {
            continue;
        }
        const prefix = resolveExpression(path(output, "S3Output", "S3Uri"), scope);
        if (typeof prefix !== "string") {
            return undefined;
        }
        return `${prefix.replace(/\/+$/, "")}/${propertyFile?.FilePath ?? EVALUATION_REPORT.filePath}`;
    }
    return undefined;
}

// Affordability: allowed instance types (pipelines and Studio), instance counts, runtime ceilings, managed
// spot with checkpoints, and a worst-case on-demand cost per pipeline run. Defaults come from catalog.ts,
// the one list the stack's config validation and the operations CLI use too.
import { ResourceValidationPolicy } from "@pulumi/policy";
import {
    DEFAULT_LIMITS,
    DEFAULT_PROCESSING_INSTANCE_TYPES,
    DEFAULT_STUDIO_INSTANCE_TYPES,
    DEFAULT_TRAINING_INSTANCE_TYPES,
    pricePerHour,
} from "./catalog";
import { booleanKnob, integerKnob, knobs, listText, numberKnob, stringList } from "./knobs";
import {
    asNumber,
    candidates,
    clustersOf,
    defaultOf,
    Definition,
    describeSetting,
    JobStep,
    jobSteps,
    resolve,
    Resolution,
    StepNode,
    stoppingCondition,
} from "./pipeline";
import { withDefinition } from "./sagemaker";
import { eachKnown, peek, UNKNOWN } from "./unknowns";

interface InstanceTypeKnobs {
    trainingInstanceTypes: string[];
    processingInstanceTypes: string[];
}
const instanceTypeSchema = {
    properties: {
        trainingInstanceTypes: stringList("Instance types Training steps may run on.", DEFAULT_TRAINING_INSTANCE_TYPES),
        processingInstanceTypes: stringList("Instance types Processing steps may run on.", DEFAULT_PROCESSING_INSTANCE_TYPES),
    },
};

export const sagemakerPipelineInstanceTypesAllowed: ResourceValidationPolicy = {
    name: "sagemaker-pipeline-instance-types-allowed",
    description:
        "Every instance type a Training or Processing step of a SageMaker pipeline can run on (literal values, parameter DefaultValue and EnumValues, Condition branches included) is in the training or processing allow-list; an instance-type parameter must have EnumValues, otherwise a run can start on any type.",
    enforcementLevel: "mandatory",
    configSchema: instanceTypeSchema,
    validateResource: (args, reportViolation) =>
        withDefinition(args, (definition, pipeline) => {
            const config = knobs<InstanceTypeKnobs>(args, instanceTypeSchema);
            for (const step of jobSteps(definition.steps)) {
                const [allowed, knob] =
                    step.type === "Training" ? [config.trainingInstanceTypes, "trainingInstanceTypes"] : [config.processingInstanceTypes, "processingInstanceTypes"];
                for (const cluster of clustersOf(step)) {
                    const setting = `${cluster.where}.InstanceType`;
                    const resolution = resolve(cluster.instanceType, definition);
                    if (resolution.kind === "absent" || resolution.kind === "unresolvable") {
                        reportViolation(
                            `${pipeline}: ${step.label} ${setting} ${resolution.kind === "absent" ? "is missing" : resolution.reason}; use an allowed literal type or a parameter with EnumValues.`,
                        );
                        continue;
                    }
                    if (resolution.kind === "parameter" && !resolution.enumValues) {
                        reportViolation(
                            `${pipeline}: ${step.label} takes ${setting} from parameter ${resolution.name}, which has no EnumValues, so a run can start on any instance type; give the parameter EnumValues from ${knob}.`,
                        );
                    }
                    const disallowed = candidates(resolution).map(String).filter((type) => !allowed.includes(type));
                    if (disallowed.length > 0) {
                        reportViolation(
                            `${pipeline}: ${step.label} can run on ${listText(disallowed)} (${describeSetting(setting, resolution)}), which ${disallowed.length > 1 ? "are" : "is"} not in ${knob} (${listText(allowed, 12)}); use an allowed type or extend ${knob} in the pack config.`,
                        );
                    }
                }
            }
        }),
};

interface StudioKnobs {
    studioInstanceTypes: string[];
}
const studioSchema = {
    properties: {
        studioInstanceTypes: stringList(
            "Instance types Studio apps may default to (the free `system` type of JupyterServer apps is always accepted).",
            DEFAULT_STUDIO_INSTANCE_TYPES,
        ),
    },
};

/** Settings blocks that hold `<app>AppSettings.defaultResourceSpec.instanceType`, per resource type. */
const STUDIO_SETTINGS: Record<string, string[]> = {
    "aws:sagemaker/domain:Domain": ["defaultUserSettings", "defaultSpaceSettings"],
    "aws:sagemaker/userProfile:UserProfile": ["userSettings"],
    "aws:sagemaker/space:Space": ["spaceSettings"],
};

export const sagemakerStudioInstanceTypesAllowed: ResourceValidationPolicy = {
    name: "sagemaker-studio-instance-types-allowed",
    description:
        "Studio default app instance types — `*.defaultResourceSpec.instanceType` in Domain defaultUserSettings/defaultSpaceSettings, UserProfile userSettings and Space spaceSettings, and App resourceSpec — are in the Studio allow-list.",
    enforcementLevel: "mandatory",
    configSchema: studioSchema,
    validateResource: async (args, reportViolation) => {
        const blocks = STUDIO_SETTINGS[args.type];
        if (!blocks && args.type !== "aws:sagemaker/app:App") {
            args.notApplicable("not a Studio resource");
        }
        const { studioInstanceTypes } = knobs<StudioKnobs>(args, studioSchema);
        const check = (where: string, instanceType: unknown) => {
            if (instanceType === undefined || instanceType === "system" || studioInstanceTypes.includes(String(instanceType))) {
                return;
            }
            reportViolation(
                `${args.name} ${where} is "${String(instanceType)}", which is not in studioInstanceTypes (${listText(studioInstanceTypes)}); pick an allowed type or extend studioInstanceTypes in the pack config.`,
            );
        };
        const reads: (() => void)[] = [];
        if (args.type === "aws:sagemaker/app:App") {
            reads.push(() => check("resourceSpec.instanceType", args.props.resourceSpec?.instanceType));
        }
        for (const block of blocks ?? []) {
            const settings = peek(() => args.props[block]);
            if (settings === UNKNOWN) {
                reads.push(() => void args.props[block]);
                continue;
            }
            if (!settings || typeof settings !== "object") {
                continue;
            }
            for (const app of Object.keys(settings).filter((key) => key.endsWith("AppSettings"))) {
                reads.push(() => check(`${block}.${app}.defaultResourceSpec.instanceType`, settings[app]?.defaultResourceSpec?.instanceType));
            }
        }
        await eachKnown(reads, (read) => read());
    },
};

interface CountKnobs {
    maxInstanceCount: number;
}
const countSchema = {
    properties: {
        maxInstanceCount: integerKnob("Most instances one Training or Processing job may use (per instance group).", DEFAULT_LIMITS.maxInstanceCount, 1),
    },
};

export const sagemakerPipelineInstanceCount: ResourceValidationPolicy = {
    name: "sagemaker-pipeline-instance-count",
    description:
        "Each Training and Processing step of a SageMaker pipeline states its InstanceCount as a literal or a parameter whose DefaultValue (and any EnumValues) is at most maxInstanceCount.",
    enforcementLevel: "mandatory",
    configSchema: countSchema,
    validateResource: (args, reportViolation) =>
        withDefinition(args, (definition, pipeline) => {
            const { maxInstanceCount } = knobs<CountKnobs>(args, countSchema);
            for (const step of jobSteps(definition.steps)) {
                for (const cluster of clustersOf(step)) {
                    const setting = `${cluster.where}.InstanceCount`;
                    const resolution = resolve(cluster.instanceCount, definition);
                    if (resolution.kind === "absent" || resolution.kind === "unresolvable" || (resolution.kind === "parameter" && resolution.defaultValue === undefined)) {
                        const why = resolution.kind === "absent" ? "is missing" : resolution.kind === "unresolvable" ? resolution.reason : `comes from parameter ${resolution.name}, which has no DefaultValue`;
                        reportViolation(`${pipeline}: ${step.label} ${setting} ${why}; state a count of at most ${maxInstanceCount}.`);
                        continue;
                    }
                    const tooMany = candidates(resolution).filter((value) => (asNumber(value) ?? Infinity) > maxInstanceCount);
                    if (tooMany.length > 0) {
                        reportViolation(
                            `${pipeline}: ${step.label} ${describeSetting(setting, resolution)} is ${listText(tooMany.map(String))}, above maxInstanceCount ${maxInstanceCount}; lower it or raise maxInstanceCount in the pack config.`,
                        );
                    }
                }
            }
        }),
};

interface RuntimeKnobs {
    maxTrainingRuntimeSeconds: number;
    maxProcessingRuntimeSeconds: number;
    maxSpotWaitSeconds: number;
}
const runtimeSchema = {
    properties: {
        maxTrainingRuntimeSeconds: integerKnob("Ceiling on a Training step's StoppingCondition.MaxRuntimeInSeconds.", DEFAULT_LIMITS.maxTrainingRuntimeSeconds, 1),
        maxProcessingRuntimeSeconds: integerKnob("Ceiling on a Processing step's StoppingCondition.MaxRuntimeInSeconds.", DEFAULT_LIMITS.maxProcessingRuntimeSeconds, 1),
        maxSpotWaitSeconds: integerKnob("Ceiling on a Training step's StoppingCondition.MaxWaitTimeInSeconds (managed spot).", DEFAULT_LIMITS.maxSpotWaitSeconds, 1),
    },
};

/** Problems of a time limit: missing (when required), not statable, or above the ceiling. */
function limitProblem(resolution: Resolution, setting: string, ceiling: number, knob: string, required: boolean): string | undefined {
    if (resolution.kind === "absent") {
        return required ? `sets no ${setting}; set it to at most ${ceiling} seconds (${knob})` : undefined;
    }
    if (resolution.kind === "unresolvable") {
        return `${setting} ${resolution.reason}; use a literal or a parameter with a DefaultValue of at most ${ceiling}`;
    }
    const values = candidates(resolution);
    if (values.length === 0) {
        return `${describeSetting(setting, resolution)} has no DefaultValue; give it one of at most ${ceiling}`;
    }
    const over = values.filter((value) => (asNumber(value) ?? Infinity) > ceiling);
    return over.length > 0
        ? `${describeSetting(setting, resolution)} is ${listText(over.map(String))} seconds, above ${knob} ${ceiling}; lower it or raise ${knob} in the pack config`
        : undefined;
}

export const sagemakerPipelineMaxRuntime: ResourceValidationPolicy = {
    name: "sagemaker-pipeline-max-runtime",
    description:
        "Each Training and Processing step of a SageMaker pipeline sets StoppingCondition.MaxRuntimeInSeconds (literal or parameter DefaultValue) within maxTrainingRuntimeSeconds / maxProcessingRuntimeSeconds, and any MaxWaitTimeInSeconds within maxSpotWaitSeconds, so no job bills without bound.",
    enforcementLevel: "mandatory",
    configSchema: runtimeSchema,
    validateResource: (args, reportViolation) =>
        withDefinition(args, (definition, pipeline) => {
            const config = knobs<RuntimeKnobs>(args, runtimeSchema);
            for (const step of jobSteps(definition.steps)) {
                const { maxRuntime, maxWait } = stoppingCondition(step);
                const [ceiling, knob] =
                    step.type === "Training"
                        ? [config.maxTrainingRuntimeSeconds, "maxTrainingRuntimeSeconds"]
                        : [config.maxProcessingRuntimeSeconds, "maxProcessingRuntimeSeconds"];
                const problems = [
                    limitProblem(resolve(maxRuntime, definition), "StoppingCondition.MaxRuntimeInSeconds", ceiling, knob, true),
                    limitProblem(resolve(maxWait, definition), "StoppingCondition.MaxWaitTimeInSeconds", config.maxSpotWaitSeconds, "maxSpotWaitSeconds", false),
                ];
                for (const problem of problems.filter((p): p is string => p !== undefined)) {
                    reportViolation(`${pipeline}: ${step.label} ${problem}.`);
                }
            }
        }),
};

interface SpotKnobs {
    requireSpot: boolean;
    requireCheckpoints: boolean;
}
const spotSchema = {
    properties: {
        requireSpot: booleanKnob("Training steps should use managed spot capacity (EnableManagedSpotTraining).", true),
        requireCheckpoints: booleanKnob("Managed spot Training steps should checkpoint to S3 (CheckpointConfig.S3Uri) so an interruption resumes.", true),
    },
};

export const sagemakerPipelineSpotCheckpoints: ResourceValidationPolicy = {
    name: "sagemaker-pipeline-spot-checkpoints",
    description:
        "Training steps of a SageMaker pipeline use managed spot training (EnableManagedSpotTraining true by default value) with a StoppingCondition.MaxWaitTimeInSeconds and a CheckpointConfig.S3Uri, so interrupted runs resume instead of restarting.",
    enforcementLevel: "advisory",
    configSchema: spotSchema,
    validateResource: (args, reportViolation) =>
        withDefinition(args, (definition, pipeline) => {
            const config = knobs<SpotKnobs>(args, spotSchema);
            for (const step of jobSteps(definition.steps).filter((s) => s.type === "Training")) {
                const spot = defaultOf(resolve(step.args.EnableManagedSpotTraining, definition));
                if (spot !== true && spot !== "true") {
                    if (config.requireSpot) {
                        reportViolation(
                            `${pipeline}: ${step.label} trains on on-demand capacity; set EnableManagedSpotTraining: true with StoppingCondition.MaxWaitTimeInSeconds and CheckpointConfig (spot costs up to 90% less).`,
                        );
                    }
                    continue;
                }
                if (stoppingCondition(step).maxWait === undefined) {
                    reportViolation(`${pipeline}: ${step.label} uses managed spot without StoppingCondition.MaxWaitTimeInSeconds, which SageMaker requires; set it.`);
                }
                if (config.requireCheckpoints && !step.args.CheckpointConfig?.S3Uri) {
                    reportViolation(
                        `${pipeline}: ${step.label} uses managed spot without CheckpointConfig.S3Uri, so an interruption restarts training from scratch; add a CheckpointConfig with an S3Uri and LocalPath.`,
                    );
                }
            }
        }),
};

interface RunCostKnobs {
    maxRunCostUsd: number;
    instancePrices: Record<string, number>;
    basis: "default" | "worst-case";
}
const runCostSchema = {
    properties: {
        maxRunCostUsd: numberKnob("Ceiling on the on-demand cost of one pipeline run, in USD.", DEFAULT_LIMITS.maxRunCostUsd),
        instancePrices: {
            type: "object" as const,
            additionalProperties: { type: "number" as const, minimum: 0 },
            default: {},
            description: "USD per hour by instance type, overriding or extending the catalog's list prices (e.g. negotiated rates).",
        },
        basis: {
            type: "string" as const,
            enum: ["default", "worst-case"],
            default: "default",
            description:
                "`default`: a run started without parameter overrides (the instance type's DefaultValue). `worst-case`: the most expensive type among DefaultValue and EnumValues.",
        },
    },
};

interface CostLine {
    readonly text: string;
    readonly usd: number;
}

/** Cost of one job step, or the reasons it cannot be estimated. */
function jobCost(step: JobStep, definition: Definition, config: RunCostKnobs): { lines: CostLine[]; problems: string[] } {
    const lines: CostLine[] = [];
    const problems: string[] = [];
    const runtimeResolution = resolve(stoppingCondition(step).maxRuntime, definition);
    const runtime = asNumber(defaultOf(runtimeResolution));
    if (runtime === undefined) {
        problems.push(`${step.label} has no statable StoppingCondition.MaxRuntimeInSeconds`);
    }
    for (const cluster of clustersOf(step)) {
        const typeResolution = resolve(cluster.instanceType, definition);
        const types = config.basis === "worst-case" ? candidates(typeResolution).map(String) : [defaultOf(typeResolution)].filter((t) => t !== undefined).map(String);
        const count = asNumber(defaultOf(resolve(cluster.instanceCount, definition)));
        if (types.length === 0 || count === undefined) {
            problems.push(`${step.label} ${cluster.where} has no statable ${types.length === 0 ? "InstanceType" : "InstanceCount"}`);
            continue;
        }
        const unpriced = types.filter((type) => pricePerHour(type, config.instancePrices) === undefined);
        if (unpriced.length > 0) {
            problems.push(`${step.label} can run on ${listText(unpriced)}, which has no price (add it to instancePrices)`);
            continue;
        }
        const type = types.reduce((a, b) => ((pricePerHour(b, config.instancePrices) ?? 0) > (pricePerHour(a, config.instancePrices) ?? 0) ? b : a));
        if (runtime !== undefined) {
            const usd = ((pricePerHour(type, config.instancePrices) ?? 0) * count * runtime) / 3600;
            lines.push({ text: `${step.name}: ${type} x ${count} x ${(runtime / 3600).toFixed(2)} h = $${usd.toFixed(2)}`, usd });
        }
    }
    return { lines, problems };
}

/** The most expensive path through the steps: job costs add up, a Condition costs its dearer branch. */
function runCost(steps: StepNode[], definition: Definition, config: RunCostKnobs): { lines: CostLine[]; problems: string[]; usd: number } {
    const lines: CostLine[] = [];
    const problems: string[] = [];
    for (const step of steps) {
        if (step.kind === "job") {
            const cost = jobCost(step, definition, config);
            lines.push(...cost.lines);
            problems.push(...cost.problems);
        } else if (step.kind === "condition") {
            const branches = [runCost(step.ifSteps, definition, config), runCost(step.elseSteps, definition, config)];
            const dearer = branches[0].usd >= branches[1].usd ? branches[0] : branches[1];
            lines.push(...dearer.lines);
            problems.push(...branches.flatMap((branch) => branch.problems));
        }
    }
    return { lines, problems, usd: lines.reduce((sum, line) => sum + line.usd, 0) };
}

export const sagemakerPipelineRunCost: ResourceValidationPolicy = {
    name: "sagemaker-pipeline-run-cost",
    description:
        "The worst-case on-demand cost of one SageMaker pipeline run — instance price (catalog, overridable) × InstanceCount × MaxRuntimeInSeconds, summed over Training and Processing steps, the dearer branch of each Condition — stays within maxRunCostUsd.",
    enforcementLevel: "mandatory",
    configSchema: runCostSchema,
    validateResource: (args, reportViolation) =>
        withDefinition(args, (definition, pipeline) => {
            const config = knobs<RunCostKnobs>(args, runCostSchema);
            const cost = runCost(definition.steps, definition, config);
            for (const problem of cost.problems) {
                reportViolation(`${pipeline}: the cost of a run cannot be estimated: ${problem}.`);
            }
            if (cost.usd > config.maxRunCostUsd) {
                reportViolation(
                    `${pipeline}: a run can cost up to $${cost.usd.toFixed(2)} on demand (${cost.lines.map((line) => line.text).join("; ")}), above maxRunCostUsd $${config.maxRunCostUsd}; lower the instance type, count or MaxRuntimeInSeconds, or raise maxRunCostUsd in the pack config.`,
                );
            }
        }),
};

export const costPolicies = [
    sagemakerPipelineInstanceTypesAllowed,
    sagemakerStudioInstanceTypesAllowed,
    sagemakerPipelineInstanceCount,
    sagemakerPipelineMaxRuntime,
    sagemakerPipelineSpotCheckpoints,
    sagemakerPipelineRunCost,
];

// The limits a pipeline run must stay within, as the pack enforces them: the names, default levels and knob
// schemas of the four policies that bound a run (instance allow-lists, instance count, runtime ceilings,
// run cost), which cost.ts builds its policies from, and `packLimits`, their effective knobs under a
// `--policy-pack-config` file. The operations CLI checks a start against `packLimits`, so a team that
// customises the pack gets the same limits from both. Schema defaults come from catalog.ts.
//
// Pure: no @pulumi/policy at run time (types only), so the CLI loads it without the policy SDK.
import type { EnforcementLevel, PolicyConfigSchema } from "@pulumi/policy";
import { DEFAULT_INFERENCE_INSTANCE_TYPES, DEFAULT_LIMITS, DEFAULT_PROCESSING_INSTANCE_TYPES, DEFAULT_TRAINING_INSTANCE_TYPES } from "./catalog";
import { integerKnob, numberKnob, resolvePolicySettings, stringList } from "./knobs";
import type { CostBasis, ParameterValues } from "./pipeline";

/** A policy's identity and configuration, without its checks. */
export interface PolicySpec {
    readonly name: string;
    readonly enforcementLevel: EnforcementLevel;
    readonly configSchema: PolicyConfigSchema;
}

export interface InstanceTypeKnobs {
    trainingInstanceTypes: string[];
    processingInstanceTypes: string[];
    transformInstanceTypes: string[];
}

export interface CountKnobs {
    maxInstanceCount: number;
    maxParallelTrainingJobs: number;
}

export interface RuntimeKnobs {
    maxTrainingRuntimeSeconds: number;
    maxProcessingRuntimeSeconds: number;
    maxSpotWaitSeconds: number;
}

export interface RunCostKnobs {
    maxRunCostUsd: number;
    instancePrices: Record<string, number>;
    basis: "default" | "worst-case";
    transformRuntimeSeconds: number;
}

/** The knobs of each run-limiting policy, by a short key. */
export interface LimitKnobs {
    instanceTypes: InstanceTypeKnobs;
    instanceCount: CountKnobs;
    runtime: RuntimeKnobs;
    runCost: RunCostKnobs;
}

export const LIMIT_POLICIES: { readonly [K in keyof LimitKnobs]: PolicySpec } = {
    instanceTypes: {
        name: "sagemaker-pipeline-instance-types-allowed",
        enforcementLevel: "mandatory",
        configSchema: {
            properties: {
                trainingInstanceTypes: stringList("Instance types Training steps and the training jobs of Tuning steps may run on.", DEFAULT_TRAINING_INSTANCE_TYPES),
                processingInstanceTypes: stringList("Instance types Processing steps may run on.", DEFAULT_PROCESSING_INSTANCE_TYPES),
                transformInstanceTypes: stringList("Instance types Transform steps (batch transform) may run on.", DEFAULT_INFERENCE_INSTANCE_TYPES),
            },
        },
    },
    instanceCount: {
        name: "sagemaker-pipeline-instance-count",
        enforcementLevel: "mandatory",
        configSchema: {
            properties: {
                maxInstanceCount: integerKnob("Most instances one job (Training, Processing, Transform, a Tuning step's training job) may use, per instance group.", DEFAULT_LIMITS.maxInstanceCount, 1),
                maxParallelTrainingJobs: integerKnob(
                    "Most training jobs a Tuning step may run at once (ResourceLimits.MaxParallelTrainingJobs).",
                    DEFAULT_LIMITS.maxParallelTrainingJobs,
                    1,
                ),
            },
        },
    },
    runtime: {
        name: "sagemaker-pipeline-max-runtime",
        enforcementLevel: "mandatory",
        configSchema: {
            properties: {
                maxTrainingRuntimeSeconds: integerKnob("Ceiling on a Training step's StoppingCondition.MaxRuntimeInSeconds.", DEFAULT_LIMITS.maxTrainingRuntimeSeconds, 1),
                maxProcessingRuntimeSeconds: integerKnob("Ceiling on a Processing step's StoppingCondition.MaxRuntimeInSeconds.", DEFAULT_LIMITS.maxProcessingRuntimeSeconds, 1),
                maxSpotWaitSeconds: integerKnob("Ceiling on a Training step's StoppingCondition.MaxWaitTimeInSeconds (managed spot).", DEFAULT_LIMITS.maxSpotWaitSeconds, 1),
            },
        },
    },
    runCost: {
        name: "sagemaker-pipeline-run-cost",
        enforcementLevel: "mandatory",
        configSchema: {
            properties: {
                maxRunCostUsd: numberKnob("Ceiling on the on-demand cost of one pipeline run, in USD.", DEFAULT_LIMITS.maxRunCostUsd),
                instancePrices: {
                    type: "object",
                    additionalProperties: { type: "number", minimum: 0 },
                    default: {},
                    description: "USD per hour by instance type, overriding or extending the catalog's list prices (e.g. negotiated rates).",
                },
                basis: {
                    type: "string",
                    enum: ["default", "worst-case"],
                    default: "default",
                    description:
                        "`default`: a run started without parameter overrides (the instance type's DefaultValue). `worst-case`: the most expensive type among DefaultValue and EnumValues.",
                },
                transformRuntimeSeconds: integerKnob(
                    "How long the team takes a Transform step's job to run at most, in seconds: SageMaker sets batch transform jobs no runtime limit, so without this statement (0) a Transform step's cost cannot be bounded and is reported.",
                    0,
                ),
            },
        },
    },
};

/** One policy's effective setting: its level and its knobs, defaults merged with the config. */
export interface Limit<K> {
    readonly policy: string;
    readonly enforcementLevel: EnforcementLevel;
    readonly knobs: K;
}

export type PackLimits = { readonly [K in keyof LimitKnobs]: Limit<LimitKnobs[K]> };

/**
 * The effective levels and knobs of the run-limiting policies under `config`, the content of a
 * `--policy-pack-config` file (default: none, the pack's defaults). Entries of the other policies are
 * left to the pack; an invalid entry of these four throws the pack's own message.
 */
export function packLimits(config: unknown = {}): PackLimits {
    const specs = Object.entries(LIMIT_POLICIES) as [keyof LimitKnobs, PolicySpec][];
    const settings = resolvePolicySettings(
        config,
        specs.map(([, spec]) => spec),
    );
    const limits = specs.map(([key, spec]) => {
        const { enforcementLevel, properties } = settings.get(spec.name)!;
        return [key, { policy: spec.name, enforcementLevel, knobs: properties }];
    });
    return Object.fromEntries(limits) as PackLimits;
}

/**
 * What the run-cost policy prices, from its knobs: the catalog prices overridden by instancePrices, the dearest
 * allowed instance type under `basis: "worst-case"`, and the stated runtime of transform jobs. The policy, the
 * plan's cost report and the CLI's pre-start check all price runs through this, so they agree.
 */
export function runCostBasis(knobs: RunCostKnobs, parameterValues?: ParameterValues): CostBasis {
    return {
        prices: knobs.instancePrices,
        dearestInstanceType: knobs.basis === "worst-case",
        ...(knobs.transformRuntimeSeconds > 0 ? { transformRuntimeSeconds: knobs.transformRuntimeSeconds } : {}),
        ...(parameterValues ? { parameterValues } : {}),
    };
}

// Affordability: allowed instance types (pipelines and Studio), instance counts, runtime ceilings, managed
// spot with checkpoints, a worst-case on-demand cost per pipeline run, and a budget that watches the spend.
// Defaults come from catalog.ts, the one list the stack's config validation and the operations CLI use too;
// the names, levels and knob schemas of the four run-limiting policies live in limits.ts, which the CLI
// reads them from, and the run cost is pipeline.ts's estimateRunCost, which the CLI uses too.
import { ofTypes, ScopedResourcePolicy } from "./appliesTo";
import { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { DEFAULT_STUDIO_INSTANCE_TYPES, REQUIRED_TAG_KEYS } from "./catalog";
import { booleanKnob, knobs, listText, stringList } from "./knobs";
import { CountKnobs, InstanceTypeKnobs, LIMIT_POLICIES, runCostBasis, RunCostKnobs, RuntimeKnobs } from "./limits";
import {
    asNumber,
    candidates,
    clustersOf,
    defaultOf,
    describeSetting,
    estimateRunCost,
    isPipeline,
    JobCost,
    JobFamily,
    jobsOf,
    jobSteps,
    resolve,
    Resolution,
    stoppingCondition,
    tuningLimits,
    UnboundedJob,
} from "./pipeline";
import { withDefinition } from "./sagemaker";
import { eachKnown, elements, peek, UNKNOWN } from "./unknowns";

/** The allow-list knob a job's instance types are checked against. */
const ALLOW_LIST: Readonly<Record<JobFamily, keyof InstanceTypeKnobs>> = {
    training: "trainingInstanceTypes",
    processing: "processingInstanceTypes",
    transform: "transformInstanceTypes",
};

export const sagemakerPipelineInstanceTypesAllowed: ScopedResourcePolicy = {
    appliesTo: isPipeline,
    ...LIMIT_POLICIES.instanceTypes,
    description:
        "Every instance type a job of a SageMaker pipeline can run on (literal values, parameter DefaultValue and EnumValues, Condition branches at any depth included) is in its allow-list: Training steps and a Tuning step's training job definitions trainingInstanceTypes, Processing steps processingInstanceTypes, Transform steps transformInstanceTypes; an instance-type parameter must have EnumValues, otherwise a run can start on any type.",
    validateResource: (args, reportViolation) =>
        withDefinition(args, (definition, pipeline) => {
            const config = knobs<InstanceTypeKnobs>(args, LIMIT_POLICIES.instanceTypes.configSchema);
            for (const job of jobsOf(definition.steps)) {
                const knob = ALLOW_LIST[job.family];
                const allowed = config[knob];
                for (const cluster of clustersOf(job)) {
                    const setting = `${cluster.where}.InstanceType`;
                    const resolution = resolve(cluster.instanceType, definition);
                    if (resolution.kind === "absent" || resolution.kind === "unresolvable") {
                        reportViolation(
                            `${pipeline}: ${job.label} ${setting} ${resolution.kind === "absent" ? "is missing" : resolution.reason}; use an allowed literal type or a parameter with EnumValues.`,
                        );
                        continue;
                    }
                    if (resolution.kind === "parameter" && !resolution.enumValues) {
                        reportViolation(
                            `${pipeline}: ${job.label} takes ${setting} from parameter ${resolution.name}, which has no EnumValues, so a run can start on any instance type; give the parameter EnumValues from ${knob}.`,
                        );
                    }
                    const disallowed = candidates(resolution).map(String).filter((type) => !allowed.includes(type));
                    if (disallowed.length > 0) {
                        reportViolation(
                            `${pipeline}: ${job.label} can run on ${listText(disallowed)} (${describeSetting(setting, resolution)}), which ${disallowed.length > 1 ? "are" : "is"} not in ${knob} (${listText(allowed, 12)}); use an allowed type or extend ${knob} in the pack config.`,
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

export const sagemakerStudioInstanceTypesAllowed: ScopedResourcePolicy = {
    appliesTo: ofTypes(...Object.keys(STUDIO_SETTINGS), "aws:sagemaker/app:App"),
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

/** Why a count setting has no statable value, or undefined when it has one. */
function unstatable(resolution: Resolution): string | undefined {
    if (resolution.kind === "absent") {
        return "is missing";
    }
    if (resolution.kind === "unresolvable") {
        return resolution.reason;
    }
    return resolution.kind === "parameter" && resolution.defaultValue === undefined ? `comes from parameter ${resolution.name}, which has no DefaultValue` : undefined;
}

export const sagemakerPipelineInstanceCount: ScopedResourcePolicy = {
    appliesTo: isPipeline,
    ...LIMIT_POLICIES.instanceCount,
    description:
        "Each job of a SageMaker pipeline (Training, Processing, Transform, a Tuning step's training job definitions) states its InstanceCount as a literal or a parameter whose DefaultValue (and any EnumValues) is at most maxInstanceCount, and each Tuning step states ResourceLimits.MaxNumberOfTrainingJobs and a MaxParallelTrainingJobs of at most maxParallelTrainingJobs.",
    validateResource: (args, reportViolation) =>
        withDefinition(args, (definition, pipeline) => {
            const { maxInstanceCount, maxParallelTrainingJobs } = knobs<CountKnobs>(args, LIMIT_POLICIES.instanceCount.configSchema);
            const checkCeiling = (label: string, setting: string, value: unknown, ceiling: number, knob: string, statable: string) => {
                const resolution = resolve(value, definition);
                const why = unstatable(resolution);
                if (why !== undefined) {
                    reportViolation(`${pipeline}: ${label} ${setting} ${why}; ${statable}.`);
                    return;
                }
                const tooMany = candidates(resolution).filter((candidate) => (asNumber(candidate) ?? Infinity) > ceiling);
                if (tooMany.length > 0) {
                    reportViolation(
                        `${pipeline}: ${label} ${describeSetting(setting, resolution)} is ${listText(tooMany.map(String))}, above ${knob} ${ceiling}; lower it or raise ${knob} in the pack config.`,
                    );
                }
            };
            for (const job of jobsOf(definition.steps)) {
                for (const cluster of clustersOf(job)) {
                    checkCeiling(job.label, `${cluster.where}.InstanceCount`, cluster.instanceCount, maxInstanceCount, "maxInstanceCount", `state a count of at most ${maxInstanceCount}`);
                }
            }
            for (const step of jobSteps(definition.steps).filter((candidate) => candidate.type === "Tuning")) {
                const limits = tuningLimits(step);
                const why = unstatable(resolve(limits.maxJobs, definition));
                if (why !== undefined) {
                    reportViolation(
                        `${pipeline}: ${step.label} HyperParameterTuningJobConfig.ResourceLimits.MaxNumberOfTrainingJobs ${why}; state how many training jobs it may start, so its cost can be bounded.`,
                    );
                }
                checkCeiling(
                    step.label,
                    "HyperParameterTuningJobConfig.ResourceLimits.MaxParallelTrainingJobs",
                    limits.maxParallelJobs,
                    maxParallelTrainingJobs,
                    "maxParallelTrainingJobs",
                    `state at most ${maxParallelTrainingJobs} parallel training jobs`,
                );
            }
        }),
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

export const sagemakerPipelineMaxRuntime: ScopedResourcePolicy = {
    appliesTo: isPipeline,
    ...LIMIT_POLICIES.runtime,
    description:
        "Each Training job and Tuning training job definition (maxTrainingRuntimeSeconds) and each Processing job (maxProcessingRuntimeSeconds) of a SageMaker pipeline sets StoppingCondition.MaxRuntimeInSeconds (literal or parameter DefaultValue) within its ceiling, and any MaxWaitTimeInSeconds within maxSpotWaitSeconds, so no job bills without bound. Transform jobs have no runtime setting in SageMaker: the run-cost policy's transformRuntimeSeconds bounds them.",
    validateResource: (args, reportViolation) =>
        withDefinition(args, (definition, pipeline) => {
            const config = knobs<RuntimeKnobs>(args, LIMIT_POLICIES.runtime.configSchema);
            for (const job of jobsOf(definition.steps).filter((candidate) => candidate.family !== "transform")) {
                const { maxRuntime, maxWait } = stoppingCondition(job);
                const [ceiling, knob] =
                    job.family === "training"
                        ? [config.maxTrainingRuntimeSeconds, "maxTrainingRuntimeSeconds"]
                        : [config.maxProcessingRuntimeSeconds, "maxProcessingRuntimeSeconds"];
                const problems = [
                    limitProblem(resolve(maxRuntime, definition), "StoppingCondition.MaxRuntimeInSeconds", ceiling, knob, true),
                    limitProblem(resolve(maxWait, definition), "StoppingCondition.MaxWaitTimeInSeconds", config.maxSpotWaitSeconds, "maxSpotWaitSeconds", false),
                ];
                for (const problem of problems.filter((p): p is string => p !== undefined)) {
                    reportViolation(`${pipeline}: ${job.label} ${problem}.`);
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

export const sagemakerPipelineSpotCheckpoints: ScopedResourcePolicy = {
    appliesTo: isPipeline,
    name: "sagemaker-pipeline-spot-checkpoints",
    description:
        "Training jobs of a SageMaker pipeline (Training steps and a Tuning step's training job definitions) use managed spot training (EnableManagedSpotTraining true by default value) with a StoppingCondition.MaxWaitTimeInSeconds and a CheckpointConfig.S3Uri, so interrupted runs resume instead of restarting.",
    enforcementLevel: "advisory",
    configSchema: spotSchema,
    validateResource: (args, reportViolation) =>
        withDefinition(args, (definition, pipeline) => {
            const config = knobs<SpotKnobs>(args, spotSchema);
            for (const job of jobsOf(definition.steps).filter((candidate) => candidate.family === "training")) {
                const spot = defaultOf(resolve(job.request.EnableManagedSpotTraining, definition));
                if (spot !== true && spot !== "true") {
                    if (config.requireSpot) {
                        reportViolation(
                            `${pipeline}: ${job.label} trains on on-demand capacity; set EnableManagedSpotTraining: true with StoppingCondition.MaxWaitTimeInSeconds and CheckpointConfig (spot costs up to 90% less).`,
                        );
                    }
                    continue;
                }
                if (stoppingCondition(job).maxWait === undefined) {
                    reportViolation(`${pipeline}: ${job.label} uses managed spot without StoppingCondition.MaxWaitTimeInSeconds, which SageMaker requires; set it.`);
                }
                if (config.requireCheckpoints && !job.request.CheckpointConfig?.S3Uri) {
                    reportViolation(
                        `${pipeline}: ${job.label} uses managed spot without CheckpointConfig.S3Uri, so an interruption restarts training from scratch; add a CheckpointConfig with an S3Uri and LocalPath.`,
                    );
                }
            }
        }),
};

/** Why each unbounded group's cost cannot be estimated; a missing runtime is said once per job. */
function estimateProblems(unbounded: readonly UnboundedJob[]): string[] {
    return unbounded.flatMap((group, index) => {
        const { label } = group.job;
        const firstOfJob = index === 0 || unbounded[index - 1].job !== group.job;
        const runtime =
            group.job.family === "transform"
                ? `${label} is a batch transform job, which SageMaker runs without a time limit; state the longest it may run in the pack config's transformRuntimeSeconds`
                : `${label} has no statable StoppingCondition.MaxRuntimeInSeconds`;
        const missing = group.missing.find((input) => input !== "MaxRuntimeInSeconds");
        return [
            ...(firstOfJob && group.missing.includes("MaxRuntimeInSeconds") ? [runtime] : []),
            ...(missing === "MaxNumberOfTrainingJobs"
                ? firstOfJob
                    ? [`${group.step.label} has no statable HyperParameterTuningJobConfig.ResourceLimits.MaxNumberOfTrainingJobs`]
                    : []
                : missing !== undefined
                  ? [`${label} ${group.where} has no statable ${missing}`]
                  : group.unpriced.length > 0
                    ? [`${label} can run on ${listText(group.unpriced)}, which has no price (add it to instancePrices)`]
                    : []),
        ];
    });
}

const costLine = (job: JobCost) =>
    `${job.step}: ${job.instanceType} x ${job.instanceCount} x ${(job.maxRuntimeSeconds / 3600).toFixed(2)} h${job.jobs === 1 ? "" : ` x ${job.jobs} jobs`} = $${job.costUsd.toFixed(2)}`;

export const sagemakerPipelineRunCost: ScopedResourcePolicy = {
    appliesTo: isPipeline,
    ...LIMIT_POLICIES.runCost,
    description:
        "The worst-case on-demand cost of one SageMaker pipeline run — instance price (catalog, overridable) × InstanceCount × MaxRuntimeInSeconds of every job a step starts (a Tuning step: × MaxNumberOfTrainingJobs of its dearest training job definition; a Transform step: × the stated transformRuntimeSeconds), summed along the dearer branch of each Condition at any depth — stays within maxRunCostUsd. A job whose cost cannot be stated is a violation, never priced at $0.",
    validateResource: (args, reportViolation) =>
        withDefinition(args, (definition, pipeline) => {
            const config = knobs<RunCostKnobs>(args, LIMIT_POLICIES.runCost.configSchema);
            const cost = estimateRunCost(definition, runCostBasis(config));
            for (const problem of estimateProblems(cost.unbounded)) {
                reportViolation(`${pipeline}: the cost of a run cannot be estimated: ${problem}.`);
            }
            if (cost.costUsd > config.maxRunCostUsd) {
                reportViolation(
                    `${pipeline}: a run can cost up to $${cost.costUsd.toFixed(2)} on demand (${cost.jobs.map(costLine).join("; ")}), above maxRunCostUsd $${config.maxRunCostUsd}; lower the instance type, count, MaxRuntimeInSeconds or MaxNumberOfTrainingJobs, or raise maxRunCostUsd in the pack config.`,
                );
            }
        }),
};

// ---- Budgets: someone hears about the spend of what the stack runs ----

const BUDGET_TYPE = "aws:budgets/budget:Budget";

interface BudgetKnobs {
    costlyResourceTypes: string[];
    tagKey: string;
}
const budgetSchema = {
    properties: {
        costlyResourceTypes: stringList("Resource types whose presence requires a cost budget (they start instances that bill by the hour).", [
            "aws:sagemaker/pipeline:Pipeline",
            "aws:sagemaker/domain:Domain",
            "aws:sagemaker/mlflowTrackingServer:MlflowTrackingServer",
            "aws:sagemaker/notebookInstance:NotebookInstance",
            "aws:sagemaker/endpoint:Endpoint",
            "aws:sagemaker/monitoringSchedule:MonitoringSchedule",
        ]),
        tagKey: {
            type: "string" as const,
            minLength: 1,
            default: REQUIRED_TAG_KEYS[0],
            description: "Cost-allocation tag a budget must filter on (filterExpression tags, or legacy costFilters TagKeyValue `user:<key>$<value>`).",
        },
    },
};

/** Values of the `tagKey` filters a budget selects costs by: filterExpression tags at the top or under `ands`, or costFilters TagKeyValue. */
function budgetTagValues(budget: PolicyResource, tagKey: string): string[] | undefined {
    const keys = [tagKey, `user:${tagKey}`];
    const values: string[] = [];
    let filtered = false;
    const visit = (expression: unknown) => {
        if (!expression || typeof expression !== "object") {
            return;
        }
        const { tags, ands } = expression as { tags?: { key?: unknown; values?: unknown }; ands?: unknown };
        if (tags && typeof tags.key === "string" && keys.includes(tags.key)) {
            filtered = true;
            values.push(...(Array.isArray(tags.values) ? tags.values.filter((value): value is string => typeof value === "string") : []));
        }
        if (Array.isArray(ands)) {
            ands.forEach(visit);
        }
    };
    visit(budget.props.filterExpression);
    const legacy = budget.props.costFilters;
    for (const filter of Array.isArray(legacy) ? legacy : []) {
        if (filter?.name !== "TagKeyValue" || !Array.isArray(filter.values)) {
            continue;
        }
        for (const value of filter.values) {
            const match = typeof value === "string" ? /^(?:user:)?([^$]+)\$(.*)$/.exec(value) : null;
            if (match && match[1] === tagKey) {
                filtered = true;
                values.push(match[2]);
            }
        }
    }
    return filtered ? values : undefined;
}

/** Whether some notification of the budget has a subscriber (an SNS topic or an e-mail address; unknown counts). */
function notifiesSomeone(budget: PolicyResource): boolean {
    return elements(() => budget.props.notifications).some((read) => {
        const notification = read() as Record<string, unknown> | undefined;
        return ["subscriberSnsTopicArns", "subscriberEmailAddresses"].some((key) => {
            const subscribers = peek(() => notification?.[key]);
            return subscribers === UNKNOWN || (Array.isArray(subscribers) && subscribers.length > 0);
        });
    });
}

/** Why a budget does not watch the stack's costs, or undefined when it does. */
function budgetProblem(budget: PolicyResource, tagKey: string): string | undefined {
    const type = budget.props.budgetType;
    if (type !== "COST") {
        return `its budgetType is ${type === undefined ? "not set" : JSON.stringify(type)}, not "COST"`;
    }
    if (budgetTagValues(budget, tagKey) === undefined) {
        return `it filters on no "${tagKey}" tag, so it watches the whole account`;
    }
    if (!notifiesSomeone(budget)) {
        return "no notification has a subscriber (SNS topic or e-mail)";
    }
    return undefined;
}

export const costBudgetRequired: StackValidationPolicy = {
    name: "cost-budget-required",
    description: `A stack with SageMaker resources that bill by the hour (Pipeline, Domain, MlflowTrackingServer, NotebookInstance, Endpoint, MonitoringSchedule) has an AWS Budgets COST budget that filters on its cost-allocation tag (\`${REQUIRED_TAG_KEYS[0]}\`: filterExpression tags, or legacy costFilters TagKeyValue) with a value those resources carry, and notifies a subscriber (SNS topic or e-mail). Same default level as the cost limits.`,
    enforcementLevel: LIMIT_POLICIES.runCost.enforcementLevel,
    configSchema: budgetSchema,
    validateStack: async (args, reportViolation) => {
        const { costlyResourceTypes, tagKey } = knobs<BudgetKnobs>(args, budgetSchema);
        const costly = args.resources.filter((resource) => costlyResourceTypes.includes(resource.type));
        if (costly.length === 0) {
            args.notApplicable("the stack has no resource that bills by the hour");
        }
        const budgets = args.resources.filter((resource) => resource.type === BUDGET_TYPE);
        const work: (() => void)[] = [];
        const problems: string[] = [];
        const watching: { budget: PolicyResource; values: string[] }[] = [];
        for (const budget of budgets) {
            work.push(() => {
                const problem = budgetProblem(budget, tagKey);
                if (problem) {
                    problems.push(`budget ${budget.name}: ${problem}`);
                } else {
                    watching.push({ budget, values: budgetTagValues(budget, tagKey)! });
                }
            });
        }
        // What the costly resources are tagged with (tagsAll includes the provider's defaultTags under the engine).
        const tagged = new Map<string, PolicyResource[]>();
        for (const resource of costly) {
            work.push(() => {
                const reads = [() => resource.props.tags?.[tagKey], () => resource.props.tagsAll?.[tagKey]];
                const values = reads.map((read) => peek(read));
                const value = values.find((v): v is string => typeof v === "string" && v.length > 0);
                if (value !== undefined) {
                    const list = tagged.get(value) ?? [];
                    list.push(resource);
                    tagged.set(value, list);
                } else if (values.includes(UNKNOWN)) {
                    reads[values.indexOf(UNKNOWN)](); // throws: the tag is only known after deployment
                }
            });
        }
        // Budgets and tags whose values are unknown in preview are rethrown once everything known was read.
        let unknown: unknown;
        try {
            await eachKnown(work, (step) => step());
        } catch (error) {
            unknown = error;
        }
        const names = listText(costly.map((resource) => `${resource.type.split(":").pop()} ${resource.name}`), 5);
        if (watching.length === 0 && unknown === undefined) {
            reportViolation(
                `The stack runs SageMaker resources that bill by the hour (${names}) but no AWS Budgets cost budget watches them${problems.length > 0 ? ` (${problems.join("; ")})` : ""}; add an aws.budgets.Budget with budgetType "COST", a filterExpression on the cost-allocation tag "${tagKey}" (e.g. {tags: {key: "${tagKey}", values: ["<value>"]}}) and a notification with an SNS topic or e-mail subscriber.`,
            );
        } else if (watching.length > 0) {
            const covered = new Set(watching.flatMap((entry) => entry.values));
            for (const [value, resources] of tagged) {
                if (!covered.has(value)) {
                    reportViolation(
                        `${listText(resources.map((resource) => resource.name), 5)} ${resources.length > 1 ? "are" : "is"} tagged ${tagKey}: "${value}", which no cost budget filters on (${listText(watching.map((entry) => `${entry.budget.name}: ${listText(entry.values.map((v) => `"${v}"`)) || "no value"}`))}); add "${value}" to a budget's ${tagKey} filter.`,
                        resources[0].urn,
                    );
                }
            }
        }
        if (unknown !== undefined) {
            throw unknown;
        }
    },
};

export const costPolicies = [
    sagemakerPipelineInstanceTypesAllowed,
    sagemakerStudioInstanceTypesAllowed,
    sagemakerPipelineInstanceCount,
    sagemakerPipelineMaxRuntime,
    sagemakerPipelineSpotCheckpoints,
    sagemakerPipelineRunCost,
    costBudgetRequired,
];

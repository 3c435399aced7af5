// The cost block of `npm run plan`: what one run of the pipeline can cost — per job step (Condition branches
// included), on demand and with managed spot, against the policy pack's ceiling — and what the platform costs
// per month at rest, from the resources the stack registers. Run costs come from policies/pipeline.ts's
// estimateRunCost with the basis runCostBasis builds from the pack config's run-cost knobs (instancePrices,
// transformRuntimeSeconds, maxRunCostUsd), exactly as the policy pack and the CLI call it, so the three agree;
// this module adds only the spot estimate, the labels and the prices of resources that bill while nothing runs
// (a real-time endpoint's instances among them). Every figure is an estimate from list prices. Pure: no Pulumi
// runtime.
import { pricePerHour, PRICING_BASIS, worstCaseJobCostUsd } from "../policies/catalog";
import { packLimits, runCostBasis, RunCostKnobs } from "../policies/limits";
import {
    asNumber,
    Definition,
    estimateRunCost,
    isKnownStepType,
    Job,
    JobType,
    ParameterValues,
    parseDefinition,
    resolve,
    STEP_TYPES,
    StepNode,
    stoppingCondition,
    UnboundedJob,
    valueOf,
} from "../policies/pipeline";

/**
 * Prices of what the platform keeps while nothing runs, us-east-1 list prices. Looked up on 2026-11-23
 * through the pages below and public material quoting them; the SageMaker pricing page's MLflow section
 * itself could not be read from the build machine, so only the Small size, quoted consistently at
 * $0.642/hour in us-east-1, is priced; Medium and Large are reported as unpriced rather than guessed.
 */
export const AT_REST_PRICES = {
    region: "us-east-1",
    checked: "2026-11-23",
    /** AWS bills hourly resources over 730 hours a month in its calculator; so does this report. */
    hoursPerMonth: 730,
    kmsKey: {
        monthlyUsd: 1,
        source: "https://aws.amazon.com/kms/pricing/",
        rotation: "yearly rotation adds $1/month for each of the first two rotations ($2 in year 2, $3 from year 3)",
    },
    mlflowTrackingServer: {
        hourlyUsdBySize: { Small: 0.642 } as Readonly<Record<string, number>>,
        source: "https://aws.amazon.com/sagemaker/pricing/ (SageMaker with MLflow: tracking server hours, us-east-1)",
    },
    cloudWatchAlarm: {
        monthlyUsd: 0.1,
        source: "https://aws.amazon.com/cloudwatch/pricing/ (standard-resolution metric alarm; the first 10 are in the free tier)",
    },
    /** A target-tracking scaling policy: Application Auto Scaling creates and keeps two alarms (scale out, scale in). */
    targetTrackingAlarms: 2,
    /**
     * The cross-region replica. S3 Standard's long-standing list price for the first 50 TB a month, the same in
     * us-east-1, us-east-2 and us-west-2 (other regions differ), and the transfer to another region from the US
     * regions; both as quoted widely, not re-read from the build machine.
     */
    s3Replica: {
        storageGbMonthUsd: 0.023,
        transferGbUsd: 0.02,
        source: "https://aws.amazon.com/s3/pricing/ (Storage: S3 Standard, first 50 TB/month; Data transfer: to another AWS region)",
    },
} as const;

// ---- Per run ----

/** One instance group of a Training or Processing step, billed for its whole MaxRuntimeInSeconds. */
export interface JobCostLine {
    readonly step: string;
    readonly type: JobType;
    /** Where the group sits in the step's Arguments, e.g. `ResourceConfig`. */
    readonly where: string;
    /** The Condition branches the step sits in, e.g. `CheckMAP50 if`; absent at top level. */
    readonly branch?: string;
    readonly instanceType: string;
    readonly instanceCount: number;
    readonly maxRuntimeSeconds: number;
    /** Jobs of this request a run can start: 1, or a Tuning step's MaxNumberOfTrainingJobs. */
    readonly jobs: number;
    readonly pricePerHourUsd: number;
    readonly onDemandUsd: number;
    /** Whether the run trains on managed spot (EnableManagedSpotTraining as the run resolves it); false for processing. */
    readonly managedSpot: boolean;
    /** Training only: on-demand × (1 − typical spot savings), an estimate; null for processing, which has no spot. */
    readonly spotEstimateUsd: number | null;
    /** What the run is expected to be billed: the spot estimate where managed spot is on, on demand otherwise. */
    readonly asConfiguredUsd: number;
    /** A spot job's MaxWaitTimeInSeconds: its runtime plus time waiting for capacity, which is not billed. */
    readonly maxWaitSeconds: number | null;
}

/** A group whose cost cannot be stated (unknown instance type, missing count or runtime): reported, never priced at 0. */
export interface UnpricedJob {
    readonly step: string;
    readonly where: string;
    readonly instanceTypes: readonly string[];
    /** Settings without a usable value. */
    readonly missing: readonly string[];
    /** Instance types with no price in the table. */
    readonly unpriced: readonly string[];
}

export interface RunCost {
    /** Sum of the jobs' on-demand cost: the figure the policy pack compares with its ceiling. */
    readonly onDemandUsd: number;
    /** Sum of the jobs' expected cost with managed spot where the pipeline enables it (an estimate). */
    readonly asConfiguredUsd: number;
    /** The dearest path: every job step, and of each Condition the dearer branch. */
    readonly jobs: readonly JobCostLine[];
    /** Groups left out of the sums because their cost cannot be stated. */
    readonly unpriced: readonly UnpricedJob[];
    /** False when `unpriced` is not empty: the sums are then lower bounds. */
    readonly complete: boolean;
}

export interface PipelineCost {
    /** A run started without parameter overrides. */
    readonly defaultRun: RunCost;
    /** A run on the dearest instance type each instance-type setting allows (DefaultValue and EnumValues), default counts. */
    readonly largestAllowed: RunCost;
    /** The policy pack's ceiling on a run's on-demand cost and what is left under it. */
    readonly ceiling: {
        readonly maxRunCostUsd: number;
        readonly headroomUsd: number;
        readonly largestAllowedHeadroomUsd: number;
        /** The pack's `basis` knob: which run it compares with the ceiling (`default`, or `worst-case`: the largest allowed). */
        readonly basis: RunCostKnobs["basis"];
    };
    /** Steps of the kinds STEP_TYPES says start no billed compute (Condition, Fail, RegisterModel, Model, Lineage, …). */
    readonly freeSteps: readonly { readonly name: string; readonly type: string }[];
    /**
     * Steps of STEP_TYPES' opaque kinds (Lambda, Callback, EMR, AutoML, endpoints, Bedrock jobs, …) and of types the
     * pack does not know: they may bill, but nothing in the definition says how much.
     */
    readonly notEstimatedSteps: readonly { readonly name: string; readonly type: string }[];
}

export interface CostOptions {
    /** Values the run is started with (default: none, every parameter at its DefaultValue). */
    readonly parameterValues?: ParameterValues;
    /**
     * The policy pack config (a `--policy-pack-config` file's content) the pack is evaluated with (default: none,
     * the pack's defaults). Its sagemaker-pipeline-run-cost knobs set the ceiling, the instancePrices over the
     * catalog's list prices and transformRuntimeSeconds, through runCostBasis as the pack and the CLI read them.
     */
    readonly packConfig?: unknown;
    /** Fraction of on-demand a managed spot job saves (default: the catalog's typical-savings assumption). */
    readonly spotSavings?: number;
    /**
     * GB under the replicated prefixes that the replica is priced at (config `replicatedDataGb`): no resource
     * states how much data there is, so without it the replica is reported unpriced.
     */
    readonly replicatedDataGb?: number;
}

type NamedStep = { name: string; type: string };

/**
 * The steps that start no job, with the branches walked at any depth: `free` ones (STEP_TYPES' kinds that start
 * no billed compute) and `notEstimated` ones (opaque kinds and unknown types).
 */
function stepsWithoutJobs(steps: readonly StepNode[], found: { free: NamedStep[]; notEstimated: NamedStep[] } = { free: [], notEstimated: [] }) {
    for (const step of steps) {
        if (step.kind === "condition") {
            found.free.push({ name: step.name, type: "Condition" });
            stepsWithoutJobs(step.ifSteps, found);
            stepsWithoutJobs(step.elseSteps, found);
        } else if (step.kind === "register") {
            found.free.push({ name: step.name, type: "RegisterModel" });
        } else if (step.kind === "other") {
            const billsNothing = isKnownStepType(step.type) && STEP_TYPES[step.type] !== "opaque";
            (billsNothing ? found.free : found.notEstimated).push({ name: step.name, type: step.type });
        }
    }
    return found;
}

/** Every job by its label, with the Condition branches its step sits in (`CheckMAP50 if > CheckRecall else`). */
function locateJobs(steps: readonly StepNode[], path: readonly string[] = [], found = new Map<string, { job: Job; branch?: string }>()) {
    for (const step of steps) {
        if (step.kind === "job") {
            for (const job of step.jobs) {
                found.set(job.label, { job, branch: path.length > 0 ? path.join(" > ") : undefined });
            }
        } else if (step.kind === "condition") {
            locateJobs(step.ifSteps, [...path, `${step.name} if`], found);
            locateJobs(step.elseSteps, [...path, `${step.name} else`], found);
        }
    }
    return found;
}

const isTrue = (value: unknown) => value === true || value === "true";

function unpricedJob(job: UnboundedJob): UnpricedJob {
    return { step: job.step.name, where: job.where, instanceTypes: job.instanceTypes.map(String), missing: [...job.missing], unpriced: [...job.unpriced] };
}

/** The run-cost knobs of the pack config, resolved as the pack resolves them. */
function runCostKnobs(options: CostOptions): RunCostKnobs {
    return packLimits(options.packConfig ?? {}).runCost.knobs;
}

/** USD per hour by instance type over the catalog's list prices: the pack config's instancePrices. */
function pricesOf(options: CostOptions): Record<string, number> {
    return { ...runCostKnobs(options).instancePrices };
}

/** The cost of one run of a parsed definition; `dearestInstanceType` prices the dearest allowed type of each setting. */
export function runCost(definition: Definition, options: CostOptions & { readonly dearestInstanceType?: boolean } = {}): RunCost {
    const savings = options.spotSavings ?? PRICING_BASIS.typicalManagedSpotSavings;
    const values = options.parameterValues ?? {};
    const knobs = runCostKnobs(options);
    // Both runs the report shows, whichever of them the pack's `basis` knob compares with the ceiling.
    const estimate = estimateRunCost(definition, { ...runCostBasis(knobs, values), dearestInstanceType: options.dearestInstanceType ?? false });
    const located = locateJobs(definition.steps);
    const jobs = estimate.jobs.map((cost): JobCostLine => {
        const { job, branch } = located.get(cost.job)!;
        const training = job.family === "training";
        const managedSpot = training && isTrue(valueOf(resolve(job.request.EnableManagedSpotTraining, definition), values));
        const spotEstimateUsd = training ? cost.costUsd * (1 - savings) : null;
        const maxWait = managedSpot ? asNumber(valueOf(resolve(stoppingCondition(job).maxWait, definition), values)) : undefined;
        return {
            step: cost.step,
            type: cost.type,
            where: cost.where,
            ...(branch ? { branch } : {}),
            instanceType: cost.instanceType,
            instanceCount: cost.instanceCount,
            maxRuntimeSeconds: cost.maxRuntimeSeconds,
            jobs: cost.jobs,
            pricePerHourUsd: pricePerHour(cost.instanceType, knobs.instancePrices)!,
            onDemandUsd: cost.costUsd,
            managedSpot,
            spotEstimateUsd,
            asConfiguredUsd: managedSpot ? spotEstimateUsd! : cost.costUsd,
            maxWaitSeconds: maxWait ?? null,
        };
    });
    const unpriced = estimate.unbounded.map(unpricedJob);
    return {
        onDemandUsd: estimate.costUsd,
        asConfiguredUsd: jobs.reduce((sum, job) => sum + job.asConfiguredUsd, 0),
        jobs,
        unpriced,
        complete: unpriced.length === 0,
    };
}

/** The per-run part of the report for a pipeline definition (JSON string or object, as the Pipeline resource holds it). */
export function pipelineCost(rawDefinition: unknown, options: CostOptions = {}): PipelineCost {
    const definition = parseDefinition(rawDefinition);
    const defaultRun = runCost(definition, options);
    const largestAllowed = runCost(definition, { ...options, dearestInstanceType: true });
    const { maxRunCostUsd, basis } = runCostKnobs(options);
    const withoutJobs = stepsWithoutJobs(definition.steps);
    return {
        defaultRun,
        largestAllowed,
        ceiling: {
            maxRunCostUsd,
            headroomUsd: maxRunCostUsd - defaultRun.onDemandUsd,
            largestAllowedHeadroomUsd: maxRunCostUsd - largestAllowed.onDemandUsd,
            basis,
        },
        freeSteps: withoutJobs.free,
        notEstimatedSteps: withoutJobs.notEstimated,
    };
}

// ---- At rest ----

/** What the report needs of a registered resource. */
export interface StackResource {
    readonly type: string;
    readonly name: string;
    readonly inputs: Record<string, any>;
    /** False for component resources (they bill nothing themselves); default true. */
    readonly custom?: boolean;
}

export interface AtRestItem {
    readonly name: string;
    readonly type: string;
    /** USD per month while nothing runs; null when the report cannot price it. */
    readonly monthlyUsd: number | null;
    /** Short label of what the resource is. */
    readonly what: string;
    readonly note?: string;
    /** What it can cost per month at most, when that differs (an endpoint at autoscaling's maximum). */
    readonly maxMonthlyUsd?: number;
}

/** The most a Studio JupyterLab app costs when its user forgets it, from the domain's defaults. */
export interface StudioAppCost {
    readonly domain: string;
    readonly instanceType: string | null;
    readonly pricePerHourUsd: number | null;
    /** Minutes without activity after which the app shuts down; null when the domain sets no idle shutdown. */
    readonly idleTimeoutMinutes: number | null;
    /** The longest idle time users may choose for their space; null when not set. */
    readonly maxIdleTimeoutMinutes: number | null;
    /** Price × default idle timeout: what a forgotten app bills after its last activity; null without idle shutdown or price. */
    readonly forgottenAppUsd: number | null;
    /** Price × the longest idle timeout users may choose. */
    readonly forgottenAppMaxUsd: number | null;
    /** Without idle shutdown a forgotten app bills every hour of the month. */
    readonly alwaysOnMonthlyUsd: number | null;
}

/**
 * A real-time endpoint bills every instance-hour it exists, whether it serves requests or not: autoscaling's
 * minimum is what it costs at rest, its maximum what it can cost under load (catalog prices: real-time
 * inference lists the training figures for these types in us-east-1).
 */
export interface EndpointCost {
    readonly endpoint: string;
    /** One entry per production variant of its configuration. */
    readonly variants: readonly {
        readonly variant: string;
        readonly instanceType: string;
        readonly pricePerHourUsd: number | null;
        /** The scalable target's minCapacity, or the configuration's initialInstanceCount without autoscaling. */
        readonly minInstances: number;
        /** The scalable target's maxCapacity; without autoscaling the count never changes. */
        readonly maxInstances: number;
        readonly autoscaling: boolean;
    }[];
    /** Σ price × min instances × hours per month; null when a variant is unpriced or the configuration unknown. */
    readonly monthlyUsd: number | null;
    /** Σ price × max instances × hours per month. */
    readonly maxMonthlyUsd: number | null;
}

/** A Model Monitor schedule bills a processing job per run; priced as if every run took its whole MaxRuntime. */
export interface MonitoringScheduleCost {
    readonly schedule: string;
    readonly runsPerMonth: number | null;
    readonly instanceType: string | null;
    readonly instanceCount: number | null;
    readonly maxRuntimeSeconds: number | null;
    readonly worstCaseMonthlyUsd: number | null;
}

export interface AtRestCost {
    /** Sum of the priced items: deterministic from the stack's resources. */
    readonly monthlyUsd: number;
    /** The same with every endpoint at its autoscaling maximum. */
    readonly maxMonthlyUsd: number;
    readonly items: readonly AtRestItem[];
    /** Items the report has no price for (unknown types, unpriced sizes): not in the sum. */
    readonly unpriced: readonly AtRestItem[];
    /** Costs that depend on data or use, not estimated. */
    readonly notEstimated: readonly string[];
    readonly studio: readonly StudioAppCost[];
    readonly endpoints: readonly EndpointCost[];
    readonly monitoringSchedules: readonly MonitoringScheduleCost[];
}

/** Resource types that bill nothing while nothing runs, with a short label. */
const FREE_AT_REST: Readonly<Record<string, string>> = {
    "aws:iam/role:Role": "IAM roles and policies",
    "aws:iam/rolePolicy:RolePolicy": "IAM roles and policies",
    "aws:iam/policy:Policy": "IAM roles and policies",
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": "IAM roles and policies",
    "aws:kms/alias:Alias": "KMS alias",
    "aws:s3/bucket:Bucket": "S3 bucket and its settings",
    "aws:s3/bucketV2:BucketV2": "S3 bucket and its settings",
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls": "S3 bucket and its settings",
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": "S3 bucket and its settings",
    "aws:s3/bucketVersioning:BucketVersioning": "S3 bucket and its settings",
    "aws:s3/bucketPolicy:BucketPolicy": "S3 bucket and its settings",
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": "S3 bucket and its settings",
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": "S3 bucket and its settings",
    // S3 delivers its events to EventBridge's default bus at no charge; AWS service events cost nothing there.
    "aws:s3/bucketNotification:BucketNotification": "S3 bucket and its settings",
    "aws:s3/bucketCorsConfiguration:BucketCorsConfiguration": "S3 bucket and its settings",
    "aws:s3/bucketLogging:BucketLogging": "S3 server access logging (delivery is free; the logs bill as S3 storage)",
    "aws:s3/bucketObjectv2:BucketObjectv2": "code bundle (a few MB of S3)",
    "aws:sagemaker/userProfile:UserProfile": "Studio user profiles",
    "aws:sagemaker/space:Space": "Studio spaces",
    "aws:sagemaker/studioLifecycleConfig:StudioLifecycleConfig": "Studio lifecycle configuration",
    "aws:sagemaker/pipeline:Pipeline": "pipeline (its jobs bill per run)",
    "aws:sagemaker/modelPackageGroup:ModelPackageGroup": "model registry group",
    "aws:sagemaker/modelPackageGroupPolicy:ModelPackageGroupPolicy": "model registry group",
    "aws:sns/topic:Topic": "SNS topic",
    "aws:sns/topicPolicy:TopicPolicy": "SNS topic",
    "aws:sns/topicSubscription:TopicSubscription": "SNS topic",
    "aws:cloudwatch/eventRule:EventRule": "EventBridge rules",
    "aws:cloudwatch/eventTarget:EventTarget": "EventBridge rules",
    "aws:ec2/securityGroup:SecurityGroup": "security groups",
    "aws:sagemaker/model:Model": "endpoint model and configuration (the endpoint bills its instances)",
    "aws:sagemaker/endpointConfiguration:EndpointConfiguration": "endpoint model and configuration (the endpoint bills its instances)",
    "aws:appautoscaling/target:Target": "autoscaling target",
    "aws:sagemaker/dataQualityJobDefinition:DataQualityJobDefinition": "monitoring job definition (its schedule's runs bill)",
};

const NOT_ESTIMATED = [
    "S3 storage and requests (datasets, models, checkpoints, noncurrent versions: they depend on the data)",
    "S3 server access logs (a few hundred bytes per request to the bucket, kept accessLogRetentionDays)",
    "KMS requests beyond the free tier (the bucket key keeps them low)",
    "Studio storage (the domain's home EFS, each user space's EBS volume)",
    "CloudWatch Logs of jobs",
];

const get = (value: unknown, ...path: string[]): unknown =>
    path.reduce<unknown>((current, key) => (current && typeof current === "object" ? (current as Record<string, unknown>)[key] : undefined), value);

function studioAppCost(domain: StackResource, options: CostOptions): StudioAppCost {
    const jupyterLab = get(domain.inputs, "defaultUserSettings", "jupyterLabAppSettings");
    const instanceType = get(jupyterLab, "defaultResourceSpec", "instanceType");
    const idle = get(jupyterLab, "appLifecycleManagement", "idleSettings");
    const enabled = idle !== undefined && get(idle, "lifecycleManagement") !== "DISABLED";
    const idleTimeoutMinutes = enabled ? (asNumber(get(idle, "idleTimeoutInMinutes")) ?? null) : null;
    const maxIdleTimeoutMinutes = enabled ? (asNumber(get(idle, "maxIdleTimeoutInMinutes")) ?? null) : null;
    const price = typeof instanceType === "string" ? (pricePerHour(instanceType, pricesOf(options)) ?? null) : null;
    const times = (minutes: number | null) => (price !== null && minutes !== null ? (price * minutes) / 60 : null);
    return {
        domain: domain.name,
        instanceType: typeof instanceType === "string" ? instanceType : null,
        pricePerHourUsd: price,
        idleTimeoutMinutes,
        maxIdleTimeoutMinutes,
        forgottenAppUsd: times(idleTimeoutMinutes),
        forgottenAppMaxUsd: times(maxIdleTimeoutMinutes),
        alwaysOnMonthlyUsd: price === null ? null : price * AT_REST_PRICES.hoursPerMonth,
    };
}

/** What pricing an endpoint or a schedule needs from the rest of the stack, by name. */
interface ServingIndex {
    readonly configs: ReadonlyMap<string, StackResource>;
    readonly targets: ReadonlyMap<string, StackResource>;
    readonly jobDefinitions: ReadonlyMap<string, StackResource>;
}

function servingIndex(resources: readonly StackResource[]): ServingIndex {
    const byInput = (type: string, key: string) =>
        new Map(resources.filter((r) => r.type === type && typeof r.inputs[key] === "string").map((r) => [r.inputs[key] as string, r]));
    return {
        configs: byInput("aws:sagemaker/endpointConfiguration:EndpointConfiguration", "name"),
        targets: byInput("aws:appautoscaling/target:Target", "resourceId"),
        jobDefinitions: byInput("aws:sagemaker/dataQualityJobDefinition:DataQualityJobDefinition", "name"),
    };
}

function endpointCost(endpoint: StackResource, index: ServingIndex, options: CostOptions): EndpointCost {
    const name = String(endpoint.inputs.name ?? endpoint.name);
    const config = index.configs.get(String(endpoint.inputs.endpointConfigName));
    const variants = ((config?.inputs.productionVariants ?? []) as Record<string, any>[]).map((variant) => {
        const instanceType = String(variant.instanceType);
        const target = index.targets.get(`endpoint/${name}/variant/${String(variant.variantName)}`);
        const initial = asNumber(variant.initialInstanceCount) ?? 1;
        return {
            variant: String(variant.variantName),
            instanceType,
            pricePerHourUsd: pricePerHour(instanceType, pricesOf(options)) ?? null,
            minInstances: asNumber(target?.inputs.minCapacity) ?? initial,
            maxInstances: asNumber(target?.inputs.maxCapacity) ?? initial,
            autoscaling: target !== undefined,
        };
    });
    const priced = config !== undefined && variants.length > 0 && variants.every((variant) => variant.pricePerHourUsd !== null);
    const monthly = (count: "minInstances" | "maxInstances") =>
        priced ? variants.reduce((sum, variant) => sum + variant.pricePerHourUsd! * variant[count] * AT_REST_PRICES.hoursPerMonth, 0) : null;
    return { endpoint: name, variants, monthlyUsd: monthly("minInstances"), maxMonthlyUsd: monthly("maxInstances") };
}

/** Runs a month of the two schedule shapes the stack writes (every hour, every day); other expressions are not priced. */
function runsPerMonth(expression: unknown): number | null {
    const fields = typeof expression === "string" ? /^cron\((.*)\)$/.exec(expression.trim())?.[1].split(/\s+/) : undefined;
    if (!fields || fields.length !== 6 || fields.slice(2).join(" ") !== "? * * *" || !/^\d+$/.test(fields[0])) {
        return null;
    }
    if (fields[1] === "*") {
        return AT_REST_PRICES.hoursPerMonth;
    }
    return /^\d+$/.test(fields[1]) ? AT_REST_PRICES.hoursPerMonth / 24 : null;
}

function monitoringScheduleCost(schedule: StackResource, index: ServingIndex, options: CostOptions): MonitoringScheduleCost {
    const config = schedule.inputs.monitoringScheduleConfig ?? {};
    const definition = index.jobDefinitions.get(String(config.monitoringJobDefinitionName));
    const cluster = definition?.inputs.jobResources?.clusterConfig ?? config.monitoringJobDefinition?.monitoringResources?.clusterConfig;
    const runtime = definition?.inputs.stoppingCondition?.maxRuntimeInSeconds ?? config.monitoringJobDefinition?.stoppingConditions?.[0]?.maxRuntimeInSeconds;
    const runs = runsPerMonth(config.scheduleConfig?.scheduleExpression);
    const instanceType = typeof cluster?.instanceType === "string" ? cluster.instanceType : null;
    const instanceCount = asNumber(cluster?.instanceCount) ?? null;
    const maxRuntimeSeconds = asNumber(runtime) ?? null;
    const perRun = instanceType && instanceCount !== null && maxRuntimeSeconds !== null ? worstCaseJobCostUsd(instanceType, instanceCount, maxRuntimeSeconds, pricesOf(options)) : undefined;
    return {
        schedule: String(schedule.inputs.name ?? schedule.name),
        runsPerMonth: runs,
        instanceType,
        instanceCount,
        maxRuntimeSeconds,
        worstCaseMonthlyUsd: perRun !== undefined && runs !== null ? perRun * runs : null,
    };
}

function atRestItem(resource: StackResource, index: ServingIndex, options: CostOptions): AtRestItem {
    const { name, type, inputs } = resource;
    const free = FREE_AT_REST[type];
    if (free !== undefined) {
        return { name, type, monthlyUsd: 0, what: free };
    }
    switch (type) {
        case "aws:sagemaker/endpoint:Endpoint": {
            const cost = endpointCost(resource, index, options);
            const shape = cost.variants.map((v) => `${v.instanceType} x ${v.minInstances}${v.pricePerHourUsd !== null ? ` at $${v.pricePerHourUsd}/h` : ""}`).join(" + ");
            if (cost.monthlyUsd === null) {
                return { name, type, monthlyUsd: null, what: `real-time endpoint ${cost.endpoint}`, note: cost.variants.length === 0 ? "its endpoint configuration is not in the stack" : `no price for ${shape}` };
            }
            const scaled = cost.variants.some((v) => v.maxInstances !== v.minInstances);
            return {
                name,
                type,
                monthlyUsd: cost.monthlyUsd,
                maxMonthlyUsd: cost.maxMonthlyUsd!,
                what: `real-time endpoint ${cost.endpoint}, always on (${shape} x ${AT_REST_PRICES.hoursPerMonth} h)`,
                note: scaled
                    ? `up to ${usd(cost.maxMonthlyUsd!)} at autoscaling's maximum (${cost.variants.map((v) => `${v.maxInstances} x ${v.instanceType}`).join(" + ")}); until deployModelVersion is 0 or the stack is destroyed`
                    : "until deployModelVersion is 0 or the stack is destroyed",
            };
        }
        case "aws:sagemaker/monitoringSchedule:MonitoringSchedule": {
            const cost = monitoringScheduleCost(resource, index, options);
            if (cost.worstCaseMonthlyUsd === null) {
                return { name, type, monthlyUsd: null, what: `Model Monitor schedule ${cost.schedule}`, note: "its schedule expression or job definition cannot be priced" };
            }
            return {
                name,
                type,
                monthlyUsd: cost.worstCaseMonthlyUsd,
                what: `Model Monitor schedule ${cost.schedule}, worst case (${Number(cost.runsPerMonth!.toFixed(1))} runs x ${cost.instanceType} x ${cost.instanceCount} x ${hours(cost.maxRuntimeSeconds!)})`,
                note: "every run billed for its whole MaxRuntime; a run over one period of capture usually takes minutes",
            };
        }
        case "aws:appautoscaling/policy:Policy":
            return inputs.policyType === "TargetTrackingScaling"
                ? {
                      name,
                      type,
                      monthlyUsd: AT_REST_PRICES.targetTrackingAlarms * AT_REST_PRICES.cloudWatchAlarm.monthlyUsd,
                      what: `target-tracking scaling policy (the ${AT_REST_PRICES.targetTrackingAlarms} CloudWatch alarms it keeps)`,
                  }
                : { name, type, monthlyUsd: 0, what: "scaling policy" };
        case "aws:kms/key:Key":
            return {
                name,
                type,
                monthlyUsd: AT_REST_PRICES.kmsKey.monthlyUsd,
                what: "KMS customer managed key",
                ...(isTrue(inputs.enableKeyRotation) ? { note: AT_REST_PRICES.kmsKey.rotation } : {}),
            };
        case "aws:sagemaker/mlflowTrackingServer:MlflowTrackingServer": {
            // SageMaker's default size is Small.
            const size = typeof inputs.trackingServerSize === "string" ? inputs.trackingServerSize : "Small";
            const hourly = AT_REST_PRICES.mlflowTrackingServer.hourlyUsdBySize[size];
            return hourly === undefined
                ? { name, type, monthlyUsd: null, what: `MLflow tracking server (${size})`, note: `no verified price for size ${size}; see ${AT_REST_PRICES.mlflowTrackingServer.source}` }
                : {
                      name,
                      type,
                      monthlyUsd: hourly * AT_REST_PRICES.hoursPerMonth,
                      what: `MLflow tracking server (${size})`,
                      note: `$${hourly}/h x ${AT_REST_PRICES.hoursPerMonth} h while it exists; metadata storage extra`,
                  };
        }
        case "aws:s3/bucketReplicationConfig:BucketReplicationConfig": {
            const prices = AT_REST_PRICES.s3Replica;
            const prefixes = (Array.isArray(inputs.rules) ? inputs.rules : []).map((rule: any) => rule?.filter?.prefix).filter((prefix: unknown) => typeof prefix === "string");
            const what = `cross-region replica of ${prefixes.length > 0 ? prefixes.join(" and ") : "the bucket"} (S3 Standard)`;
            const gb = options.replicatedDataGb;
            if (gb === undefined) {
                return { name, type, monthlyUsd: null, what, note: `no data size stated (config replicatedDataGb): $${prices.storageGbMonthUsd}/GB-month of replicated data` };
            }
            return {
                name,
                type,
                monthlyUsd: gb * prices.storageGbMonthUsd,
                what,
                note: `${gb} GB assumed (replicatedDataGb) x $${prices.storageGbMonthUsd}/GB-month; replicating it once transfers ${gb} GB at $${prices.transferGbUsd}/GB ($${(gb * prices.transferGbUsd).toFixed(2)}), new data likewise; noncurrent versions extra`,
            };
        }
        case "aws:cloudwatch/metricAlarm:MetricAlarm":
            return { name, type, monthlyUsd: AT_REST_PRICES.cloudWatchAlarm.monthlyUsd, what: "CloudWatch metric alarm" };
        case "aws:budgets/budget:Budget":
            return {
                name,
                type,
                monthlyUsd: 0,
                what: "AWS Budgets budget (no actions: free)",
                note: "it sees costs only once the tags project and environment are activated as cost allocation tags in the Billing console",
            };
        case "aws:sagemaker/domain:Domain":
            return { name, type, monthlyUsd: 0, what: "Studio domain ($0 while no app runs; apps bill per instance-hour)" };
        default:
            return { name, type, monthlyUsd: null, what: "no at-rest price in tools/costReport.ts", note: "check its pricing page" };
    }
}

/** What the stack's resources cost per month while nothing runs. */
export function atRestCost(resources: readonly StackResource[], options: CostOptions = {}): AtRestCost {
    const custom = resources.filter((resource) => resource.custom !== false && !resource.type.startsWith("pulumi:"));
    const index = servingIndex(custom);
    const all = custom.map((resource) => atRestItem(resource, index, options));
    const items = all.filter((item) => item.monthlyUsd !== null);
    const monthlyUsd = items.reduce((sum, item) => sum + item.monthlyUsd!, 0);
    return {
        monthlyUsd,
        maxMonthlyUsd: items.reduce((sum, item) => sum + (item.maxMonthlyUsd ?? item.monthlyUsd!), 0),
        items,
        unpriced: all.filter((item) => item.monthlyUsd === null),
        notEstimated: NOT_ESTIMATED,
        studio: custom.filter((resource) => resource.type === "aws:sagemaker/domain:Domain").map((domain) => studioAppCost(domain, options)),
        endpoints: custom.filter((resource) => resource.type === "aws:sagemaker/endpoint:Endpoint").map((endpoint) => endpointCost(endpoint, index, options)),
        monitoringSchedules: custom.filter((resource) => resource.type === "aws:sagemaker/monitoringSchedule:MonitoringSchedule").map((schedule) => monitoringScheduleCost(schedule, index, options)),
    };
}

// ---- The report ----

export interface CostReport {
    readonly currency: "USD";
    /** Every figure is an estimate from list prices. */
    readonly estimate: true;
    readonly pricing: {
        readonly region: string;
        readonly stackRegion: string;
        readonly asOf: string;
        readonly source: string;
        readonly atRestChecked: string;
        readonly typicalManagedSpotSavings: number;
        readonly managedSpotSource: string;
    };
    readonly run: PipelineCost;
    readonly atRest: AtRestCost;
}

export function costReport(args: { resources: readonly StackResource[]; definition: unknown; stackRegion: string }, options: CostOptions = {}): CostReport {
    return {
        currency: "USD",
        estimate: true,
        pricing: {
            region: PRICING_BASIS.region,
            stackRegion: args.stackRegion,
            asOf: PRICING_BASIS.asOf,
            source: PRICING_BASIS.source,
            atRestChecked: AT_REST_PRICES.checked,
            typicalManagedSpotSavings: options.spotSavings ?? PRICING_BASIS.typicalManagedSpotSavings,
            managedSpotSource: PRICING_BASIS.managedSpotSource,
        },
        run: pipelineCost(args.definition, options),
        atRest: atRestCost(args.resources, options),
    };
}

// ---- Text ----

const usd = (value: number) => `$${value.toFixed(2)}`;
const hours = (seconds: number) => `${Number((seconds / 3600).toFixed(2))} h`;
const minutes = (value: number) => (value % 60 === 0 ? `${value / 60} h` : `${value} min`);
const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? "" : "s"}`;

const SHAPE_WIDTH = 28;

function jobLine(job: JobCostLine, width: number): string {
    const shape = `${job.instanceType} x ${job.instanceCount} x ${hours(job.maxRuntimeSeconds)}${job.jobs === 1 ? "" : ` x ${job.jobs} jobs`}`;
    const spot =
        job.spotEstimateUsd === null
            ? `${job.type.toLowerCase()}: no spot${job.type === "Transform" ? " (runtime: the pack config's transformRuntimeSeconds)" : ""}`
            : job.managedSpot
              ? `~${usd(job.spotEstimateUsd!)} with managed spot (this run uses it${job.maxWaitSeconds !== null ? `; MaxWait ${hours(job.maxWaitSeconds)} includes waiting for capacity, not billed` : ""})`
              : `managed spot off (~${usd(job.spotEstimateUsd!)} with it)`;
    const branch = job.branch ? `  [in ${job.branch}]` : "";
    return `    ${job.step.padEnd(width)} ${shape.padEnd(SHAPE_WIDTH)} ${usd(job.onDemandUsd)} on demand, ${spot}${branch}`;
}

function unpricedLine(job: UnpricedJob): string {
    const why = job.unpriced.length > 0 ? `${job.unpriced.join(", ")} has no price in the table` : `no usable ${job.missing.join(", ")}`;
    return `    ${job.step} ${job.where}: ${why}; left out, so the total is a lower bound`;
}

/** `2 Condition, 1 Fail`, in the order the types first appear. */
function countByType(steps: readonly { readonly type: string }[]): string {
    const byType = new Map<string, number>();
    steps.forEach((step) => byType.set(step.type, (byType.get(step.type) ?? 0) + 1));
    return [...byType.entries()].map(([type, count]) => `${count} ${type}`).join(", ");
}

/** The compact block `npm run plan` prints before the policy verdict. */
export function formatCostReport(report: CostReport): string[] {
    const { run, atRest, pricing } = report;
    const out: string[] = [];
    const elsewhere = pricing.stackRegion === pricing.region ? "" : ` (the stack is in ${pricing.stackRegion}, where prices differ)`;
    out.push(
        `Cost (estimates from list prices, ${pricing.region} as of ${pricing.asOf}${elsewhere}; managed spot assumed to save ${Math.round(pricing.typicalManagedSpotSavings * 100)}%)`,
    );
    out.push("  One run, default parameters, worst case (every instance billed for its whole MaxRuntime):");
    const width = Math.max(8, ...run.defaultRun.jobs.map((job) => job.step.length));
    out.push(...run.defaultRun.jobs.map((job) => jobLine(job, width)));
    out.push(...run.defaultRun.unpriced.map(unpricedLine));
    const lowerBound = run.defaultRun.complete ? "" : " at least";
    const share = run.defaultRun.onDemandUsd > 0 ? ` (${Math.round((100 * run.defaultRun.asConfiguredUsd) / run.defaultRun.onDemandUsd)}% of on demand)` : "";
    out.push(`    ${"total".padEnd(width)} ${"".padEnd(SHAPE_WIDTH)} ${usd(run.defaultRun.onDemandUsd)}${lowerBound} on demand, ~${usd(run.defaultRun.asConfiguredUsd)} as configured${share}`);
    out.push(
        `    ${"ceiling".padEnd(width)} ${usd(run.ceiling.maxRunCostUsd)} on demand per run (maxRunCostUsd, policy sagemaker-pipeline-run-cost): headroom ${usd(run.ceiling.headroomUsd)}` +
            (run.ceiling.basis === "worst-case" ? "; with basis worst-case the pack compares the largest allowed run below" : ""),
    );
    const largest = [...new Map(run.largestAllowed.jobs.map((job) => [job.step, job.instanceType])).entries()].map(([step, type]) => `${type} for ${step}`).join(", ");
    const within = run.ceiling.largestAllowedHeadroomUsd >= 0 ? "within the ceiling" : `${usd(-run.ceiling.largestAllowedHeadroomUsd)} above the ceiling`;
    out.push(
        `    largest allowed instance types (${largest}): up to ${usd(run.largestAllowed.onDemandUsd)}${run.largestAllowed.complete ? "" : " at least"} on demand, ~${usd(run.largestAllowed.asConfiguredUsd)} as configured, ${within}`,
    );
    if (run.freeSteps.length > 0) {
        out.push(`    $0: ${countByType(run.freeSteps)} step(s) start no instances`);
    }
    if (run.notEstimatedSteps.length > 0) {
        out.push(`    not estimated: ${countByType(run.notEstimatedSteps)} step(s) (their compute is outside the definition; the totals leave it out)`);
    }
    const unpricedAtRest = atRest.unpriced.length > 0 ? ` + ${plural(atRest.unpriced.length, "unpriced resource")}` : "";
    const scaledUp = atRest.maxMonthlyUsd > atRest.monthlyUsd ? `, up to ${usd(atRest.maxMonthlyUsd)} with every endpoint at its autoscaling maximum` : "";
    out.push(`  At rest, per month: ${usd(atRest.monthlyUsd)}${scaledUp}${unpricedAtRest} (list prices checked ${pricing.atRestChecked})`);
    const budget = atRest.items.find((item) => item.type === "aws:budgets/budget:Budget");
    const named = [...atRest.items.filter((item) => item.monthlyUsd! > 0), ...atRest.unpriced, ...(budget ? [budget] : [])].map((item) => item.name);
    const restWidth = Math.max(width, ...named.map((name) => name.length), ...atRest.studio.map((studio) => studio.domain.length));
    for (const item of atRest.items.filter((item) => item.monthlyUsd! > 0)) {
        out.push(`    ${item.name.padEnd(restWidth)} ${usd(item.monthlyUsd!).padStart(8)}  ${item.what}${item.note ? `; ${item.note}` : ""}`);
    }
    for (const item of atRest.unpriced) {
        out.push(`    ${item.name.padEnd(restWidth)} ${"?".padStart(8)}  ${item.what} (${item.type})${item.note ? `; ${item.note}` : ""}`);
    }
    for (const studio of atRest.studio) {
        const type = studio.instanceType ?? "(no default type)";
        const session =
            studio.idleTimeoutMinutes === null
                ? `no idle shutdown: a forgotten ${type} JupyterLab app bills until stopped${studio.alwaysOnMonthlyUsd !== null ? ` (${usd(studio.alwaysOnMonthlyUsd)}/month)` : ""}`
                : `a forgotten ${type} JupyterLab app bills ${studio.forgottenAppUsd !== null ? usd(studio.forgottenAppUsd) : "?"} until idle shutdown after ${minutes(studio.idleTimeoutMinutes)}` +
                  (studio.maxIdleTimeoutMinutes !== null && studio.maxIdleTimeoutMinutes !== studio.idleTimeoutMinutes && studio.forgottenAppMaxUsd !== null
                      ? ` (${usd(studio.forgottenAppMaxUsd)} at the ${minutes(studio.maxIdleTimeoutMinutes)} users may choose)`
                      : "");
        out.push(`    ${studio.domain.padEnd(restWidth)} ${usd(0).padStart(8)}  Studio, while no app runs; ${session}`);
    }
    if (budget) {
        out.push(`    ${budget.name.padEnd(restWidth)} ${usd(0).padStart(8)}  ${budget.what}; ${budget.note}`);
    }
    const free = [...new Set(atRest.items.filter((item) => item.monthlyUsd === 0 && FREE_AT_REST[item.type] !== undefined).map((item) => item.what))];
    if (free.length > 0) {
        out.push(`    $0: ${free.join(", ")}`);
    }
    out.push(`    not estimated: ${atRest.notEstimated.map((text) => text.replace(/ \(.*\)$/, "")).join(", ")}`);
    return out;
}

// Stack configuration: read once, validated once, typed. Defaults live in Pulumi.yaml's `config:` block
// (the Pulumi CLI applies them; tools/stackConfig.ts does the same for the offline plan and tests), so
// this module has no second copy of them. `parseConfig` is pure and reports every problem at once.
import type * as Pulumi from "@pulumi/pulumi";
import {
    DEFAULT_LIMITS,
    CPU_PROCESSING_INSTANCE_TYPES,
    DEFAULT_INFERENCE_INSTANCE_TYPES,
    DEFAULT_PROCESSING_INSTANCE_TYPES,
    DEFAULT_STUDIO_IDLE_LIMITS,
    DEFAULT_STUDIO_INSTANCE_TYPES,
    DEFAULT_TRAINING_INSTANCE_TYPES,
    worstCaseJobCostUsd,
} from "../policies/catalog";
import { contentName, defaultAccessLogBucketName, defaultReplicaBucketName, MAX_BUCKET_NAME_LENGTH, MAX_ROLE_NAME_LENGTH, MAX_SAGEMAKER_NAME_LENGTH, resourceNames } from "./naming";
import { MODEL_APPROVAL_STATUSES, ModelApprovalStatus, QUALITY_METRICS, QualityMetric } from "./pipelineDefinition";

export const PROJECT = "sagemaker-yolo";

export const MODEL_VARIANTS = ["yolo11n", "yolo11s", "yolo11m", "yolo11l", "yolo11x"] as const;
export type ModelVariant = (typeof MODEL_VARIANTS)[number];
export const USER_ROLES = ["data-scientist", "ml-engineer"] as const;
export type UserRole = (typeof USER_ROLES)[number];
export const BUCKET_MODES = ["create", "adopt"] as const;
/** What the PrepareDataset step reads at InputData (`auto` detects it; pipeline-scripts/README.md). */
export const INPUT_FORMATS = ["auto", "annotations-json", "groundtruth", "yolo"] as const;
export type InputFormat = (typeof INPUT_FORMATS)[number];
export const STUDIO_NETWORK_ACCESS = ["PublicInternetOnly", "VpcOnly"] as const;
/** Sizes of a SageMaker managed MLflow tracking server (Small: up to 25 users, the cheapest). */
export const MLFLOW_SERVER_SIZES = ["Small", "Medium", "Large"] as const;

/** How often Model Monitor compares the endpoint's captured traffic with the model version's baseline. */
export const MONITORING_FREQUENCIES = ["hourly", "daily"] as const;
/** SageMaker's shortest JupyterLab idle timeout (IdleSettings.MinIdleTimeoutInMinutes). */
export const STUDIO_MIN_IDLE_MINUTES = 60;

/** Allowed ranges of the dataset preparation's split settings; the CLI checks start-time overrides against them too. */
export const SPLIT_RANGES = {
    /** A validation split is required: train.py validates every epoch on it. */
    valFraction: { exclusiveMin: 0, max: 0.9 },
    minImagesPerSplit: { min: 1, max: 100_000 },
} as const;

/** Allowed ranges of the training hyperparameters; the CLI checks start-time overrides against them too. */
export const HYPERPARAMETER_RANGES = {
    epochs: { min: 1, max: 1000 },
    batchSize: { min: 1, max: 512 },
    imageSize: { min: 32, max: 2048, multipleOf: 32 },
    patience: { min: 0, max: 1000 },
    seed: { min: 0, max: 2_147_483_647 },
    /** Exclusive minimum: a learning rate of 0 never trains. */
    learningRate: { exclusiveMin: 0, max: 1 },
} as const;

export interface StudioUser {
    readonly name: string;
    readonly role: UserRole;
}

/** The PrepareDataset step at the head of the pipeline: raw images and annotations → a validated YOLO dataset. */
export interface PrepareSettings {
    /** A CPU type: preparation decodes and hashes images, it needs no GPU. */
    readonly instanceType: string;
    readonly maxRuntimeSeconds: number;
    /** Days an identical preparation (same input prefix, code and split settings) is reused; 0 disables caching. */
    readonly cacheDays: number;
    readonly inputFormat: InputFormat;
    readonly valFraction: number;
    readonly testFraction: number;
    readonly minImagesPerSplit: number;
    /** The stack's classes (labelClasses) in class-id order: a prepared dataset's ids follow them by name. */
    readonly classNames: readonly string[];
}

/**
 * The Model Monitor baseline of a model the run registers: BaselineMonitoring runs the endpoint's code on the evaluated
 * split, BaselineStatistics (the Model Monitor analyzer) computes statistics.json and constraints.json from it.
 */
export interface BaselineSettings {
    /** A CPU type, for both steps: the endpoint's code on CPU, and the analyzer (Spark) needs no GPU. */
    readonly instanceType: string;
    /** MaxRuntimeInSeconds of each of the two steps. */
    readonly maxRuntimeSeconds: number;
}

export interface PipelineSettings {
    readonly datasetName: string;
    readonly prepare: PrepareSettings;
    readonly baseline: BaselineSettings;
    readonly modelVariant: ModelVariant;
    readonly epochs: number;
    readonly batchSize: number;
    readonly learningRate: number;
    readonly imageSize: number;
    readonly patience: number;
    readonly seed: number;
    readonly trainingInstanceType: string;
    readonly trainingInstanceCount: number;
    readonly evaluationInstanceType: string;
    readonly useSpotTraining: boolean;
    readonly maxTrainingRuntimeSeconds: number;
    readonly maxSpotWaitSeconds: number;
    readonly evaluationMaxRuntimeSeconds: number;
    readonly volumeSizeGb: number;
    readonly cacheTrainingDays: number;
    readonly trainingImageTag: string;
    /** Tag of the CPU `pytorch-training` image, for the steps on CPU types (preparation, CPU evaluation). */
    readonly cpuImageTag: string;
    /** Condition steps after evaluation: a model below any minimum is not registered and the run fails. */
    readonly qualityGate: boolean;
    /** Default minimums of the gate's metrics (pipeline parameters, overridable per run). */
    readonly minimumMetrics: Readonly<Record<QualityMetric, number>>;
    /** Status a registered model version starts in. */
    readonly modelApprovalStatus: ModelApprovalStatus;
}

export interface PlatformConfig {
    readonly project: string;
    readonly stack: string;
    readonly aws: { readonly profile: string; readonly region: string };
    readonly allowedProfiles: readonly string[];
    /** Cost-allocation tags for every taggable resource. */
    readonly tags: Readonly<Record<string, string>>;
    readonly namePrefix: string;
    readonly bucket: {
        readonly name: string;
        readonly mode: (typeof BUCKET_MODES)[number];
        readonly allowDataDestroy: boolean;
        readonly checkpointRetentionDays: number;
        readonly noncurrentVersionRetentionDays: number;
        readonly incompleteUploadDays: number;
        /** Days a prepared dataset (`datasets/prepared/<execution>/`) is kept; it can be prepared again from its source. */
        readonly preparedDatasetRetentionDays: number;
        /** The bucket publishes its object events to EventBridge (free until a rule matches them). */
        readonly events: boolean;
    };
    /** A `_READY` object under `datasets/<name>/` starts a pipeline run on that folder (EventBridge rule; needs bucket events). */
    readonly pipelineTrigger: boolean;
    readonly kmsDeletionWindowDays: number;
    /** S3 server access logs of the data bucket (and of the replica, in its region) in a log bucket of the stack. */
    readonly accessLogs: {
        readonly enabled: boolean;
        /** The data bucket's log bucket (`<bucket>-access-logs` unless configured). */
        readonly bucketName: string;
        /** Days a log object is kept. */
        readonly retentionDays: number;
    };
    /** Cross-region replication of datasets/ and models/ for disaster recovery (opt-in: the replica bills storage). */
    readonly replication: {
        readonly enabled: boolean;
        /** Region of the replica; never the stack's own. */
        readonly region: string;
        /** The replica bucket (`<bucket>-<region>` unless configured). */
        readonly bucketName: string;
        /** The replica's log bucket, in the replica's region (`<replica>-access-logs`). */
        readonly accessLogBucketName: string;
        /** GB of datasets/ and models/ the plan's cost report prices the replica at: an estimate, not a limit. */
        readonly estimatedDataGb: number;
    };
    readonly network: { readonly vpcId?: string; readonly subnetIds: readonly string[] };
    readonly studio: {
        readonly instanceType: string;
        readonly networkAccess: (typeof STUDIO_NETWORK_ACCESS)[number];
        readonly securityGroupIds: readonly string[];
        /** Minutes without activity after which a JupyterLab app shuts down (users may choose up to the maximum). */
        readonly idleTimeoutMinutes: number;
        readonly maxIdleTimeoutMinutes: number;
        /** The lifecycle configuration that installs the YOLO11 kernel at every JupyterLab start. */
        readonly lifecycleConfig: boolean;
        /** Sessions of the persona roles carry the user profile name as source identity (CloudTrail names the person). */
        readonly sourceIdentity: boolean;
    };
    readonly users: readonly StudioUser[];
    readonly pipeline: PipelineSettings;
    readonly governance: {
        /** Model package group the pipeline registers passing models in. */
        readonly modelRegistry: boolean;
        /** Tag of the `pytorch-inference` Deep Learning Container a registered model version names. */
        readonly inferenceImageTag: string;
        /** SNS topic with EventBridge rules and a CloudWatch alarm for failures and model versions. */
        readonly alerts: boolean;
        /** E-mail addresses subscribed to the alert topic (each confirms once) and, without a topic, to the budget. */
        readonly alertEmails: readonly string[];
        readonly experimentTracking: {
            readonly enabled: boolean;
            readonly size: (typeof MLFLOW_SERVER_SIZES)[number];
            readonly mlflowVersion: string;
        };
    };
    /** Ground Truth bounding-box labeling of raw images by the team's private workforce (opt-in). */
    readonly labeling: {
        readonly enabled: boolean;
        /** The classes workers draw boxes for, in class-id order (the category configuration's labels). */
        readonly classes: readonly string[];
        /** The private (or vendor) work team that labels; made by the account owner with its Cognito workforce. */
        readonly workteamArn: string;
        /** Whether a public Mechanical Turk work team may be named (the drone imagery then leaves the organisation). */
        readonly allowPublicWorkforce: boolean;
    };
    /**
     * Real-time serving of an approved model version (opt-in: an endpoint bills by the hour). A new approval
     * reaches the endpoint through `pulumi up` with its version here (`yolo-pipeline deploy <version>` writes it).
     */
    readonly deployment: {
        readonly enabled: boolean;
        /** Version of the stack's model package group to serve; 0 while none is deployed (no endpoint, nothing billed). */
        readonly modelVersion: number;
        /** S3 prefix of that version's Model Monitor baseline (statistics.json, constraints.json); empty without monitoring. */
        readonly baselineUri: string;
        readonly instanceType: string;
        readonly minInstances: number;
        readonly maxInstances: number;
        /** Autoscaling target: invocations per instance per minute. */
        readonly targetInvocationsPerInstance: number;
        /** Percentage of requests whose input and output are captured under monitoring/ for Model Monitor. */
        readonly dataCapturePercent: number;
        /** Model Monitor data-quality schedule on the endpoint's captured traffic. */
        readonly monitoring: boolean;
        readonly monitoringFrequency: (typeof MONITORING_FREQUENCIES)[number];
        /** Days captured requests and monitoring reports under monitoring/ are kept. */
        readonly monitoringRetentionDays: number;
    };
    readonly budget: {
        readonly enabled: boolean;
        readonly monthlyUsd: number;
        /** Percentages of the monthly amount at which actual spend notifies. */
        readonly actualThresholds: readonly number[];
        /** Percentages of the monthly amount at which forecast spend notifies. */
        readonly forecastThresholds: readonly number[];
    };
}

/** Raw values as Pulumi stores them: strings, with arrays and objects JSON-encoded. */
export interface RawConfig {
    readonly project: string;
    readonly stack: string;
    /** Project keys without the namespace, e.g. `epochs`. */
    readonly values: Readonly<Record<string, string | undefined>>;
    readonly awsProfile?: string;
    readonly awsRegion?: string;
}

export class ConfigError extends Error {
    constructor(readonly problems: readonly string[]) {
        super(`Invalid stack configuration:\n  - ${problems.join("\n  - ")}`);
        this.name = "ConfigError";
    }
}

/** Collects problems while reading keys, so that one run reports all of them. */
class Reader {
    readonly problems: string[] = [];

    constructor(private readonly raw: RawConfig) {}

    private key(name: string): string {
        return `${this.raw.project}:${name}`;
    }

    private fail(name: string, value: unknown, allowed: string): void {
        this.problems.push(`${this.key(name)}: ${JSON.stringify(value)} is not allowed; ${allowed}.`);
    }

    private value(name: string): string | undefined {
        const value = this.raw.values[name];
        if (value === undefined) {
            this.problems.push(`${this.key(name)}: missing (declare a default in Pulumi.yaml or set it with \`pulumi config set\`).`);
        }
        return value;
    }

    string(name: string, pattern: RegExp, allowed: string): string {
        const value = this.value(name);
        if (value !== undefined && !pattern.test(value)) {
            this.fail(name, value, allowed);
        }
        return value ?? "";
    }

    oneOf<T extends string>(name: string, choices: readonly T[]): T {
        const value = this.value(name);
        if (value !== undefined && !(choices as readonly string[]).includes(value)) {
            this.fail(name, value, `expected one of ${choices.join(", ")}`);
        }
        return (value ?? choices[0]) as T;
    }

    integer(name: string, min: number, max: number, multipleOf = 1): number {
        const value = this.value(name);
        if (value === undefined) {
            return min;
        }
        const number = Number(value);
        if (!/^-?\d+$/.test(value.trim()) || number < min || number > max || number % multipleOf !== 0) {
            const multiple = multipleOf > 1 ? `, a multiple of ${multipleOf}` : "";
            this.fail(name, value, `expected an integer from ${min} to ${max}${multiple}`);
        }
        return number;
    }

    decimal(name: string, exclusiveMin: number, max: number): number {
        const value = this.value(name);
        if (value === undefined) {
            return max;
        }
        const number = Number(value);
        if (value.trim() === "" || !Number.isFinite(number) || number <= exclusiveMin || number > max) {
            this.fail(name, value, `expected a number greater than ${exclusiveMin} and at most ${max}`);
        }
        return number;
    }

    /** A decimal from 0 to 1 inclusive (a share, a metric value). */
    fraction(name: string): number {
        const value = this.value(name);
        if (value === undefined) {
            return 0;
        }
        const number = Number(value);
        if (value.trim() === "" || !Number.isFinite(number) || number < 0 || number > 1) {
            this.fail(name, value, "expected a number from 0 to 1");
        }
        return number;
    }

    integerList(name: string, min: number, max: number): number[] {
        const list = this.json(name, true);
        if (list === undefined) {
            return [];
        }
        if (!Array.isArray(list) || list.some((item) => !Number.isInteger(item) || item < min || item > max)) {
            this.fail(name, list, `expected a list of integers from ${min} to ${max}`);
            return [];
        }
        return list as number[];
    }

    boolean(name: string): boolean {
        const value = this.value(name);
        if (value !== undefined && value !== "true" && value !== "false") {
            this.fail(name, value, "expected true or false");
        }
        return value === "true";
    }

    json(name: string, required: boolean): unknown {
        const value = required ? this.value(name) : this.raw.values[name];
        if (value === undefined) {
            return undefined;
        }
        try {
            return JSON.parse(value);
        } catch {
            this.fail(name, value, "expected a YAML list or object");
            return undefined;
        }
    }

    stringList(name: string, pattern: RegExp, allowed: string): string[] {
        const list = this.json(name, true);
        if (list === undefined) {
            return [];
        }
        if (!Array.isArray(list) || list.some((item) => typeof item !== "string")) {
            this.fail(name, list, "expected a list of strings");
            return [];
        }
        for (const item of list as string[]) {
            if (!pattern.test(item)) {
                this.fail(name, item, allowed);
            }
        }
        return list as string[];
    }

    report(name: string, message: string): void {
        this.problems.push(`${this.key(name)}: ${message}`);
    }
}

// https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html
const BUCKET_NAME = /^(?!xn--|sthree-|amzn-s3-demo-)(?!.*(-s3alias|--ol-s3|\.mrap|--x-s3|--table-s3)$)(?!\d+\.\d+\.\d+\.\d+$)(?!.*\.\.)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const TAG_VALUE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,256}$/u;
const USER_PROFILE_NAME = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;
const REGION = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/;
// Deliberately simple: SNS and Budgets validate further; this catches typos such as a missing @ or domain.
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const IMAGE_TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
// PrepareDataset gets each class as one container argument `--class-name=<name>`, and SageMaker allows 256 characters
// an argument; prepare.py refuses a blank name, so the config does too (else every run fails at its first step).
const LABEL_NAME = /^(?=[^\n\r]*\S)[^\n\r]{1,243}$/;
/** Ground Truth's most labels for a bounding-box task. */
export const MAX_LABEL_CLASSES = 50;

function parseUsers(reader: Reader, raw: unknown): StudioUser[] {
    if (raw === undefined) {
        reader.report("users", "missing; set a list of {name, role} with role data-scientist or ml-engineer (see Pulumi.yaml).");
        return [];
    }
    if (!Array.isArray(raw) || raw.length === 0) {
        reader.report("users", `${JSON.stringify(raw)} is not allowed; expected a non-empty list of {name, role}.`);
        return [];
    }
    const users: StudioUser[] = [];
    const seen = new Set<string>();
    raw.forEach((entry: unknown, index) => {
        const user = (entry ?? {}) as { name?: unknown; role?: unknown };
        const where = `users[${index}]`;
        if (typeof user.name !== "string" || !USER_PROFILE_NAME.test(user.name)) {
            reader.report("users", `${where}.name ${JSON.stringify(user.name)} is not allowed; expected letters, digits and single hyphens, at most 63 characters.`);
        } else if (seen.has(user.name)) {
            reader.report("users", `${where}.name ${JSON.stringify(user.name)} appears twice; user profile names must be unique.`);
        }
        if (typeof user.role !== "string" || !(USER_ROLES as readonly string[]).includes(user.role)) {
            reader.report("users", `${where}.role ${JSON.stringify(user.role)} is not a known role; expected one of ${USER_ROLES.join(", ")}.`);
        }
        if (typeof user.name === "string") {
            seen.add(user.name);
            users.push({ name: user.name, role: user.role as UserRole });
        }
    });
    return users;
}

export function parseConfig(raw: RawConfig): PlatformConfig {
    const r = new Reader(raw);
    const limits = DEFAULT_LIMITS;
    const ranges = HYPERPARAMETER_RANGES;

    const allowedProfiles = r.stringList("allowedProfiles", /^[\w+=,.@-]+$/, "expected AWS profile names");
    const awsProfile = raw.awsProfile ?? "";
    if (!allowedProfiles.includes(awsProfile)) {
        r.problems.push(
            `aws:profile: ${JSON.stringify(raw.awsProfile ?? null)} is not allowed; expected one of ${allowedProfiles.join(", ") || "(none)"} (set it with \`pulumi config set aws:profile ab\`).`,
        );
    }
    const awsRegion = raw.awsRegion ?? "";
    if (!REGION.test(awsRegion)) {
        r.problems.push(`aws:region: ${JSON.stringify(raw.awsRegion ?? null)} is not allowed; expected an AWS region such as us-east-1.`);
    }

    const namePrefix = r.string("namePrefix", /^[a-z][a-z0-9-]{0,15}$/, "expected lowercase letters, digits and hyphens, starting with a letter, at most 16 characters");
    const names = resourceNames(namePrefix, raw.stack);
    if (!/^[a-z0-9](-?[a-z0-9])*$/.test(raw.stack)) {
        r.problems.push(
            `stack name ${JSON.stringify(raw.stack)} is not allowed; it becomes part of IAM, SageMaker and KMS names, so use lowercase letters, digits and single hyphens.`,
        );
    }
    const longestRole = [...Object.values(names.roles), names.trackingServerRole, names.labelingRole, names.endpointRole, names.monitoringRole, names.pipelineTriggerRole, names.replicationRole].reduce((a, b) => (a.length >= b.length ? a : b));
    if (longestRole.length > MAX_ROLE_NAME_LENGTH) {
        r.report("namePrefix", `with stack "${raw.stack}" it makes the role name "${longestRole}" longer than ${MAX_ROLE_NAME_LENGTH} characters; use a shorter prefix or stack name.`);
    }

    const costCenter = r.string("costCenter", TAG_VALUE, "expected 1-256 letters, digits, spaces or _.:/=+-@");
    const owner = r.string("owner", TAG_VALUE, "expected 1-256 letters, digits, spaces or _.:/=+-@");

    const bucket = {
        name: r.string("bucketName", BUCKET_NAME, "expected an S3 bucket name: 3-63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit"),
        mode: r.oneOf("bucketMode", BUCKET_MODES),
        allowDataDestroy: r.boolean("allowDataDestroy"),
        checkpointRetentionDays: r.integer("checkpointRetentionDays", 1, 365),
        noncurrentVersionRetentionDays: r.integer("noncurrentVersionRetentionDays", 1, 3650),
        incompleteUploadDays: r.integer("incompleteUploadDays", 1, 30),
        preparedDatasetRetentionDays: r.integer("preparedDatasetRetentionDays", 1, 3650),
        events: r.boolean("bucketEvents"),
    };
    const pipelineTrigger = r.boolean("pipelineTrigger");
    if (pipelineTrigger && !bucket.events) {
        r.report("pipelineTrigger", "is on but bucketEvents is false: the bucket would never tell EventBridge that a dataset is ready, so no run would start; turn bucketEvents on or pipelineTrigger off.");
    }
    const kmsDeletionWindowDays = r.integer("kmsDeletionWindowDays", 7, 30);

    const bucketNameRule = "expected an S3 bucket name: 3-63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit";
    const optionalBucketName = (key: string) => r.string(key, new RegExp(`${BUCKET_NAME.source}|^$`), `${bucketNameRule}, or empty to derive it`);
    /** A configured name, else the derived one, which must itself be a valid bucket name other than the data bucket's (when the part is on). */
    const derivedBucketName = (key: string, enabled: boolean, configured: string, derived: string, from: string): string => {
        const name = configured === "" ? derived : configured;
        if (!enabled) {
            return name;
        }
        // A bad bucketName is reported once, as itself, not again in every name derived from it.
        if (configured === "" && BUCKET_NAME.test(bucket.name) && !BUCKET_NAME.test(derived)) {
            r.report(key, `is empty and the name derived from ${from}, "${derived}", is not a valid S3 bucket name (${derived.length > MAX_BUCKET_NAME_LENGTH ? `longer than ${MAX_BUCKET_NAME_LENGTH} characters` : bucketNameRule}); set ${key}.`);
        } else if (name === bucket.name) {
            r.report(key, `${JSON.stringify(name)} is the data bucket itself; name a bucket of its own.`);
        }
        return name;
    };
    const accessLogging = r.boolean("accessLogging");
    const accessLogs = {
        enabled: accessLogging,
        bucketName: derivedBucketName("accessLogBucketName", accessLogging, optionalBucketName("accessLogBucketName"), defaultAccessLogBucketName(bucket.name), "bucketName"),
        retentionDays: r.integer("accessLogRetentionDays", 1, 3650),
    };
    const replicationEnabled = r.boolean("replication");
    const replicaRegion = r.string("replicaRegion", REGION, "expected an AWS region such as us-west-2");
    if (replicationEnabled && replicaRegion === awsRegion) {
        r.report("replicaRegion", `${JSON.stringify(replicaRegion)} is the stack's own region (aws:region); a disaster-recovery replica must be in another region, such as ${awsRegion === "us-west-2" ? "us-east-1" : "us-west-2"}.`);
    }
    const replicaBucketName = derivedBucketName("replicaBucketName", replicationEnabled, optionalBucketName("replicaBucketName"), defaultReplicaBucketName(bucket.name, replicaRegion), "bucketName and replicaRegion");
    const replicaLogBucket = defaultAccessLogBucketName(replicaBucketName);
    if (replicationEnabled && accessLogs.enabled && !BUCKET_NAME.test(replicaLogBucket)) {
        r.report("replicaBucketName", `${JSON.stringify(replicaBucketName)} makes its log bucket name "${replicaLogBucket}" longer than ${MAX_BUCKET_NAME_LENGTH} characters; use a shorter replicaBucketName.`);
    }
    if (replicationEnabled && accessLogs.enabled && [replicaBucketName, replicaLogBucket].includes(accessLogs.bucketName)) {
        r.report("accessLogBucketName", `${JSON.stringify(accessLogs.bucketName)} is also the replica's bucket or log bucket; each bucket needs a name of its own.`);
    }
    const replication = {
        enabled: replicationEnabled,
        region: replicaRegion,
        bucketName: replicaBucketName,
        accessLogBucketName: replicaLogBucket,
        estimatedDataGb: r.integer("replicatedDataGb", 0, 10_000_000),
    };

    const vpcId = r.string("vpcId", /^(vpc-[0-9a-f]{8,17})?$/, "expected a VPC id (vpc-...) or empty for the default VPC");
    const subnetIds = r.stringList("subnetIds", /^subnet-[0-9a-f]{8,17}$/, "expected subnet ids (subnet-...)");
    if (vpcId !== "" && subnetIds.length === 0) {
        r.report("subnetIds", "is empty but vpcId is set; list the Studio subnets of that VPC.");
    }
    if (vpcId === "" && subnetIds.length > 0) {
        r.report("vpcId", "is empty but subnetIds are set; name the VPC the subnets belong to.");
    }

    const studio = {
        instanceType: r.oneOf("studioInstanceType", DEFAULT_STUDIO_INSTANCE_TYPES),
        networkAccess: r.oneOf("studioNetworkAccess", STUDIO_NETWORK_ACCESS),
        securityGroupIds: r.stringList("studioSecurityGroupIds", /^sg-[0-9a-f]{8,17}$/, "expected security group ids (sg-...)"),
        // SageMaker's floor, the policy pack's ceilings (sagemaker-studio-idle-shutdown).
        idleTimeoutMinutes: r.integer("studioIdleTimeoutMinutes", STUDIO_MIN_IDLE_MINUTES, DEFAULT_STUDIO_IDLE_LIMITS.maxIdleTimeoutMinutes),
        maxIdleTimeoutMinutes: r.integer("studioMaxIdleTimeoutMinutes", STUDIO_MIN_IDLE_MINUTES, DEFAULT_STUDIO_IDLE_LIMITS.maxUserIdleTimeoutMinutes),
        lifecycleConfig: r.boolean("studioLifecycleConfig"),
        sourceIdentity: r.boolean("studioSourceIdentity"),
    };
    if (studio.idleTimeoutMinutes > studio.maxIdleTimeoutMinutes) {
        r.report("studioIdleTimeoutMinutes", `${studio.idleTimeoutMinutes} is above studioMaxIdleTimeoutMinutes (${studio.maxIdleTimeoutMinutes}); the default idle time must be one users may choose.`);
    }
    if (studio.networkAccess === "VpcOnly" && (studio.securityGroupIds.length === 0 || vpcId === "")) {
        r.report(
            "studioNetworkAccess",
            "VpcOnly needs the VPC's own subnets and security groups: set vpcId, subnetIds and studioSecurityGroupIds (SageMaker rejects a VpcOnly domain without them).",
        );
    }
    const users = parseUsers(r, r.json("users", false));

    const maxTrainingRuntimeSeconds = r.integer("maxTrainingRuntimeSeconds", 600, limits.maxTrainingRuntimeSeconds);
    // Checked whether labeling is on or not: every prepared dataset numbers its classes by this list.
    const classNames = r.stringList("labelClasses", LABEL_NAME, "expected class names of 1-243 characters, not blank, without line breaks");
    if (classNames.length === 0 || classNames.length > MAX_LABEL_CLASSES || new Set(classNames.map((name) => name.toLowerCase())).size !== classNames.length) {
        r.report("labelClasses", `${JSON.stringify(classNames)} is not allowed; expected 1 to ${MAX_LABEL_CLASSES} distinct class names (Ground Truth's bounding-box limit).`);
    }
    const prepare: PrepareSettings = {
        instanceType: r.oneOf("prepareInstanceType", CPU_PROCESSING_INSTANCE_TYPES),
        maxRuntimeSeconds: r.integer("prepareMaxRuntimeSeconds", 300, limits.maxProcessingRuntimeSeconds),
        cacheDays: r.integer("cachePrepareDays", 0, 365),
        inputFormat: r.oneOf("inputFormat", INPUT_FORMATS),
        valFraction: r.decimal("valFraction", SPLIT_RANGES.valFraction.exclusiveMin, SPLIT_RANGES.valFraction.max),
        testFraction: r.fraction("testFraction"),
        minImagesPerSplit: r.integer("minImagesPerSplit", SPLIT_RANGES.minImagesPerSplit.min, SPLIT_RANGES.minImagesPerSplit.max),
        classNames,
    };
    if (prepare.valFraction + prepare.testFraction >= 1) {
        r.report("testFraction", `${prepare.testFraction} with valFraction ${prepare.valFraction} leaves no images to train on; the two must add up to less than 1.`);
    }
    if (prepare.cacheDays > 0 && bucket.preparedDatasetRetentionDays <= prepare.cacheDays) {
        r.report(
            "preparedDatasetRetentionDays",
            `${bucket.preparedDatasetRetentionDays} is not longer than cachePrepareDays (${prepare.cacheDays}); a cached preparation would point training at a dataset the lifecycle rule already deleted.`,
        );
    }
    const baseline: BaselineSettings = {
        instanceType: r.oneOf("baselineInstanceType", CPU_PROCESSING_INSTANCE_TYPES),
        maxRuntimeSeconds: r.integer("baselineMaxRuntimeSeconds", 300, limits.maxProcessingRuntimeSeconds),
    };
    const pipeline: PipelineSettings = {
        prepare,
        baseline,
        datasetName: r.string("datasetName", /^[a-zA-Z0-9][a-zA-Z0-9._-]{0,127}$/, "expected a folder name: letters, digits, dots, underscores and hyphens"),
        modelVariant: r.oneOf("modelVariant", MODEL_VARIANTS),
        epochs: r.integer("epochs", ranges.epochs.min, ranges.epochs.max),
        batchSize: r.integer("batchSize", ranges.batchSize.min, ranges.batchSize.max),
        learningRate: r.decimal("learningRate", ranges.learningRate.exclusiveMin, ranges.learningRate.max),
        imageSize: r.integer("imageSize", ranges.imageSize.min, ranges.imageSize.max, ranges.imageSize.multipleOf),
        patience: r.integer("patience", ranges.patience.min, ranges.patience.max),
        seed: r.integer("seed", ranges.seed.min, ranges.seed.max),
        trainingInstanceType: r.oneOf("trainingInstanceType", DEFAULT_TRAINING_INSTANCE_TYPES),
        trainingInstanceCount: r.integer("trainingInstanceCount", 1, limits.maxInstanceCount),
        evaluationInstanceType: r.oneOf("evaluationInstanceType", DEFAULT_PROCESSING_INSTANCE_TYPES),
        useSpotTraining: r.boolean("useSpotTraining"),
        maxTrainingRuntimeSeconds,
        maxSpotWaitSeconds: r.integer("maxSpotWaitSeconds", maxTrainingRuntimeSeconds, limits.maxSpotWaitSeconds),
        evaluationMaxRuntimeSeconds: r.integer("evaluationMaxRuntimeSeconds", 300, limits.maxProcessingRuntimeSeconds),
        volumeSizeGb: r.integer("trainingVolumeSizeGb", 10, 1024),
        cacheTrainingDays: r.integer("cacheTrainingDays", 0, 365),
        trainingImageTag: r.string("trainingImageTag", IMAGE_TAG, "expected a container image tag"),
        cpuImageTag: r.string("cpuImageTag", IMAGE_TAG, "expected a container image tag"),
        qualityGate: r.boolean("qualityGate"),
        minimumMetrics: Object.fromEntries(QUALITY_METRICS.map((metric) => [metric.key, r.fraction(MINIMUM_METRIC_KEYS[metric.key])])) as Record<QualityMetric, number>,
        modelApprovalStatus: r.oneOf("modelApprovalStatus", MODEL_APPROVAL_STATUSES),
    };

    const alertEmails = r.stringList("alertEmails", EMAIL, "expected e-mail addresses such as ml-team@example.com");
    const governance = {
        modelRegistry: r.boolean("modelRegistry"),
        inferenceImageTag: r.string("inferenceImageTag", IMAGE_TAG, "expected a container image tag"),
        alerts: r.boolean("alerts"),
        alertEmails,
        experimentTracking: {
            enabled: r.boolean("experimentTracking"),
            size: r.oneOf("mlflowServerSize", MLFLOW_SERVER_SIZES),
            mlflowVersion: r.string("mlflowVersion", /^\d+\.\d+(\.\d+)?$/, "expected an MLflow version SageMaker offers, such as 3.0"),
        },
    };
    const labeling = {
        enabled: r.boolean("labeling"),
        classes: classNames,
        workteamArn: r.string("labelingWorkteamArn", /^(arn:aws[a-z-]*:sagemaker:[a-z0-9-]+:\d{12}:workteam\/(private-crowd|vendor-crowd|public-crowd)\/[A-Za-z0-9](-*[A-Za-z0-9])*)?$/, "expected a work team ARN, arn:aws:sagemaker:<region>:<account>:workteam/private-crowd/<team>, or empty"),
        allowPublicWorkforce: r.boolean("labelingAllowPublicWorkforce"),
    };
    if (labeling.enabled) {
        if (labeling.workteamArn === "") {
            r.report("labelingWorkteamArn", "is empty but labeling is on; name the private work team that labels (SageMaker console, Labeling workforces, Private: its ARN).");
        } else if (labeling.workteamArn.includes(":workteam/public-crowd/") && !labeling.allowPublicWorkforce) {
            r.report(
                "labelingWorkteamArn",
                `${JSON.stringify(labeling.workteamArn)} is the public Amazon Mechanical Turk workforce: the drone imagery would be shown to anyone on it. Name a private work team, or set labelingAllowPublicWorkforce: true (and the policy pack's allowPublicWorkforce) if that is intended.`,
            );
        } else if (!labeling.workteamArn.includes(`:sagemaker:${awsRegion}:`)) {
            r.report("labelingWorkteamArn", `${JSON.stringify(labeling.workteamArn)} is not in the stack's region ${awsRegion}; labeling jobs need a work team of their own region.`);
        }
    }
    const deployment = {
        enabled: r.boolean("deployment"),
        modelVersion: r.integer("deployModelVersion", 0, 1_000_000),
        baselineUri: r.string("deployBaselineUri", /^(s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\/monitoring\/baseline\/[A-Za-z0-9!_.*'()\/-]+\/)?$/, "expected the version's baseline prefix s3://<bucket>/monitoring/baseline/<...>/ (yolo-pipeline deploy writes it) or empty"),
        instanceType: r.oneOf("endpointInstanceType", DEFAULT_INFERENCE_INSTANCE_TYPES),
        minInstances: r.integer("endpointMinInstances", 1, limits.maxInstanceCount),
        maxInstances: r.integer("endpointMaxInstances", 1, limits.maxInstanceCount),
        targetInvocationsPerInstance: r.integer("endpointTargetInvocationsPerInstance", 1, 100_000),
        dataCapturePercent: r.integer("dataCapturePercent", 1, 100),
        monitoring: r.boolean("endpointMonitoring"),
        monitoringFrequency: r.oneOf("monitoringFrequency", MONITORING_FREQUENCIES),
        monitoringRetentionDays: r.integer("monitoringRetentionDays", 1, 3650),
    };
    if (deployment.enabled) {
        if (!governance.modelRegistry) {
            r.report("deployment", "is on, but modelRegistry is off: the endpoint serves an approved version of the stack's model package group; turn modelRegistry on.");
        }
        if (deployment.minInstances > deployment.maxInstances) {
            r.report("endpointMinInstances", `${deployment.minInstances} is above endpointMaxInstances ${deployment.maxInstances}; autoscaling needs min <= max.`);
        }
        if (deployment.baselineUri !== "" && !deployment.baselineUri.startsWith(`s3://${bucket.name}/`)) {
            r.report("deployBaselineUri", `${JSON.stringify(deployment.baselineUri)} is outside the stack's bucket ${bucket.name}; the monitoring role reads only its own bucket.`);
        }
        const longestServing = [contentName(names.endpoint, "", deployment.modelVersion), contentName(names.monitoringSchedule, "")].reduce((a, b) => (a.length >= b.length ? a : b));
        if (longestServing.length > MAX_SAGEMAKER_NAME_LENGTH) {
            r.report("namePrefix", `with stack "${raw.stack}" it makes the serving resource name "${longestServing}" longer than SageMaker's ${MAX_SAGEMAKER_NAME_LENGTH} characters; use a shorter prefix or stack name.`);
        }
        if (deployment.monitoring && !governance.alerts) {
            // The schedule's verdicts reach people only through the alert topic (drift alarms, EventBridge rules).
            r.report("endpointMonitoring", "is on, but alerts is off: nobody would hear of drift or of failed monitoring runs; turn alerts on or set endpointMonitoring: false.");
        }
        if (deployment.modelVersion > 0 && deployment.monitoring && deployment.baselineUri === "") {
            r.report("deployBaselineUri", `is empty but endpointMonitoring is on for version ${deployment.modelVersion}; run \`yolo-pipeline deploy ${deployment.modelVersion}\` (it writes the version's baseline) or set endpointMonitoring: false.`);
        }
    }
    const budget = {
        enabled: r.boolean("budget"),
        monthlyUsd: r.integer("monthlyBudgetUsd", 1, 1_000_000),
        actualThresholds: r.integerList("budgetActualThresholds", 1, 1000),
        forecastThresholds: r.integerList("budgetForecastThresholds", 1, 1000),
    };
    if (budget.enabled && budget.actualThresholds.length + budget.forecastThresholds.length === 0) {
        r.report("budgetActualThresholds", "and budgetForecastThresholds are both empty; a budget without a threshold notifies nobody (set budget: false to have none).");
    }
    if (budget.enabled && !governance.alerts && alertEmails.length === 0) {
        r.report("budget", "is on, but there is neither an alert topic (alerts: false) nor alertEmails to notify; turn alerts on or list addresses.");
    }

    if (r.problems.length === 0) {
        const runCost =
            (worstCaseJobCostUsd(prepare.instanceType, 1, prepare.maxRuntimeSeconds) ?? 0) +
            (worstCaseJobCostUsd(pipeline.trainingInstanceType, pipeline.trainingInstanceCount, pipeline.maxTrainingRuntimeSeconds) ?? 0) +
            (worstCaseJobCostUsd(pipeline.evaluationInstanceType, 1, pipeline.evaluationMaxRuntimeSeconds) ?? 0) +
            // BaselineMonitoring and BaselineStatistics run before a model is registered.
            (governance.modelRegistry ? 2 * (worstCaseJobCostUsd(baseline.instanceType, 1, baseline.maxRuntimeSeconds) ?? 0) : 0);
        if (runCost > limits.maxRunCostUsd) {
            r.report(
                "maxTrainingRuntimeSeconds",
                `the default run can cost up to $${runCost.toFixed(2)} on demand (instance price x count x MaxRuntime), above the $${limits.maxRunCostUsd} ceiling; lower the runtime, count or instance size.`,
            );
        }
    }

    if (r.problems.length > 0) {
        throw new ConfigError(r.problems);
    }
    return {
        project: raw.project,
        stack: raw.stack,
        aws: { profile: awsProfile, region: awsRegion },
        allowedProfiles,
        tags: { project: raw.project, environment: raw.stack, "cost-center": costCenter, owner },
        namePrefix,
        bucket,
        pipelineTrigger,
        kmsDeletionWindowDays,
        accessLogs,
        replication,
        network: { vpcId: vpcId === "" ? undefined : vpcId, subnetIds },
        studio,
        users,
        pipeline,
        governance,
        labeling,
        deployment,
        budget,
    };
}

/** Config key of each quality-gate minimum. */
export const MINIMUM_METRIC_KEYS: Readonly<Record<QualityMetric, string>> = {
    mAP50_95: "minMap50To95",
    mAP50: "minMap50",
    precision: "minPrecision",
    recall: "minRecall",
};

/** Every project key the program reads (all declared in Pulumi.yaml except `users`). */
export const CONFIG_KEYS = [
    "allowedProfiles", "costCenter", "owner", "namePrefix",
    "bucketName", "bucketMode", "allowDataDestroy", "checkpointRetentionDays", "noncurrentVersionRetentionDays",
    "incompleteUploadDays", "preparedDatasetRetentionDays", "bucketEvents", "pipelineTrigger", "kmsDeletionWindowDays",
    "accessLogging", "accessLogBucketName", "accessLogRetentionDays", "replication", "replicaRegion", "replicaBucketName", "replicatedDataGb",
    "vpcId", "subnetIds", "studioNetworkAccess", "studioSecurityGroupIds", "studioInstanceType", "users",
    "datasetName", "modelVariant", "epochs", "batchSize", "learningRate", "imageSize", "patience", "seed",
    "trainingInstanceType", "trainingInstanceCount", "evaluationInstanceType", "useSpotTraining",
    "maxTrainingRuntimeSeconds", "maxSpotWaitSeconds", "evaluationMaxRuntimeSeconds", "trainingVolumeSizeGb",
    "cacheTrainingDays", "trainingImageTag", "cpuImageTag",
    "prepareInstanceType", "prepareMaxRuntimeSeconds", "cachePrepareDays", "inputFormat", "valFraction", "testFraction", "minImagesPerSplit",
    "baselineInstanceType", "baselineMaxRuntimeSeconds",
    "qualityGate", ...Object.values(MINIMUM_METRIC_KEYS), "modelApprovalStatus",
    "modelRegistry", "inferenceImageTag", "alerts", "alertEmails", "experimentTracking", "mlflowServerSize", "mlflowVersion",
    "studioIdleTimeoutMinutes", "studioMaxIdleTimeoutMinutes", "studioLifecycleConfig", "studioSourceIdentity",
    "budget", "monthlyBudgetUsd", "budgetActualThresholds", "budgetForecastThresholds",
    "labeling", "labelClasses", "labelingWorkteamArn", "labelingAllowPublicWorkforce",
    "deployment", "deployModelVersion", "deployBaselineUri", "endpointInstanceType", "endpointMinInstances", "endpointMaxInstances",
    "endpointTargetInvocationsPerInstance", "dataCapturePercent", "endpointMonitoring", "monitoringFrequency", "monitoringRetentionDays",
];

/** Reads the current stack's configuration through the Pulumi runtime and validates it. */
export function loadConfig(): PlatformConfig {
    // Required here, not imported above: the CLI validates stack config without loading the Pulumi SDK.
    const pulumi: typeof Pulumi = require("@pulumi/pulumi");
    const project = new pulumi.Config();
    const aws = new pulumi.Config("aws");
    const values: Record<string, string | undefined> = {};
    for (const key of CONFIG_KEYS) {
        values[key] = project.get(key);
    }
    return parseConfig({
        project: pulumi.getProject(),
        stack: pulumi.getStack(),
        values,
        awsProfile: aws.get("profile"),
        awsRegion: aws.get("region"),
    });
}

// The one place that knows which SageMaker instance types this platform may use, what they cost and
// the limits a run must stay within. The policy pack enforces these defaults (teams override them with
// --policy-pack-config), the stack's config validation refuses values outside them, and the operations
// CLI checks pipeline parameters against them before starting an execution. Kept inside the policy pack
// so that the pack stays self-contained when it is published on its own.

/** What a workload needs to know about an instance type. */
export interface InstanceTypeInfo {
    /** Approximate on-demand price in USD per hour (us-east-1, SageMaker training/processing/Studio). */
    readonly pricePerHour: number;
    readonly gpus: number;
    /**
     * The type has NVMe instance storage that AWS encrypts in hardware. SageMaker rejects a
     * VolumeKmsKeyId for such types, so a step that runs on them must not set one.
     */
    readonly nvmeInstanceStorage: boolean;
}

/**
 * Instance types the platform knows. Prices are list prices rounded to the cent fraction AWS publishes;
 * they only feed worst-case estimates, so a team with a discount overrides them in the pack config.
 */
export const INSTANCE_TYPES: Readonly<Record<string, InstanceTypeInfo>> = {
    // GPU training and evaluation (NVMe instance storage).
    "ml.g4dn.xlarge": { pricePerHour: 0.7364, gpus: 1, nvmeInstanceStorage: true },
    "ml.g4dn.2xlarge": { pricePerHour: 0.94, gpus: 1, nvmeInstanceStorage: true },
    "ml.g4dn.4xlarge": { pricePerHour: 1.505, gpus: 1, nvmeInstanceStorage: true },
    "ml.g4dn.8xlarge": { pricePerHour: 2.72, gpus: 1, nvmeInstanceStorage: true },
    "ml.g4dn.12xlarge": { pricePerHour: 4.89, gpus: 4, nvmeInstanceStorage: true },
    "ml.g5.xlarge": { pricePerHour: 1.408, gpus: 1, nvmeInstanceStorage: true },
    "ml.g5.2xlarge": { pricePerHour: 1.515, gpus: 1, nvmeInstanceStorage: true },
    "ml.g5.4xlarge": { pricePerHour: 2.03, gpus: 1, nvmeInstanceStorage: true },
    "ml.g5.8xlarge": { pricePerHour: 3.06, gpus: 1, nvmeInstanceStorage: true },
    "ml.g5.12xlarge": { pricePerHour: 7.09, gpus: 4, nvmeInstanceStorage: true },
    // Known but not allowed by default: EBS-only or far beyond a drone-detection budget.
    "ml.p3.2xlarge": { pricePerHour: 3.825, gpus: 1, nvmeInstanceStorage: false },
    "ml.p3.16xlarge": { pricePerHour: 28.152, gpus: 8, nvmeInstanceStorage: false },
    "ml.p4d.24xlarge": { pricePerHour: 37.688, gpus: 8, nvmeInstanceStorage: true },
    "ml.p5.48xlarge": { pricePerHour: 113.07, gpus: 8, nvmeInstanceStorage: true },
    // CPU types for Studio apps and light processing (EBS volumes).
    "ml.t3.medium": { pricePerHour: 0.05, gpus: 0, nvmeInstanceStorage: false },
    "ml.t3.large": { pricePerHour: 0.1, gpus: 0, nvmeInstanceStorage: false },
    "ml.t3.xlarge": { pricePerHour: 0.2, gpus: 0, nvmeInstanceStorage: false },
    "ml.m5.large": { pricePerHour: 0.115, gpus: 0, nvmeInstanceStorage: false },
    "ml.m5.xlarge": { pricePerHour: 0.23, gpus: 0, nvmeInstanceStorage: false },
    "ml.m5.2xlarge": { pricePerHour: 0.461, gpus: 0, nvmeInstanceStorage: false },
    "ml.c5.2xlarge": { pricePerHour: 0.408, gpus: 0, nvmeInstanceStorage: false },
};

/**
 * GPU training types, cheapest first. All have NVMe instance storage, so a training step's volume
 * encryption is the same (hardware) whichever of them a user picks at start time.
 */
export const DEFAULT_TRAINING_INSTANCE_TYPES: readonly string[] = [
    "ml.g4dn.xlarge",
    "ml.g4dn.2xlarge",
    "ml.g4dn.4xlarge",
    "ml.g4dn.8xlarge",
    "ml.g4dn.12xlarge",
    "ml.g5.xlarge",
    "ml.g5.2xlarge",
    "ml.g5.4xlarge",
    "ml.g5.8xlarge",
    "ml.g5.12xlarge",
];

/** GPU processing types (evaluation of large models or test splits): NVMe storage like training, no volume key. */
export const GPU_PROCESSING_INSTANCE_TYPES: readonly string[] = ["ml.g4dn.xlarge", "ml.g4dn.2xlarge", "ml.g5.xlarge", "ml.g5.2xlarge"];

/**
 * CPU processing types (dataset preparation; evaluation of a small model on a test split of hundreds of images,
 * a few minutes on a CPU at a third of a GPU's price): EBS storage, so their volumes take the stack's key.
 */
export const CPU_PROCESSING_INSTANCE_TYPES: readonly string[] = ["ml.m5.large", "ml.m5.xlarge", "ml.m5.2xlarge", "ml.c5.2xlarge"];

/** Every type Processing steps may run on: the policy pack's processingInstanceTypes. */
export const DEFAULT_PROCESSING_INSTANCE_TYPES: readonly string[] = [...GPU_PROCESSING_INSTANCE_TYPES, ...CPU_PROCESSING_INSTANCE_TYPES];

/**
 * The processing types one instance-type parameter may offer alongside `instanceType`: those of the same storage
 * kind, because SageMaker requires a volume key for EBS types and rejects one for NVMe types, and one step
 * definition can only do one of the two.
 */
export function processingTypesLike(instanceType: string): readonly string[] {
    return INSTANCE_TYPES[instanceType]?.nvmeInstanceStorage ? GPU_PROCESSING_INSTANCE_TYPES : CPU_PROCESSING_INSTANCE_TYPES;
}

/**
 * Inference types (real-time endpoints and batch transform): a T4 or A10G GPU for YOLO11 at drone-image sizes,
 * or a CPU type for light traffic. Prices above are training list prices; real-time inference lists the same
 * figures for these types in us-east-1.
 */
export const DEFAULT_INFERENCE_INSTANCE_TYPES: readonly string[] = ["ml.g4dn.xlarge", "ml.g4dn.2xlarge", "ml.g5.xlarge", "ml.m5.large", "ml.m5.xlarge"];

/** Default instance types a Studio JupyterLab app may start on. */
export const DEFAULT_STUDIO_INSTANCE_TYPES: readonly string[] = [
    "ml.t3.medium",
    "ml.t3.large",
    "ml.m5.large",
    "ml.m5.xlarge",
];

/**
 * Studio idle shutdown the pack requires unless a team raises it: the longest idle time before SageMaker stops
 * an app (a domain default, user profile or space), and the longest a user may choose for their own apps.
 */
export const DEFAULT_STUDIO_IDLE_LIMITS = {
    maxIdleTimeoutMinutes: 240,
    maxUserIdleTimeoutMinutes: 1440,
} as const;

/** Limits a pipeline run must stay within unless a team raises them in the pack config. */
export const DEFAULT_LIMITS = {
    /** Instances per training or processing job. */
    maxInstanceCount: 4,
    /** Training jobs a hyperparameter tuning job may run at once. */
    maxParallelTrainingJobs: 2,
    /** Ceiling on a training job's StoppingCondition.MaxRuntimeInSeconds (24 h). */
    maxTrainingRuntimeSeconds: 86_400,
    /** Ceiling on a processing job's StoppingCondition.MaxRuntimeInSeconds (4 h). */
    maxProcessingRuntimeSeconds: 14_400,
    /** Ceiling on MaxWaitTimeInSeconds of a managed spot training job (48 h). */
    maxSpotWaitSeconds: 172_800,
    /** Ceiling on the worst-case on-demand cost of one pipeline run, in USD. */
    maxRunCostUsd: 100,
} as const;

/** AWS CLI/SDK profiles the stack and the operations CLI may use. */
export const DEFAULT_ALLOWED_PROFILES: readonly string[] = ["ab"];

/** Cost-allocation tag keys every taggable resource carries. */
export const REQUIRED_TAG_KEYS: readonly string[] = ["project", "environment", "cost-center", "owner"];

/** Tag key that names the persona a team IAM role serves. */
export const PERSONA_TAG_KEY = "ml-persona";
export const PERSONAS = ["data-scientist", "ml-engineer", "pipeline"] as const;
export type Persona = (typeof PERSONAS)[number];
/** Personas people act as: the only roles a Studio domain, user profile or space may run as. */
export const STUDIO_PERSONAS: readonly Persona[] = ["data-scientist", "ml-engineer"];
/**
 * Personas that are a service's, not a person's: assumed only by the named AWS service principals. A Studio user
 * given such a role (its trust alone does not stop that: Studio is SageMaker too) would act as the service.
 */
export const SERVICE_PERSONAS: Readonly<Partial<Record<Persona, { readonly principals: readonly string[]; readonly purpose: string }>>> = {
    pipeline: { principals: ["sagemaker.amazonaws.com"], purpose: "the training pipeline and the jobs it starts" },
};

/** Tag that names what a service role (not a persona) is for, e.g. `ml-service: mlflow-tracking-server`. */
export const SERVICE_TAG_KEY = "ml-service";
/** `ml-service` value of the role a SageMaker managed MLflow tracking server assumes. */
export const MLFLOW_SERVER_SERVICE = "mlflow-tracking-server";
/** `ml-service` value of the role SageMaker Ground Truth labeling jobs run as. */
export const LABELING_SERVICE = "ground-truth-labeling";
/** `ml-service` value of the role an EventBridge rule assumes to start the stack's pipeline (the dataset trigger). */
export const PIPELINE_TRIGGER_SERVICE = "pipeline-trigger";
/** `ml-service` value of the role a real-time endpoint's model runs as. */
export const ENDPOINT_SERVICE = "sagemaker-endpoint";
/** `ml-service` value of the role Model Monitor's monitoring jobs run as. */
export const MODEL_MONITOR_SERVICE = "model-monitor";
/** `ml-service` value of the role S3 assumes to replicate the data bucket to its cross-region replica. */
export const REPLICATION_SERVICE = "s3-replication";

/**
 * The stack's service roles: roles no person assumes, each for one purpose, assumed only by the named AWS
 * service principals, and each judged as a whole by a policy of the pack. A role of the stack is either a
 * persona (`ml-persona`) or one of these (`ml-service`); the pack refuses any other, so that no role escapes
 * the role-separation rules by losing its tag.
 */
export interface ServiceRole {
    readonly principals: readonly string[];
    readonly purpose: string;
    readonly checkedBy: string;
    /**
     * Why the trust policy of this service role cannot test aws:SourceAccount/aws:SourceArn (the service's
     * documented trust has none), and what confines it instead; absent for services that send them.
     */
    readonly withoutSourceConditions?: string;
}

export const SERVICE_ROLES: Readonly<Record<string, ServiceRole>> = {
    [MLFLOW_SERVER_SERVICE]: {
        principals: ["sagemaker.amazonaws.com"],
        purpose: "the SageMaker managed MLflow tracking server's access to its artifact store",
        checkedBy: "sagemaker-mlflow-server-role-scoped",
    },
    [LABELING_SERVICE]: {
        principals: ["sagemaker.amazonaws.com"],
        purpose: "Ground Truth labeling jobs' access to the images to label and their output prefix",
        checkedBy: "sagemaker-labeling-role-scoped",
    },
    [PIPELINE_TRIGGER_SERVICE]: {
        principals: ["events.amazonaws.com"],
        purpose: "an EventBridge rule's right to start the pipeline it targets",
        checkedBy: "sagemaker-pipeline-trigger-scoped",
    },
    [ENDPOINT_SERVICE]: {
        principals: ["sagemaker.amazonaws.com"],
        purpose: "a real-time endpoint's model: its serving archive, the data capture it writes, its logs and image",
        checkedBy: "sagemaker-serving-roles-scoped",
    },
    [MODEL_MONITOR_SERVICE]: {
        principals: ["sagemaker.amazonaws.com"],
        purpose: "Model Monitor jobs: the endpoint's capture and baseline they read, the reports they write",
        checkedBy: "sagemaker-serving-roles-scoped",
    },
    [REPLICATION_SERVICE]: {
        principals: ["s3.amazonaws.com"],
        purpose: "S3's cross-region replication of the data bucket: reading object versions for replication and writing replicas",
        checkedBy: "s3-replication-role-scoped",
        withoutSourceConditions:
            "AWS documents the replication role's trust without aws:SourceAccount or aws:SourceArn (S3 is not documented to send them when it assumes the role, so testing them could stop replication); only a principal of this account allowed iam:PassRole on the role can name it in a replication configuration (PutBucketReplication)",
    },
};

/** Price per hour of an instance type, with per-type overrides (e.g. from pack config) taking precedence. */
export function pricePerHour(instanceType: string, overrides: Record<string, number> = {}): number | undefined {
    return overrides[instanceType] ?? INSTANCE_TYPES[instanceType]?.pricePerHour;
}

/** Worst-case on-demand cost of a job: every instance billed for the whole MaxRuntime. */
export function worstCaseJobCostUsd(
    instanceType: string,
    instanceCount: number,
    maxRuntimeSeconds: number,
    overrides: Record<string, number> = {},
): number | undefined {
    const price = pricePerHour(instanceType, overrides);
    return price === undefined ? undefined : (price * instanceCount * maxRuntimeSeconds) / 3600;
}

/**
 * What INSTANCE_TYPES' prices are, for reports that print them (`npm run plan`'s cost block), and the one
 * assumption those reports add: the typical saving of managed spot training. Spot prices are not in the
 * table (they vary by type, zone and hour), so a spot figure is an estimate, never a ceiling; a spot job is
 * never billed above the on-demand price, which is why the limits above are on-demand. Update `asOf`
 * whenever the prices change.
 */
export const PRICING_BASIS = {
    /** Region of the list prices; other regions differ. */
    region: "us-east-1",
    /** When the list prices above were written down (not a live lookup). */
    asOf: "2026-11",
    source: "https://aws.amazon.com/sagemaker/pricing/ (on-demand: training, processing, Studio JupyterLab)",
    /** Fraction of the on-demand price a managed spot training job typically saves: an assumption. */
    typicalManagedSpotSavings: 0.7,
    managedSpotSource:
        "https://docs.aws.amazon.com/sagemaker/latest/dg/model-managed-spot-training.html states savings of up to 90% over on-demand; 70% is this platform's assumption for a typical GPU training job, not a quote",
} as const;

// The SageMaker Pipeline definition (JSON) for YOLO11 training, built by a pure, typed function in the
// shape the SageMaker Python SDK writes (`pipeline.definition()`, Version 2020-12-01). Step arguments are
// the @aws-sdk/client-sagemaker request types (CreateTrainingJob / CreateProcessingJob without the job
// name) in which any scalar may be a pipeline expression, so a misspelt or misplaced field fails `tsc`.
import type { CreateModelPackageInput, CreateProcessingJobRequest, CreateTrainingJobRequest, ProcessingInstanceType, ProductionVariantInstanceType } from "@aws-sdk/client-sagemaker";
import { CPU_PROCESSING_INSTANCE_TYPES, DEFAULT_INFERENCE_INSTANCE_TYPES, DEFAULT_TRAINING_INSTANCE_TYPES, INSTANCE_TYPES, processingTypesLike } from "../policies/catalog";
import { INPUT_FORMATS, MODEL_VARIANTS, PipelineSettings } from "./config";
import { datasetUri, MONITORING_BASELINES, PREFIXES, PREPARED_DATASETS, s3Uri, SERVING_MODELS } from "./s3Layout";

export interface Get {
    Get: string;
}
export interface JsonGet {
    "Std:JsonGet": { PropertyFile: Get; Path: string };
}
export interface StdJoin {
    "Std:Join": { On: string; Values: (string | number | Get | JsonGet)[] };
}
export type PipelineExpression = Get | StdJoin | JsonGet;

/** `T` with any string, number or boolean replaceable by a pipeline expression resolved at run time. */
export type Pipelined<T> = T extends string | number | boolean
    ? T | PipelineExpression
    : T extends readonly (infer U)[]
      ? Pipelined<U>[]
      : T extends object
        ? { [K in keyof T]: Pipelined<T[K]> }
        : T;

export type TrainingStepArguments = Pipelined<Omit<CreateTrainingJobRequest, "TrainingJobName">>;
export type ProcessingStepArguments = Pipelined<Omit<CreateProcessingJobRequest, "ProcessingJobName">>;
/** A RegisterModel step's arguments are a CreateModelPackage request (the SDK's `RegisterModel` step collection). */
export type RegisterModelStepArguments = Pipelined<Omit<CreateModelPackageInput, "ModelPackageName" | "ClientToken">>;

export type ParameterType = "String" | "Integer" | "Float" | "Boolean";
export interface PipelineParameter {
    Name: string;
    Type: ParameterType;
    DefaultValue: string | number | boolean;
    /** SageMaker refuses a start whose value is not in this list. */
    EnumValues?: string[];
}

export interface RetryPolicy {
    ExceptionType: string[];
    IntervalSeconds: number;
    BackoffRate: number;
    MaxAttempts: number;
}

export interface CacheConfig {
    Enabled: boolean;
    /** ISO-8601 duration, e.g. `P30D`. */
    ExpireAfter?: string;
}

interface StepBase {
    Name: string;
    DisplayName?: string;
    Description?: string;
    DependsOn?: string[];
    RetryPolicies?: RetryPolicy[];
    CacheConfig?: CacheConfig;
}

export interface TrainingStep extends StepBase {
    Type: "Training";
    Arguments: TrainingStepArguments;
}

export interface PropertyFile {
    PropertyFileName: string;
    OutputName: string;
    FilePath: string;
}

export interface ProcessingStep extends StepBase {
    Type: "Processing";
    Arguments: ProcessingStepArguments;
    PropertyFiles?: PropertyFile[];
}

export interface RegisterModelStep extends StepBase {
    Type: "RegisterModel";
    Arguments: RegisterModelStepArguments;
}

/** Comparison of a Condition step; both sides may be pipeline expressions. */
export interface Comparison {
    Type: "GreaterThanOrEqualTo" | "GreaterThan" | "LessThan" | "LessThanOrEqualTo" | "Equals";
    LeftValue: number | PipelineExpression;
    RightValue: number | PipelineExpression;
}

export interface ConditionStep extends StepBase {
    Type: "Condition";
    /** All must hold for IfSteps to run; otherwise ElseSteps run. */
    Arguments: { Conditions: Comparison[]; IfSteps: PipelineStep[]; ElseSteps: PipelineStep[] };
}

export interface FailStep extends StepBase {
    Type: "Fail";
    Arguments: { ErrorMessage: string | StdJoin };
}

export type PipelineStep = TrainingStep | ProcessingStep | RegisterModelStep | ConditionStep | FailStep;

export interface PipelineDefinition {
    Version: "2020-12-01";
    Metadata: Record<string, unknown>;
    Parameters: PipelineParameter[];
    Steps: PipelineStep[];
}

/** Names of the definition's parameters and steps; the CLI and tests refer to them by these. */
export const PARAMETERS = {
    inputData: "InputData",
    /** Appended to InputData: the dataset trigger passes a `_READY` marker's key (EventBridge passes event fields only whole). */
    inputKey: "InputKey",
    /** S3 version of the InputKey object, part of PrepareDataset's cache key: marking a folder again prepares it again. */
    inputKeyVersion: "InputKeyVersion",
    /**
     * A digest of the input's object listing (keys, ETags, sizes), part of PrepareDataset's cache key: SageMaker keys the
     * step by its arguments and input URIs, never by the objects under them. `yolo-pipeline start` sets it.
     */
    inputFingerprint: "InputFingerprint",
    inputFormat: "InputFormat",
    /** Ground Truth: the label attribute to read; empty detects it, which needs a manifest with only one (not a chained job's). */
    labelAttribute: "LabelAttribute",
    valFraction: "ValFraction",
    testFraction: "TestFraction",
    minImagesPerSplit: "MinImagesPerSplit",
    outputPath: "OutputPath",
    modelVariant: "ModelVariant",
    epochs: "Epochs",
    batchSize: "BatchSize",
    learningRate: "LearningRate",
    imageSize: "ImageSize",
    patience: "Patience",
    seed: "Seed",
    trainingInstanceType: "TrainingInstanceType",
    trainingInstanceCount: "TrainingInstanceCount",
    evaluationInstanceType: "EvaluationInstanceType",
    modelApprovalStatus: "ModelApprovalStatus",
} as const;

export const STEPS = {
    prepare: "PrepareDataset",
    checkDataset: "CheckDataset",
    failDataset: "FailDataset",
    train: "TrainYOLO11",
    evaluate: "EvaluateYOLO11",
    baseline: "BaselineMonitoring",
    baselineStatistics: "BaselineStatistics",
    register: "RegisterYOLO11",
} as const;

/** PrepareDataset's report (schema: pipeline-scripts/validation.schema.json), read by CheckDataset with Std:JsonGet. */
export const VALIDATION_REPORT = {
    propertyFile: "DatasetValidation",
    outputName: "report",
    filePath: "validation.json",
    /** Problems that make the dataset unfit for training; 0 passes (a number: the comparison SageMaker evaluates most plainly). */
    problemCountPath: "problem_count",
    /** One line naming the problems, for the Fail step's message. */
    summaryPath: "summary",
} as const;

/** The output of PrepareDataset that training and evaluation read. */
export const PREPARED_DATASET_OUTPUT = "dataset";

/** Statuses a registered model version can start in; approving is a person's act (`yolo-pipeline approve`). */
export const MODEL_APPROVAL_STATUSES = ["PendingManualApproval", "Approved"] as const;
export type ModelApprovalStatus = (typeof MODEL_APPROVAL_STATUSES)[number];

/**
 * The metrics the quality gate checks, in gate order, each read from evaluation.json (pipeline-scripts/
 * evaluation.schema.json) and compared with a Float pipeline parameter. `metadataKey` is the key under
 * which the registered model version carries the value (CustomerMetadataProperties), for `yolo-pipeline models`.
 */
export const QUALITY_METRICS = [
    { key: "mAP50_95", label: "mAP50-95", jsonPath: "detection_metrics.mAP50_95.value", parameter: "MinMAP50_95", step: "CheckMAP50_95", fail: "FailMAP50_95", metadataKey: "mAP50-95" },
    { key: "mAP50", label: "mAP50", jsonPath: "detection_metrics.mAP50.value", parameter: "MinMAP50", step: "CheckMAP50", fail: "FailMAP50", metadataKey: "mAP50" },
    { key: "precision", label: "precision", jsonPath: "detection_metrics.precision.value", parameter: "MinPrecision", step: "CheckPrecision", fail: "FailPrecision", metadataKey: "precision" },
    { key: "recall", label: "recall", jsonPath: "detection_metrics.recall.value", parameter: "MinRecall", step: "CheckRecall", fail: "FailRecall", metadataKey: "recall" },
] as const;
export type QualityMetric = (typeof QUALITY_METRICS)[number]["key"];

/** Other CustomerMetadataProperties of a registered version: where it came from. */
export const MODEL_METADATA = {
    pipelineExecutionArn: "pipeline-execution-arn",
    modelVariant: "model-variant",
    inputData: "input-data",
    preparedData: "prepared-data",
    evaluationReport: "evaluation-report",
    /** The version's Model Monitor baseline prefix (statistics.json, constraints.json): what `deployBaselineUri` takes. */
    monitoringBaseline: "monitoring-baseline",
} as const;

/** The evaluation step's report, read by conditions with Std:JsonGet (schema: pipeline-scripts/evaluation.schema.json). */
export const EVALUATION_REPORT = {
    propertyFile: "EvaluationReport",
    outputName: "evaluation",
    filePath: "evaluation.json",
    /** The split evaluated: test, or val when the dataset has no test images. */
    splitPath: "split",
} as const;

/**
 * The serving archive the evaluation step writes (pipeline-scripts/yolo_pipeline/serving_artifact.py): the trained model
 * with code/inference.py, what the PyTorch inference container loads. Registered versions point at it.
 */
export const SERVING_ARTIFACT = {
    outputName: "serving",
    fileName: "model.tar.gz",
    /** How the SageMaker PyTorch inference toolkit finds the entry point in the unpacked archive. */
    environment: { SAGEMAKER_PROGRAM: "inference.py", SAGEMAKER_SUBMIT_DIRECTORY: "/opt/ml/model/code" },
} as const;

/**
 * The Model Monitor baseline: BaselineMonitoring writes the baseline dataset (monitoring_baseline.py), BaselineStatistics
 * (the sagemaker-model-monitor-analyzer image) computes statistics.json and constraints.json from it. Names and
 * environment follow the SageMaker Python SDK's DefaultModelMonitor.suggest_baseline.
 */
export const MONITORING_BASELINE = {
    datasetOutput: "baseline_dataset",
    /** monitoring_baseline.py --format jsonl: one flat JSON record per line, columns by name rather than position. */
    datasetFormat: { json: { lines: true } },
    analyzerInput: "baseline_dataset_input",
    analyzerOutput: "monitoring_output",
    statisticsFile: "statistics.json",
    constraintsFile: "constraints.json",
} as const;

/** Metric lines train.py prints (`name=value`), as SageMaker metric definitions. */
export const TRAINING_METRICS: readonly { Name: string; Regex: string }[] = [
    ["epoch", "epoch"],
    ["train:box_loss", "train_box_loss"],
    ["train:cls_loss", "train_cls_loss"],
    ["train:dfl_loss", "train_dfl_loss"],
    ["val:precision", "val_precision"],
    ["val:recall", "val_recall"],
    ["val:mAP50", "val_mAP50"],
    ["val:mAP50-95", "val_mAP50_95"],
    // Unanchored (log lines may carry a prefix), but `\b…=` keeps val_mAP50 from matching val_mAP50_95.
].map(([name, key]) => ({ Name: name, Regex: `\\b${key}=([-+0-9.eE]+)` }));

export const CONTAINER_PATHS = {
    checkpoints: "/opt/ml/checkpoints",
    processingRaw: "/opt/ml/processing/input/raw",
    processingPrepared: "/opt/ml/processing/output/dataset",
    processingReport: "/opt/ml/processing/output/report",
    processingCode: "/opt/ml/processing/input/code",
    processingModel: "/opt/ml/processing/model",
    processingData: "/opt/ml/processing/data",
    processingEvaluation: "/opt/ml/processing/evaluation",
    processingServing: "/opt/ml/processing/serving",
    processingBaseline: "/opt/ml/processing/baseline",
    analyzerDataset: "/opt/ml/processing/input/baseline_dataset_input",
    analyzerOutput: "/opt/ml/processing/output",
} as const;

export interface DefinitionInputs {
    readonly bucket: string;
    /** Role the pipeline's jobs run as. */
    readonly roleArn: string;
    /** Key for job outputs and EBS volumes; an alias ARN keeps the definition known before the key exists. */
    readonly kmsKeyId: string;
    /** Training and GPU-processing container image (PyTorch Deep Learning Container, GPU build). */
    readonly imageUri: string;
    /** The same framework's CPU build, for steps on CPU types (preparation, CPU evaluation). */
    readonly cpuImageUri: string;
    /** S3 URI of the content-addressed pipeline-scripts bundle. */
    readonly codeBundleUri: string;
    readonly region: string;
    readonly settings: PipelineSettings;
    /**
     * Model registry: passing models become versions of this group, naming this serving image, with a Model Monitor
     * baseline computed on the region's Model Monitor analyzer image.
     */
    readonly registry?: { readonly modelPackageGroupName: string; readonly inferenceImageUri: string; readonly monitorAnalyzerImageUri: string };
    /** MLflow tracking server training logs to (its ARN is the tracking URI), and the experiment name. */
    readonly tracking?: { readonly trackingServerArn: string; readonly experimentName: string };
}

const param = (name: string): Get => ({ Get: `Parameters.${name}` });
const executionId: Get = { Get: "Execution.PipelineExecutionId" };
/** Parameters are typed; hyperparameters and container arguments are strings, so numbers go through Std:Join. */
const asString = (value: Get): StdJoin => ({ "Std:Join": { On: "", Values: [value] } });

/** A processing job input: everything under an S3 prefix (or one object), copied to the container before the job starts. */
function processingInput(name: string, uri: string | Get | StdJoin, localPath: string) {
    return {
        InputName: name,
        AppManaged: false,
        S3Input: {
            S3Uri: uri,
            LocalPath: localPath,
            S3DataType: "S3Prefix" as const,
            S3InputMode: "File" as const,
            S3DataDistributionType: "FullyReplicated" as const,
        },
    };
}

/** `s3://<bucket>/<prefix><execution-id>`: one folder per run, so concurrent runs never share one. */
const perExecution = (bucket: string, prefix: string, ...rest: string[]): StdJoin => ({
    "Std:Join": { On: "", Values: [s3Uri(bucket, prefix), executionId, ...rest] },
});

/** A `bash -c` script for a processing container: unpack the code bundle, optionally install its requirements, run `script`. */
function processingBootstrap(script: string, options: { install: boolean }): string {
    return [
        "set -euo pipefail",
        `cd ${CONTAINER_PATHS.processingCode}`,
        "tar -xzf sourcedir.tar.gz",
        ...(options.install ? ["python3 -m pip install --quiet --disable-pip-version-check -r requirements.txt"] : []),
        `exec python3 ${script} "$@"`,
    ].join("; ");
}

/** A processing job output under an S3 prefix, uploaded when the job ends. */
function processingOutput(name: string, uri: StdJoin, localPath: string) {
    return { OutputName: name, AppManaged: false, S3Output: { S3Uri: uri, LocalPath: localPath, S3UploadMode: "EndOfJob" as const } };
}

/**
 * SageMaker refuses a VolumeKmsKeyId on types with NVMe instance storage (encrypted in hardware) and
 * the parameter can pick any allowed type at start time, so the allowed types must agree.
 * Exported for testing.
 */
export function volumeKmsKeyId(allowedTypes: readonly string[], kmsKeyId: string, step: string): { VolumeKmsKeyId?: string } {
    const nvme = allowedTypes.map((type) => INSTANCE_TYPES[type]?.nvmeInstanceStorage ?? false);
    if (nvme.every(Boolean)) {
        return {};
    }
    if (nvme.some(Boolean)) {
        throw new Error(
            `The ${step} instance types ${allowedTypes.join(", ")} mix NVMe-storage and EBS types; a pipeline parameter can only allow one kind, because SageMaker requires VolumeKmsKeyId for EBS and rejects it for NVMe.`,
        );
    }
    return { VolumeKmsKeyId: kmsKeyId };
}

const SERVICE_RETRY: RetryPolicy = {
    ExceptionType: ["Step.SERVICE_FAULT", "Step.THROTTLING"],
    IntervalSeconds: 10,
    BackoffRate: 2,
    MaxAttempts: 5,
};
const JOB_RETRY: RetryPolicy = {
    // Capacity errors are common for GPU (especially spot) in busy regions; a later attempt usually gets it.
    ExceptionType: ["SageMaker.CAPACITY_ERROR", "SageMaker.RESOURCE_LIMIT", "SageMaker.JOB_INTERNAL_ERROR"],
    IntervalSeconds: 120,
    BackoffRate: 2,
    MaxAttempts: 3,
};

export function pipelineParameters(inputs: DefinitionInputs): PipelineParameter[] {
    const s = inputs.settings;
    return [
        { Name: PARAMETERS.inputData, Type: "String", DefaultValue: datasetUri(inputs.bucket, s.datasetName) },
        { Name: PARAMETERS.inputKey, Type: "String", DefaultValue: "" },
        { Name: PARAMETERS.inputKeyVersion, Type: "String", DefaultValue: "" },
        { Name: PARAMETERS.inputFingerprint, Type: "String", DefaultValue: "" },
        { Name: PARAMETERS.inputFormat, Type: "String", DefaultValue: s.prepare.inputFormat, EnumValues: [...INPUT_FORMATS] },
        { Name: PARAMETERS.labelAttribute, Type: "String", DefaultValue: "" },
        { Name: PARAMETERS.valFraction, Type: "Float", DefaultValue: s.prepare.valFraction },
        { Name: PARAMETERS.testFraction, Type: "Float", DefaultValue: s.prepare.testFraction },
        { Name: PARAMETERS.minImagesPerSplit, Type: "Integer", DefaultValue: s.prepare.minImagesPerSplit },
        { Name: PARAMETERS.outputPath, Type: "String", DefaultValue: s3Uri(inputs.bucket, PREFIXES.models) },
        { Name: PARAMETERS.modelVariant, Type: "String", DefaultValue: s.modelVariant, EnumValues: [...MODEL_VARIANTS] },
        { Name: PARAMETERS.epochs, Type: "Integer", DefaultValue: s.epochs },
        { Name: PARAMETERS.batchSize, Type: "Integer", DefaultValue: s.batchSize },
        { Name: PARAMETERS.learningRate, Type: "Float", DefaultValue: s.learningRate },
        { Name: PARAMETERS.imageSize, Type: "Integer", DefaultValue: s.imageSize },
        { Name: PARAMETERS.patience, Type: "Integer", DefaultValue: s.patience },
        { Name: PARAMETERS.seed, Type: "Integer", DefaultValue: s.seed },
        {
            Name: PARAMETERS.trainingInstanceType,
            Type: "String",
            DefaultValue: s.trainingInstanceType,
            EnumValues: [...DEFAULT_TRAINING_INSTANCE_TYPES],
        },
        { Name: PARAMETERS.trainingInstanceCount, Type: "Integer", DefaultValue: s.trainingInstanceCount },
        {
            Name: PARAMETERS.evaluationInstanceType,
            Type: "String",
            DefaultValue: s.evaluationInstanceType,
            EnumValues: [...processingTypesLike(s.evaluationInstanceType)],
        },
        ...(s.qualityGate
            ? QUALITY_METRICS.map((metric): PipelineParameter => ({ Name: metric.parameter, Type: "Float", DefaultValue: s.minimumMetrics[metric.key] }))
            : []),
        ...(inputs.registry
            ? [{ Name: PARAMETERS.modelApprovalStatus, Type: "String" as const, DefaultValue: s.modelApprovalStatus, EnumValues: [...MODEL_APPROVAL_STATUSES] }]
            : []),
    ];
}

export function trainingStep(inputs: DefinitionInputs): TrainingStep {
    const s = inputs.settings;
    const json = (value: string) => JSON.stringify(value);
    return {
        Name: STEPS.train,
        Type: "Training",
        DisplayName: "Train YOLO11",
        Description: "Trains a YOLO11 detector on the dataset PrepareDataset made of InputData (managed spot, checkpointed).",
        Arguments: {
            AlgorithmSpecification: {
                TrainingImage: inputs.imageUri,
                TrainingInputMode: "File",
                MetricDefinitions: TRAINING_METRICS.map((metric) => ({ ...metric })),
                EnableSageMakerMetricsTimeSeries: true,
            },
            RoleArn: inputs.roleArn,
            // Script mode: the toolkit JSON-decodes each value, so literal strings are JSON-encoded.
            HyperParameters: {
                sagemaker_program: json("train.py"),
                sagemaker_submit_directory: json(inputs.codeBundleUri),
                sagemaker_container_log_level: "20",
                sagemaker_region: json(inputs.region),
                "model-variant": asString(param(PARAMETERS.modelVariant)),
                epochs: asString(param(PARAMETERS.epochs)),
                "batch-size": asString(param(PARAMETERS.batchSize)),
                "learning-rate": asString(param(PARAMETERS.learningRate)),
                "image-size": asString(param(PARAMETERS.imageSize)),
                patience: asString(param(PARAMETERS.patience)),
                seed: asString(param(PARAMETERS.seed)),
            },
            InputDataConfig: [
                {
                    ChannelName: "dataset",
                    InputMode: "File",
                    DataSource: {
                        S3DataSource: {
                            S3DataType: "S3Prefix",
                            S3Uri: preparedDatasetUri,
                            S3DataDistributionType: "FullyReplicated",
                        },
                    },
                },
            ],
            OutputDataConfig: { S3OutputPath: param(PARAMETERS.outputPath), KmsKeyId: inputs.kmsKeyId },
            ResourceConfig: {
                InstanceType: param(PARAMETERS.trainingInstanceType),
                InstanceCount: param(PARAMETERS.trainingInstanceCount),
                VolumeSizeInGB: s.volumeSizeGb,
                ...volumeKmsKeyId(DEFAULT_TRAINING_INSTANCE_TYPES, inputs.kmsKeyId, "training"),
            },
            StoppingCondition: {
                MaxRuntimeInSeconds: s.maxTrainingRuntimeSeconds,
                ...(s.useSpotTraining ? { MaxWaitTimeInSeconds: s.maxSpotWaitSeconds } : {}),
            },
            EnableManagedSpotTraining: s.useSpotTraining,
            // One checkpoint folder per execution: a spot restart (same job) or a capacity retry (new job)
            // of this execution resumes from it, and concurrent executions never share one.
            CheckpointConfig: {
                S3Uri: { "Std:Join": { On: "", Values: [s3Uri(inputs.bucket, PREFIXES.checkpoints), executionId, "/"] } },
                LocalPath: CONTAINER_PATHS.checkpoints,
            },
            EnableInterContainerTrafficEncryption: true,
            EnableNetworkIsolation: false,
            Environment: {
                PYTHONUNBUFFERED: "1",
                // The SageMaker MLflow plugin resolves a tracking-server ARN to its endpoint and signs requests.
                ...(inputs.tracking
                    ? { MLFLOW_TRACKING_URI: inputs.tracking.trackingServerArn, MLFLOW_EXPERIMENT_NAME: inputs.tracking.experimentName }
                    : {}),
            },
            RetryStrategy: { MaximumRetryAttempts: 1 },
        },
        RetryPolicies: [SERVICE_RETRY, JOB_RETRY],
        CacheConfig:
            s.cacheTrainingDays > 0 ? { Enabled: true, ExpireAfter: `P${s.cacheTrainingDays}D` } : { Enabled: false },
    };
}

/** Shell bootstrap of the evaluation container: unpack the same bundle training used, install, run. */
export const EVALUATION_BOOTSTRAP = processingBootstrap("evaluate.py", { install: true });

export function evaluationStep(inputs: DefinitionInputs): ProcessingStep {
    const s = inputs.settings;
    return {
        Name: STEPS.evaluate,
        Type: "Processing",
        DisplayName: "Evaluate YOLO11",
        Description: "Validates the trained model on the test split (val when there is none), writes evaluation.json and the serving archive.",
        Arguments: {
            ProcessingResources: {
                ClusterConfig: {
                    InstanceType: param(PARAMETERS.evaluationInstanceType),
                    InstanceCount: 1,
                    VolumeSizeInGB: s.volumeSizeGb,
                    ...volumeKmsKeyId(processingTypesLike(s.evaluationInstanceType), inputs.kmsKeyId, "evaluation"),
                },
            },
            AppSpecification: {
                ImageUri: INSTANCE_TYPES[s.evaluationInstanceType]?.gpus ? inputs.imageUri : inputs.cpuImageUri,
                ContainerEntrypoint: ["/bin/bash", "-c", EVALUATION_BOOTSTRAP, "evaluate"],
                ContainerArguments: [
                    "--image-size",
                    asString(param(PARAMETERS.imageSize)),
                    "--batch-size",
                    asString(param(PARAMETERS.batchSize)),
                    "--split",
                    "test",
                ],
            },
            RoleArn: inputs.roleArn,
            ProcessingInputs: [
                processingInput("code", inputs.codeBundleUri, CONTAINER_PATHS.processingCode),
                processingInput("model", { Get: `Steps.${STEPS.train}.ModelArtifacts.S3ModelArtifacts` }, CONTAINER_PATHS.processingModel),
                processingInput("data", preparedDatasetUri, CONTAINER_PATHS.processingData),
            ],
            ProcessingOutputConfig: {
                Outputs: [
                    processingOutput(EVALUATION_REPORT.outputName, perExecution(inputs.bucket, PREFIXES.evaluation), CONTAINER_PATHS.processingEvaluation),
                    processingOutput(SERVING_ARTIFACT.outputName, perExecution(inputs.bucket, SERVING_MODELS), CONTAINER_PATHS.processingServing),
                ],
                KmsKeyId: inputs.kmsKeyId,
            },
            StoppingCondition: { MaxRuntimeInSeconds: s.evaluationMaxRuntimeSeconds },
            NetworkConfig: { EnableInterContainerTrafficEncryption: true, EnableNetworkIsolation: false },
            Environment: { PYTHONUNBUFFERED: "1" },
        },
        PropertyFiles: [
            {
                PropertyFileName: EVALUATION_REPORT.propertyFile,
                OutputName: EVALUATION_REPORT.outputName,
                FilePath: EVALUATION_REPORT.filePath,
            },
        ],
        RetryPolicies: [SERVICE_RETRY, JOB_RETRY],
    };
}

/** Shell bootstrap of the preparation container: unpack the bundle and run; prepare.py needs only PyYAML and Pillow, which the image has. */
export const PREPARE_BOOTSTRAP = processingBootstrap("prepare.py", { install: false });

/**
 * What PrepareDataset reads: InputData followed by InputKey (empty unless the dataset trigger started the run, which
 * sets InputData to the bucket and InputKey to the marker's key). A URI naming a `_READY` marker makes the step
 * read the marker's folder (prepare.py), since SageMaker copies exactly the prefix it is given.
 */
const inputUri: StdJoin = { "Std:Join": { On: "", Values: [param(PARAMETERS.inputData), param(PARAMETERS.inputKey)] } };

/** Where a run's prepared dataset lands: training and evaluation read it from here, by property reference. */
const preparedDatasetUri: Get = { Get: `Steps.${STEPS.prepare}.ProcessingOutputConfig.Outputs['${PREPARED_DATASET_OUTPUT}'].S3Output.S3Uri` };

/**
 * Raw images and annotations (the design's JSON or a Ground Truth manifest) or an already-prepared YOLO dataset
 * at InputData become a validated YOLO dataset with a seeded train/val/test split and validation.json. A bad
 * dataset does not fail the job: the report says what is wrong and CheckDataset ends the run with it. Outputs go
 * under the execution's id, so concurrent runs never share a folder; caching reuses an earlier run's outputs
 * (outputs are not part of a processing step's cache key: AppSpecification, Environment, ProcessingInputs are).
 */
export function prepareStep(inputs: DefinitionInputs): ProcessingStep {
    const s = inputs.settings;
    const prepared = (folder: string) => ({ "Std:Join": { On: "", Values: [s3Uri(inputs.bucket, PREPARED_DATASETS), executionId, `/${folder}/`] } });
    const output = (name: string, localPath: string, folder: string) => processingOutput(name, prepared(folder), localPath);
    return {
        Name: STEPS.prepare,
        Type: "Processing",
        DisplayName: "Prepare dataset",
        Description: "Converts, splits and validates the data at InputData into the YOLO dataset training reads, and writes validation.json.",
        Arguments: {
            ProcessingResources: {
                ClusterConfig: {
                    // Config validation keeps it to the catalog's CPU processing types.
                    InstanceType: s.prepare.instanceType as ProcessingInstanceType,
                    InstanceCount: 1,
                    VolumeSizeInGB: s.volumeSizeGb,
                    ...volumeKmsKeyId(CPU_PROCESSING_INSTANCE_TYPES, inputs.kmsKeyId, "dataset preparation"),
                },
            },
            AppSpecification: {
                ImageUri: inputs.cpuImageUri,
                ContainerEntrypoint: ["/bin/bash", "-c", PREPARE_BOOTSTRAP, "prepare"],
                ContainerArguments: [
                    "pipeline-step",
                    "--input-format",
                    param(PARAMETERS.inputFormat),
                    "--val-fraction",
                    asString(param(PARAMETERS.valFraction)),
                    "--test-fraction",
                    asString(param(PARAMETERS.testFraction)),
                    "--seed",
                    asString(param(PARAMETERS.seed)),
                    "--min-images-per-split",
                    asString(param(PARAMETERS.minImagesPerSplit)),
                    // `=` keeps an empty value one argument, and a name starting with `-` a value.
                    { "Std:Join": { On: "", Values: ["--label-attribute=", param(PARAMETERS.labelAttribute)] } },
                    // The stack's classes in id order: a dataset's ids follow them by name, whichever classes it happens to
                    // hold (a labeling job's class-map lists only the classes drawn). Part of the cache key, like the code.
                    ...s.prepare.classNames.map((name) => `--class-name=${name}`),
                    // A labeling job's output prefix holds the manifest only: its images are fetched from where the
                    // stack keeps images, and from nowhere else a manifest might name.
                    "--fetch-from",
                    s3Uri(inputs.bucket, PREFIXES.datasets),
                    "--input-uri",
                    inputUri,
                    // `=` keeps an empty version one argument (a run started by hand has none).
                    { "Std:Join": { On: "", Values: ["--input-version=", param(PARAMETERS.inputKeyVersion)] } },
                    { "Std:Join": { On: "", Values: ["--input-fingerprint=", param(PARAMETERS.inputFingerprint)] } },
                ],
            },
            RoleArn: inputs.roleArn,
            ProcessingInputs: [
                processingInput("code", inputs.codeBundleUri, CONTAINER_PATHS.processingCode),
                processingInput("raw", inputUri, CONTAINER_PATHS.processingRaw),
            ],
            ProcessingOutputConfig: {
                Outputs: [
                    output(PREPARED_DATASET_OUTPUT, CONTAINER_PATHS.processingPrepared, "dataset"),
                    output(VALIDATION_REPORT.outputName, CONTAINER_PATHS.processingReport, "report"),
                ],
                KmsKeyId: inputs.kmsKeyId,
            },
            StoppingCondition: { MaxRuntimeInSeconds: s.prepare.maxRuntimeSeconds },
            NetworkConfig: { EnableInterContainerTrafficEncryption: true, EnableNetworkIsolation: false },
            // boto3 (the image fetch) needs the region; processing containers are not told it otherwise.
            Environment: { PYTHONUNBUFFERED: "1", AWS_DEFAULT_REGION: inputs.region },
        },
        PropertyFiles: [
            { PropertyFileName: VALIDATION_REPORT.propertyFile, OutputName: VALIDATION_REPORT.outputName, FilePath: VALIDATION_REPORT.filePath },
        ],
        RetryPolicies: [SERVICE_RETRY, JOB_RETRY],
        CacheConfig: s.prepare.cacheDays > 0 ? { Enabled: true, ExpireAfter: `P${s.prepare.cacheDays}D` } : { Enabled: false },
    };
}

function validationValue(path: string): JsonGet {
    return { "Std:JsonGet": { PropertyFile: { Get: `Steps.${STEPS.prepare}.PropertyFiles.${VALIDATION_REPORT.propertyFile}` }, Path: path } };
}

/**
 * The dataset gate: the rest of the run (`passed`) only when validation.json counts no problem; otherwise a Fail
 * step ends the run at once with the report's own one-line summary, before any GPU starts.
 */
export function checkDatasetStep(passed: PipelineStep[]): ConditionStep {
    const reportUri = {
        Get: `Steps.${STEPS.prepare}.ProcessingOutputConfig.Outputs['${VALIDATION_REPORT.outputName}'].S3Output.S3Uri`,
    };
    return {
        Name: STEPS.checkDataset,
        Type: "Condition",
        DisplayName: "Check dataset",
        Description: "Trains only on a dataset whose validation found no problem.",
        Arguments: {
            Conditions: [{ Type: "Equals", LeftValue: validationValue(VALIDATION_REPORT.problemCountPath), RightValue: 0 }],
            IfSteps: passed,
            ElseSteps: [
                {
                    Name: STEPS.failDataset,
                    Type: "Fail",
                    DisplayName: "Dataset invalid",
                    Arguments: {
                        ErrorMessage: {
                            "Std:Join": {
                                On: "",
                                Values: [validationValue(VALIDATION_REPORT.summaryPath), " Nothing was trained. Validation report: ", reportUri, VALIDATION_REPORT.filePath],
                            },
                        },
                    },
                },
            ],
        },
    };
}

const evaluationOutputUri: Get = {
    Get: `Steps.${STEPS.evaluate}.ProcessingOutputConfig.Outputs['${EVALUATION_REPORT.outputName}'].S3Output.S3Uri`,
};
const evaluationReportUri: StdJoin = { "Std:Join": { On: "/", Values: [evaluationOutputUri, EVALUATION_REPORT.filePath] } };

function reportValue(jsonPath: string): JsonGet {
    return { "Std:JsonGet": { PropertyFile: { Get: `Steps.${STEPS.evaluate}.PropertyFiles.${EVALUATION_REPORT.propertyFile}` }, Path: jsonPath } };
}

const servingOutputUri: Get = {
    Get: `Steps.${STEPS.evaluate}.ProcessingOutputConfig.Outputs['${SERVING_ARTIFACT.outputName}'].S3Output.S3Uri`,
};
/** The evaluated model with its inference code: what a registered version serves. */
const servingModelUri: StdJoin = { "Std:Join": { On: "/", Values: [servingOutputUri, SERVING_ARTIFACT.fileName] } };

const baselineDatasetUri: Get = {
    Get: `Steps.${STEPS.baseline}.ProcessingOutputConfig.Outputs['${MONITORING_BASELINE.datasetOutput}'].S3Output.S3Uri`,
};
const baselineOutputUri: Get = {
    Get: `Steps.${STEPS.baselineStatistics}.ProcessingOutputConfig.Outputs['${MONITORING_BASELINE.analyzerOutput}'].S3Output.S3Uri`,
};
const baselineFileUri = (file: string): StdJoin => ({ "Std:Join": { On: "/", Values: [baselineOutputUri, file] } });

/** Shell bootstrap of the baseline container: the bundle evaluation used, its requirements, the baseline builder. */
export const BASELINE_BOOTSTRAP = processingBootstrap("monitoring_baseline.py", { install: true });

/** The CPU processing resources both baseline steps run on, their volume keyed like every EBS volume of the pipeline. */
function baselineResources(inputs: DefinitionInputs): ProcessingStepArguments["ProcessingResources"] {
    const s = inputs.settings;
    return {
        ClusterConfig: {
            // Config validation keeps it to the catalog's CPU processing types.
            InstanceType: s.baseline.instanceType as ProcessingInstanceType,
            InstanceCount: 1,
            VolumeSizeInGB: s.volumeSizeGb,
            ...volumeKmsKeyId(CPU_PROCESSING_INSTANCE_TYPES, inputs.kmsKeyId, "monitoring baseline"),
        },
    };
}

/**
 * The baseline dataset of a model about to be registered: every image of the split evaluation used (test, or val
 * without one, read from evaluation.json) through the serving archive's inference code, exactly as the endpoint
 * answers it, reduced to the monitored features by the record preprocessor the monitoring schedule runs on captured
 * traffic. The endpoint and this job both run inference.py's default INFERENCE_* settings, so the confidence columns
 * compare.
 */
export function baselineStep(inputs: DefinitionInputs): ProcessingStep {
    const s = inputs.settings;
    return {
        Name: STEPS.baseline,
        Type: "Processing",
        DisplayName: "Baseline dataset for monitoring",
        Description: "Runs the serving archive's inference code on the evaluated split and writes the monitored features of each image.",
        Arguments: {
            ProcessingResources: baselineResources(inputs),
            AppSpecification: {
                ImageUri: inputs.cpuImageUri,
                ContainerEntrypoint: ["/bin/bash", "-c", BASELINE_BOOTSTRAP, "baseline"],
                ContainerArguments: ["--split", reportValue(EVALUATION_REPORT.splitPath), "--format", "jsonl"],
            },
            RoleArn: inputs.roleArn,
            ProcessingInputs: [
                processingInput("code", inputs.codeBundleUri, CONTAINER_PATHS.processingCode),
                processingInput("model", servingModelUri, CONTAINER_PATHS.processingModel),
                processingInput("data", preparedDatasetUri, CONTAINER_PATHS.processingData),
            ],
            ProcessingOutputConfig: {
                Outputs: [
                    processingOutput(
                        MONITORING_BASELINE.datasetOutput,
                        perExecution(inputs.bucket, MONITORING_BASELINES, "/dataset"),
                        CONTAINER_PATHS.processingBaseline,
                    ),
                ],
                KmsKeyId: inputs.kmsKeyId,
            },
            StoppingCondition: { MaxRuntimeInSeconds: s.baseline.maxRuntimeSeconds },
            NetworkConfig: { EnableInterContainerTrafficEncryption: true, EnableNetworkIsolation: false },
            Environment: { PYTHONUNBUFFERED: "1" },
        },
        RetryPolicies: [SERVICE_RETRY, JOB_RETRY],
    };
}

/**
 * statistics.json and constraints.json of the baseline dataset, by the Model Monitor analyzer itself (the image and
 * environment of the SDK's DefaultModelMonitor.suggest_baseline) rather than a script of ours: the monitoring
 * schedule runs the same analyzer on captured traffic and compares against these files, so their format is whatever
 * that analyzer reads, by construction.
 */
export function baselineStatisticsStep(inputs: DefinitionInputs, analyzerImageUri: string): ProcessingStep {
    const s = inputs.settings;
    return {
        Name: STEPS.baselineStatistics,
        Type: "Processing",
        DisplayName: "Baseline statistics and constraints",
        Description: "Suggests the Model Monitor data-quality baseline (statistics.json, constraints.json) from the baseline dataset.",
        Arguments: {
            ProcessingResources: baselineResources(inputs),
            AppSpecification: { ImageUri: analyzerImageUri },
            RoleArn: inputs.roleArn,
            ProcessingInputs: [processingInput(MONITORING_BASELINE.analyzerInput, baselineDatasetUri, CONTAINER_PATHS.analyzerDataset)],
            ProcessingOutputConfig: {
                Outputs: [processingOutput(MONITORING_BASELINE.analyzerOutput, perExecution(inputs.bucket, MONITORING_BASELINES), CONTAINER_PATHS.analyzerOutput)],
                KmsKeyId: inputs.kmsKeyId,
            },
            StoppingCondition: { MaxRuntimeInSeconds: s.baseline.maxRuntimeSeconds },
            // The analyzer reads its input and writes its output through SageMaker and publishes no metrics here: it needs no network.
            NetworkConfig: { EnableInterContainerTrafficEncryption: true, EnableNetworkIsolation: true },
            Environment: {
                dataset_format: JSON.stringify(MONITORING_BASELINE.datasetFormat),
                dataset_source: CONTAINER_PATHS.analyzerDataset,
                output_path: CONTAINER_PATHS.analyzerOutput,
                // CloudWatch metrics are for monitoring schedules, not baselines (the SDK sets the same).
                publish_cloudwatch_metrics: "Disabled",
            },
        },
        RetryPolicies: [SERVICE_RETRY, JOB_RETRY],
    };
}

/**
 * Registers the evaluated model as a version of the group: the serving archive (weights and inference code) as its
 * model data, evaluation.json as its model-quality statistics, the Model Monitor baseline as its data-quality
 * statistics and constraints.
 */
export function registerStep(inputs: DefinitionInputs, registry: NonNullable<DefinitionInputs["registry"]>): RegisterModelStep {
    const metadata: Record<string, StdJoin | Get> = {
        [MODEL_METADATA.pipelineExecutionArn]: { Get: "Execution.PipelineExecutionArn" },
        [MODEL_METADATA.modelVariant]: param(PARAMETERS.modelVariant),
        [MODEL_METADATA.inputData]: inputUri,
        [MODEL_METADATA.preparedData]: preparedDatasetUri,
        [MODEL_METADATA.evaluationReport]: evaluationReportUri,
        // With the trailing slash deployBaselineUri expects.
        [MODEL_METADATA.monitoringBaseline]: { "Std:Join": { On: "", Values: [baselineOutputUri, "/"] } },
        // Strings (CustomerMetadataProperties are a string map), so that `yolo-pipeline models` needs no S3 read.
        ...Object.fromEntries(QUALITY_METRICS.map((metric) => [metric.metadataKey, { "Std:Join": { On: "", Values: [reportValue(metric.jsonPath)] } }])),
    };
    return {
        Name: STEPS.register,
        Type: "RegisterModel",
        DisplayName: "Register YOLO11",
        Description: "Registers the evaluated model in the model registry for approval.",
        Arguments: {
            ModelPackageGroupName: registry.modelPackageGroupName,
            ModelPackageDescription: "YOLO11 drone object detector trained and evaluated by the platform pipeline",
            ModelApprovalStatus: param(PARAMETERS.modelApprovalStatus),
            InferenceSpecification: {
                Containers: [
                    {
                        Image: registry.inferenceImageUri,
                        ModelDataUrl: servingModelUri,
                        Framework: "PYTORCH",
                        // What the SDK's PyTorchModel sets for a model archive with its code under code/.
                        Environment: { ...SERVING_ARTIFACT.environment, SAGEMAKER_CONTAINER_LOG_LEVEL: "20", SAGEMAKER_REGION: inputs.region },
                    },
                ],
                SupportedContentTypes: ["image/jpeg", "image/png", "application/x-image"],
                SupportedResponseMIMETypes: ["application/json"],
                // Every type the stack's endpoint may be configured with (endpointInstanceType).
                SupportedRealtimeInferenceInstanceTypes: DEFAULT_INFERENCE_INSTANCE_TYPES as ProductionVariantInstanceType[],
                SupportedTransformInstanceTypes: ["ml.g4dn.xlarge", "ml.g5.xlarge"],
            },
            ModelMetrics: {
                ModelQuality: { Statistics: { ContentType: "application/json", S3Uri: evaluationReportUri } },
                ModelDataQuality: {
                    Statistics: { ContentType: "application/json", S3Uri: baselineFileUri(MONITORING_BASELINE.statisticsFile) },
                    Constraints: { ContentType: "application/json", S3Uri: baselineFileUri(MONITORING_BASELINE.constraintsFile) },
                },
            },
            CustomerMetadataProperties: metadata,
            Domain: "COMPUTER_VISION",
            Task: "OBJECT_DETECTION",
        },
        RetryPolicies: [SERVICE_RETRY],
    };
}

/** What a model that passed the gate goes through to become a deployable version: its baseline, then registration. */
export function registrationSteps(inputs: DefinitionInputs): PipelineStep[] {
    const registry = inputs.registry;
    return registry ? [baselineStep(inputs), baselineStatisticsStep(inputs, registry.monitorAnalyzerImageUri), registerStep(inputs, registry)] : [];
}

/**
 * The quality gate: one Condition step per metric, nested, so that the Fail step that ends a run names
 * the one metric that fell short, its value and the minimum. `passed` runs when all hold.
 */
export function qualityGate(passed: PipelineStep[]): ConditionStep {
    const [first, ...rest] = QUALITY_METRICS.map((metric) => metric);
    const build = (metric: (typeof QUALITY_METRICS)[number], remaining: (typeof QUALITY_METRICS)[number][]): ConditionStep => ({
        Name: metric.step,
        Type: "Condition",
        DisplayName: `Check ${metric.label}`,
        Description: `Quality gate: ${metric.label} of the evaluation must be at least ${metric.parameter}.`,
        ...(metric === first ? { DependsOn: [STEPS.evaluate] } : {}),
        Arguments: {
            Conditions: [{ Type: "GreaterThanOrEqualTo", LeftValue: reportValue(metric.jsonPath), RightValue: param(metric.parameter) }],
            IfSteps: remaining.length > 0 ? [build(remaining[0], remaining.slice(1))] : passed,
            ElseSteps: [
                {
                    Name: metric.fail,
                    Type: "Fail",
                    DisplayName: `${metric.label} below minimum`,
                    Arguments: {
                        ErrorMessage: {
                            "Std:Join": {
                                On: "",
                                Values: [
                                    `Quality gate: ${metric.label} `,
                                    reportValue(metric.jsonPath),
                                    ` is below the minimum ${metric.parameter}=`,
                                    param(metric.parameter),
                                    `; the model was not registered. Evaluation report: `,
                                    evaluationOutputUri,
                                    `/${EVALUATION_REPORT.filePath}`,
                                ],
                            },
                        },
                    },
                },
            ],
        },
    });
    return build(first, rest);
}

export function buildPipelineDefinition(inputs: DefinitionInputs): PipelineDefinition {
    const register = registrationSteps(inputs);
    const afterEvaluation = inputs.settings.qualityGate ? [qualityGate(register)] : register;
    return {
        Version: "2020-12-01",
        Metadata: {},
        Parameters: pipelineParameters(inputs),
        Steps: [prepareStep(inputs), checkDatasetStep([trainingStep(inputs), evaluationStep(inputs), ...afterEvaluation])],
    };
}

/** Every step, Condition steps' branches at any depth included, in definition order. */
export function allSteps(steps: readonly PipelineStep[]): PipelineStep[] {
    return steps.flatMap((step) => (step.Type === "Condition" ? [step, ...allSteps(step.Arguments.IfSteps), ...allSteps(step.Arguments.ElseSteps)] : [step]));
}

/** The step of this name, at any depth. */
export function findStep(definition: PipelineDefinition, name: string): PipelineStep | undefined {
    return allSteps(definition.Steps).find((step) => step.Name === name);
}

/** What a run does once CheckDataset passed its dataset: training onwards. */
export function trainingRunSteps(definition: PipelineDefinition): PipelineStep[] {
    const check = findStep(definition, STEPS.checkDataset);
    return check?.Type === "Condition" ? check.Arguments.IfSteps : [];
}

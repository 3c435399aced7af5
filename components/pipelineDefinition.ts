// The SageMaker Pipeline definition (JSON) for YOLO11 training, built by a pure, typed function in the
// shape the SageMaker Python SDK writes (`pipeline.definition()`, Version 2020-12-01). Step arguments are
// the @aws-sdk/client-sagemaker request types (CreateTrainingJob / CreateProcessingJob without the job
// name) in which any scalar may be a pipeline expression, so a misspelt or misplaced field fails `tsc`.
import type { CreateProcessingJobRequest, CreateTrainingJobRequest } from "@aws-sdk/client-sagemaker";
import { DEFAULT_PROCESSING_INSTANCE_TYPES, DEFAULT_TRAINING_INSTANCE_TYPES, INSTANCE_TYPES } from "../policies/catalog";
import { MODEL_VARIANTS, PipelineSettings } from "./config";
import { datasetUri, PREFIXES, s3Uri } from "./s3Layout";

export interface Get {
    Get: string;
}
export interface StdJoin {
    "Std:Join": { On: string; Values: (string | number | Get)[] };
}
export interface JsonGet {
    "Std:JsonGet": { PropertyFile: Get; Path: string };
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

export type PipelineStep = TrainingStep | ProcessingStep;

export interface PipelineDefinition {
    Version: "2020-12-01";
    Metadata: Record<string, unknown>;
    Parameters: PipelineParameter[];
    Steps: PipelineStep[];
}

/** Names of the definition's parameters and steps; the CLI and tests refer to them by these. */
export const PARAMETERS = {
    inputData: "InputData",
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
} as const;

export const STEPS = { train: "TrainYOLO11", evaluate: "EvaluateYOLO11" } as const;

/** The evaluation step's report, read by conditions with Std:JsonGet (schema: pipeline-scripts/evaluation.schema.json). */
export const EVALUATION_REPORT = { propertyFile: "EvaluationReport", outputName: "evaluation", filePath: "evaluation.json" } as const;

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
    processingCode: "/opt/ml/processing/input/code",
    processingModel: "/opt/ml/processing/model",
    processingData: "/opt/ml/processing/data",
    processingEvaluation: "/opt/ml/processing/evaluation",
} as const;

export interface DefinitionInputs {
    readonly bucket: string;
    /** Role the pipeline's jobs run as. */
    readonly roleArn: string;
    /** Key for job outputs and EBS volumes; an alias ARN keeps the definition known before the key exists. */
    readonly kmsKeyId: string;
    /** Training/evaluation container image (PyTorch Deep Learning Container). */
    readonly imageUri: string;
    /** S3 URI of the content-addressed pipeline-scripts bundle. */
    readonly codeBundleUri: string;
    readonly region: string;
    readonly settings: PipelineSettings;
}

const param = (name: string): Get => ({ Get: `Parameters.${name}` });
const executionId: Get = { Get: "Execution.PipelineExecutionId" };
/** Parameters are typed; hyperparameters and container arguments are strings, so numbers go through Std:Join. */
const asString = (value: Get): StdJoin => ({ "Std:Join": { On: "", Values: [value] } });

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
            EnumValues: [...DEFAULT_PROCESSING_INSTANCE_TYPES],
        },
    ];
}

export function trainingStep(inputs: DefinitionInputs): TrainingStep {
    const s = inputs.settings;
    const json = (value: string) => JSON.stringify(value);
    return {
        Name: STEPS.train,
        Type: "Training",
        DisplayName: "Train YOLO11",
        Description: "Trains a YOLO11 detector on the dataset at InputData (managed spot, checkpointed).",
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
                            S3Uri: param(PARAMETERS.inputData),
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
            Environment: { PYTHONUNBUFFERED: "1" },
            RetryStrategy: { MaximumRetryAttempts: 1 },
        },
        RetryPolicies: [SERVICE_RETRY, JOB_RETRY],
        CacheConfig:
            s.cacheTrainingDays > 0 ? { Enabled: true, ExpireAfter: `P${s.cacheTrainingDays}D` } : { Enabled: false },
    };
}

/** Shell bootstrap of the evaluation container: unpack the same bundle training used, install, run. */
export const EVALUATION_BOOTSTRAP = [
    "set -euo pipefail",
    `cd ${CONTAINER_PATHS.processingCode}`,
    "tar -xzf sourcedir.tar.gz",
    "python3 -m pip install --quiet --disable-pip-version-check -r requirements.txt",
    'exec python3 evaluate.py "$@"',
].join("; ");

export function evaluationStep(inputs: DefinitionInputs): ProcessingStep {
    const s = inputs.settings;
    const s3Input = (name: string, uri: string | Get, localPath: string) => ({
        InputName: name,
        AppManaged: false,
        S3Input: {
            S3Uri: uri,
            LocalPath: localPath,
            S3DataType: "S3Prefix" as const,
            S3InputMode: "File" as const,
            S3DataDistributionType: "FullyReplicated" as const,
        },
    });
    return {
        Name: STEPS.evaluate,
        Type: "Processing",
        DisplayName: "Evaluate YOLO11",
        Description: "Validates the trained model on the test split (val when there is none) and writes evaluation.json.",
        Arguments: {
            ProcessingResources: {
                ClusterConfig: {
                    InstanceType: param(PARAMETERS.evaluationInstanceType),
                    InstanceCount: 1,
                    VolumeSizeInGB: s.volumeSizeGb,
                    ...volumeKmsKeyId(DEFAULT_PROCESSING_INSTANCE_TYPES, inputs.kmsKeyId, "evaluation"),
                },
            },
            AppSpecification: {
                ImageUri: inputs.imageUri,
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
                s3Input("code", inputs.codeBundleUri, CONTAINER_PATHS.processingCode),
                s3Input("model", { Get: `Steps.${STEPS.train}.ModelArtifacts.S3ModelArtifacts` }, CONTAINER_PATHS.processingModel),
                s3Input("data", param(PARAMETERS.inputData), CONTAINER_PATHS.processingData),
            ],
            ProcessingOutputConfig: {
                Outputs: [
                    {
                        OutputName: EVALUATION_REPORT.outputName,
                        AppManaged: false,
                        S3Output: {
                            S3Uri: { "Std:Join": { On: "", Values: [s3Uri(inputs.bucket, PREFIXES.evaluation), executionId] } },
                            LocalPath: CONTAINER_PATHS.processingEvaluation,
                            S3UploadMode: "EndOfJob",
                        },
                    },
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

export function buildPipelineDefinition(inputs: DefinitionInputs): PipelineDefinition {
    return {
        Version: "2020-12-01",
        Metadata: {},
        Parameters: pipelineParameters(inputs),
        Steps: [trainingStep(inputs), evaluationStep(inputs)],
    };
}

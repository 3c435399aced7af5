// The data bucket's layout. Components, the pipeline definition, IAM scopes, stack outputs (and through
// them the notebooks and the CLI) all take prefix names from here, so a prefix is renamed in one place.

/** Top-level prefixes of the data bucket, each ending in "/". */
export const PREFIXES = {
    /** Raw drone imagery and annotation JSON, and YOLO datasets (`datasets/<name>/data.yaml`, images/, labels/). */
    datasets: "datasets/",
    /** Training job outputs (`models/<job>/output/model.tar.gz`) and the serving archives registered versions point at. */
    models: "models/",
    /** Evaluation reports (`evaluation/<execution-id>/evaluation.json`). */
    evaluation: "evaluation/",
    /** Content-addressed pipeline-scripts bundles (`code/pipeline-scripts/<sha256>/sourcedir.tar.gz`). */
    code: "code/",
    /** Managed-spot checkpoints, one folder per pipeline execution; expired by lifecycle. */
    checkpoints: "checkpoints/",
    /** Artifact store of the MLflow tracking server (run artifacts, logged models). */
    mlflow: "mlflow/",
    /** Ground Truth: the label category configuration (`labeling/config/`) and each job's output (`labeling/<job>/`). */
    labeling: "labeling/",
    /** Model Monitor: each version's baseline (`monitoring/baseline/`), the endpoint's data capture and the monitoring reports. */
    monitoring: "monitoring/",
} as const;

export type PrefixName = keyof typeof PREFIXES;

/**
 * Model Monitor's parts of monitoring/. Baselines are registered with a model version and must outlive the
 * capture retention (a version deployed again months later is monitored against its own baseline); captured
 * requests and reports are expired after monitoringRetentionDays.
 */
export const MONITORING = {
    baseline: `${PREFIXES.monitoring}baseline/`,
    /** SageMaker appends `<endpoint>/<variant>/<yyyy>/<mm>/<dd>/<hh>/` to the capture destination. */
    dataCapture: `${PREFIXES.monitoring}data-capture/`,
    /** The monitoring schedule's reports (statistics, constraint violations) under `<endpoint>/<schedule>/<date>/`. */
    reports: `${PREFIXES.monitoring}reports/`,
} as const;

/** Content-addressed copies of the Model Monitor record preprocessor (`<sha256>/record_preprocessor.py`). */
export const RECORD_PREPROCESSORS = `${PREFIXES.code}monitoring/`;

/** Object key of the Model Monitor record preprocessor, addressed by the SHA-256 of its bytes. */
export function recordPreprocessorKey(sha256: string): string {
    return `${RECORD_PREPROCESSORS}${sha256}/record_preprocessor.py`;
}

/** Where the pipeline's PrepareDataset step writes each run's YOLO dataset and validation report (`<execution-id>/`). */
export const PREPARED_DATASETS = `${PREFIXES.datasets}prepared/`;

/**
 * The object that says a dataset folder is complete: written last into `datasets/<name>/`, it starts a pipeline run on
 * that folder when pipelineTrigger is on (pipeline-scripts/yolo_pipeline/ready_marker.py reads the folder).
 */
export const DATASET_READY_MARKER = "_READY";

/** Where the evaluation step writes each run's serving archive (`<execution-id>/model.tar.gz`: weights plus inference code). */
export const SERVING_MODELS = `${PREFIXES.models}serving/`;

/**
 * Where a run's Model Monitor baseline goes (`<execution-id>/`: statistics.json, constraints.json, and the dataset they
 * were computed from under `dataset/`); the registered version names this prefix, `deployBaselineUri` takes it.
 */
export const MONITORING_BASELINES = MONITORING.baseline;

export function s3Uri(bucket: string, key: string): string {
    return `s3://${bucket}/${key}`;
}

/** S3 URI of the YOLO dataset a training run reads by default. */
export function datasetUri(bucket: string, datasetName: string): string {
    return s3Uri(bucket, `${PREFIXES.datasets}${datasetName}/`);
}

/** Object key of a code bundle, addressed by the SHA-256 of its bytes. */
export function codeBundleKey(sha256: string): string {
    return `${PREFIXES.code}pipeline-scripts/${sha256}/sourcedir.tar.gz`;
}

/** ARN of every object under a prefix, for IAM statements. */
export function prefixObjectsArn(bucket: string, prefix: PrefixName): string {
    return `arn:aws:s3:::${bucket}/${PREFIXES[prefix]}*`;
}

/** ARN of every object under a key prefix (ending in "/"), for IAM statements that name part of a top-level prefix. */
export function keyPrefixObjectsArn(bucket: string, keyPrefix: string): string {
    return `arn:aws:s3:::${bucket}/${keyPrefix}*`;
}

export function bucketArn(bucket: string): string {
    return `arn:aws:s3:::${bucket}`;
}

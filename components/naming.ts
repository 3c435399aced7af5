// Physical names of the platform's AWS resources. They are fixed by config (not auto-named by Pulumi)
// because the pipeline definition and IAM documents must name the roles, key alias and pipeline before
// those resources exist, so that `pulumi preview` and the policy pack see the complete definition.
import * as crypto from "crypto";
import { Persona } from "../policies/catalog";

export interface ResourceNames {
    /** `<namePrefix>-<stack>`, the stem of every name below. */
    readonly base: string;
    readonly roles: Readonly<Record<Persona, string>>;
    readonly keyAlias: string;
    readonly pipeline: string;
    readonly domain: string;
    /** Training/processing jobs started by SageMaker Pipelines are named `pipelines-<execution-id>-...`. */
    readonly pipelineJobPrefix: string;
    /** Model registry group of the pipeline's models. */
    readonly modelPackageGroup: string;
    /** SNS topic of alerts (failures, model versions, budget). */
    readonly alertTopic: string;
    /** SageMaker managed MLflow tracking server (at most 256 characters, `[a-zA-Z0-9](-*[a-zA-Z0-9])*`). */
    readonly trackingServer: string;
    /** Role the MLflow tracking server assumes to reach its artifact store. */
    readonly trackingServerRole: string;
    /** Studio lifecycle configuration installing the YOLO11 kernel. */
    readonly studioLifecycleConfig: string;
    readonly budget: string;
    /** Role Ground Truth labeling jobs run as. */
    readonly labelingRole: string;
    /** Labeling jobs of this stack are named `<base>-…` (data scientists may create only those). */
    readonly labelingJobPrefix: string;
    /** Real-time endpoint serving the deployed model version (one per stack). */
    readonly endpoint: string;
    /** Role the endpoint's model runs as (reads the model, writes the data capture). */
    readonly endpointRole: string;
    /** Role the Model Monitor jobs run as (read the capture and the baseline, write the reports). */
    readonly monitoringRole: string;
    /** Model Monitor data-quality schedule on the endpoint (and its job definition). */
    readonly monitoringSchedule: string;
    /** EventBridge rule matching a dataset's `_READY` marker (pipelineTrigger). */
    readonly datasetTriggerRule: string;
    /** Role that rule's target assumes to start the pipeline. */
    readonly pipelineTriggerRole: string;
    /** Role S3 assumes to replicate the data bucket to its replica in another region. */
    readonly replicationRole: string;
    /** Alias of the replica's own key, in the replica's region. */
    readonly replicaKeyAlias: string;
}

export const MAX_ROLE_NAME_LENGTH = 64;

export function resourceNames(namePrefix: string, stack: string): ResourceNames {
    const base = `${namePrefix}-${stack}`;
    return {
        base,
        roles: {
            "data-scientist": `${base}-data-scientist`,
            "ml-engineer": `${base}-ml-engineer`,
            pipeline: `${base}-pipeline`,
        },
        keyAlias: `alias/${base}-data`,
        pipeline: `${base}-yolo11-training`,
        domain: `${base}-studio`,
        pipelineJobPrefix: "pipelines-",
        modelPackageGroup: `${base}-yolo11-detector`,
        alertTopic: `${base}-alerts`,
        trackingServer: `${base}-mlflow`,
        trackingServerRole: `${base}-mlflow-server`,
        studioLifecycleConfig: `${base}-yolo11-kernel`,
        budget: `${base}-monthly`,
        labelingRole: `${base}-labeling`,
        labelingJobPrefix: `${base}-`,
        endpoint: `${base}-yolo11`,
        endpointRole: `${base}-endpoint`,
        monitoringRole: `${base}-model-monitor`,
        monitoringSchedule: `${base}-yolo11-data-quality`,
        datasetTriggerRule: `${base}-dataset-ready`,
        pipelineTriggerRole: `${base}-pipeline-trigger`,
        replicationRole: `${base}-s3-replication`,
        replicaKeyAlias: `alias/${base}-data-replica`,
    };
}

/** S3's limit on a bucket name. */
export const MAX_BUCKET_NAME_LENGTH = 63;

/** The access-log bucket of a bucket when config names none. */
export function defaultAccessLogBucketName(bucket: string): string {
    return `${bucket}-access-logs`;
}

/** The cross-region replica of a bucket when config names none: bucket names are global, so the region tells them apart. */
export function defaultReplicaBucketName(bucket: string, region: string): string {
    return `${bucket}-${region}`;
}

export function roleArn(accountId: string, roleName: string): string {
    return `arn:aws:iam::${accountId}:role/${roleName}`;
}

export function keyAliasArn(region: string, accountId: string, alias: string): string {
    return `arn:aws:kms:${region}:${accountId}:${alias}`;
}

export function pipelineArn(region: string, accountId: string, pipelineName: string): string {
    return `arn:aws:sagemaker:${region}:${accountId}:pipeline/${pipelineName.toLowerCase()}`;
}

/** A rule on the account's default event bus (where S3 and SageMaker publish). */
export function eventRuleArn(region: string, accountId: string, ruleName: string): string {
    return `arn:aws:events:${region}:${accountId}:rule/${ruleName}`;
}

export function trackingServerArn(region: string, accountId: string, serverName: string): string {
    return `arn:aws:sagemaker:${region}:${accountId}:mlflow-tracking-server/${serverName}`;
}

/** A version of a model package group (SageMaker lowercases the group in the ARN). */
export function modelPackageVersionArn(region: string, accountId: string, groupName: string, version: number): string {
    return `arn:aws:sagemaker:${region}:${accountId}:model-package/${groupName.toLowerCase()}/${version}`;
}

/** SageMaker's limit on endpoint, endpoint configuration, model and monitoring names. */
export const MAX_SAGEMAKER_NAME_LENGTH = 63;

/**
 * `<stem>-v<version>-<hash>` (or `<stem>-<hash>`): the name of a serving resource SageMaker cannot change in
 * place (endpoint configurations, models, monitoring job definitions). Its content changes its name, so `pulumi
 * up` creates the new one beside the old, switches the endpoint or schedule over, then deletes the old one.
 */
export function contentName(stem: string, content: unknown, version?: number): string {
    const hash = crypto.createHash("sha256").update(JSON.stringify(content)).digest("hex").slice(0, 8);
    return version === undefined ? `${stem}-${hash}` : `${stem}-v${version}-${hash}`;
}

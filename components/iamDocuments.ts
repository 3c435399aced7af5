// IAM and resource policy documents of the platform, built by pure functions (exported for testing).
// Each persona gets exactly what its work needs: every action is named, every action that supports
// resource-level permissions is scoped to this stack's bucket prefixes, key, pipeline, jobs or domain.
import {
    CPU_PROCESSING_INSTANCE_TYPES,
    DEFAULT_INFERENCE_INSTANCE_TYPES,
    DEFAULT_PROCESSING_INSTANCE_TYPES,
    DEFAULT_STUDIO_INSTANCE_TYPES,
    DEFAULT_TRAINING_INSTANCE_TYPES,
} from "../policies/catalog";
import type { PlatformConfig } from "./config";
import { keyAliasArn, ResourceNames, roleArn, trackingServerArn } from "./naming";
import { bucketArn, keyPrefixObjectsArn, MONITORING, MONITORING_BASELINES, prefixObjectsArn, PrefixName, PREFIXES, PREPARED_DATASETS, RECORD_PREPROCESSORS, SERVING_MODELS } from "./s3Layout";

export interface Statement {
    Sid: string;
    Effect: "Allow" | "Deny";
    Principal?: "*" | { AWS?: string | string[]; Service?: string | string[] };
    Action: string | string[];
    Resource?: string | string[];
    Condition?: Record<string, Record<string, string | string[] | boolean>>;
}

export interface PolicyDocument {
    Version: "2012-10-17";
    Statement: Statement[];
}

/** Where the platform's resources live; all known before deployment except the key ARN and domain id. */
export interface Scope {
    readonly accountId: string;
    readonly region: string;
    readonly bucket: string;
    readonly names: ResourceNames;
    /** Optional parts of the stack; their permissions exist only when the part does. */
    readonly features: {
        readonly modelRegistry: boolean;
        readonly experimentTracking: boolean;
        /** Ground Truth labeling: the work team data scientists may send jobs to, when labeling is on. */
        readonly labeling?: { readonly workteamArn: string };
        /** Real-time serving of an approved version, when deployment is on; `monitoring` with Model Monitor. */
        readonly deployment?: { readonly monitoring: boolean };
    };
}

/** The optional parts a stack's config turns on, as the policies see them (the program and the CLI's diagnosis agree). */
export function stackFeatures(config: PlatformConfig): Scope["features"] {
    return {
        modelRegistry: config.governance.modelRegistry,
        experimentTracking: config.governance.experimentTracking.enabled,
        ...(config.labeling.enabled ? { labeling: { workteamArn: config.labeling.workteamArn } } : {}),
        ...(config.deployment.enabled ? { deployment: { monitoring: config.deployment.monitoring } } : {}),
    };
}

/**
 * The stack's serving resources. Endpoint configurations, models and monitoring job definitions carry the
 * version and a content hash after the stem (a change is a new resource, so `pulumi up` replaces instead of
 * editing one in use); IAM scopes them by the stem.
 */
export function endpointArns(scope: Scope): { endpoint: string; configs: string; models: string; schedule: string; jobDefinitions: string } {
    const { endpoint, monitoringSchedule } = scope.names;
    return {
        endpoint: sagemakerArn(scope, `endpoint/${endpoint}`),
        configs: sagemakerArn(scope, `endpoint-config/${endpoint}-*`),
        models: sagemakerArn(scope, `model/${endpoint}-*`),
        schedule: sagemakerArn(scope, `monitoring-schedule/${monitoringSchedule}`),
        jobDefinitions: sagemakerArn(scope, `data-quality-job-definition/${monitoringSchedule}-*`),
    };
}

/** Processing jobs a monitoring schedule starts (SageMaker names them `model-monitoring-<hour>-<hash>`). */
function monitoringExecutionArns(scope: Scope): string {
    return sagemakerArn(scope, "processing-job/model-monitoring-*");
}

/** Following the endpoint: describe it and its configuration, list endpoints; with monitoring, its schedule and executions. */
function describeEndpoint(scope: Scope, monitoring: boolean): Statement[] {
    const arns = endpointArns(scope);
    return [
        {
            Sid: "DescribeStackEndpoint",
            Effect: "Allow",
            Action: ["sagemaker:DescribeEndpoint", "sagemaker:DescribeEndpointConfig"],
            Resource: [arns.endpoint, arns.configs],
        },
        {
            Sid: "InvokeStackEndpoint",
            Effect: "Allow",
            Action: ["sagemaker:InvokeEndpoint"],
            Resource: arns.endpoint,
        },
        {
            Sid: "ListEndpointsAndMonitoringExecutions",
            Effect: "Allow",
            // These list actions support no resource-level permissions.
            Action: ["sagemaker:ListEndpoints", ...(monitoring ? ["sagemaker:ListMonitoringExecutions"] : [])],
            Resource: "*",
        },
        ...(monitoring
            ? [
                  {
                      Sid: "FollowStackMonitoring",
                      Effect: "Allow" as const,
                      Action: ["sagemaker:DescribeMonitoringSchedule", "sagemaker:DescribeProcessingJob"],
                      Resource: [arns.schedule, monitoringExecutionArns(scope)],
                  },
              ]
            : []),
    ];
}

/**
 * What ML engineers may do with serving besides following it: create, update and delete the stack's endpoint,
 * its configurations (on inference types only), models and monitoring schedule, and pass the endpoint's and the
 * monitor's roles to SageMaker. `pulumi up` normally does all of it; these let an engineer repair or roll back.
 */
function operateEndpoint(scope: Scope, monitoring: boolean): Statement[] {
    const arns = endpointArns(scope);
    const roles = [scope.names.endpointRole, ...(monitoring ? [scope.names.monitoringRole] : [])].map((name) => roleArn(scope.accountId, name));
    return [
        {
            Sid: "ManageStackEndpoint",
            Effect: "Allow",
            // CreateEndpoint and UpdateEndpoint act on the endpoint and the configuration it is given.
            Action: ["sagemaker:CreateEndpoint", "sagemaker:UpdateEndpoint", "sagemaker:DeleteEndpoint"],
            Resource: [arns.endpoint, arns.configs],
        },
        {
            Sid: "CreateEndpointConfigsOnInferenceTypes",
            Effect: "Allow",
            Action: ["sagemaker:CreateEndpointConfig"],
            Resource: arns.configs,
            Condition: { "ForAllValues:StringEquals": { "sagemaker:InstanceTypes": [...DEFAULT_INFERENCE_INSTANCE_TYPES] } },
        },
        {
            Sid: "ManageStackEndpointConfigsAndModels",
            Effect: "Allow",
            Action: ["sagemaker:DeleteEndpointConfig", "sagemaker:CreateModel", "sagemaker:DeleteModel", "sagemaker:DescribeModel"],
            Resource: [arns.configs, arns.models],
        },
        ...(monitoring
            ? [
                  {
                      Sid: "ManageStackMonitoringSchedule",
                      Effect: "Allow" as const,
                      Action: [
                          "sagemaker:CreateMonitoringSchedule",
                          "sagemaker:UpdateMonitoringSchedule",
                          "sagemaker:DeleteMonitoringSchedule",
                          "sagemaker:StartMonitoringSchedule",
                          "sagemaker:StopMonitoringSchedule",
                      ],
                      Resource: arns.schedule,
                  },
                  {
                      Sid: "CreateMonitoringJobsOnCpuTypes",
                      Effect: "Allow" as const,
                      Action: ["sagemaker:CreateDataQualityJobDefinition"],
                      Resource: arns.jobDefinitions,
                      Condition: { "ForAllValues:StringEquals": { "sagemaker:InstanceTypes": [...CPU_PROCESSING_INSTANCE_TYPES] } },
                  },
                  {
                      Sid: "ManageMonitoringJobDefinitions",
                      Effect: "Allow" as const,
                      Action: ["sagemaker:DescribeDataQualityJobDefinition", "sagemaker:DeleteDataQualityJobDefinition"],
                      Resource: arns.jobDefinitions,
                  },
              ]
            : []),
        {
            Sid: "TagStackServingResources",
            Effect: "Allow",
            Action: ["sagemaker:AddTags", "sagemaker:ListTags"],
            Resource: [arns.endpoint, arns.configs, arns.models, ...(monitoring ? [arns.schedule, arns.jobDefinitions] : [])],
        },
        {
            Sid: "ListServingResources",
            Effect: "Allow",
            // These list actions support no resource-level permissions.
            Action: ["sagemaker:ListEndpointConfigs", "sagemaker:ListModels", ...(monitoring ? ["sagemaker:ListMonitoringSchedules", "sagemaker:ListDataQualityJobDefinitions"] : [])],
            Resource: "*",
        },
        {
            Sid: "PassServingRolesToSageMakerOnly",
            Effect: "Allow",
            Action: "iam:PassRole",
            Resource: roles.length === 1 ? roles[0] : roles,
            Condition: { StringEquals: { "iam:PassedToService": "sagemaker.amazonaws.com" } },
        },
    ];
}

export interface ImageRepository {
    /** Account that owns the registry (AWS Deep Learning Containers, or SageMaker's built-in images). */
    readonly registryId: string;
    readonly repositoryName: string;
}

function pullImage(scope: Scope, sid: string, image: ImageRepository): Statement[] {
    return [
        {
            Sid: sid,
            Effect: "Allow",
            Action: ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"],
            Resource: `arn:aws:ecr:${scope.region}:${image.registryId}:repository/${image.repositoryName}`,
        },
        {
            Sid: "AuthenticateToRegistry",
            Effect: "Allow",
            // GetAuthorizationToken supports no resource-level permissions.
            Action: ["ecr:GetAuthorizationToken"],
            Resource: "*",
        },
    ];
}

/**
 * The endpoint's model: read the serving archive of the version (the registered ModelDataUrl, which the pipeline's
 * evaluation step writes under models/serving/<execution-id>/; SageMaker downloads only that archive with this role,
 * the version's ModelMetrics are metadata it never reads), write the data capture under monitoring/data-capture/
 * (SageMaker captures with the model's role), the key through S3, its own log group, the inference image. No
 * CloudWatch metrics: the invocation metrics autoscaling follows are SageMaker's own (AWS/SageMaker).
 */
export function endpointRolePolicy(scope: Scope, keyArn: string, image: ImageRepository): PolicyDocument {
    return document(
        { Sid: "ReadServingArchive", Effect: "Allow", Action: ["s3:GetObject"], Resource: keyPrefixObjectsArn(scope.bucket, SERVING_MODELS) },
        { Sid: "WriteDataCapture", Effect: "Allow", Action: ["s3:PutObject"], Resource: keyPrefixObjectsArn(scope.bucket, MONITORING.dataCapture) },
        {
            Sid: "UseDataKeyThroughS3",
            Effect: "Allow",
            Action: ["kms:Decrypt", "kms:GenerateDataKey"],
            Resource: keyArn,
            Condition: s3ViaService(scope),
        },
        ...pullImage(scope, "PullInferenceImage", image),
        {
            Sid: "WriteEndpointLogs",
            Effect: "Allow",
            Action: ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
            Resource: `arn:aws:logs:${scope.region}:${scope.accountId}:log-group:/aws/sagemaker/Endpoints/${scope.names.endpoint}:*`,
        },
    );
}

/**
 * The Model Monitor jobs: list and read the endpoint's capture, the version's baseline and the record preprocessor,
 * write reports under monitoring/reports/, the key through S3 and for the job's volume, the analyzer image, the
 * processing job's logs and the drift metrics the analyzer publishes. A role of its own: the endpoint's role
 * needs none of the reads, and the monitor none of the model or the capture writes.
 */
export function modelMonitorRolePolicy(scope: Scope, keyArn: string, image: ImageRepository): PolicyDocument {
    const bucket = scope.bucket;
    return document(
        { Sid: "LocateDataBucket", Effect: "Allow", Action: ["s3:GetBucketLocation"], Resource: bucketArn(bucket) },
        {
            Sid: "ListCaptureAndBaselines",
            Effect: "Allow",
            Action: ["s3:ListBucket"],
            Resource: bucketArn(bucket),
            Condition: { StringLike: { "s3:prefix": [`${MONITORING.dataCapture}*`, `${MONITORING.baseline}*`] } },
        },
        {
            Sid: "ReadCaptureBaselinesAndPreprocessor",
            Effect: "Allow",
            Action: ["s3:GetObject"],
            Resource: [
                keyPrefixObjectsArn(bucket, MONITORING.dataCapture),
                keyPrefixObjectsArn(bucket, MONITORING.baseline),
                keyPrefixObjectsArn(bucket, RECORD_PREPROCESSORS),
            ],
        },
        { Sid: "WriteReports", Effect: "Allow", Action: ["s3:PutObject", "s3:AbortMultipartUpload"], Resource: keyPrefixObjectsArn(bucket, MONITORING.reports) },
        {
            Sid: "UseDataKeyThroughS3",
            Effect: "Allow",
            Action: ["kms:Decrypt", "kms:GenerateDataKey"],
            Resource: keyArn,
            Condition: s3ViaService(scope),
        },
        {
            Sid: "GrantDataKeyToJobVolumesOnly",
            Effect: "Allow",
            Action: ["kms:CreateGrant"],
            Resource: keyArn,
            Condition: { Bool: { "kms:GrantIsForAWSResource": true } },
        },
        ...pullImage(scope, "PullAnalyzerImage", image),
        {
            Sid: "WriteMonitoringJobLogs",
            Effect: "Allow",
            Action: ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
            Resource: `arn:aws:logs:${scope.region}:${scope.accountId}:log-group:/aws/sagemaker/ProcessingJobs:*`,
        },
        {
            Sid: "PublishDriftMetrics",
            Effect: "Allow",
            // PutMetricData supports no resource-level permissions; the namespace condition scopes it.
            Action: ["cloudwatch:PutMetricData"],
            Resource: "*",
            Condition: { StringEquals: { "cloudwatch:namespace": MODEL_MONITOR_METRICS_NAMESPACE } },
        },
    );
}

/** Where the data-quality analyzer publishes its per-feature metrics (with Endpoint and MonitoringSchedule dimensions). */
export const MODEL_MONITOR_METRICS_NAMESPACE = "aws/sagemaker/Endpoints/data-metrics";

/** The stack's labeling jobs (named `<base>-…`). */
export function labelingJobArns(scope: Scope): string {
    return sagemakerArn(scope, `labeling-job/${scope.names.labelingJobPrefix.toLowerCase()}*`);
}

/**
 * What data scientists may do with Ground Truth: start jobs of this stack that send the images only to the
 * configured work team and encrypt their output with the stack's key (IAM tests both on the request, so the
 * policy pack's rule is also what AWS enforces), follow and stop them, and pass the labeling role to SageMaker.
 */
function labelImages(scope: Scope, labeling: { readonly workteamArn: string }): Statement[] {
    const jobs = labelingJobArns(scope);
    return [
        {
            Sid: "StartLabelingJobsForTheTeamsWorkforce",
            Effect: "Allow",
            Action: ["sagemaker:CreateLabelingJob"],
            Resource: jobs,
            Condition: {
                StringEquals: {
                    "sagemaker:WorkteamArn": labeling.workteamArn,
                    "sagemaker:OutputKmsKeyArn": keyAliasArn(scope.region, scope.accountId, scope.names.keyAlias),
                },
            },
        },
        {
            Sid: "TagNewLabelingJobs",
            Effect: "Allow",
            Action: ["sagemaker:AddTags"],
            Resource: jobs,
            Condition: { StringEquals: { "sagemaker:TaggingAction": "CreateLabelingJob" } },
        },
        { Sid: "FollowAndStopLabelingJobs", Effect: "Allow", Action: ["sagemaker:DescribeLabelingJob", "sagemaker:StopLabelingJob"], Resource: jobs },
        { Sid: "ReadLabelingOutputs", Effect: "Allow", Action: ["s3:GetObject"], Resource: objectArns(scope.bucket, ["labeling"]) },
        // ListLabelingJobs supports no resource-level permissions.
        { Sid: "ListLabelingJobs", Effect: "Allow", Action: ["sagemaker:ListLabelingJobs"], Resource: "*" },
        {
            Sid: "PassLabelingRoleToSageMaker",
            Effect: "Allow",
            Action: ["iam:PassRole"],
            Resource: roleArn(scope.accountId, scope.names.labelingRole),
            Condition: { StringEquals: { "iam:PassedToService": "sagemaker.amazonaws.com" } },
        },
    ];
}

/**
 * The labeling role Ground Truth jobs run as: read the images and input manifests under datasets/ and the label
 * categories under labeling/, write the job's output under labeling/, the key through S3, the job's logs and metrics.
 */
export function labelingRolePolicy(scope: Scope, keyArn: string): PolicyDocument {
    return document(
        { Sid: "ListDataBucket", Effect: "Allow", Action: ["s3:ListBucket", "s3:GetBucketLocation"], Resource: bucketArn(scope.bucket) },
        { Sid: "ReadImagesManifestsAndCategories", Effect: "Allow", Action: ["s3:GetObject"], Resource: objectArns(scope.bucket, ["datasets", "labeling"]) },
        { Sid: "WriteLabelingOutput", Effect: "Allow", Action: ["s3:PutObject", "s3:AbortMultipartUpload"], Resource: objectArns(scope.bucket, ["labeling"]) },
        {
            Sid: "UseDataKeyThroughS3",
            Effect: "Allow",
            Action: ["kms:Decrypt", "kms:GenerateDataKey"],
            Resource: keyArn,
            Condition: s3ViaService(scope),
        },
        {
            Sid: "WriteLabelingJobLogs",
            Effect: "Allow",
            Action: ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
            Resource: `arn:aws:logs:${scope.region}:${scope.accountId}:log-group:/aws/sagemaker/LabelingJobs:*`,
        },
        {
            Sid: "PublishLabelingMetrics",
            Effect: "Allow",
            Action: ["cloudwatch:PutMetricData"],
            Resource: "*",
            Condition: { StringEquals: { "cloudwatch:namespace": "/aws/sagemaker/LabelingJobs" } },
        },
    );
}

function document(...statements: Statement[]): PolicyDocument {
    return { Version: "2012-10-17", Statement: statements };
}

function objectArns(bucket: string, prefixes: PrefixName[]): string[] {
    return prefixes.map((prefix) => prefixObjectsArn(bucket, prefix));
}

function sagemakerArn(scope: Scope, resource: string): string {
    return `arn:aws:sagemaker:${scope.region}:${scope.accountId}:${resource}`;
}

/** The stack's pipeline and its executions (SageMaker lowercases names in ARNs). */
function pipelineArns(scope: Scope): { pipeline: string; executions: string } {
    const pipeline = sagemakerArn(scope, `pipeline/${scope.names.pipeline.toLowerCase()}`);
    return { pipeline, executions: `${pipeline}/execution/*` };
}

/** Jobs SageMaker Pipelines starts for the stack's pipeline (`pipelines-<execution-id>-<step>-<hash>`). */
function pipelineJobArns(scope: Scope): string[] {
    const prefix = scope.names.pipelineJobPrefix;
    return [sagemakerArn(scope, `training-job/${prefix}*`), sagemakerArn(scope, `processing-job/${prefix}*`)];
}

function jobLogGroupArns(scope: Scope): string[] {
    return ["TrainingJobs", "ProcessingJobs"].map(
        (kind) => `arn:aws:logs:${scope.region}:${scope.accountId}:log-group:/aws/sagemaker/${kind}:*`,
    );
}

function modelRegistryArns(scope: Scope): { group: string; versions: string } {
    const group = scope.names.modelPackageGroup.toLowerCase();
    return { group: sagemakerArn(scope, `model-package-group/${group}`), versions: sagemakerArn(scope, `model-package/${group}/*`) };
}

/** Reading the registry: what `yolo-pipeline models` and the Studio model registry UI call. */
function readModelRegistry(scope: Scope): Statement[] {
    const { group, versions } = modelRegistryArns(scope);
    return [
        {
            Sid: "ListModelPackageGroups",
            Effect: "Allow",
            // ListModelPackageGroups supports no resource-level permissions.
            Action: ["sagemaker:ListModelPackageGroups"],
            Resource: "*",
        },
        {
            Sid: "ListModelVersions",
            Effect: "Allow",
            // ListModelPackages names no group in its ARN (the group is a request filter), so the account's packages.
            Action: ["sagemaker:ListModelPackages"],
            Resource: sagemakerArn(scope, "model-package/*"),
        },
        {
            Sid: "DescribeProjectModels",
            Effect: "Allow",
            Action: ["sagemaker:DescribeModelPackageGroup", "sagemaker:DescribeModelPackage", "sagemaker:ListTags"],
            Resource: [group, versions],
        },
    ];
}

/** MLflow actions that read experiments, runs and models (the UI and the client's search/get calls). */
const MLFLOW_READ = [
    "sagemaker-mlflow:AccessUI",
    "sagemaker-mlflow:SearchExperiments",
    "sagemaker-mlflow:GetExperiment",
    "sagemaker-mlflow:GetExperimentByName",
    "sagemaker-mlflow:SearchRuns",
    "sagemaker-mlflow:GetRun",
    "sagemaker-mlflow:GetMetricHistory",
    "sagemaker-mlflow:ListArtifacts",
    "sagemaker-mlflow:SearchLoggedModels",
    "sagemaker-mlflow:GetLoggedModel",
    "sagemaker-mlflow:ListLoggedModelArtifacts",
    "sagemaker-mlflow:SearchRegisteredModels",
    "sagemaker-mlflow:GetRegisteredModel",
    "sagemaker-mlflow:SearchModelVersions",
    "sagemaker-mlflow:GetModelVersion",
    "sagemaker-mlflow:GetLatestModelVersions",
    "sagemaker-mlflow:GetDownloadURIForModelVersionArtifacts",
];

/** MLflow actions that record experiments: what `mlflow.log_*` and Ultralytics' MLflow callback call. No deletes. */
const MLFLOW_LOG = [
    "sagemaker-mlflow:CreateExperiment",
    "sagemaker-mlflow:SetExperimentTag",
    "sagemaker-mlflow:CreateRun",
    "sagemaker-mlflow:UpdateRun",
    "sagemaker-mlflow:SetTag",
    "sagemaker-mlflow:LogParam",
    "sagemaker-mlflow:LogMetric",
    "sagemaker-mlflow:LogBatch",
    "sagemaker-mlflow:LogInputs",
    "sagemaker-mlflow:LogOutputs",
    "sagemaker-mlflow:LogModel",
    "sagemaker-mlflow:FinalizeLoggedModel",
    "sagemaker-mlflow:LogLoggedModelParams",
    "sagemaker-mlflow:SetLoggedModelTags",
];

/**
 * Using the tracking server: its UI (through a presigned URL) and the MLflow API, and the artifact store
 * under mlflow/ (MLflow clients read and write artifacts in S3 directly, with their own credentials).
 */
function useTrackingServer(scope: Scope, keyArn: string, log: boolean): Statement[] {
    const server = trackingServerArn(scope.region, scope.accountId, scope.names.trackingServer);
    return [
        {
            Sid: "FindTrackingServer",
            Effect: "Allow",
            // ListMlflowTrackingServers supports no resource-level permissions.
            Action: ["sagemaker:ListMlflowTrackingServers"],
            Resource: "*",
        },
        {
            Sid: "OpenProjectTrackingServer",
            Effect: "Allow",
            Action: ["sagemaker:DescribeMlflowTrackingServer", "sagemaker:CreatePresignedMlflowTrackingServerUrl"],
            Resource: server,
        },
        {
            Sid: log ? "TrackExperiments" : "ReadExperiments",
            Effect: "Allow",
            Action: log ? [...MLFLOW_READ, ...MLFLOW_LOG] : MLFLOW_READ,
            Resource: server,
        },
        {
            Sid: log ? "ReadWriteExperimentArtifacts" : "ReadExperimentArtifacts",
            Effect: "Allow",
            Action: log ? ["s3:GetObject", "s3:PutObject"] : ["s3:GetObject"],
            Resource: objectArns(scope.bucket, ["mlflow"]),
        },
        ...(log
            ? [
                  {
                      Sid: "EncryptExperimentArtifactsThroughS3",
                      Effect: "Allow" as const,
                      Action: ["kms:GenerateDataKey"],
                      Resource: keyArn,
                      Condition: s3ViaService(scope),
                  },
              ]
            : []),
    ];
}

function s3ViaService(scope: Scope): Statement["Condition"] {
    return { StringEquals: { "kms:ViaService": `s3.${scope.region}.amazonaws.com` } };
}

/**
 * Trust policy of a role SageMaker assumes on this account's behalf only (confused-deputy protection). It may
 * carry a source identity: with the Studio domain's source identity on, SageMaker refuses to start a user's apps
 * or to create a job from their session with a role that does not trust `sts:SetSourceIdentity`.
 */
export function sagemakerTrustPolicy(accountId: string): PolicyDocument {
    return document({
        Sid: "SageMakerAssumesRoleForThisAccount",
        Effect: "Allow",
        Principal: { Service: "sagemaker.amazonaws.com" },
        Action: ["sts:AssumeRole", "sts:SetSourceIdentity"],
        Condition: { StringEquals: { "aws:SourceAccount": accountId } },
    });
}

/**
 * Trust policy of the role one EventBridge rule of this account assumes to reach its target: the rule's own ARN, so
 * that no other rule (another team's, or one added later) can act with this role.
 */
export function eventBridgeTrustPolicy(accountId: string, ruleArn: string): PolicyDocument {
    return document({
        Sid: "OneEventBridgeRuleOfThisAccount",
        Effect: "Allow",
        Principal: { Service: "events.amazonaws.com" },
        Action: "sts:AssumeRole",
        Condition: { StringEquals: { "aws:SourceAccount": accountId, "aws:SourceArn": ruleArn } },
    });
}

/** The dataset trigger's role: start this one pipeline, nothing else (not even describe it). */
export function pipelineTriggerPolicy(scope: Scope): PolicyDocument {
    return document({ Sid: "StartThisPipeline", Effect: "Allow", Action: ["sagemaker:StartPipelineExecution"], Resource: pipelineArns(scope).pipeline });
}

/**
 * Read-only explorer: list the bucket, read data, results, models and the project's code (the Studio
 * lifecycle script installs it), look at pipeline runs and registered models, read experiments.
 */
export function dataScientistPolicy(scope: Scope, keyArn: string): PolicyDocument {
    const { pipeline, executions } = pipelineArns(scope);
    return document(
        { Sid: "ListDataBucket", Effect: "Allow", Action: ["s3:ListBucket", "s3:GetBucketLocation"], Resource: bucketArn(scope.bucket) },
        {
            Sid: "ReadDatasetsModelsEvaluationsAndCode",
            Effect: "Allow",
            Action: ["s3:GetObject", "s3:GetObjectVersion"],
            Resource: objectArns(scope.bucket, ["datasets", "models", "evaluation", "code"]),
        },
        { Sid: "DecryptDataThroughS3", Effect: "Allow", Action: ["kms:Decrypt"], Resource: keyArn, Condition: s3ViaService(scope) },
        { Sid: "DescribeDataKey", Effect: "Allow", Action: ["kms:DescribeKey"], Resource: keyArn },
        {
            Sid: "ListSageMakerRuns",
            Effect: "Allow",
            // These list actions support no resource-level permissions.
            Action: ["sagemaker:ListPipelines", "sagemaker:ListTrainingJobs", "sagemaker:ListProcessingJobs"],
            Resource: "*",
        },
        {
            Sid: "DescribeProjectPipeline",
            Effect: "Allow",
            Action: ["sagemaker:DescribePipeline", "sagemaker:ListPipelineExecutions", "sagemaker:ListPipelineVersions"],
            Resource: pipeline,
        },
        {
            Sid: "DescribeProjectPipelineExecutions",
            Effect: "Allow",
            Action: [
                "sagemaker:DescribePipelineExecution",
                "sagemaker:ListPipelineExecutionSteps",
                "sagemaker:ListPipelineParametersForExecution",
                "sagemaker:DescribePipelineDefinitionForExecution",
            ],
            Resource: executions,
        },
        {
            Sid: "DescribeProjectPipelineJobs",
            Effect: "Allow",
            Action: ["sagemaker:DescribeTrainingJob", "sagemaker:DescribeProcessingJob"],
            Resource: pipelineJobArns(scope),
        },
        ...(scope.features.modelRegistry ? readModelRegistry(scope) : []),
        ...(scope.features.experimentTracking ? useTrackingServer(scope, keyArn, false) : []),
        ...(scope.features.labeling ? labelImages(scope, scope.features.labeling) : []),
    );
}

/**
 * Serving rights of a persona, when deployment is on: data scientists invoke and describe the stack's endpoint,
 * follow its monitoring and read monitoring/; ML engineers also manage the endpoint, its configurations, models and
 * monitoring. A managed policy of its own (IAM caps a role's inline policies at 10,240 characters together, which
 * the ML engineer's access and Studio policies already come close to); it names no key, so it is known at preview.
 */
export function servingPolicy(scope: Scope, persona: "data-scientist" | "ml-engineer"): PolicyDocument {
    const monitoring = scope.features.deployment?.monitoring ?? false;
    return document(...describeEndpoint(scope, monitoring), readMonitoring(scope), ...(persona === "ml-engineer" ? operateEndpoint(scope, monitoring) : []));
}

/** Capture, baselines and monitoring reports: what the monitor compared and what it found. */
function readMonitoring(scope: Scope): Statement {
    return { Sid: "ReadMonitoringCaptureAndReports", Effect: "Allow", Action: ["s3:GetObject"], Resource: objectArns(scope.bucket, ["monitoring"]) };
}

/** Runs the training pipeline: pipeline lifecycle, artifacts read/write, passing the pipeline role. */
export function mlEngineerPolicy(scope: Scope, keyArn: string, pipelineRoleArn: string): PolicyDocument {
    const { executions } = pipelineArns(scope);
    // Pipelines of this stack only: the platform's own plus ones an engineer creates beside it.
    const projectPipelines = sagemakerArn(scope, `pipeline/${scope.names.base.toLowerCase()}-*`);
    return document(
        { Sid: "ListDataBucket", Effect: "Allow", Action: ["s3:ListBucket", "s3:GetBucketLocation"], Resource: bucketArn(scope.bucket) },
        {
            Sid: "ReadAllPlatformData",
            Effect: "Allow",
            Action: ["s3:GetObject", "s3:GetObjectVersion"],
            Resource: objectArns(scope.bucket, ["datasets", "models", "evaluation", "code", "checkpoints"]),
        },
        {
            Sid: "WriteArtifacts",
            Effect: "Allow",
            Action: ["s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"],
            Resource: objectArns(scope.bucket, ["models", "evaluation", "code", "checkpoints"]),
        },
        {
            Sid: "UseDataKeyThroughS3",
            Effect: "Allow",
            Action: ["kms:Decrypt", "kms:GenerateDataKey"],
            Resource: keyArn,
            Condition: s3ViaService(scope),
        },
        { Sid: "DescribeDataKey", Effect: "Allow", Action: ["kms:DescribeKey"], Resource: keyArn },
        {
            Sid: "ListSageMakerRuns",
            Effect: "Allow",
            Action: ["sagemaker:ListPipelines", "sagemaker:ListTrainingJobs", "sagemaker:ListProcessingJobs"],
            Resource: "*",
        },
        {
            Sid: "ManageProjectPipelines",
            Effect: "Allow",
            Action: [
                "sagemaker:CreatePipeline",
                "sagemaker:UpdatePipeline",
                "sagemaker:DescribePipeline",
                "sagemaker:StartPipelineExecution",
                "sagemaker:ListPipelineExecutions",
                "sagemaker:ListPipelineVersions",
                "sagemaker:AddTags",
                "sagemaker:ListTags",
            ],
            Resource: projectPipelines,
        },
        {
            Sid: "OperateProjectPipelineExecutions",
            Effect: "Allow",
            Action: [
                "sagemaker:DescribePipelineExecution",
                "sagemaker:ListPipelineExecutionSteps",
                "sagemaker:ListPipelineParametersForExecution",
                "sagemaker:DescribePipelineDefinitionForExecution",
                "sagemaker:StopPipelineExecution",
                "sagemaker:RetryPipelineExecution",
                "sagemaker:UpdatePipelineExecution",
            ],
            Resource: [executions, `${projectPipelines}/execution/*`],
        },
        {
            Sid: "DescribeProjectPipelineJobs",
            Effect: "Allow",
            Action: ["sagemaker:DescribeTrainingJob", "sagemaker:DescribeProcessingJob"],
            Resource: pipelineJobArns(scope),
        },
        {
            Sid: "ReadJobLogs",
            Effect: "Allow",
            Action: ["logs:DescribeLogStreams", "logs:GetLogEvents", "logs:FilterLogEvents"],
            Resource: jobLogGroupArns(scope),
        },
        {
            Sid: "PassPipelineRoleToSageMakerOnly",
            Effect: "Allow",
            Action: "iam:PassRole",
            Resource: pipelineRoleArn,
            Condition: { StringEquals: { "iam:PassedToService": "sagemaker.amazonaws.com" } },
        },
        ...(scope.features.modelRegistry
            ? [
                  ...readModelRegistry(scope),
                  {
                      Sid: "ApproveOrRejectProjectModels",
                      Effect: "Allow" as const,
                      Action: ["sagemaker:UpdateModelPackage"],
                      Resource: modelRegistryArns(scope).versions,
                  },
              ]
            : []),
        ...(scope.features.experimentTracking ? useTrackingServer(scope, keyArn, true) : []),
    );
}


/** What SageMaker Pipelines and the preparation, training, evaluation and baseline jobs it starts need, and nothing else. */
export function pipelineExecutionPolicy(
    scope: Scope,
    keyArn: string,
    pipelineRoleArn: string,
    images: readonly ImageRepository[],
): PolicyDocument {
    const jobInstanceTypes = [...new Set([...DEFAULT_TRAINING_INSTANCE_TYPES, ...DEFAULT_PROCESSING_INSTANCE_TYPES])];
    const [trainingJobs, processingJobs] = pipelineJobArns(scope);
    // Baselines are computed (BaselineMonitoring, BaselineStatistics) only for models the run registers.
    const monitoringBaselinesArn = `${bucketArn(scope.bucket)}/${MONITORING_BASELINES}*`;
    return document(
        { Sid: "ListDataBucket", Effect: "Allow", Action: ["s3:ListBucket", "s3:GetBucketLocation"], Resource: bucketArn(scope.bucket) },
        {
            Sid: "ReadInputsCodeAndCheckpoints",
            Effect: "Allow",
            Action: ["s3:GetObject"],
            // labeling/: a run may start from a labeling job's output manifest (its images are under datasets/).
            Resource: [
                ...objectArns(scope.bucket, ["datasets", "code", "models", "evaluation", "checkpoints", ...(scope.features.labeling ? (["labeling"] as const) : [])]),
                ...(scope.features.modelRegistry ? [monitoringBaselinesArn] : []),
            ],
        },
        {
            Sid: "WriteModelsEvaluationsCheckpoints",
            Effect: "Allow",
            Action: ["s3:PutObject", "s3:AbortMultipartUpload"],
            // Of datasets/, only what PrepareDataset writes: the raw data stays as the platform admins put it. Of
            // monitoring/, only baselines: the endpoint's data capture and monitoring reports are not the pipeline's.
            Resource: [
                ...objectArns(scope.bucket, ["models", "evaluation", "checkpoints"]),
                `${bucketArn(scope.bucket)}/${PREPARED_DATASETS}*`,
                ...(scope.features.modelRegistry ? [monitoringBaselinesArn] : []),
            ],
        },
        {
            Sid: "PruneOwnCheckpoints",
            Effect: "Allow",
            Action: ["s3:DeleteObject"],
            Resource: objectArns(scope.bucket, ["checkpoints"]),
        },
        {
            Sid: "UseDataKey",
            Effect: "Allow",
            Action: ["kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"],
            Resource: keyArn,
        },
        {
            Sid: "GrantDataKeyToJobResourcesOnly",
            Effect: "Allow",
            Action: ["kms:CreateGrant"],
            Resource: keyArn,
            Condition: { Bool: { "kms:GrantIsForAWSResource": true } },
        },
        {
            Sid: "RunTrainingOnAllowedInstances",
            Effect: "Allow",
            Action: ["sagemaker:CreateTrainingJob", "sagemaker:CreateProcessingJob"],
            Resource: [trainingJobs, processingJobs],
            Condition: { "ForAllValues:StringEquals": { "sagemaker:InstanceTypes": jobInstanceTypes } },
        },
        {
            Sid: "OperatePipelineJobs",
            Effect: "Allow",
            Action: [
                "sagemaker:DescribeTrainingJob",
                "sagemaker:DescribeProcessingJob",
                "sagemaker:StopTrainingJob",
                "sagemaker:StopProcessingJob",
                "sagemaker:AddTags",
            ],
            Resource: [trainingJobs, processingJobs],
        },
        {
            Sid: "PassSelfToJobs",
            Effect: "Allow",
            Action: "iam:PassRole",
            Resource: pipelineRoleArn,
            Condition: { StringEquals: { "iam:PassedToService": "sagemaker.amazonaws.com" } },
        },
        {
            Sid: "PullJobImages",
            Effect: "Allow",
            Action: ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"],
            Resource: images.map((image) => `arn:aws:ecr:${scope.region}:${image.registryId}:repository/${image.repositoryName}`),
        },
        {
            Sid: "AuthenticateToRegistry",
            Effect: "Allow",
            // GetAuthorizationToken supports no resource-level permissions.
            Action: ["ecr:GetAuthorizationToken"],
            Resource: "*",
        },
        {
            Sid: "WriteJobLogs",
            Effect: "Allow",
            Action: ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
            Resource: jobLogGroupArns(scope),
        },
        {
            Sid: "PublishJobMetrics",
            Effect: "Allow",
            // PutMetricData supports no resource-level permissions; the namespace condition scopes it.
            Action: ["cloudwatch:PutMetricData"],
            Resource: "*",
            Condition: {
                StringEquals: { "cloudwatch:namespace": ["/aws/sagemaker/TrainingJobs", "/aws/sagemaker/ProcessingJobs"] },
            },
        },
        ...(scope.features.modelRegistry
            ? [
                  {
                      Sid: "RegisterModelVersions",
                      Effect: "Allow" as const,
                      Action: ["sagemaker:CreateModelPackage", "sagemaker:DescribeModelPackageGroup", "sagemaker:DescribeModelPackage", "sagemaker:AddTags"],
                      Resource: [modelRegistryArns(scope).group, modelRegistryArns(scope).versions],
                  },
              ]
            : []),
        ...(scope.features.experimentTracking ? useTrackingServer(scope, keyArn, true) : []),
    );
}

/**
 * The MLflow tracking server's own role: its artifact store under mlflow/ and the key through S3, nothing else
 * (automatic model registration is off: the pipeline's quality gate decides what is registered).
 */
export function trackingServerPolicy(scope: Scope, keyArn: string): PolicyDocument {
    return document(
        {
            Sid: "LocateArtifactStore",
            Effect: "Allow",
            Action: ["s3:GetBucketLocation"],
            Resource: bucketArn(scope.bucket),
        },
        {
            Sid: "ListArtifactStore",
            Effect: "Allow",
            Action: ["s3:ListBucket"],
            Resource: bucketArn(scope.bucket),
            Condition: { StringLike: { "s3:prefix": [`${PREFIXES.mlflow}*`] } },
        },
        {
            Sid: "ReadWriteArtifacts",
            Effect: "Allow",
            Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
            Resource: objectArns(scope.bucket, ["mlflow"]),
        },
        {
            Sid: "UseDataKeyThroughS3",
            Effect: "Allow",
            Action: ["kms:Decrypt", "kms:GenerateDataKey"],
            Resource: keyArn,
            Condition: s3ViaService(scope),
        },
    );
}

/**
 * What the Studio UI does with a user's execution role: see the domain and the user's profile, run
 * the user's own JupyterLab spaces and apps on the allowed (cheap) instance types, and let AWS attach
 * space volumes encrypted with the domain's key.
 */
export function studioAppsPolicy(scope: Scope, domainId: string, keyArn: string): PolicyDocument {
    const inDomain = (kind: string) => sagemakerArn(scope, `${kind}/${domainId}/*`);
    return document(
        {
            Sid: "SeeOwnDomain",
            Effect: "Allow",
            Action: ["sagemaker:DescribeDomain"],
            Resource: sagemakerArn(scope, `domain/${domainId}`),
        },
        {
            Sid: "SeeDomainProfilesSpacesApps",
            Effect: "Allow",
            Action: ["sagemaker:DescribeUserProfile", "sagemaker:DescribeSpace", "sagemaker:DescribeApp", "sagemaker:ListTags"],
            Resource: [inDomain("user-profile"), inDomain("space"), inDomain("app")],
        },
        {
            Sid: "ListStudioResources",
            Effect: "Allow",
            Action: ["sagemaker:ListApps", "sagemaker:ListSpaces", "sagemaker:ListUserProfiles", "sagemaker:ListDomains"],
            Resource: "*",
        },
        {
            Sid: "RunOwnSpacesOnAllowedInstances",
            Effect: "Allow",
            Action: ["sagemaker:CreateSpace", "sagemaker:UpdateSpace", "sagemaker:CreateApp"],
            Resource: [inDomain("space"), inDomain("app")],
            Condition: { "ForAllValues:StringEquals": { "sagemaker:InstanceTypes": [...DEFAULT_STUDIO_INSTANCE_TYPES] } },
        },
        {
            Sid: "StopOwnSpacesAndApps",
            Effect: "Allow",
            Action: ["sagemaker:DeleteSpace", "sagemaker:DeleteApp"],
            Resource: [inDomain("space"), inDomain("app")],
        },
        {
            Sid: "TagOwnSpacesAndApps",
            Effect: "Allow",
            Action: ["sagemaker:AddTags"],
            Resource: [inDomain("space"), inDomain("app")],
        },
        {
            Sid: "EncryptSpaceVolumesWithDomainKey",
            Effect: "Allow",
            // Grants only for AWS resources (the space's EBS volume), never to another principal.
            Action: "kms:CreateGrant",
            Resource: keyArn,
            Condition: { Bool: { "kms:GrantIsForAWSResource": true } },
        },
        {
            // DescribeKey does not carry kms:GrantIsForAWSResource (so under that condition it was never allowed):
            // SageMaker describes the key on the user's behalf when it creates the space's volume.
            Sid: "DescribeDomainKeyThroughSageMaker",
            Effect: "Allow",
            Action: "kms:DescribeKey",
            Resource: keyArn,
            Condition: { StringEquals: { "kms:ViaService": `sagemaker.${scope.region}.amazonaws.com` } },
        },
    );
}

/**
 * Key policy: the account administers and uses the key through IAM (the role policies above grant
 * each persona its part), with every action named rather than `kms:*`.
 */
export function dataKeyPolicy(accountId: string, notificationServices: readonly string[] = []): PolicyDocument {
    const account = `arn:aws:iam::${accountId}:root`;
    const services: Statement[] =
        notificationServices.length === 0
            ? []
            : [
                  {
                      Sid: "NotificationServicesPublishToEncryptedTopic",
                      Effect: "Allow",
                      // EventBridge, CloudWatch alarms and Budgets publish to the alert topic, which this key encrypts.
                      Principal: { Service: [...notificationServices] },
                      Action: ["kms:GenerateDataKey", "kms:Decrypt"],
                      Resource: "*",
                      Condition: { StringEquals: { "aws:SourceAccount": accountId } },
                  },
              ];
    return document(
        {
            Sid: "AccountAdministersKeyThroughIam",
            Effect: "Allow",
            Principal: { AWS: account },
            Action: [
                "kms:DescribeKey",
                "kms:GetKeyPolicy",
                "kms:PutKeyPolicy",
                "kms:GetKeyRotationStatus",
                "kms:EnableKeyRotation",
                "kms:ListKeyRotations",
                "kms:RotateKeyOnDemand",
                "kms:ListResourceTags",
                "kms:TagResource",
                "kms:UntagResource",
                "kms:UpdateKeyDescription",
                "kms:CreateAlias",
                "kms:UpdateAlias",
                "kms:DeleteAlias",
                "kms:ListAliases",
                "kms:ListGrants",
                "kms:RevokeGrant",
                "kms:EnableKey",
                "kms:DisableKey",
                "kms:ScheduleKeyDeletion",
                "kms:CancelKeyDeletion",
            ],
            Resource: "*",
        },
        {
            Sid: "AccountUsesKeyThroughIam",
            Effect: "Allow",
            Principal: { AWS: account },
            Action: ["kms:Encrypt", "kms:Decrypt", "kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext", "kms:CreateGrant", "kms:RetireGrant"],
            Resource: "*",
        },
        ...services,
    );
}

/** Bucket policy: TLS 1.2+ only, and no upload that asks for an encryption other than SSE-KMS. */
export function dataBucketPolicy(bucket: string): PolicyDocument {
    const everything = [bucketArn(bucket), `${bucketArn(bucket)}/*`];
    return document(
        {
            Sid: "DenyInsecureTransport",
            Effect: "Deny",
            Principal: "*",
            Action: "s3:*",
            Resource: everything,
            Condition: { Bool: { "aws:SecureTransport": false } },
        },
        {
            Sid: "DenyTlsOlderThan12",
            Effect: "Deny",
            Principal: "*",
            Action: "s3:*",
            Resource: everything,
            Condition: { NumericLessThan: { "s3:TlsVersion": "1.2" } },
        },
        {
            Sid: "DenyNonKmsEncryptionHeader",
            Effect: "Deny",
            Principal: "*",
            Action: "s3:PutObject",
            Resource: `${bucketArn(bucket)}/*`,
            Condition: {
                StringNotEquals: { "s3:x-amz-server-side-encryption": "aws:kms" },
                Null: { "s3:x-amz-server-side-encryption": "false" },
            },
        },
    );
}

/** Where S3 replicates the data bucket to: the prefixes, the two buckets, their regions and keys. */
export interface ReplicationScope {
    readonly sourceBucket: string;
    readonly sourceRegion: string;
    readonly sourceKeyArn: string;
    readonly replicaBucket: string;
    readonly replicaRegion: string;
    readonly replicaKeyArn: string;
    readonly prefixes: readonly PrefixName[];
}

/**
 * Trust of the replication role: S3 only. AWS documents this trust without aws:SourceAccount/aws:SourceArn (S3 is
 * not documented to send them when it assumes a replication role); only a principal of this account allowed
 * iam:PassRole on the role can name it in a replication configuration, which is what confines it.
 */
export function replicationTrustPolicy(): PolicyDocument {
    return document({ Sid: "S3AssumesRoleToReplicate", Effect: "Allow", Principal: { Service: "s3.amazonaws.com" }, Action: "sts:AssumeRole" });
}

/**
 * What S3 replication needs and nothing more: read the source's replication configuration and the versions of the
 * replicated prefixes, write replicas (and tags) only under the same prefixes of the replica, decrypt with the
 * source key and encrypt with the replica key, each only through S3 in its region and for its bucket. No
 * s3:ReplicateDelete: delete markers are not replicated (the replica keeps what the source loses), and without it
 * the role could not replicate a deletion even if the configuration were changed to. With S3
 * Bucket Keys the encryption context is the bucket ARN rather than the object's, so both are allowed; the replica
 * key also needs kms:Decrypt, which S3 calls to check the replica bucket's Bucket Key.
 */
export function replicationRolePolicy(scope: ReplicationScope): PolicyDocument {
    const sourceObjects = objectArns(scope.sourceBucket, [...scope.prefixes]);
    const replicaObjects = objectArns(scope.replicaBucket, [...scope.prefixes]);
    const kmsThroughS3 = (region: string, bucket: string, objects: string[]): Statement["Condition"] => ({
        StringEquals: { "kms:ViaService": `s3.${region}.amazonaws.com` },
        StringLike: { "kms:EncryptionContext:aws:s3:arn": [bucketArn(bucket), ...objects] },
    });
    return document(
        { Sid: "ReadReplicationConfiguration", Effect: "Allow", Action: ["s3:GetReplicationConfiguration", "s3:ListBucket"], Resource: bucketArn(scope.sourceBucket) },
        {
            Sid: "ReadVersionsToReplicate",
            Effect: "Allow",
            Action: ["s3:GetObjectVersionForReplication", "s3:GetObjectVersionAcl", "s3:GetObjectVersionTagging"],
            Resource: sourceObjects,
        },
        { Sid: "WriteReplicas", Effect: "Allow", Action: ["s3:ReplicateObject", "s3:ReplicateTags"], Resource: replicaObjects },
        {
            Sid: "DecryptSourceThroughS3",
            Effect: "Allow",
            Action: ["kms:Decrypt"],
            Resource: scope.sourceKeyArn,
            Condition: kmsThroughS3(scope.sourceRegion, scope.sourceBucket, sourceObjects),
        },
        {
            Sid: "EncryptReplicasThroughS3",
            Effect: "Allow",
            Action: ["kms:Encrypt", "kms:Decrypt"],
            Resource: scope.replicaKeyArn,
            Condition: kmsThroughS3(scope.replicaRegion, scope.replicaBucket, replicaObjects),
        },
    );
}

/** The service principal that delivers S3 server access logs. */
export const S3_LOG_DELIVERY_SERVICE = "logging.s3.amazonaws.com";

/**
 * Policy of an access-log bucket: S3's log delivery may write under the source bucket's prefix only for that
 * bucket of this account (with BucketOwnerEnforced, a bucket policy is the only way to let it write), and
 * nothing reaches the logs without TLS.
 */
export function accessLogBucketPolicy(logBucket: string, sourceBucket: string, prefix: string, accountId: string): PolicyDocument {
    return document(
        {
            Sid: "S3ServerAccessLogDelivery",
            Effect: "Allow",
            Principal: { Service: S3_LOG_DELIVERY_SERVICE },
            Action: "s3:PutObject",
            Resource: `${bucketArn(logBucket)}/${prefix}*`,
            Condition: { ArnLike: { "aws:SourceArn": bucketArn(sourceBucket) }, StringEquals: { "aws:SourceAccount": accountId } },
        },
        {
            Sid: "DenyInsecureTransport",
            Effect: "Deny",
            Principal: "*",
            Action: "s3:*",
            Resource: [bucketArn(logBucket), `${bucketArn(logBucket)}/*`],
            Condition: { Bool: { "aws:SecureTransport": false } },
        },
    );
}

/** Services that publish alerts to the project's SNS topic. */
export const ALERT_PUBLISHERS = ["events.amazonaws.com", "cloudwatch.amazonaws.com", "budgets.amazonaws.com"] as const;

/** Alert topic policy: the notification services of this account may publish; nothing over plain HTTP. */
export function alertTopicPolicy(accountId: string, topicArn: string): PolicyDocument {
    return document(
        {
            Sid: "NotificationServicesOfThisAccountPublish",
            Effect: "Allow",
            Principal: { Service: [...ALERT_PUBLISHERS] },
            Action: "sns:Publish",
            Resource: topicArn,
            Condition: { StringEquals: { "aws:SourceAccount": accountId } },
        },
        {
            Sid: "DenyInsecureTransport",
            Effect: "Deny",
            Principal: "*",
            // Publish and Subscribe are what a client sends to a topic (sns:Receive, once seen in examples, is not an SNS action).
            Action: ["sns:Publish", "sns:Subscribe"],
            Resource: topicArn,
            Condition: { Bool: { "aws:SecureTransport": false } },
        },
    );
}

// Real-time serving of an approved model version: the endpoint's model, configuration and endpoint with
// autoscaling and data capture, and Model Monitor's data-quality schedule on the captured traffic. The stack
// is the source of truth for what is served: a new approval reaches the endpoint by `pulumi up` with its
// version in the stack config (preview and the policy pack see every change), and `pulumi destroy` removes it.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as crypto from "crypto";
import * as fs from "fs";
import { ENDPOINT_SERVICE, INSTANCE_TYPES, MODEL_MONITOR_SERVICE, SERVICE_TAG_KEY } from "../policies/catalog";
import type { PlatformConfig } from "./config";
import { endpointRolePolicy, ImageRepository, modelMonitorRolePolicy, sagemakerTrustPolicy, Scope } from "./iamDocuments";
import { contentName, modelPackageVersionArn, roleArn } from "./naming";
import { MONITORING_BASELINE } from "./pipelineDefinition";
import { MONITORING, recordPreprocessorKey, s3Uri } from "./s3Layout";

export type DeploymentSettings = PlatformConfig["deployment"];

/** The endpoint's one production variant (what autoscaling registers as endpoint/<name>/variant/<variant>). */
export const VARIANT_NAME = "yolo11";

/**
 * Model Monitor jobs: an EBS-backed CPU type (its volume takes the stack's key), the analyzer being a Spark job on
 * numbers, not images. A run reads one period of capture (File mode onto the volume): 100% capture of 100
 * requests a minute is about 1.2 GB an hour of base64 images, 29 GB a day, hence the volume size.
 */
export const MONITORING_JOB = { instanceType: "ml.m5.xlarge", instanceCount: 1, volumeSizeGb: 50, maxRuntimeSeconds: 1800 } as const;

/** SageMaker's cron expressions for the schedule: every hour on the hour, or every day at midnight UTC. */
export const MONITORING_SCHEDULES: Readonly<Record<DeploymentSettings["monitoringFrequency"], string>> = {
    hourly: "cron(0 * ? * * *)",
    daily: "cron(0 0 ? * * *)",
};

/** CloudWatch alarm periods matching the schedule: one analyzer run, so one set of drift datapoints, per period. */
export const MONITORING_PERIOD_SECONDS: Readonly<Record<DeploymentSettings["monitoringFrequency"], number>> = {
    hourly: 3600,
    daily: 86400,
};

/**
 * The monitored features with a drift alarm each: the ones every record has (record_preprocessor.py IMAGE_FEATURES
 * and PREDICTION_FEATURES; tests/python/test_monitoring.py keeps the two lists equal). The per-class counts
 * `boxes_<id>_<class>` are named after the served model's classes, which the stack does not know; their drift
 * reaches the topic through the rule on the run's verdict (components/alerts.ts).
 */
export const DRIFT_ALARM_FEATURES = [
    "image_width",
    "image_height",
    "image_aspect_ratio",
    "image_megapixels",
    "image_bytes",
    "image_brightness",
    "image_contrast",
    "image_sharpness",
    "image_color_diversity",
    "box_count",
    "mean_confidence",
    "max_confidence",
    "mean_box_area_fraction",
] as const;

/**
 * The distance above which the analyzer reports a feature's distribution as drifted: comparison_threshold of the
 * baseline's constraints (monitoring_config.distribution_constraints), which the baseline step leaves at the
 * analyzer's suggestion, 0.1. An alarm above it fires exactly when the run's report has a baseline_drift_check
 * violation for that feature.
 */
export const DRIFT_THRESHOLD = 0.1;

/**
 * Environment of the monitoring jobs: the analyzer publishes its per-feature metrics (feature_baseline_drift_<name>
 * among them, namespace aws/sagemaker/Endpoints/data-metrics, dimensions Endpoint and MonitoringSchedule) only with
 * publish_cloudwatch_metrics Enabled, what the SDK's DefaultModelMonitor sets for schedules.
 */
export const MONITORING_JOB_ENVIRONMENT = { publish_cloudwatch_metrics: "Enabled" } as const;

/** The inference and analyzer images: where to pull them from (for the roles) and their URIs. */
export interface ServingImage extends ImageRepository {
    readonly registryPath: string;
}

export interface DeploymentArgs {
    scope: Scope;
    /** ARN of the data key, for the roles' policies and the uploaded preprocessor. */
    keyArn: pulumi.Input<string>;
    /**
     * Alias ARN of the data key (known before the key exists): volumes, capture and reports are encrypted with it,
     * so the configuration's name and the policy pack's view are complete at preview.
     */
    keyAliasArn: string;
    /** What to serve and how; the version is one of the model package group `scope.names.modelPackageGroup`. */
    settings: DeploymentSettings;
    /** The region's PyTorch inference image that registered versions name (the model role pulls it). */
    inferenceImage: ImageRepository;
    /** SageMaker's sagemaker-model-monitor-analyzer image of the region; required with monitoring. */
    analyzerImage?: ServingImage;
    /** pipeline-scripts/monitoring/record_preprocessor.py. */
    recordPreprocessorPath: string;
    /** Bucket protections (encryption, policy) that must be in place before anything writes to the bucket. */
    dependsOn: pulumi.Input<pulumi.Resource>[];
}

/** Physical names of one deployment, from its content (exported for testing; the CLI and IAM derive the same stems). */
export function servingNames(scope: Scope, settings: DeploymentSettings, keyAliasArn: string, baseline?: { statisticsUri: string; constraintsUri: string; preprocessorUri: string; imageUri: string }) {
    const { names } = scope;
    const version = settings.modelVersion;
    const modelPackageArn = modelPackageVersionArn(scope.region, scope.accountId, names.modelPackageGroup, version);
    const model = contentName(names.endpoint, { modelPackageArn, role: names.endpointRole }, version);
    const endpointConfig = contentName(
        names.endpoint,
        { model, instanceType: settings.instanceType, initialInstanceCount: settings.minInstances, capture: settings.dataCapturePercent, key: keyAliasArn, bucket: scope.bucket },
        version,
    );
    const jobDefinition = baseline && contentName(names.monitoringSchedule, { ...baseline, job: MONITORING_JOB, environment: MONITORING_JOB_ENVIRONMENT, endpoint: names.endpoint, key: keyAliasArn, role: names.monitoringRole });
    return { modelPackageArn, model, endpointConfig, jobDefinition };
}

/** The statistics.json and constraints.json of a baseline prefix (deployBaselineUri ends in "/"). */
export function baselineFiles(baselineUri: string): { statisticsUri: string; constraintsUri: string } {
    return { statisticsUri: `${baselineUri}${MONITORING_BASELINE.statisticsFile}`, constraintsUri: `${baselineUri}${MONITORING_BASELINE.constraintsFile}` };
}

/**
 * Serving of one approved version of the stack's model package group (opt-in: the endpoint bills every hour it
 * exists). With `modelVersion` 0 only what costs nothing at rest exists: the roles, so IAM is ready before the
 * first version is deployed. Otherwise: the model (the version's ARN, the endpoint role), an endpoint
 * configuration on the configured inference type with data capture under monitoring/data-capture/, the endpoint,
 * Application Auto Scaling between the min and max instance counts on invocations per instance and, with
 * monitoring, a data-quality job definition against the version's baseline and its hourly or daily schedule.
 */
export class Deployment extends pulumi.ComponentResource {
    public readonly endpointName: string;
    public readonly roleArn: pulumi.Output<string>;
    public readonly monitoringRoleArn?: pulumi.Output<string>;
    /** What is served; absent while modelVersion is 0. */
    public readonly serving?: {
        readonly modelVersion: number;
        readonly modelPackageArn: string;
        readonly endpointArn: pulumi.Output<string>;
        readonly endpointConfigName: string;
        readonly instanceType: string;
        readonly minInstances: number;
        readonly maxInstances: number;
        readonly dataCaptureUri: string;
    };
    /** The Model Monitor schedule; absent without monitoring or a deployed version. */
    public readonly monitoring?: {
        readonly scheduleName: string;
        readonly scheduleArn: pulumi.Output<string>;
        readonly reportsUri: string;
        readonly baselineUri: string;
        /** What the drift alarms watch: one metric per feature and run, drifted above the threshold. */
        readonly drift: { readonly features: readonly string[]; readonly threshold: number; readonly periodSeconds: number };
    };

    constructor(name: string, args: DeploymentArgs, opts?: pulumi.ComponentResourceOptions) {
        super("sagemaker-yolo:deployment:Deployment", name, {}, opts);
        const { scope, settings } = args;
        const { names } = scope;
        const monitored = settings.monitoring;
        if (monitored && !args.analyzerImage) {
            throw new Error("Deployment: monitoring is on but no analyzerImage was given; pass the region's sagemaker-model-monitor-analyzer image.");
        }
        const keyArn = pulumi.output(args.keyArn);

        const serviceRole = (key: string, roleName: string, service: string, description: string, policy: (keyArn: string) => object) => {
            const role = new aws.iam.Role(
                `${name}-${key}`,
                {
                    name: roleName,
                    description,
                    assumeRolePolicy: JSON.stringify(sagemakerTrustPolicy(scope.accountId)),
                    maxSessionDuration: 3600,
                    tags: { [SERVICE_TAG_KEY]: service },
                },
                { parent: this },
            );
            const access = new aws.iam.RolePolicy(
                `${name}-${key}-access`,
                { role: role.name, name: `${key}-access`, policy: keyArn.apply((arn) => JSON.stringify(policy(arn))) },
                { parent: this },
            );
            return { role, access };
        };
        const endpointRole = serviceRole(
            "endpoint-role",
            names.endpointRole,
            ENDPOINT_SERVICE,
            "Role of the real-time endpoint's model: its serving archive, the data capture under monitoring/data-capture/, its logs and image",
            (arn) => endpointRolePolicy(scope, arn, args.inferenceImage),
        );
        const monitorRole = monitored
            ? serviceRole(
                  "monitor-role",
                  names.monitoringRole,
                  MODEL_MONITOR_SERVICE,
                  "Role of Model Monitor jobs: read the endpoint's capture and the version's baseline, write reports under monitoring/reports/",
                  (arn) => modelMonitorRolePolicy(scope, arn, args.analyzerImage!),
              )
            : undefined;
        this.endpointName = names.endpoint;
        this.roleArn = endpointRole.role.arn;
        this.monitoringRoleArn = monitorRole?.role.arn;

        if (settings.modelVersion === 0) {
            this.registerOutputs({ endpointName: this.endpointName, roleArn: this.roleArn });
            return;
        }

        const preprocessor = monitored ? fs.readFileSync(args.recordPreprocessorPath) : undefined;
        const preprocessorKey = preprocessor && recordPreprocessorKey(crypto.createHash("sha256").update(preprocessor).digest("hex"));
        const baseline = monitored && preprocessorKey
            ? { ...baselineFiles(settings.baselineUri), preprocessorUri: s3Uri(scope.bucket, preprocessorKey), imageUri: args.analyzerImage!.registryPath }
            : undefined;
        const serving = servingNames(scope, settings, args.keyAliasArn, baseline);
        const dataCaptureUri = s3Uri(scope.bucket, MONITORING.dataCapture);

        const model = new aws.sagemaker.Model(
            `${name}-model`,
            {
                name: serving.model,
                // The role by name (known at preview); the policy must be in place before SageMaker assumes it.
                executionRoleArn: roleArn(scope.accountId, names.endpointRole),
                // A registered version: SageMaker takes the image, the serving archive and the environment from it.
                // No network isolation: the inference toolkit pip-installs the archive's requirements.txt at start.
                primaryContainer: { modelPackageName: serving.modelPackageArn },
            },
            { parent: this, dependsOn: [endpointRole.role, endpointRole.access] },
        );
        // SageMaker rejects a volume key for types with NVMe instance storage (encrypted in hardware).
        const ebsVolumes = INSTANCE_TYPES[settings.instanceType]?.nvmeInstanceStorage === false;
        const config = new aws.sagemaker.EndpointConfiguration(
            `${name}-config`,
            {
                name: serving.endpointConfig,
                productionVariants: [
                    {
                        variantName: VARIANT_NAME,
                        modelName: model.name,
                        instanceType: settings.instanceType,
                        initialInstanceCount: settings.minInstances,
                        initialVariantWeight: 1,
                    },
                ],
                ...(ebsVolumes ? { kmsKeyArn: args.keyAliasArn } : {}),
                dataCaptureConfig: {
                    enableCapture: true,
                    initialSamplingPercentage: settings.dataCapturePercent,
                    destinationS3Uri: dataCaptureUri,
                    kmsKeyId: args.keyAliasArn,
                    captureOptions: [{ captureMode: "Input" }, { captureMode: "Output" }],
                    // The response as JSON text (the record preprocessor reads either); images stay base64.
                    captureContentTypeHeader: { jsonContentTypes: ["application/json"] },
                },
            },
            { parent: this, dependsOn: args.dependsOn },
        );
        // A new configuration name updates the endpoint in place: SageMaker starts the new fleet, shifts the traffic
        // and then stops the old instances (blue/green, no availability loss); Pulumi then deletes the old configuration.
        const endpoint = new aws.sagemaker.Endpoint(`${name}-endpoint`, { name: names.endpoint, endpointConfigName: config.name }, { parent: this });

        const target = new aws.appautoscaling.Target(
            `${name}-scaling-target`,
            {
                serviceNamespace: "sagemaker",
                scalableDimension: "sagemaker:variant:DesiredInstanceCount",
                resourceId: pulumi.interpolate`endpoint/${endpoint.name}/variant/${VARIANT_NAME}`,
                minCapacity: settings.minInstances,
                maxCapacity: settings.maxInstances,
            },
            { parent: this },
        );
        new aws.appautoscaling.Policy(
            `${name}-scaling-policy`,
            {
                name: `${names.endpoint}-invocations-per-instance`,
                policyType: "TargetTrackingScaling",
                serviceNamespace: target.serviceNamespace,
                scalableDimension: target.scalableDimension,
                resourceId: target.resourceId,
                targetTrackingScalingPolicyConfiguration: {
                    predefinedMetricSpecification: { predefinedMetricType: "SageMakerVariantInvocationsPerInstance" },
                    targetValue: settings.targetInvocationsPerInstance,
                    // Out fast (a new instance needs minutes to load the model), in slowly (no flapping).
                    scaleOutCooldown: 60,
                    scaleInCooldown: 300,
                },
            },
            { parent: this },
        );

        this.serving = {
            modelVersion: settings.modelVersion,
            modelPackageArn: serving.modelPackageArn,
            endpointArn: endpoint.arn,
            endpointConfigName: serving.endpointConfig,
            instanceType: settings.instanceType,
            minInstances: settings.minInstances,
            maxInstances: settings.maxInstances,
            dataCaptureUri,
        };

        if (monitored && monitorRole && baseline && preprocessor && preprocessorKey && serving.jobDefinition) {
            const reportsUri = s3Uri(scope.bucket, MONITORING.reports);
            const preprocessorObject = new aws.s3.BucketObjectv2(
                `${name}-record-preprocessor`,
                {
                    bucket: scope.bucket,
                    key: preprocessorKey,
                    content: preprocessor.toString("utf8"),
                    contentType: "text/x-python",
                    serverSideEncryption: "aws:kms",
                    kmsKeyId: args.keyArn,
                    bucketKeyEnabled: true,
                },
                { parent: this, dependsOn: args.dependsOn },
            );
            const ebsMonitorVolume = INSTANCE_TYPES[MONITORING_JOB.instanceType]?.nvmeInstanceStorage === false;
            const jobDefinition = new aws.sagemaker.DataQualityJobDefinition(
                `${name}-data-quality`,
                {
                    name: serving.jobDefinition,
                    roleArn: roleArn(scope.accountId, names.monitoringRole),
                    dataQualityAppSpecification: {
                        imageUri: baseline.imageUri,
                        recordPreprocessorSourceUri: baseline.preprocessorUri,
                        environment: { ...MONITORING_JOB_ENVIRONMENT },
                    },
                    dataQualityBaselineConfig: {
                        statisticsResource: { s3Uri: baseline.statisticsUri },
                        constraintsResource: { s3Uri: baseline.constraintsUri },
                    },
                    // The endpoint by output: it must exist (with data capture) before the definition names it.
                    dataQualityJobInput: { endpointInput: { endpointName: endpoint.name, localPath: "/opt/ml/processing/input/endpoint", s3InputMode: "File" } },
                    dataQualityJobOutputConfig: {
                        kmsKeyId: args.keyAliasArn,
                        monitoringOutputs: { s3Output: { s3Uri: reportsUri, localPath: "/opt/ml/processing/output", s3UploadMode: "EndOfJob" } },
                    },
                    jobResources: {
                        clusterConfig: {
                            instanceType: MONITORING_JOB.instanceType,
                            instanceCount: MONITORING_JOB.instanceCount,
                            volumeSizeInGb: MONITORING_JOB.volumeSizeGb,
                            ...(ebsMonitorVolume ? { volumeKmsKeyId: args.keyAliasArn } : {}),
                        },
                    },
                    stoppingCondition: { maxRuntimeInSeconds: MONITORING_JOB.maxRuntimeSeconds },
                },
                { parent: this, dependsOn: [monitorRole.role, monitorRole.access, preprocessorObject] },
            );
            const schedule = new aws.sagemaker.MonitoringSchedule(
                `${name}-monitoring-schedule`,
                {
                    name: names.monitoringSchedule,
                    monitoringScheduleConfig: {
                        monitoringType: "DataQuality",
                        monitoringJobDefinitionName: jobDefinition.name,
                        scheduleConfig: { scheduleExpression: MONITORING_SCHEDULES[settings.monitoringFrequency] },
                    },
                },
                { parent: this },
            );
            this.monitoring = {
                scheduleName: names.monitoringSchedule,
                scheduleArn: schedule.arn,
                reportsUri,
                baselineUri: settings.baselineUri,
                drift: { features: DRIFT_ALARM_FEATURES, threshold: DRIFT_THRESHOLD, periodSeconds: MONITORING_PERIOD_SECONDS[settings.monitoringFrequency] },
            };
        }

        this.registerOutputs({
            endpointName: this.endpointName,
            roleArn: this.roleArn,
            endpointArn: endpoint.arn,
            ...(this.monitoring ? { monitoringScheduleArn: this.monitoring.scheduleArn } : {}),
        });
    }
}

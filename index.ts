// The platform: one stack with the encrypted data bucket, the personas' IAM roles, the Studio domain with
// a profile per user, and the YOLO11 training pipeline. Everything reads the validated stack config.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as path from "path";
import { AccessLogs } from "./components/accessLogs";
import { Alerts } from "./components/alerts";
import { loadConfig } from "./components/config";
import { CostBudget } from "./components/costBudget";
import { DataBucket } from "./components/dataBucket";
import { DatasetTrigger } from "./components/datasetTrigger";
import { Deployment } from "./components/deployment";
import { ExperimentTracking } from "./components/experimentTracking";
import { ALERT_PUBLISHERS, stackFeatures } from "./components/iamDocuments";
import { Labeling } from "./components/labeling";
import { Replication } from "./components/replication";
import { ModelRegistry } from "./components/modelRegistry";
import { keyAliasArn, resourceNames, roleArn, trackingServerArn } from "./components/naming";
import { resolveStudioNetwork } from "./components/network";
import { datasetUri, PREFIXES, s3Uri } from "./components/s3Layout";
import { Studio } from "./components/studio";
import { lifecycleConfigName, lifecycleContentFromFile } from "./components/studioLifecycle";
import { costAllocationTags } from "./components/tagging";
import { TeamRoles } from "./components/teamRoles";
import { TrainingPipeline } from "./components/trainingPipeline";

const TRAINING_IMAGE_REPOSITORY = "pytorch-training";
const INFERENCE_IMAGE_REPOSITORY = "pytorch-inference";
// AWS publishes the Model Monitor analyzer under one tag (the SageMaker Python SDK's image URI for it has none).
const MONITOR_ANALYZER_REPOSITORY = "sagemaker-model-monitor-analyzer";
const MONITOR_ANALYZER_TAG = "latest";

export = async () => {
    const config = loadConfig();
    pulumi.runtime.registerResourceTransform(costAllocationTags(config.tags));

    // An explicit provider: the validated profile and region, and (with pulumi:disable-default-providers)
    // no resource can slip through a default provider configured otherwise.
    const provider = new aws.Provider("aws", { profile: config.aws.profile, region: config.aws.region });
    const invoke: pulumi.InvokeOptions = { provider };
    const components: pulumi.ComponentResourceOptions = { providers: { aws: provider } };

    const { accountId } = await aws.getCallerIdentity({}, invoke);
    const image = await aws.sagemaker.getPrebuiltEcrImage(
        { repositoryName: TRAINING_IMAGE_REPOSITORY, imageTag: config.pipeline.trainingImageTag },
        invoke,
    );
    const cpuImage = await aws.sagemaker.getPrebuiltEcrImage({ repositoryName: TRAINING_IMAGE_REPOSITORY, imageTag: config.pipeline.cpuImageTag }, invoke);
    const inferenceImage = config.governance.modelRegistry
        ? await aws.sagemaker.getPrebuiltEcrImage(
              { repositoryName: INFERENCE_IMAGE_REPOSITORY, imageTag: config.governance.inferenceImageTag },
              invoke,
          )
        : undefined;
    const { deployment: serving } = config;
    // The registry's versions carry a Model Monitor baseline, which the pipeline computes on the analyzer image; the
    // endpoint's monitoring schedule runs the same image (deployment needs the registry).
    const analyzerImage = config.governance.modelRegistry
        ? await aws.sagemaker.getPrebuiltEcrImage({ repositoryName: MONITOR_ANALYZER_REPOSITORY, imageTag: MONITOR_ANALYZER_TAG }, invoke)
        : undefined;
    const network = await resolveStudioNetwork(config.network, invoke);
    const names = resourceNames(config.namePrefix, config.stack);
    const { governance } = config;
    const features = stackFeatures(config);
    const scope = { accountId, region: config.aws.region, bucket: config.bucket.name, names, features };

    const data = new DataBucket(
        "data",
        {
            bucketName: config.bucket.name,
            mode: config.bucket.mode,
            allowDataDestroy: config.bucket.allowDataDestroy,
            checkpointRetentionDays: config.bucket.checkpointRetentionDays,
            preparedDatasetRetentionDays: config.bucket.preparedDatasetRetentionDays,
            noncurrentVersionRetentionDays: config.bucket.noncurrentVersionRetentionDays,
            incompleteUploadDays: config.bucket.incompleteUploadDays,
            eventBridge: config.bucket.events,
            ...(serving.enabled ? { monitoringRetentionDays: serving.monitoringRetentionDays } : {}),
            kmsDeletionWindowDays: config.kmsDeletionWindowDays,
            keyAlias: names.keyAlias,
            accountId,
            // The alert topic is encrypted with this key, so the services that publish to it must use it.
            notificationServices: governance.alerts ? ALERT_PUBLISHERS : [],
        },
        components,
    );

    const accessLogs = config.accessLogs.enabled
        ? new AccessLogs(
              "access-logs",
              {
                  sourceBucketName: config.bucket.name,
                  logBucketName: config.accessLogs.bucketName,
                  accountId,
                  retentionDays: config.accessLogs.retentionDays,
                  noncurrentVersionRetentionDays: config.bucket.noncurrentVersionRetentionDays,
                  incompleteUploadDays: config.bucket.incompleteUploadDays,
                  allowDataDestroy: config.bucket.allowDataDestroy,
                  dependsOn: data.protections,
              },
              components,
          )
        : undefined;

    // The replica's region gets a provider of its own, with the same checked profile.
    const replicaProvider = config.replication.enabled
        ? new aws.Provider("aws-replica", { profile: config.aws.profile, region: config.replication.region })
        : undefined;
    const replication = replicaProvider
        ? new Replication(
              "replication",
              {
                  sourceBucketName: config.bucket.name,
                  sourceRegion: config.aws.region,
                  sourceKeyArn: data.keyArn,
                  replicaBucketName: config.replication.bucketName,
                  replicaRegion: config.replication.region,
                  replicaProvider,
                  replicaKeyAlias: names.replicaKeyAlias,
                  roleName: names.replicationRole,
                  accountId,
                  allowDataDestroy: config.bucket.allowDataDestroy,
                  checkpointRetentionDays: config.bucket.checkpointRetentionDays,
                  preparedDatasetRetentionDays: config.bucket.preparedDatasetRetentionDays,
                  noncurrentVersionRetentionDays: config.bucket.noncurrentVersionRetentionDays,
                  incompleteUploadDays: config.bucket.incompleteUploadDays,
                  kmsDeletionWindowDays: config.kmsDeletionWindowDays,
                  dependsOn: data.protections,
              },
              components,
          )
        : undefined;
    // S3 delivers access logs only within a region, so the replica logs to a log bucket of its own region.
    const replicaAccessLogs =
        replication && replicaProvider && config.accessLogs.enabled
            ? new AccessLogs(
                  "replica-access-logs",
                  {
                      sourceBucketName: config.replication.bucketName,
                      logBucketName: config.replication.accessLogBucketName,
                      accountId,
                      retentionDays: config.accessLogs.retentionDays,
                      noncurrentVersionRetentionDays: config.bucket.noncurrentVersionRetentionDays,
                      incompleteUploadDays: config.bucket.incompleteUploadDays,
                      allowDataDestroy: config.bucket.allowDataDestroy,
                      dependsOn: replication.replicaProtections,
                  },
                  { providers: { aws: replicaProvider } },
              )
            : undefined;

    const team = new TeamRoles(
        "team",
        {
            scope,
            keyArn: data.keyArn,
            jobImages: [
                { registryId: image.registryId, repositoryName: TRAINING_IMAGE_REPOSITORY },
                ...(analyzerImage ? [{ registryId: analyzerImage.registryId, repositoryName: MONITOR_ANALYZER_REPOSITORY }] : []),
            ],
        },
        components,
    );

    const registry = governance.modelRegistry
        ? new ModelRegistry("registry", { groupName: names.modelPackageGroup, retainOnDelete: !config.bucket.allowDataDestroy }, components)
        : undefined;

    const tracking = governance.experimentTracking.enabled
        ? new ExperimentTracking(
              "tracking",
              {
                  scope,
                  keyArn: data.keyArn,
                  size: governance.experimentTracking.size,
                  mlflowVersion: governance.experimentTracking.mlflowVersion,
                  dependsOn: data.protections,
              },
              components,
          )
        : undefined;

    const training = new TrainingPipeline(
        "training",
        {
            pipelineName: names.pipeline,
            bucketName: config.bucket.name,
            // Names, not resource outputs: the definition must be complete at preview, before these exist.
            roleArn: roleArn(accountId, names.roles.pipeline),
            kmsKeyId: keyAliasArn(config.aws.region, accountId, names.keyAlias),
            kmsKeyArn: data.keyArn,
            imageUri: image.registryPath,
            cpuImageUri: cpuImage.registryPath,
            region: config.aws.region,
            scriptsDir: path.join(__dirname, "pipeline-scripts"),
            settings: config.pipeline,
            registry: inferenceImage &&
                analyzerImage && {
                    modelPackageGroupName: names.modelPackageGroup,
                    inferenceImageUri: inferenceImage.registryPath,
                    monitorAnalyzerImageUri: analyzerImage.registryPath,
                },
            tracking: tracking && {
                trackingServerArn: trackingServerArn(config.aws.region, accountId, names.trackingServer),
                experimentName: names.pipeline,
            },
            dependsOn: [
                team.roles.pipeline,
                team.accessPolicies.pipeline,
                ...data.protections,
                ...(registry ? [registry] : []),
                ...(tracking ? [tracking] : []),
            ],
        },
        components,
    );

    const labeling = config.labeling.enabled
        ? new Labeling(
              "labeling",
              { scope, keyArn: data.keyArn, classes: config.labeling.classes, workteamArn: config.labeling.workteamArn, dependsOn: data.protections },
              components,
          )
        : undefined;

    // Config validation guarantees the registry (and so the inference image) whenever deployment is on.
    const deployment =
        serving.enabled && inferenceImage
            ? new Deployment(
                  "deployment",
                  {
                      scope,
                      keyArn: data.keyArn,
                      keyAliasArn: keyAliasArn(config.aws.region, accountId, names.keyAlias),
                      settings: serving,
                      inferenceImage: { registryId: inferenceImage.registryId, repositoryName: INFERENCE_IMAGE_REPOSITORY },
                      analyzerImage: analyzerImage && { registryId: analyzerImage.registryId, repositoryName: MONITOR_ANALYZER_REPOSITORY, registryPath: analyzerImage.registryPath },
                      recordPreprocessorPath: path.join(__dirname, "pipeline-scripts", "monitoring", "record_preprocessor.py"),
                      dependsOn: [...data.protections, ...(registry ? [registry] : [])],
                  },
                  components,
              )
            : undefined;

    const lifecycleScript = path.join(__dirname, "studio", "jupyterlab-on-start.sh");
    const lifecycleContent = config.studio.lifecycleConfig ? lifecycleContentFromFile(lifecycleScript, training.codeBundleUri) : undefined;
    const studio = new Studio(
        "studio",
        {
            scope,
            vpcId: network.vpcId,
            subnetIds: network.subnetIds,
            keyArn: data.keyArn,
            executionRoles: { "data-scientist": team.roles["data-scientist"], "ml-engineer": team.roles["ml-engineer"] },
            users: config.users,
            defaultInstanceType: config.studio.instanceType,
            networkAccess: config.studio.networkAccess,
            securityGroupIds: config.studio.securityGroupIds,
            retainHomeFileSystem: !config.bucket.allowDataDestroy,
            idleShutdown: { defaultMinutes: config.studio.idleTimeoutMinutes, maxMinutes: config.studio.maxIdleTimeoutMinutes },
            sourceIdentity: config.studio.sourceIdentity,
            lifecycleConfig:
                lifecycleContent === undefined
                    ? undefined
                    : { name: lifecycleConfigName(names.studioLifecycleConfig, lifecycleContent), content: lifecycleContent },
        },
        components,
    );

    const alerts = governance.alerts
        ? new Alerts(
              "alerts",
              {
                  topicName: names.alertTopic,
                  accountId,
                  region: config.aws.region,
                  keyArn: data.keyArn,
                  emails: governance.alertEmails,
                  pipelineArn: training.pipelineArn,
                  pipelineName: names.pipeline,
                  modelPackageGroupName: registry && names.modelPackageGroup,
                  namePrefix: names.base,
                  monitoring: deployment?.monitoring && {
                      scheduleArn: deployment.monitoring.scheduleArn,
                      scheduleName: deployment.monitoring.scheduleName,
                      endpointName: deployment.endpointName,
                      reportsUri: deployment.monitoring.reportsUri,
                      drift: deployment.monitoring.drift,
                  },
              },
              components,
          )
        : undefined;

    const trigger = config.pipelineTrigger
        ? new DatasetTrigger("trigger", { scope, dependsOn: [training], alertTopicArn: alerts?.topicArn }, components)
        : undefined;

    const budget = config.budget.enabled
        ? new CostBudget(
              "budget",
              {
                  budgetName: names.budget,
                  monthlyUsd: config.budget.monthlyUsd,
                  // The tags that tell this stack's resources from other stacks of the project.
                  tags: { project: config.tags.project, environment: config.tags.environment },
                  actualThresholds: config.budget.actualThresholds,
                  forecastThresholds: config.budget.forecastThresholds,
                  topicArn: alerts?.topicArn,
                  emails: governance.alertEmails,
              },
              components,
          )
        : undefined;

    return {
        // The stack's own name, so that whatever reads only the outputs (the notebooks) can name it in commands.
        stack: config.stack,
        region: config.aws.region,
        bucketName: data.bucketName,
        bucketPrefixes: Object.fromEntries(Object.entries(PREFIXES).map(([name, prefix]) => [name, s3Uri(config.bucket.name, prefix)])),
        kmsKeyArn: data.keyArn,
        kmsKeyAlias: data.keyAlias,
        roleArns: team.roleArns,
        studioDomainId: studio.domainId,
        studioUrl: studio.url,
        userProfiles: Object.fromEntries(config.users.map((user) => [user.name, user.role])),
        pipelineName: training.pipelineName,
        pipelineArn: training.pipelineArn,
        codeBundleUri: training.codeBundleUri,
        trainingImageUri: image.registryPath,
        defaultInputData: datasetUri(config.bucket.name, config.pipeline.datasetName),
        // Parts switched off in config have no output (rather than an undefined one).
        ...(registry ? { modelPackageGroupName: registry.groupName } : {}),
        ...(alerts ? { alertTopicArn: alerts.topicArn } : {}),
        ...(tracking ? { mlflowTrackingServerArn: tracking.trackingServerArn, mlflowTrackingServerUrl: tracking.trackingServerUrl } : {}),
        ...(studio.lifecycleConfigArn ? { studioLifecycleConfigArn: studio.lifecycleConfigArn } : {}),
        ...(budget ? { budgetName: budget.budgetName } : {}),
        ...(trigger ? { datasetTrigger: { ruleName: trigger.ruleName, roleArn: trigger.roleArn } } : {}),
        ...(deployment
            ? {
                  deployment: {
                      endpointName: deployment.endpointName,
                      roleArn: deployment.roleArn,
                      ...(deployment.monitoringRoleArn ? { monitoringRoleArn: deployment.monitoringRoleArn } : {}),
                      // 0 while nothing is served: the endpoint does not exist then.
                      modelVersion: serving.modelVersion,
                      ...(deployment.serving
                          ? {
                                endpointArn: deployment.serving.endpointArn,
                                endpointConfigName: deployment.serving.endpointConfigName,
                                modelPackageArn: deployment.serving.modelPackageArn,
                                instanceType: deployment.serving.instanceType,
                                minInstances: deployment.serving.minInstances,
                                maxInstances: deployment.serving.maxInstances,
                                dataCaptureUri: deployment.serving.dataCaptureUri,
                            }
                          : {}),
                      ...(deployment.monitoring
                          ? {
                                monitoringScheduleName: deployment.monitoring.scheduleName,
                                monitoringScheduleArn: deployment.monitoring.scheduleArn,
                                monitoringReportsUri: deployment.monitoring.reportsUri,
                                baselineUri: deployment.monitoring.baselineUri,
                            }
                          : {}),
                  },
              }
            : {}),
        ...(accessLogs ? { accessLogsUri: accessLogs.logPrefixUri } : {}),
        ...(replication
            ? {
                  replication: {
                      region: replication.region,
                      bucketName: replication.replicaBucketName,
                      kmsKeyArn: replication.replicaKeyArn,
                      roleArn: replication.roleArn,
                      ...(replicaAccessLogs ? { accessLogsUri: replicaAccessLogs.logPrefixUri } : {}),
                  },
              }
            : {}),
        ...(labeling
            ? {
                  labeling: {
                      roleArn: labeling.roleArn,
                      labelCategoryConfigUri: labeling.labelCategoryConfigUri,
                      outputUri: labeling.outputUri,
                      outputKmsKeyArn: labeling.outputKmsKeyArn,
                      workteamArn: labeling.workteamArn,
                      humanTaskUiArn: labeling.task.humanTaskUiArn,
                  },
              }
            : {}),
    };
};

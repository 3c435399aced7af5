// The platform: one stack with the encrypted data bucket, the personas' IAM roles, the Studio domain with
// a profile per user, and the YOLO11 training pipeline. Everything reads the validated stack config.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as path from "path";
import { DataBucket } from "./components/dataBucket";
import { loadConfig } from "./components/config";
import { keyAliasArn, resourceNames, roleArn } from "./components/naming";
import { resolveStudioNetwork } from "./components/network";
import { datasetUri, PREFIXES, s3Uri } from "./components/s3Layout";
import { Studio } from "./components/studio";
import { costAllocationTags } from "./components/tagging";
import { TeamRoles } from "./components/teamRoles";
import { TrainingPipeline } from "./components/trainingPipeline";

const TRAINING_IMAGE_REPOSITORY = "pytorch-training";

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
    const network = await resolveStudioNetwork(config.network, invoke);
    const names = resourceNames(config.namePrefix, config.stack);
    const scope = { accountId, region: config.aws.region, bucket: config.bucket.name, names };

    const data = new DataBucket(
        "data",
        {
            bucketName: config.bucket.name,
            mode: config.bucket.mode,
            allowDataDestroy: config.bucket.allowDataDestroy,
            checkpointRetentionDays: config.bucket.checkpointRetentionDays,
            noncurrentVersionRetentionDays: config.bucket.noncurrentVersionRetentionDays,
            incompleteUploadDays: config.bucket.incompleteUploadDays,
            kmsDeletionWindowDays: config.kmsDeletionWindowDays,
            keyAlias: names.keyAlias,
            accountId,
        },
        components,
    );

    const team = new TeamRoles(
        "team",
        { scope, keyArn: data.keyArn, trainingImage: { registryId: image.registryId, repositoryName: TRAINING_IMAGE_REPOSITORY } },
        components,
    );

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
        },
        components,
    );

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
            region: config.aws.region,
            scriptsDir: path.join(__dirname, "pipeline-scripts"),
            settings: config.pipeline,
            dependsOn: [team.roles.pipeline, team.accessPolicies.pipeline, ...data.protections],
        },
        components,
    );

    return {
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
    };
};

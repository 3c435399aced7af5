// Pulumi mocks that answer like AWS would: realistic ids and ARNs for the resources and invokes the
// program uses. In preview mode every provider-computed attribute stays unknown, as in `pulumi preview`
// of a new stack. Like the engine, the mocks apply registered stack transforms before "creating" a resource.
import * as pulumi from "@pulumi/pulumi";
import * as crypto from "crypto";
import { providerNameOfReference } from "../policies/offline";

export const MOCK_ACCOUNT_ID = "123456789012";
export const TRAINING_IMAGE_REGISTRY = "763104351884";
/** SageMaker's built-in images (Model Monitor's analyzer) live in a registry of their own per region. */
export const MODEL_MONITOR_REGISTRY = "156813124566";

/**
 * The account that owns a prebuilt SageMaker image repository in a region, as the provider's getPrebuiltEcrImage answers
 * (its prebuiltECRImageIDByRegion tables, from the SageMaker Python SDK's image_uri_config): the Deep Learning Containers
 * live in one account in most regions, each Model Monitor analyzer in an account of its region. Only the repositories
 * the program uses, in a few regions; anything else fails like the provider does.
 */
const PREBUILT_IMAGE_REGISTRIES: Readonly<Record<string, Readonly<Record<string, string>>>> = {
    "pytorch-training": { "us-east-1": TRAINING_IMAGE_REGISTRY, "us-east-2": TRAINING_IMAGE_REGISTRY, "us-west-2": TRAINING_IMAGE_REGISTRY, "eu-west-1": TRAINING_IMAGE_REGISTRY, "eu-central-1": TRAINING_IMAGE_REGISTRY },
    "pytorch-inference": { "us-east-1": TRAINING_IMAGE_REGISTRY, "us-east-2": TRAINING_IMAGE_REGISTRY, "us-west-2": TRAINING_IMAGE_REGISTRY, "eu-west-1": TRAINING_IMAGE_REGISTRY, "eu-central-1": TRAINING_IMAGE_REGISTRY },
    "sagemaker-model-monitor-analyzer": { "us-east-1": "156813124566", "us-east-2": "777275614652", "us-west-2": "159807026194", "eu-west-1": "468650794304", "eu-central-1": "048819808253" },
};

export interface CapturedResource {
    readonly type: string;
    readonly name: string;
    /** Inputs after transforms, as the provider would receive them. */
    readonly inputs: Record<string, any>;
    /** The provider reference (`urn::id`) the resource was registered with. */
    readonly provider?: string;
    readonly custom: boolean;
}

export interface CapturedInvoke {
    readonly token: string;
    readonly inputs: Record<string, any>;
    readonly provider?: string;
}

function hex(seed: string, length: number): string {
    return crypto.createHash("sha256").update(seed).digest("hex").slice(0, length);
}

function uuid(seed: string): string {
    const h = hex(seed, 32);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export class PlatformMocks implements pulumi.runtime.Mocks {
    readonly resources: CapturedResource[] = [];
    readonly invokes: CapturedInvoke[] = [];
    private readonly transforms: pulumi.ResourceTransform[] = [];
    /** Region of each explicit AWS provider by name: a resource's ARNs name its provider's region, as AWS would. */
    private readonly providerRegions = new Map<string, string>();

    constructor(
        private readonly region: string,
        private readonly preview: boolean,
    ) {}

    /** The region of the provider a resource or invoke goes through (`<provider URN>::<id>`), else the stack's. */
    private regionOf(providerReference: string | undefined): string {
        const provider = providerNameOfReference(providerReference);
        return (provider === undefined ? undefined : this.providerRegions.get(provider)) ?? this.region;
    }

    registerTransform(transform: pulumi.ResourceTransform): void {
        this.transforms.push(transform);
    }

    async newResource(args: pulumi.runtime.MockResourceArgs): Promise<{ id: string | undefined; state: Record<string, any> }> {
        let inputs = args.inputs;
        for (const transform of this.transforms) {
            const result = await transform({ custom: args.custom ?? true, type: args.type, name: args.name, props: inputs, opts: {} });
            inputs = (result?.props as Record<string, any> | undefined) ?? inputs;
        }
        this.resources.push({ type: args.type, name: args.name, inputs, provider: args.provider, custom: args.custom ?? true });
        if (args.type === "pulumi:providers:aws" && typeof inputs.region === "string") {
            this.providerRegions.set(args.name, inputs.region);
        }
        if (this.preview) {
            return { id: undefined, state: { ...inputs } };
        }
        const computed = this.computed(args.type, args.name, inputs, this.regionOf(args.provider));
        return { id: computed.id, state: { ...inputs, ...computed } };
    }

    async call(args: pulumi.runtime.MockCallArgs): Promise<Record<string, any>> {
        this.invokes.push({ token: args.token, inputs: args.inputs, provider: args.provider });
        const region = this.regionOf(args.provider);
        switch (args.token) {
            case "aws:index/getCallerIdentity:getCallerIdentity":
                return {
                    accountId: MOCK_ACCOUNT_ID,
                    arn: `arn:aws:iam::${MOCK_ACCOUNT_ID}:user/platform-deployer`,
                    userId: "AIDAEXAMPLEDEPLOYER",
                    id: MOCK_ACCOUNT_ID,
                };
            case "aws:sagemaker/getPrebuiltEcrImage:getPrebuiltEcrImage": {
                const { repositoryName, imageTag } = args.inputs;
                const registryId = PREBUILT_IMAGE_REGISTRIES[repositoryName]?.[region];
                if (registryId === undefined) {
                    throw new Error(`no registry ID available for region (${region}) and repository (${repositoryName}); teach tools/mocks.ts what AWS answers.`);
                }
                return {
                    id: registryId,
                    registryId,
                    registryPath: `${registryId}.dkr.ecr.${region}.amazonaws.com/${repositoryName}:${imageTag}`,
                    repositoryName,
                    imageTag,
                    region,
                };
            }
            case "aws:ec2/getVpc:getVpc":
                return { id: "vpc-0a1b2c3d4e5f60718", cidrBlock: "172.31.0.0/16", default: true };
            case "aws:ec2/getSubnets:getSubnets":
                return { id: region, ids: ["subnet-0aa11bb22cc33dd44", "subnet-0ee55ff66aa77bb88"] };
            case "aws:s3/getBucket:getBucket":
                return {
                    id: args.inputs.bucket,
                    bucket: args.inputs.bucket,
                    arn: `arn:aws:s3:::${args.inputs.bucket}`,
                    region,
                    bucketDomainName: `${args.inputs.bucket}.s3.amazonaws.com`,
                };
            default:
                throw new Error(`The mocks do not know the invoke ${args.token}; teach tools/mocks.ts what AWS answers.`);
        }
    }

    private computed(type: string, name: string, inputs: Record<string, any>, region: string): Record<string, any> & { id: string } {
        const account = MOCK_ACCOUNT_ID;
        const sagemaker = (resource: string) => `arn:aws:sagemaker:${region}:${account}:${resource}`;
        switch (type) {
            case "aws:kms/key:Key": {
                const keyId = uuid(name);
                return { id: keyId, keyId, arn: `arn:aws:kms:${region}:${account}:key/${keyId}` };
            }
            case "aws:kms/alias:Alias":
                return { id: inputs.name, arn: `arn:aws:kms:${region}:${account}:${inputs.name}`, targetKeyArn: `arn:aws:kms:${region}:${account}:key/${inputs.targetKeyId}` };
            case "aws:iam/role:Role":
                return { id: inputs.name, arn: `arn:aws:iam::${account}:role/${inputs.name}`, uniqueId: `AROA${hex(name, 17).toUpperCase()}` };
            case "aws:iam/rolePolicy:RolePolicy":
                return { id: `${inputs.role}:${inputs.name}` };
            case "aws:s3/bucket:Bucket":
                return { id: inputs.bucket, arn: `arn:aws:s3:::${inputs.bucket}`, region, bucketDomainName: `${inputs.bucket}.s3.amazonaws.com` };
            case "aws:s3/bucketObjectv2:BucketObjectv2":
                return { id: inputs.key, etag: hex(`${name}-etag`, 32), versionId: hex(`${name}-version`, 32) };
            case "aws:sagemaker/domain:Domain": {
                const domainId = `d-${hex(name, 12)}`;
                return {
                    id: domainId,
                    arn: sagemaker(`domain/${domainId}`),
                    url: `https://${domainId}.studio.${region}.sagemaker.aws`,
                    homeEfsFileSystemId: `fs-${hex(name, 17)}`,
                };
            }
            case "aws:sagemaker/userProfile:UserProfile":
                return { id: sagemaker(`user-profile/${inputs.domainId}/${inputs.userProfileName}`), arn: sagemaker(`user-profile/${inputs.domainId}/${inputs.userProfileName}`) };
            case "aws:sagemaker/pipeline:Pipeline":
                return { id: inputs.pipelineName, arn: sagemaker(`pipeline/${String(inputs.pipelineName).toLowerCase()}`) };
            case "aws:sagemaker/modelPackageGroup:ModelPackageGroup":
                return { id: inputs.modelPackageGroupName, arn: sagemaker(`model-package-group/${String(inputs.modelPackageGroupName).toLowerCase()}`) };
            case "aws:sagemaker/mlflowTrackingServer:MlflowTrackingServer":
                return {
                    id: inputs.trackingServerName,
                    arn: sagemaker(`mlflow-tracking-server/${inputs.trackingServerName}`),
                    trackingServerUrl: `https://t-${hex(name, 12)}.${region}.experiments.sagemaker.aws`,
                };
            case "aws:sagemaker/studioLifecycleConfig:StudioLifecycleConfig":
                return { id: inputs.studioLifecycleConfigName, arn: sagemaker(`studio-lifecycle-config/${inputs.studioLifecycleConfigName}`) };
            case "aws:sagemaker/model:Model":
                return { id: inputs.name, arn: sagemaker(`model/${inputs.name}`) };
            case "aws:sagemaker/endpointConfiguration:EndpointConfiguration":
                return { id: inputs.name, arn: sagemaker(`endpoint-config/${inputs.name}`) };
            case "aws:sagemaker/endpoint:Endpoint":
                return { id: inputs.name, arn: sagemaker(`endpoint/${inputs.name}`) };
            case "aws:sagemaker/dataQualityJobDefinition:DataQualityJobDefinition":
                return { id: inputs.name, arn: sagemaker(`data-quality-job-definition/${inputs.name}`) };
            case "aws:sagemaker/monitoringSchedule:MonitoringSchedule":
                return { id: inputs.name, arn: sagemaker(`monitoring-schedule/${inputs.name}`) };
            case "aws:appautoscaling/target:Target":
                return { id: inputs.resourceId, arn: `arn:aws:application-autoscaling:${region}:${account}:scalable-target/${hex(name, 28)}` };
            case "aws:appautoscaling/policy:Policy":
                return { id: inputs.name, arn: `arn:aws:autoscaling:${region}:${account}:scalingPolicy:${uuid(name)}:resource/sagemaker/${inputs.resourceId}:policyName/${inputs.name}` };
            case "aws:sns/topic:Topic":
                return { id: `arn:aws:sns:${region}:${account}:${inputs.name}`, arn: `arn:aws:sns:${region}:${account}:${inputs.name}`, owner: account };
            case "aws:sns/topicSubscription:TopicSubscription":
                // E-mail subscriptions stay pending until the recipient confirms.
                return { id: "pending confirmation", arn: "pending confirmation", pendingConfirmation: true };
            case "aws:cloudwatch/eventRule:EventRule":
                return { id: inputs.name, arn: `arn:aws:events:${region}:${account}:rule/${inputs.name}` };
            case "aws:cloudwatch/metricAlarm:MetricAlarm":
                return { id: inputs.name, arn: `arn:aws:cloudwatch:${region}:${account}:alarm:${inputs.name}` };
            case "aws:budgets/budget:Budget":
                return { id: `${account}:${inputs.name}`, arn: `arn:aws:budgets::${account}:budget/${inputs.name}`, accountId: account };
            default:
                return { id: `${name}-${hex(name, 8)}` };
        }
    }
}

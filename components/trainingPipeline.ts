import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { buildCodeBundle } from "./codeBundle";
import { PipelineSettings } from "./config";
import { buildPipelineDefinition, DefinitionInputs, PipelineDefinition } from "./pipelineDefinition";
import { codeBundleKey, s3Uri } from "./s3Layout";

export interface TrainingPipelineArgs {
    /** SageMaker pipeline name. */
    pipelineName: string;
    /** Data bucket; the code bundle goes under its code/ prefix. */
    bucketName: string;
    /** Pipeline execution role: its ARN (known before it exists) and the resources that must exist first. */
    roleArn: string;
    /** Alias ARN of the data key, for the definition (known before the key exists). */
    kmsKeyId: string;
    /** ARN of the data key, for the code bundle object (S3 would use the AWS-managed key for a bare `aws:kms`). */
    kmsKeyArn: pulumi.Input<string>;
    /** PyTorch training image for the region. */
    imageUri: string;
    /** The training image's CPU build, for steps on CPU types. */
    cpuImageUri: string;
    region: string;
    /** Folder of the Python scripts the jobs run (train.py, evaluate.py, requirements.txt). */
    scriptsDir: string;
    settings: PipelineSettings;
    /** Model registry the quality gate registers passing models in. */
    registry?: DefinitionInputs["registry"];
    /** MLflow tracking server training logs to. */
    tracking?: DefinitionInputs["tracking"];
    /** Resources the pipeline needs before its first run: role policies, bucket protections. */
    dependsOn: pulumi.Input<pulumi.Resource>[];
}

/**
 * The YOLO11 training pipeline: uploads the content-addressed pipeline-scripts bundle and registers the
 * SageMaker Pipeline whose definition (fully known at preview) trains on GPU and evaluates the model.
 */
export class TrainingPipeline extends pulumi.ComponentResource {
    public readonly pipelineName: pulumi.Output<string>;
    public readonly pipelineArn: pulumi.Output<string>;
    /** S3 URI of the uploaded code bundle. */
    public readonly codeBundleUri: string;
    /** The definition as registered, for inspection and tests. */
    public readonly definition: PipelineDefinition;

    constructor(name: string, args: TrainingPipelineArgs, opts?: pulumi.ComponentResourceOptions) {
        super("sagemaker-yolo:pipeline:TrainingPipeline", name, {}, opts);
        const bundle = buildCodeBundle(args.scriptsDir);
        const key = codeBundleKey(bundle.sha256);
        this.codeBundleUri = s3Uri(args.bucketName, key);

        const code = new aws.s3.BucketObjectv2(
            `${name}-code`,
            {
                bucket: args.bucketName,
                key,
                source: new pulumi.asset.FileAsset(bundle.path),
                contentType: "application/gzip",
                serverSideEncryption: "aws:kms",
                kmsKeyId: args.kmsKeyArn,
                bucketKeyEnabled: true,
            },
            { parent: this, dependsOn: args.dependsOn },
        );

        this.definition = buildPipelineDefinition({
            bucket: args.bucketName,
            roleArn: args.roleArn,
            kmsKeyId: args.kmsKeyId,
            imageUri: args.imageUri,
            cpuImageUri: args.cpuImageUri,
            codeBundleUri: this.codeBundleUri,
            region: args.region,
            settings: args.settings,
            registry: args.registry,
            tracking: args.tracking,
        });

        const pipeline = new aws.sagemaker.Pipeline(
            `${name}-pipeline`,
            {
                pipelineName: args.pipelineName,
                pipelineDisplayName: args.pipelineName,
                pipelineDescription: "Trains a YOLO11 object detector on drone imagery and evaluates it",
                roleArn: args.roleArn,
                pipelineDefinition: JSON.stringify(this.definition),
                parallelismConfiguration: { maxParallelExecutionSteps: 2 },
            },
            { parent: this, dependsOn: [code, ...args.dependsOn] },
        );

        this.pipelineName = pipeline.pipelineName;
        this.pipelineArn = pipeline.arn;
        this.registerOutputs({ pipelineName: this.pipelineName, pipelineArn: this.pipelineArn, codeBundleUri: this.codeBundleUri });
    }
}

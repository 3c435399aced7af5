import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

export interface ModelRegistryArgs {
    groupName: string;
    /** Keep the group (and so its registered versions) when the stack is destroyed. */
    retainOnDelete: boolean;
}

/**
 * The model registry of the pipeline's detectors: one model package group. Versions are created by the
 * pipeline's RegisterModel step (pending approval) and approved or rejected by ML engineers.
 */
export class ModelRegistry extends pulumi.ComponentResource {
    public readonly groupName: pulumi.Output<string>;
    public readonly groupArn: pulumi.Output<string>;

    constructor(name: string, args: ModelRegistryArgs, opts?: pulumi.ComponentResourceOptions) {
        super("sagemaker-yolo:registry:ModelRegistry", name, {}, opts);
        const group = new aws.sagemaker.ModelPackageGroup(
            `${name}-group`,
            {
                modelPackageGroupName: args.groupName,
                modelPackageGroupDescription: "YOLO11 drone object detectors that passed the pipeline's quality gate",
            },
            // SageMaker refuses to delete a group that still has versions; they are the team's approved models.
            { parent: this, retainOnDelete: args.retainOnDelete },
        );
        this.groupName = group.modelPackageGroupName;
        this.groupArn = group.arn;
        this.registerOutputs({ groupName: this.groupName, groupArn: this.groupArn });
    }
}

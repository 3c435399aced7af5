import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

export interface StudioNetwork {
    readonly vpcId: string;
    readonly subnetIds: string[];
}

/** The configured VPC and subnets, or the region's default VPC and its default subnets. */
export async function resolveStudioNetwork(
    configured: { vpcId?: string; subnetIds: readonly string[] },
    opts: pulumi.InvokeOptions,
): Promise<StudioNetwork> {
    if (configured.vpcId) {
        return { vpcId: configured.vpcId, subnetIds: [...configured.subnetIds] };
    }
    const vpc = await aws.ec2.getVpc({ default: true }, opts).catch((error: Error) => {
        throw new Error(`No default VPC to put the Studio domain in (${error.message}); set sagemaker-yolo:vpcId and sagemaker-yolo:subnetIds.`);
    });
    const subnets = await aws.ec2.getSubnets(
        { filters: [{ name: "vpc-id", values: [vpc.id] }, { name: "default-for-az", values: ["true"] }] },
        opts,
    );
    if (subnets.ids.length === 0) {
        throw new Error(`The default VPC ${vpc.id} has no default subnets; set sagemaker-yolo:vpcId and sagemaker-yolo:subnetIds.`);
    }
    return { vpcId: vpc.id, subnetIds: [...subnets.ids].sort() };
}

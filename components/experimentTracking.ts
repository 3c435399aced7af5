import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { MLFLOW_SERVER_SERVICE, SERVICE_TAG_KEY } from "../policies/catalog";
import { sagemakerTrustPolicy, Scope, trackingServerPolicy } from "./iamDocuments";
import { PREFIXES, s3Uri } from "./s3Layout";

export interface ExperimentTrackingArgs {
    scope: Scope;
    keyArn: pulumi.Input<string>;
    size: string;
    mlflowVersion: string;
    /** Bucket protections (encryption, policy) that must be in place before artifacts are written. */
    dependsOn: pulumi.Input<pulumi.Resource>[];
}


/**
 * A SageMaker managed MLflow tracking server whose artifact store is the data bucket's mlflow/ prefix,
 * with a role of its own that reaches nothing else. Personas get their MLflow permissions in their roles.
 */
export class ExperimentTracking extends pulumi.ComponentResource {
    public readonly trackingServerArn: pulumi.Output<string>;
    public readonly trackingServerUrl: pulumi.Output<string>;
    public readonly roleArn: pulumi.Output<string>;

    constructor(name: string, args: ExperimentTrackingArgs, opts?: pulumi.ComponentResourceOptions) {
        super("sagemaker-yolo:tracking:ExperimentTracking", name, {}, opts);
        const { scope } = args;
        const role = new aws.iam.Role(
            `${name}-role`,
            {
                name: scope.names.trackingServerRole,
                description: "Role of the MLflow tracking server: its artifact store under mlflow/ only",
                assumeRolePolicy: JSON.stringify(sagemakerTrustPolicy(scope.accountId)),
                maxSessionDuration: 3600,
                tags: { [SERVICE_TAG_KEY]: MLFLOW_SERVER_SERVICE },
            },
            { parent: this },
        );
        const access = new aws.iam.RolePolicy(
            `${name}-role-access`,
            {
                role: role.name,
                name: "mlflow-artifact-store",
                policy: pulumi.output(args.keyArn).apply((keyArn) => JSON.stringify(trackingServerPolicy(scope, keyArn))),
            },
            { parent: this },
        );
        const server = new aws.sagemaker.MlflowTrackingServer(
            `${name}-server`,
            {
                trackingServerName: scope.names.trackingServer,
                artifactStoreUri: s3Uri(scope.bucket, PREFIXES.mlflow),
                roleArn: role.arn,
                trackingServerSize: args.size,
                mlflowVersion: args.mlflowVersion,
                // The pipeline's quality gate decides what enters the SageMaker model registry, not every logged model.
                automaticModelRegistration: false,
                weeklyMaintenanceWindowStart: "Sun:03:00",
            },
            { parent: this, dependsOn: [access, ...args.dependsOn] },
        );
        this.trackingServerArn = server.arn;
        this.trackingServerUrl = server.trackingServerUrl;
        this.roleArn = role.arn;
        this.registerOutputs({ trackingServerArn: this.trackingServerArn, trackingServerUrl: this.trackingServerUrl });
    }
}

import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { LABELING_SERVICE, SERVICE_TAG_KEY } from "../policies/catalog";
import { BoundingBoxTask, groundTruthBoundingBox, labelCategoryObject } from "./groundTruth";
import { labelingRolePolicy, sagemakerTrustPolicy, Scope } from "./iamDocuments";
import { keyAliasArn } from "./naming";
import { PREFIXES, s3Uri } from "./s3Layout";

/** The CORS rule of AWS's Ground Truth documentation (sms-cors-update), for image bounding-box jobs. */
export const GROUND_TRUTH_CORS_RULE: aws.types.input.s3.BucketCorsConfigurationCorsRule = {
    allowedHeaders: [],
    allowedMethods: ["GET"],
    allowedOrigins: ["*"],
    exposeHeaders: ["Access-Control-Allow-Origin"],
};

export interface LabelingArgs {
    scope: Scope;
    keyArn: pulumi.Input<string>;
    /** Classes workers draw boxes for, in class-id order. */
    classes: readonly string[];
    /** The private work team that labels (validated in config). */
    workteamArn: string;
    /** Bucket protections (encryption, policy) that must be in place before objects are written. */
    dependsOn: pulumi.Input<pulumi.Resource>[];
}

/**
 * What a Ground Truth bounding-box labeling job of this stack needs besides its request: the label category
 * configuration for the stack's classes, the role the job runs as (read the images, write labeling/), and the
 * bucket's CORS rule the worker UI needs to show the images. The
 * work team and its Cognito workforce belong to the account owner; the job itself is started by a data
 * scientist (`yolo-pipeline label start`), whose role may send images only to this team.
 */
export class Labeling extends pulumi.ComponentResource {
    public readonly roleArn: pulumi.Output<string>;
    public readonly labelCategoryConfigUri: string;
    public readonly outputUri: string;
    /** The stack's key by alias ARN, as labeling jobs must name it (the data scientist's sagemaker:OutputKmsKeyArn condition). */
    public readonly outputKmsKeyArn: string;
    public readonly workteamArn: string;
    /** The standard bounding-box UI and Ground Truth's functions in the stack's region. */
    public readonly task: BoundingBoxTask;

    constructor(name: string, args: LabelingArgs, opts?: pulumi.ComponentResourceOptions) {
        super("sagemaker-yolo:labeling:Labeling", name, {}, opts);
        const { scope } = args;
        const task = groundTruthBoundingBox(scope.region);
        if (!task) {
            throw new Error(`Ground Truth's built-in bounding-box task is not offered in ${scope.region}; turn labeling off or deploy to a region that has it.`);
        }
        const role = new aws.iam.Role(
            `${name}-role`,
            {
                name: scope.names.labelingRole,
                description: "Role of Ground Truth labeling jobs: images and manifests under datasets/, output under labeling/",
                assumeRolePolicy: JSON.stringify(sagemakerTrustPolicy(scope.accountId)),
                maxSessionDuration: 3600,
                tags: { [SERVICE_TAG_KEY]: LABELING_SERVICE },
            },
            { parent: this },
        );
        new aws.iam.RolePolicy(
            `${name}-role-access`,
            {
                role: role.name,
                name: "labeling-data",
                policy: pulumi.output(args.keyArn).apply((keyArn) => JSON.stringify(labelingRolePolicy(scope, keyArn))),
            },
            { parent: this },
        );
        // Ground Truth's worker UI loads each image cross-origin from S3 and reads its EXIF orientation; without a
        // CORS rule on the bucket holding the images, tasks created through CreateLabelingJob fail (AWS, "CORS
        // requirement for input image data"). Exactly the rule AWS documents: GET from any origin (the portal's
        // origin is AWS's, not the stack's), no request headers, Access-Control-Allow-Origin exposed. S3 keeps one
        // CORS configuration per bucket: this replaces what an adopted bucket had (README 'Labeling').
        new aws.s3.BucketCorsConfiguration(
            `${name}-cors`,
            { bucket: scope.bucket, corsRules: [GROUND_TRUTH_CORS_RULE] },
            { parent: this, dependsOn: args.dependsOn },
        );
        const { content, key } = labelCategoryObject(args.classes);
        new aws.s3.BucketObjectv2(
            `${name}-label-categories`,
            {
                bucket: scope.bucket,
                key,
                content,
                contentType: "application/json",
                serverSideEncryption: "aws:kms",
                kmsKeyId: args.keyArn,
                bucketKeyEnabled: true,
            },
            { parent: this, dependsOn: args.dependsOn },
        );
        this.roleArn = role.arn;
        this.labelCategoryConfigUri = s3Uri(scope.bucket, key);
        this.outputUri = s3Uri(scope.bucket, PREFIXES.labeling);
        this.outputKmsKeyArn = keyAliasArn(scope.region, scope.accountId, scope.names.keyAlias);
        this.workteamArn = args.workteamArn;
        this.task = task;
        this.registerOutputs({ roleArn: this.roleArn, labelCategoryConfigUri: this.labelCategoryConfigUri });
    }
}

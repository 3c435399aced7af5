// SageMaker Ground Truth bounding-box labeling for the stack: the label category configuration of its classes,
// the standard task UI and functions of its region, and the CreateLabelingJob request a data scientist sends
// (`yolo-pipeline label start`). Pure: the labeling component, the CLI and the tests build from the same facts.
import type { CreateLabelingJobCommandInput } from "@aws-sdk/client-sagemaker";
import * as crypto from "crypto";
import type { PlatformConfig } from "./config";
import { keyAliasArn, resourceNames, roleArn } from "./naming";
import { PREFIXES, s3Uri } from "./s3Layout";

/** Ground Truth's label category configuration for a bounding-box task (LabelCategoryConfigS3Uri). */
export function labelCategoryConfig(classes: readonly string[]): { "document-version": "2018-11-28"; labels: { label: string }[] } {
    return { "document-version": "2018-11-28", labels: classes.map((label) => ({ label })) };
}

/** The configuration's text and its key, addressed by content: a change of classes is a new object, never an edit of one a job reads. */
export function labelCategoryObject(classes: readonly string[]): { content: string; key: string } {
    const content = `${JSON.stringify(labelCategoryConfig(classes), null, 2)}\n`;
    const digest = crypto.createHash("sha256").update(content).digest("hex").slice(0, 16);
    return { content, key: `${PREFIXES.labeling}config/${digest}/label-categories.json` };
}

/** Accounts of Ground Truth's built-in task functions by region (HumanTaskConfig.PreHumanTaskLambdaArn, SageMaker API reference). */
const GROUND_TRUTH_LAMBDA_ACCOUNTS: Readonly<Record<string, string>> = {
    "us-east-1": "432418664414",
    "us-east-2": "266458841044",
    "us-west-2": "081040173940",
    "ca-central-1": "918755190332",
    "eu-west-1": "568282634449",
    "eu-west-2": "487402164563",
    "eu-central-1": "203001061592",
    "ap-northeast-1": "477331159723",
    "ap-northeast-2": "845288260483",
    "ap-south-1": "565803892007",
    "ap-southeast-1": "377565633583",
    "ap-southeast-2": "454466003867",
};

export interface BoundingBoxTask {
    readonly humanTaskUiArn: string;
    readonly preHumanTaskLambdaArn: string;
    readonly annotationConsolidationLambdaArn: string;
}

/** The standard bounding-box worker UI and Ground Truth's functions in a region (AWS-owned); undefined where Ground Truth has none. */
export function groundTruthBoundingBox(region: string): BoundingBoxTask | undefined {
    const account = GROUND_TRUTH_LAMBDA_ACCOUNTS[region];
    if (account === undefined) {
        return undefined;
    }
    return {
        humanTaskUiArn: `arn:aws:sagemaker:${region}:394669845002:human-task-ui/BoundingBox`,
        preHumanTaskLambdaArn: `arn:aws:lambda:${region}:${account}:function:PRE-BoundingBox`,
        annotationConsolidationLambdaArn: `arn:aws:lambda:${region}:${account}:function:ACS-BoundingBox`,
    };
}

function fitted(text: string, shorter: string, limit: number): string {
    return text.length <= limit ? text : shorter;
}

/** What a data scientist chooses for one labeling job. */
export interface LabelingJobOptions {
    readonly jobName: string;
    /** Input manifest (JSON Lines of `{"source-ref": "s3://…"}`) under datasets/. */
    readonly manifestUri: string;
    /** The label attribute of the output manifest (what PrepareDataset's `--label-attribute` reads). */
    readonly labelAttributeName: string;
    readonly workersPerImage: number;
    readonly taskTimeLimitSeconds: number;
    readonly taskAvailabilitySeconds: number;
}

/**
 * The CreateLabelingJob request of the stack for `options`. The account is the work team's (a private work team
 * belongs to the account that runs the jobs); the output key is the stack's key by alias ARN, which is what the
 * data scientist's IAM condition (sagemaker:OutputKmsKeyArn) names.
 */
export function labelingJobRequest(stack: PlatformConfig, options: LabelingJobOptions): CreateLabelingJobCommandInput {
    const names = resourceNames(stack.namePrefix, stack.stack);
    const region = stack.aws.region;
    const task = groundTruthBoundingBox(region);
    if (!task) {
        throw new Error(`Ground Truth's built-in bounding-box task is not offered in ${region}.`);
    }
    const account = stack.labeling.workteamArn.split(":")[4];
    const classes = stack.labeling.classes.join(", ");
    const bucket = stack.bucket.name;
    return {
        LabelingJobName: options.jobName,
        LabelAttributeName: options.labelAttributeName,
        InputConfig: { DataSource: { S3DataSource: { ManifestS3Uri: options.manifestUri } } },
        OutputConfig: { S3OutputPath: s3Uri(bucket, PREFIXES.labeling), KmsKeyId: keyAliasArn(region, account, names.keyAlias) },
        RoleArn: roleArn(account, names.labelingRole),
        LabelCategoryConfigS3Uri: s3Uri(bucket, labelCategoryObject(stack.labeling.classes).key),
        HumanTaskConfig: {
            WorkteamArn: stack.labeling.workteamArn,
            UiConfig: { HumanTaskUiArn: task.humanTaskUiArn },
            PreHumanTaskLambdaArn: task.preHumanTaskLambdaArn,
            TaskKeywords: ["Images", "bounding boxes", "object detection", "drone imagery"],
            // SageMaker's limits: a title of 128 characters, a description of 255.
            TaskTitle: fitted(`Draw a box around every ${classes}`, "Draw a box around every object of the listed classes", 128),
            TaskDescription: fitted(
                `Drone images: draw a tight box around each ${classes}, small and partly hidden ones included; draw nothing when there is none.`,
                "Drone images: draw a tight box around each object of the listed classes, small and partly hidden ones included; draw nothing when there is none.",
                255,
            ),
            NumberOfHumanWorkersPerDataObject: options.workersPerImage,
            TaskTimeLimitInSeconds: options.taskTimeLimitSeconds,
            TaskAvailabilityLifetimeInSeconds: options.taskAvailabilitySeconds,
            AnnotationConsolidationConfig: { AnnotationConsolidationLambdaArn: task.annotationConsolidationLambdaArn },
        },
        Tags: Object.entries(stack.tags).map(([Key, Value]) => ({ Key, Value })),
    };
}

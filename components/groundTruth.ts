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

/**
 * Prices AWS accepts for one bounding-box task by a public (Mechanical Turk) worker, in US dollars
 * (PublicWorkforceTaskPrice, SageMaker API reference): a public-crowd job without one is refused by AWS.
 */
export const PUBLIC_BOUNDING_BOX_PRICES_USD = ["0.036", "0.048", "0.060", "0.072", "0.120", "0.240", "0.360", "0.480", "0.600", "0.720", "0.840", "0.960", "1.080", "1.200"] as const;

/** A public-crowd work team (Amazon Mechanical Turk); its ARN names AWS's account, not the one that runs the job. */
export function isPublicCrowd(workteamArn: string): boolean {
    return workteamArn.includes(":workteam/public-crowd/");
}

/** A private work team belongs to the account whose jobs it labels. */
export function isPrivateCrowd(workteamArn: string): boolean {
    return workteamArn.includes(":workteam/private-crowd/");
}

/** The account an ARN names (its fifth field). */
export function arnAccount(arn: string): string {
    return arn.split(":")[4] ?? "";
}

/** One of PUBLIC_BOUNDING_BOX_PRICES_USD as AmountInUsd (whole dollars, cents, tenths of a cent). */
export function amountInUsd(price: string): { Dollars: number; Cents: number; TenthFractionsOfACent: number } {
    const tenthsOfCent = Math.round(Number(price) * 1000);
    return { Dollars: Math.floor(tenthsOfCent / 1000), Cents: Math.floor((tenthsOfCent % 1000) / 10), TenthFractionsOfACent: tenthsOfCent % 10 };
}

/**
 * What the job runs as and writes with, as the deployed stack names them (its `labeling` outputs) or, without
 * them, as the stack's naming rule gives them in `accountId`.
 */
export interface LabelingTarget {
    readonly roleArn: string;
    readonly labelCategoryConfigUri: string;
    /** The stack's key by alias ARN: what the data scientist's IAM condition (sagemaker:OutputKmsKeyArn) names. */
    readonly outputKmsKeyArn: string;
}

/** The target the stack's naming rule gives in `accountId` (components/labeling.ts creates exactly these). */
export function namedLabelingTarget(stack: PlatformConfig, accountId: string): LabelingTarget {
    const names = resourceNames(stack.namePrefix, stack.stack);
    return {
        roleArn: roleArn(accountId, names.labelingRole),
        labelCategoryConfigUri: s3Uri(stack.bucket.name, labelCategoryObject(stack.labeling.classes).key),
        outputKmsKeyArn: keyAliasArn(stack.aws.region, accountId, names.keyAlias),
    };
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
    /** One of PUBLIC_BOUNDING_BOX_PRICES_USD; required for a public-crowd work team, absent otherwise. */
    readonly publicTaskPriceUsd?: string;
}

/** The CreateLabelingJob request of the stack for `options`, running as and writing with `target`. */
export function labelingJobRequest(stack: PlatformConfig, target: LabelingTarget, options: LabelingJobOptions): CreateLabelingJobCommandInput {
    const region = stack.aws.region;
    const task = groundTruthBoundingBox(region);
    if (!task) {
        throw new Error(`Ground Truth's built-in bounding-box task is not offered in ${region}.`);
    }
    const classes = stack.labeling.classes.join(", ");
    return {
        LabelingJobName: options.jobName,
        LabelAttributeName: options.labelAttributeName,
        InputConfig: { DataSource: { S3DataSource: { ManifestS3Uri: options.manifestUri } } },
        OutputConfig: { S3OutputPath: s3Uri(stack.bucket.name, PREFIXES.labeling), KmsKeyId: target.outputKmsKeyArn },
        RoleArn: target.roleArn,
        LabelCategoryConfigS3Uri: target.labelCategoryConfigUri,
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
            ...(options.publicTaskPriceUsd === undefined ? {} : { PublicWorkforceTaskPrice: { AmountInUsd: amountInUsd(options.publicTaskPriceUsd) } }),
            AnnotationConsolidationConfig: { AnnotationConsolidationLambdaArn: task.annotationConsolidationLambdaArn },
        },
        Tags: Object.entries(stack.tags).map(([Key, Value]) => ({ Key, Value })),
    };
}

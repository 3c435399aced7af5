import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { PIPELINE_TRIGGER_SERVICE, SERVICE_TAG_KEY } from "../policies/catalog";
import { eventBridgeTrustPolicy, pipelineTriggerPolicy, Scope } from "./iamDocuments";
import { eventRuleArn, pipelineArn, roleArn } from "./naming";
import { PARAMETERS } from "./pipelineDefinition";
import { DATASET_READY_MARKER, PREFIXES, s3Uri } from "./s3Layout";

export interface DatasetTriggerArgs {
    scope: Scope;
    /** The pipeline (and its role's policies) that must exist before a marker can start it. */
    dependsOn: pulumi.Input<pulumi.Resource>[];
    /** Alert topic told when a marker could not start a run; absent without alerts. */
    alertTopicArn?: pulumi.Input<string>;
}

/** How long EventBridge keeps retrying a start SageMaker refused or throttled, and how often (its defaults: 24 h, 185). */
export const TRIGGER_RETRY = { maximumRetryAttempts: 8, maximumEventAgeInSeconds: 3600 } as const;

/**
 * Object Created events of the bucket whose key ends in `/_READY` under `datasets/`: one event per dataset, however
 * many images were uploaded before it. EventBridge cannot put two conditions on one field, so `datasets/prepared/`
 * is kept out by construction instead: PrepareDataset never writes a marker into its output and refuses a marker
 * whose folder is or holds the pipeline's output (pipeline-scripts/yolo_pipeline/ready_marker.py).
 * Exported for testing.
 */
export function readyMarkerPattern(bucket: string): Record<string, unknown> {
    return {
        source: ["aws.s3"],
        "detail-type": ["Object Created"],
        detail: {
            bucket: { name: [bucket] },
            object: { key: [{ wildcard: `${PREFIXES.datasets}*/${DATASET_READY_MARKER}` }] },
        },
    };
}

/**
 * The run's parameters. A SageMaker pipeline target takes event fields by JSON path, but only a whole field, so the
 * pipeline reads InputData followed by InputKey: the bucket, then the marker's key. The marker's version makes a new
 * marker in the same folder a new PrepareDataset cache key. Exported for testing.
 */
export function triggerParameters(bucket: string): { name: string; value: string }[] {
    return [
        { name: PARAMETERS.inputData, value: s3Uri(bucket, "") },
        { name: PARAMETERS.inputKey, value: "$.detail.object.key" },
        { name: PARAMETERS.inputKeyVersion, value: "$.detail.object.version-id" },
    ];
}

/**
 * The design's "S3 → trigger pipeline execution" step: an EventBridge rule on a dataset's `_READY` marker that starts
 * the stack's pipeline on that folder, with a role that may start this pipeline and do nothing else, and (with
 * alerts) an alarm when a start failed for good.
 */
export class DatasetTrigger extends pulumi.ComponentResource {
    public readonly ruleName: pulumi.Output<string>;
    public readonly roleArn: pulumi.Output<string>;

    constructor(name: string, args: DatasetTriggerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("sagemaker-yolo:pipeline:DatasetTrigger", name, {}, opts);
        const { scope } = args;
        const ruleName = scope.names.datasetTriggerRule;

        const role = new aws.iam.Role(
            `${name}-role`,
            {
                name: scope.names.pipelineTriggerRole,
                description: `Assumed by the EventBridge rule ${ruleName} to start ${scope.names.pipeline}, and nothing else`,
                assumeRolePolicy: JSON.stringify(eventBridgeTrustPolicy(scope.accountId, eventRuleArn(scope.region, scope.accountId, ruleName))),
                maxSessionDuration: 3600,
                tags: { [SERVICE_TAG_KEY]: PIPELINE_TRIGGER_SERVICE },
            },
            { parent: this },
        );
        const access = new aws.iam.RolePolicy(
            `${name}-role-access`,
            { role: role.name, name: "start-pipeline", policy: JSON.stringify(pipelineTriggerPolicy(scope)) },
            { parent: this },
        );
        const rule = new aws.cloudwatch.EventRule(
            `${name}-rule`,
            {
                name: ruleName,
                description: `A ${DATASET_READY_MARKER} object under s3://${scope.bucket}/${PREFIXES.datasets}<name>/ starts ${scope.names.pipeline} on that folder`,
                eventPattern: JSON.stringify(readyMarkerPattern(scope.bucket)),
            },
            { parent: this },
        );
        new aws.cloudwatch.EventTarget(
            `${name}-start-pipeline`,
            {
                rule: rule.name,
                // By name, not the resources' outputs: known in preview, so the pack sees which pipeline which role may start.
                arn: pipelineArn(scope.region, scope.accountId, scope.names.pipeline),
                roleArn: roleArn(scope.accountId, scope.names.pipelineTriggerRole),
                sagemakerPipelineTarget: { pipelineParameterLists: triggerParameters(scope.bucket) },
                retryPolicy: TRIGGER_RETRY,
            },
            { parent: this, dependsOn: [access, ...args.dependsOn] },
        );
        if (args.alertTopicArn !== undefined) {
            // Without a dead-letter queue an event whose start kept failing is dropped; this says so instead.
            new aws.cloudwatch.MetricAlarm(
                `${name}-failed`,
                {
                    name: `${ruleName}-failed`,
                    alarmDescription: [
                        `A ${DATASET_READY_MARKER} marker did not start ${scope.names.pipeline} (EventBridge gave up after ${TRIGGER_RETRY.maximumRetryAttempts} retries or ${TRIGGER_RETRY.maximumEventAgeInSeconds / 60} min).`,
                        "Start the run by hand: yolo-pipeline start --input-data s3://<bucket>/datasets/<name>/ (CloudTrail's StartPipelineExecution events say why it failed).",
                    ].join(" "),
                    namespace: "AWS/Events",
                    metricName: "FailedInvocations",
                    dimensions: { RuleName: rule.name },
                    statistic: "Sum",
                    period: 300,
                    evaluationPeriods: 1,
                    threshold: 1,
                    comparisonOperator: "GreaterThanOrEqualToThreshold",
                    treatMissingData: "notBreaching",
                    alarmActions: [args.alertTopicArn],
                },
                { parent: this },
            );
        }

        this.ruleName = rule.name;
        this.roleArn = role.arn;
        this.registerOutputs({ ruleName: this.ruleName, roleArn: this.roleArn });
    }
}

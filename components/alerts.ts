import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { alertTopicPolicy, MODEL_MONITOR_METRICS_NAMESPACE } from "./iamDocuments";

export interface AlertsArgs {
    topicName: string;
    accountId: string;
    region: string;
    /** Customer managed key of the topic (EventBridge, CloudWatch and Budgets cannot use the AWS-managed SNS key). */
    keyArn: pulumi.Input<string>;
    /** Addresses subscribed by e-mail; each receives a confirmation message first. */
    emails: readonly string[];
    /** The training pipeline whose failed and stopped runs alert. */
    pipelineArn: pulumi.Input<string>;
    pipelineName: string;
    /** Model package group whose version changes (new version, approved, rejected) alert; absent without a registry. */
    modelPackageGroupName?: string;
    /** Name stem of the rules and the alarm. */
    namePrefix: string;
    /** The endpoint's Model Monitor schedule, whose runs that find violations or fail alert; absent without one. */
    monitoring?: {
        scheduleArn: pulumi.Input<string>;
        scheduleName: string;
        endpointName: string;
        /** Where the schedule writes its reports (`<endpoint>/<schedule>/<date>/` below it). */
        reportsUri: string;
        /** The features whose drift metric gets an alarm, the distance that is drift, and the schedule's period. */
        drift: { features: readonly string[]; threshold: number; periodSeconds: number };
    };
}

/** EventBridge input transformer: fields of the event, and a message a person can act on. */
interface Message {
    paths: Record<string, string>;
    /** Lines of the message; `<name>` refers to a path. */
    lines: string[];
}

/** An SNS target's input template is one JSON string: the lines joined and quoted, placeholders left intact. */
export function messageTemplate(lines: readonly string[]): string {
    return JSON.stringify(lines.join("\n"));
}

/**
 * Alerts of the platform on one KMS-encrypted SNS topic: pipeline runs that failed or were stopped, model
 * versions registered, approved or rejected, a CloudWatch alarm when training jobs fail, and the endpoint's
 * Model Monitor runs that found violations or failed, with a CloudWatch alarm per monitored feature's drift.
 * The budget notifies the same topic.
 */
export class Alerts extends pulumi.ComponentResource {
    public readonly topicArn: pulumi.Output<string>;
    /** The alarm on failed training jobs. */
    public readonly alarmName: pulumi.Output<string>;

    constructor(name: string, args: AlertsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("sagemaker-yolo:alerts:Alerts", name, {}, opts);
        const console = `https://${args.region}.console.aws.amazon.com`;

        const topic = new aws.sns.Topic(
            `${name}-topic`,
            { name: args.topicName, displayName: "YOLO11 platform alerts", kmsMasterKeyId: args.keyArn },
            { parent: this },
        );
        const policy = new aws.sns.TopicPolicy(
            `${name}-topic-policy`,
            { arn: topic.arn, policy: topic.arn.apply((arn) => JSON.stringify(alertTopicPolicy(args.accountId, arn))) },
            { parent: this },
        );
        for (const email of args.emails) {
            new aws.sns.TopicSubscription(
                `${name}-email-${email.replace(/[^a-zA-Z0-9]+/g, "-")}`,
                { topic: topic.arn, protocol: "email", endpoint: email },
                { parent: this },
            );
        }

        const notify = (key: string, description: string, eventPattern: pulumi.Input<string>, message: Message) => {
            const rule = new aws.cloudwatch.EventRule(
                `${name}-${key}`,
                { name: `${args.namePrefix}-${key}`, description, eventPattern },
                { parent: this },
            );
            new aws.cloudwatch.EventTarget(
                `${name}-${key}-to-topic`,
                {
                    rule: rule.name,
                    arn: topic.arn,
                    inputTransformer: { inputPaths: message.paths, inputTemplate: messageTemplate(message.lines) },
                },
                { parent: this, dependsOn: [policy] },
            );
            return rule;
        };

        notify(
            "pipeline-run-ended-badly",
            `Runs of ${args.pipelineName} that failed or were stopped`,
            pulumi.output(args.pipelineArn).apply((pipelineArn) =>
                JSON.stringify({
                    source: ["aws.sagemaker"],
                    "detail-type": ["SageMaker Model Building Pipeline Execution Status Change"],
                    detail: { pipelineArn: [pipelineArn], currentPipelineExecutionStatus: ["Failed", "Stopped"] },
                }),
            ),
            {
                paths: {
                    status: "$.detail.currentPipelineExecutionStatus",
                    execution: "$.detail.pipelineExecutionArn",
                    started: "$.detail.executionStartTime",
                    time: "$.time",
                },
                lines: [
                    `Pipeline run <status>: ${args.pipelineName}`,
                    "Execution: <execution> (started <started>, ended <time>)",
                    "",
                    `Which step failed and why (a quality-gate failure names the metric and its minimum): yolo-pipeline watch <execution>`,
                    `Logs: ${console}/cloudwatch/home?region=${args.region}#logsV2:log-groups/log-group/$252Faws$252Fsagemaker$252FTrainingJobs`,
                    "Start a new run once fixed: yolo-pipeline start",
                ],
            },
        );

        if (args.modelPackageGroupName !== undefined) {
            const group = args.modelPackageGroupName;
            notify(
                "model-version-changed",
                `Versions of ${group} registered, approved or rejected`,
                JSON.stringify({
                    source: ["aws.sagemaker"],
                    "detail-type": ["SageMaker Model Package State Change"],
                    detail: { ModelPackageGroupName: [group] },
                }),
                {
                    paths: {
                        version: "$.detail.ModelPackageVersion",
                        status: "$.detail.ModelApprovalStatus",
                        arn: "$.detail.ModelPackageArn",
                        description: "$.detail.ApprovalDescription",
                    },
                    lines: [
                        `Model ${group} version <version> is now <status>.`,
                        "Model package: <arn>",
                        "Note: <description>",
                        "",
                        "Review metrics: yolo-pipeline models",
                        "Decide: yolo-pipeline approve <version>  |  yolo-pipeline reject <version> --reason '...'",
                    ],
                },
            );
        }

        if (args.monitoring !== undefined) {
            const { scheduleName, endpointName, reportsUri, drift } = args.monitoring;
            // Model Monitor's verdict is the monitoring job's own: its processing job ends Completed with the exit
            // message "CompletedWithViolations: ...", whatever the violation (a drifted distribution, a missing or
            // mistyped column, completeness, a per-class count the drift alarms cannot name). The per-feature
            // alarms below say which feature drifted and by how much, but see nothing when a run fails or has no
            // traffic; the rules see every run of the schedule.
            const runsOfSchedule = (detail: Record<string, unknown>) =>
                pulumi.output(args.monitoring!.scheduleArn).apply((scheduleArn) =>
                    JSON.stringify({
                        source: ["aws.sagemaker"],
                        "detail-type": ["SageMaker Processing Job State Change"],
                        detail: { MonitoringScheduleArn: [scheduleArn], ...detail },
                    }),
                );
            const executions = `aws sagemaker list-monitoring-executions --monitoring-schedule-name ${scheduleName} --sort-by ScheduledTime --sort-order Descending`;
            notify("endpoint-data-drift", `Runs of ${scheduleName} that found data-quality violations`, runsOfSchedule({ ExitMessage: [{ prefix: "CompletedWithViolations" }] }), {
                paths: { job: "$.detail.ProcessingJobName", message: "$.detail.ExitMessage", time: "$.time" },
                lines: [
                    `Model Monitor: the traffic of endpoint ${endpointName} no longer matches the deployed version's baseline.`,
                    "<message> (run <job>, ended <time>)",
                    "",
                    `Which features and how: constraint_violations.json under ${reportsUri}${endpointName}/${scheduleName}/`,
                    `Runs: ${executions}`,
                    "If the traffic changed for good, retrain on it: yolo-pipeline start",
                ],
            });
            notify("monitoring-run-failed", `Runs of ${scheduleName} that failed`, runsOfSchedule({ ProcessingJobStatus: ["Failed"] }), {
                paths: { job: "$.detail.ProcessingJobName", reason: "$.detail.FailureReason", time: "$.time" },
                lines: [
                    `Model Monitor: a run of ${scheduleName} on endpoint ${endpointName} failed, so this period's traffic was not checked.`,
                    "Run <job> (ended <time>): <reason>",
                    "",
                    `Logs: ${console}/cloudwatch/home?region=${args.region}#logsV2:log-groups/log-group/$252Faws$252Fsagemaker$252FProcessingJobs`,
                    `Runs: ${executions}`,
                ],
            });

            // One datapoint per feature and run, published only by runs that analysed traffic: no data is no drift.
            for (const feature of drift.features) {
                new aws.cloudwatch.MetricAlarm(
                    `${name}-drift-${feature}`,
                    {
                        name: `${args.namePrefix}-drift-${feature}`,
                        alarmDescription: [
                            `Model Monitor: the distribution of ${feature} in the traffic of endpoint ${endpointName} is more than ${drift.threshold} away from the deployed version's baseline (a baseline_drift_check violation).`,
                            `Details: constraint_violations.json under ${reportsUri}${endpointName}/${scheduleName}/.`,
                            "If the traffic changed for good, retrain on it: yolo-pipeline start.",
                        ].join(" "),
                        namespace: MODEL_MONITOR_METRICS_NAMESPACE,
                        metricName: `feature_baseline_drift_${feature}`,
                        dimensions: { Endpoint: endpointName, MonitoringSchedule: scheduleName },
                        statistic: "Maximum",
                        period: drift.periodSeconds,
                        evaluationPeriods: 1,
                        threshold: drift.threshold,
                        comparisonOperator: "GreaterThanThreshold",
                        treatMissingData: "notBreaching",
                        alarmActions: [topic.arn],
                    },
                    { parent: this, dependsOn: [policy] },
                );
            }
        }

        // SageMaker publishes no failed-job metric; the rule's TriggeredRules metric counts the failures.
        const failedTraining = new aws.cloudwatch.EventRule(
            `${name}-training-job-failed`,
            {
                name: `${args.namePrefix}-training-job-failed`,
                description: "Training jobs started by SageMaker Pipelines that failed (counted by the failed-training-jobs alarm)",
                eventPattern: JSON.stringify({
                    source: ["aws.sagemaker"],
                    "detail-type": ["SageMaker Training Job State Change"],
                    detail: { TrainingJobStatus: ["Failed"], TrainingJobName: [{ prefix: "pipelines-" }] },
                }),
            },
            { parent: this },
        );
        const alarm = new aws.cloudwatch.MetricAlarm(
            `${name}-training-jobs-failed`,
            {
                name: `${args.namePrefix}-training-jobs-failed`,
                alarmDescription: [
                    "A SageMaker training job started by a pipeline failed in the last 5 minutes.",
                    `Find it: ${console}/sagemaker/home?region=${args.region}#/jobs (status Failed) or yolo-pipeline executions.`,
                    "Capacity errors retry on their own; an AlgorithmError is in the job's log (/aws/sagemaker/TrainingJobs).",
                ].join(" "),
                namespace: "AWS/Events",
                metricName: "TriggeredRules",
                dimensions: { RuleName: failedTraining.name },
                statistic: "Sum",
                period: 300,
                evaluationPeriods: 1,
                threshold: 1,
                comparisonOperator: "GreaterThanOrEqualToThreshold",
                treatMissingData: "notBreaching",
                alarmActions: [topic.arn],
            },
            { parent: this, dependsOn: [policy] },
        );

        this.topicArn = topic.arn;
        this.alarmName = alarm.name;
        this.registerOutputs({ topicArn: this.topicArn, alarmName: this.alarmName });
    }
}

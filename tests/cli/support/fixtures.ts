// Responses the tests feed the CLI: an evaluation report in the shape of pipeline-scripts/evaluation.schema.json
// and pipeline execution steps as ListPipelineExecutionSteps returns them.
import type { PipelineExecutionStep } from "@aws-sdk/client-sagemaker";
import type { EvaluationReport } from "../../../cli/evaluation";

export const EVALUATION_REPORT_FIXTURE: EvaluationReport = {
    schema_version: "1.0",
    split: "test",
    fallback_reason: null,
    detection_metrics: {
        mAP50: { value: 0.8123 },
        mAP50_95: { value: 0.5347 },
        precision: { value: 0.7781 },
        recall: { value: 0.7012 },
    },
    per_class: [
        { class_id: 0, class_name: "person", instances: 412, mAP50: 0.85, mAP50_95: 0.56, precision: 0.8, recall: 0.74 },
        { class_id: 1, class_name: "vehicle", instances: 198, mAP50: 0.77, mAP50_95: 0.51, precision: 0.75, recall: 0.66 },
    ],
    dataset: { images: 120, instances: 610, class_names: ["person", "vehicle"] },
    model: { weights: "best.pt", variant: "yolo11n", image_size: 640 },
};

export const T0 = new Date("2025-06-01T10:00:00Z");
export const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);

export function step(name: string, status: string, startSeconds?: number, endSeconds?: number, extra: Partial<PipelineExecutionStep> = {}): PipelineExecutionStep {
    return {
        StepName: name,
        StepStatus: status as PipelineExecutionStep["StepStatus"],
        ...(startSeconds !== undefined ? { StartTime: at(startSeconds) } : {}),
        ...(endSeconds !== undefined ? { EndTime: at(endSeconds) } : {}),
        AttemptCount: 1,
        ...extra,
    };
}

export const MODEL_PACKAGE_ARN = "arn:aws:sagemaker:us-east-1:123456789012:model-package/drone-dev-yolo11-detector/3";

/** A Condition step of the quality gate as ListPipelineExecutionSteps lists it: its outcome in Metadata.Condition. */
export function conditionStep(name: string, outcome: "True" | "False", startSeconds: number): PipelineExecutionStep {
    return step(name, "Succeeded", startSeconds, startSeconds + 1, { Metadata: { Condition: { Outcome: outcome } } });
}

/** A Fail step: Failed, with the resolved ErrorMessage in Metadata.Fail. */
export function failStep(name: string, errorMessage: string, startSeconds: number): PipelineExecutionStep {
    return step(name, "Failed", startSeconds, startSeconds + 1, { Metadata: { Fail: { ErrorMessage: errorMessage } } });
}

/** A RegisterModel step that created `arn` (Metadata.RegisterModel.Arn). */
export function registerModelStep(name: string, arn: string, startSeconds: number): PipelineExecutionStep {
    return step(name, "Succeeded", startSeconds, startSeconds + 2, { Metadata: { RegisterModel: { Arn: arn } } });
}

/** The gate's message as the FailMAP50_95 step resolves it at run time (see qualityGate in components/pipelineDefinition.ts). */
export const GATE_FAILURE_MESSAGE =
    "Quality gate: mAP50-95 0.1204 is below the minimum MinMAP50_95=0.15; the model was not registered. Evaluation report: s3://lucaskle-ab3-project-pv/evaluation/k3xq9c0fz1ab/evaluation.json";

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

// Responses the tests feed the CLI: an evaluation report in the shape of pipeline-scripts/evaluation.schema.json
// and pipeline execution steps as ListPipelineExecutionSteps returns them.
import type { PipelineExecutionStep } from "@aws-sdk/client-sagemaker";
import * as zlib from "zlib";
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

/** An answer of the endpoint for one 640x480 PNG, in the shape of pipeline-scripts/detections.schema.json (what inference.py writes). */
export const DETECTIONS_FIXTURE = {
    schema_version: "1.0",
    image: { format: "PNG", bytes: 1234, width: 640, height: 480, aspect_ratio: 1.3333, megapixels: 0.3072, brightness: 118.42, contrast: 41.07, sharpness: 212.5, color_diversity: 6.134 },
    detections: [
        { class_id: 0, class_name: "vehicle", score: 0.9132, box: { xyxy: [12.25, 40, 120.5, 98.75], xywhn: [0.1037, 0.1442, 0.1691, 0.1224] } },
        { class_id: 1, class_name: "person", score: 0.6418, box: { xyxy: [300, 200.4, 318.6, 250], xywhn: [0.4833, 0.4692, 0.0291, 0.1033] } },
        { class_id: 2, class_name: "building", score: 0.3127, box: { xyxy: [400, 10, 639, 300], xywhn: [0.8117, 0.3229, 0.3734, 0.6042] } },
    ],
    model: { weights: "best.pt", sha256: "ab".repeat(32), variant: "yolo11n", class_names: ["vehicle", "person", "building"], trained_image_size: 640 },
    settings: { confidence: 0.25, iou: 0.7, max_detections: 300, image_size: 640, device: "cpu" },
    speed_ms: { measure: 3.1, preprocess: 1.2, inference: 48.7, postprocess: 0.9 },
};

/** A real PNG (8-bit RGB, a grey gradient): signature, IHDR, one zlib IDAT, IEND, each chunk with its CRC. */
export function pngImage(width = 64, height = 48): Buffer {
    const chunk = (type: string, data: Buffer) => {
        const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
        const length = Buffer.alloc(4);
        length.writeUInt32BE(data.length);
        const crc = Buffer.alloc(4);
        crc.writeUInt32BE(zlib.crc32(body));
        return Buffer.concat([length, body, crc]);
    };
    const header = Buffer.alloc(13);
    header.writeUInt32BE(width, 0);
    header.writeUInt32BE(height, 4);
    header.set([8, 2, 0, 0, 0], 8);
    const rows = Buffer.alloc(height * (1 + width * 3));
    for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
            rows.fill((x * 4) & 0xff, y * (1 + width * 3) + 1 + x * 3, y * (1 + width * 3) + 4 + x * 3);
        }
    }
    return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk("IHDR", header), chunk("IDAT", zlib.deflateSync(rows)), chunk("IEND", Buffer.alloc(0))]);
}

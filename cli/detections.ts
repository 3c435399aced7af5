// The endpoint's answer for one image, whose shape pipeline-scripts/detections.schema.json states (inference.py
// writes it, Model Monitor's record preprocessor reads it): checked against that schema, so that a client never
// renders a half-understood answer, and rendered as a table.
import Ajv2020 from "ajv/dist/2020";
import type { ValidateFunction } from "ajv";
import * as fs from "fs";
import * as path from "path";
import { PROJECT_ROOT } from "../tools/stackConfig";
import { table } from "./format";

export const DETECTIONS_SCHEMA = path.join(PROJECT_ROOT, "pipeline-scripts", "detections.schema.json");

export interface Detection {
    readonly class_id: number;
    readonly class_name: string;
    readonly score: number;
    readonly box: { readonly xyxy: readonly number[]; readonly xywhn: readonly number[] };
}

export interface DetectionsResponse {
    readonly schema_version: string;
    readonly image: {
        readonly format: string;
        readonly bytes: number;
        readonly width: number;
        readonly height: number;
        readonly aspect_ratio: number;
        readonly megapixels: number;
        readonly brightness: number;
        readonly contrast: number;
        readonly sharpness: number;
        readonly color_diversity: number;
    };
    readonly detections: readonly Detection[];
    readonly model: { readonly weights: string; readonly sha256: string; readonly variant: string | null; readonly class_names: readonly string[]; readonly trained_image_size: number };
    readonly settings: { readonly confidence: number; readonly iou: number; readonly max_detections: number; readonly image_size: number; readonly device: string };
    readonly speed_ms?: Readonly<Record<string, number>>;
}

let validator: ValidateFunction | undefined;

/** The schema's problems with `value` (empty when it conforms), as `path: message` lines. */
export function detectionsProblems(value: unknown): string[] {
    validator ??= new Ajv2020({ allErrors: true, strict: false }).compile(JSON.parse(fs.readFileSync(DETECTIONS_SCHEMA, "utf8")));
    if (validator(value)) {
        return [];
    }
    return (validator.errors ?? []).map((error) => `${error.instancePath || "(the response)"} ${error.message ?? "is invalid"}`);
}

const round = (value: number, digits: number) => Number(value.toFixed(digits)).toString();

/** The detections at or above `minConfidence`, highest score first (the endpoint's own order), as a table. */
export function detectionsTable(response: DetectionsResponse, minConfidence = 0): string {
    const shown = response.detections.filter((detection) => detection.score >= minConfidence);
    return table(
        ["CLASS", "SCORE", "BOX (x1, y1, x2, y2 px)"],
        shown.map((detection) => [detection.class_name, detection.score.toFixed(3), detection.box.xyxy.map((value) => round(value, 1)).join(", ")]),
    );
}

/** One line of the image statistics the endpoint measured (the features Model Monitor watches). */
export function imageStatisticsLine(response: DetectionsResponse): string {
    const image = response.image;
    return [
        `image: ${image.format} ${image.width}x${image.height}`,
        `${round(image.megapixels, 2)} MP`,
        `${image.bytes} bytes`,
        `brightness ${round(image.brightness, 1)}`,
        `contrast ${round(image.contrast, 1)}`,
        `sharpness ${round(image.sharpness, 1)}`,
        `colour diversity ${round(image.color_diversity, 2)} bits`,
    ].join(", ");
}

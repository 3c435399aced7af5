// `invoke --image FILE`: one image to the stack's endpoint, the detections back as a table. The file is judged
// before any AWS call (an image inference.py decodes, within InvokeEndpoint's size limit), and the answer is held
// to detections.schema.json before anything is shown from it.
import { InvokeEndpointCommand, InvokeEndpointCommandOutput } from "@aws-sdk/client-sagemaker-runtime";
import { Command, Option } from "commander";
import * as fs from "fs";
import { ActionFactory, CommandContext } from "../context";
import { DetectionsResponse, detectionsProblems, detectionsTable, imageStatisticsLine } from "../detections";
import { endpointNames, isMissingEndpoint, noEndpoint, requireDeployment } from "../endpoint";
import { CliError, EXIT, UsageError } from "../errors";
import { writeLine } from "../io";

/** InvokeEndpoint's largest request body (botocore's service model: BodyBlob max 6291456 bytes, 6 MB). */
export const MAX_BODY_BYTES = 6 * 1024 * 1024;

/** The content types inference.py accepts (IMAGE_CONTENT_TYPES); it decodes JPEG and PNG data. */
export const CONTENT_TYPES = ["auto", "image/jpeg", "image/png", "application/x-image"] as const;
type ContentType = (typeof CONTENT_TYPES)[number];

const SIGNATURES = [
    { format: "JPEG", contentType: "image/jpeg", bytes: [0xff, 0xd8, 0xff] },
    { format: "PNG", contentType: "image/png", bytes: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a] },
] as const;

export interface InvokeOptions {
    readonly image?: string;
    readonly contentType: string;
    readonly minConfidence?: string;
}

export interface InvokeRequest {
    readonly body: Uint8Array;
    readonly contentType: Exclude<ContentType, "auto">;
    readonly format: "JPEG" | "PNG";
    readonly minConfidence: number;
}

/** The image's format by its leading bytes, whatever its name says (as inference.py judges it). */
export function imageFormat(data: Uint8Array): (typeof SIGNATURES)[number] | undefined {
    return SIGNATURES.find((signature) => signature.bytes.every((byte, index) => data[index] === byte));
}

/** Everything about the request that needs no AWS call; every problem at once. */
export function invokeRequest(options: InvokeOptions): InvokeRequest {
    const problems: string[] = [];
    if (!(CONTENT_TYPES as readonly string[]).includes(options.contentType)) {
        problems.push(`--content-type: ${JSON.stringify(options.contentType)} is not allowed; expected one of ${CONTENT_TYPES.join(", ")} (what the endpoint's inference.py accepts).`);
    }
    let minConfidence = 0;
    if (options.minConfidence !== undefined) {
        minConfidence = Number(options.minConfidence);
        if (options.minConfidence.trim() === "" || !Number.isFinite(minConfidence) || minConfidence < 0 || minConfidence > 1) {
            problems.push(`--min-confidence: ${JSON.stringify(options.minConfidence)} is not allowed; expected a number from 0 to 1.`);
        }
    }
    const file = options.image ?? "";
    let body: Uint8Array | undefined;
    let stat: fs.Stats | undefined;
    try {
        stat = fs.statSync(file);
    } catch {
        problems.push(`--image: ${JSON.stringify(file)}: no such file.`);
    }
    if (stat !== undefined && !stat.isFile()) {
        problems.push(`--image: ${JSON.stringify(file)} is not a file.`);
    } else if (stat !== undefined && stat.size > MAX_BODY_BYTES) {
        problems.push(`--image: ${JSON.stringify(file)} is ${stat.size} bytes; InvokeEndpoint takes at most ${MAX_BODY_BYTES} (6 MB). Send a smaller or more compressed image.`);
    } else if (stat !== undefined && stat.size === 0) {
        problems.push(`--image: ${JSON.stringify(file)} is empty.`);
    } else if (stat !== undefined) {
        body = fs.readFileSync(file);
    }
    const signature = body === undefined ? undefined : imageFormat(body);
    if (body !== undefined && signature === undefined) {
        problems.push(`--image: ${JSON.stringify(file)} is neither a JPEG nor a PNG image (by its leading bytes); the endpoint decodes only those.`);
    }
    const wanted = options.contentType as ContentType;
    if (signature !== undefined && (wanted === "image/jpeg" || wanted === "image/png") && wanted !== signature.contentType) {
        problems.push(`--content-type: ${wanted} does not match the file, which is ${signature.format} data; use ${signature.contentType} or auto.`);
    }
    if (problems.length > 0) {
        throw new UsageError(problems);
    }
    return { body: body!, contentType: wanted === "auto" ? signature!.contentType : (wanted as InvokeRequest["contentType"]), format: signature!.format, minConfidence };
}

/** inference.py's refusals come back as ModelError with the container's status and message. */
function modelError(error: unknown, endpoint: string): CliError | undefined {
    if (!(error instanceof Error) || error.name !== "ModelError") {
        return undefined;
    }
    const details = error as { OriginalStatusCode?: number; OriginalMessage?: string; LogStreamArn?: string };
    const logs = details.LogStreamArn ? ` (logs: ${details.LogStreamArn})` : "";
    return new CliError(`ModelError: the model behind ${endpoint} answered HTTP ${details.OriginalStatusCode ?? "?"}: ${details.OriginalMessage ?? error.message}${logs}`);
}

export function parseDetections(text: string, endpoint: string): DetectionsResponse {
    let value: unknown;
    try {
        value = JSON.parse(text);
    } catch {
        throw new CliError(`${endpoint} answered something that is not JSON (${JSON.stringify(text.slice(0, 80))}); the stack's inference.py answers detections.schema.json.`);
    }
    const problems = detectionsProblems(value);
    if (problems.length > 0) {
        throw new CliError(`${endpoint} answered JSON that does not follow pipeline-scripts/detections.schema.json: ${problems.slice(0, 5).join("; ")}`);
    }
    return value as DetectionsResponse;
}

export async function invokeCommand(context: CommandContext, options: InvokeOptions): Promise<number> {
    requireDeployment(context.stack, "invoke");
    const request = invokeRequest(options);
    const { endpoint } = endpointNames(context.stack);
    let answer: InvokeEndpointCommandOutput;
    try {
        answer = await context.clients.sagemakerRuntime.send(
            new InvokeEndpointCommand({ EndpointName: endpoint, ContentType: request.contentType, Accept: "application/json", Body: request.body }),
        );
    } catch (error) {
        if (isMissingEndpoint(error)) {
            throw noEndpoint(context.stack, endpoint);
        }
        throw modelError(error, endpoint) ?? error;
    }
    const text = answer.Body ? answer.Body.transformToString("utf-8") : "";
    const response = parseDetections(text, endpoint);
    const { io } = context;
    if (context.options.json) {
        writeLine(io.stdout, text);
        return EXIT.ok;
    }
    const shown = response.detections.filter((detection) => detection.score >= request.minConfidence).length;
    writeLine(io.stdout, detectionsTable(response, request.minConfidence));
    writeLine(io.stdout, imageStatisticsLine(response));
    const threshold = request.minConfidence > 0 ? `, ${shown} with score >= ${request.minConfidence}` : "";
    const model = `${response.model.variant ?? "model"} ${response.model.sha256.slice(0, 12)}`;
    writeLine(
        io.stderr,
        `${endpoint} (${model}${answer.InvokedProductionVariant ? `, variant ${answer.InvokedProductionVariant}` : ""}): ${response.detections.length} detections at confidence >= ${response.settings.confidence}${threshold}`,
    );
    return EXIT.ok;
}

export function registerInvoke(program: Command, action: ActionFactory): void {
    program
        .command("invoke")
        .summary("send one image to the stack's endpoint and show the detections")
        .description(
            "Send a JPEG or PNG image to the stack's endpoint (InvokeEndpoint) and print the detections (class, score, box) and the image statistics the endpoint measured; --json prints the endpoint's answer as it came.",
        )
        .requiredOption("--image <file>", `JPEG or PNG image, at most ${MAX_BODY_BYTES} bytes`)
        .addOption(new Option("--content-type <type>", "Content-Type of the request; auto takes it from the file's leading bytes").choices([...CONTENT_TYPES]).default("auto"))
        .option("--min-confidence <score>", "show only detections with at least this score (0-1; the endpoint applies its own threshold first)")
        .addHelpText("after", "\nExit codes: 0 answered, 2 bad file or flags (nothing sent), 1 no endpoint, a model error or an answer not in detections.schema.json.\n\nExamples:\n  $ yolo-pipeline --stack prod invoke --image flight-42/frame-0001.jpg\n  $ yolo-pipeline --stack prod --json invoke --image frame.png | jq '.detections | length'")
        .action(action(invokeCommand));
}

// The InputFingerprint `start` sends: a digest of the listing PrepareDataset will copy. SageMaker keys a cached
// processing step by its arguments and input URIs, never by the objects under them, so without it a run on the
// default prefix after new uploads would be handed the old preparation for up to cachePrepareDays. With it the
// cache key changes exactly when a key, an ETag or a size under the prefix does.
import { ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { createHash } from "crypto";
import { PARAMETERS } from "../components/pipelineDefinition";
import { DATASET_READY_MARKER } from "../components/s3Layout";
import { DeployedDefinition, effectiveParameters } from "./definition";
import type { PipelineParameterValue } from "./validation";

/** What PrepareDataset reads for a URI: the prefix itself, or the folder of a `_READY` marker (prepare.py reads that). */
export function listedPrefix(uri: string): { bucket: string; prefix: string } | undefined {
    const match = /^s3:\/\/([^/]+)\/(.*)$/.exec(uri);
    if (!match) {
        return undefined;
    }
    const [, bucket, key] = match;
    const marker = key === DATASET_READY_MARKER || key.endsWith(`/${DATASET_READY_MARKER}`);
    return { bucket, prefix: marker ? key.slice(0, key.length - DATASET_READY_MARKER.length) : key };
}

/** SHA-256 over `key \t ETag \t size` lines in key order: the same objects give the same digest, whoever lists them. */
export async function listingFingerprint(s3: S3Client, bucket: string, prefix: string): Promise<{ digest: string; objects: number }> {
    const lines: string[] = [];
    let token: string | undefined;
    do {
        const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
        for (const object of page.Contents ?? []) {
            lines.push(`${object.Key}\t${object.ETag}\t${object.Size}\n`);
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    lines.sort();
    return { digest: createHash("sha256").update(lines.join("")).digest("hex"), objects: lines.length };
}

export interface Fingerprinted {
    readonly parameters: PipelineParameterValue[];
    /** One line for stderr: what was listed, or why nothing was (the run then starts without a fingerprint). */
    readonly note?: string;
    readonly warning?: string;
}

/**
 * `parameters` with InputFingerprint of the input the run will prepare (InputData + InputKey, given or default), in the
 * definition's parameter order. Unchanged when the deployed definition has no such parameter (deployed before it) or the
 * user set it. A listing S3 refuses does not stop the start: the run only loses the cache's protection, and says so.
 */
export async function withInputFingerprint(s3: S3Client, definition: DeployedDefinition, parameters: PipelineParameterValue[]): Promise<Fingerprinted> {
    const declared = definition.Parameters.some((p) => p.Name === PARAMETERS.inputFingerprint);
    if (!declared || parameters.some((p) => p.Name === PARAMETERS.inputFingerprint)) {
        return { parameters };
    }
    const values = effectiveParameters(definition, parameters);
    const uri = `${values[PARAMETERS.inputData] ?? ""}${values[PARAMETERS.inputKey] ?? ""}`;
    const listed = listedPrefix(uri);
    if (listed === undefined) {
        return { parameters };
    }
    const where = `s3://${listed.bucket}/${listed.prefix}`;
    let fingerprint: { digest: string; objects: number };
    try {
        fingerprint = await listingFingerprint(s3, listed.bucket, listed.prefix);
    } catch (error) {
        const { name, message } = error as Error;
        return {
            parameters,
            warning: `${where} could not be listed (${name}: ${message}); ${PARAMETERS.inputFingerprint} stays empty, so if caching is on a run on the same URI may reuse an earlier preparation although the objects changed (pass --param ${PARAMETERS.inputFingerprint}=<anything new> to prepare again).`,
        };
    }
    const order = definition.Parameters.map((p) => p.Name);
    const added = [...parameters, { Name: PARAMETERS.inputFingerprint, Value: fingerprint.digest }].sort((a, b) => order.indexOf(a.Name) - order.indexOf(b.Name));
    return {
        parameters: added,
        note: `input ${where}: ${fingerprint.objects} object(s), ${PARAMETERS.inputFingerprint} ${fingerprint.digest.slice(0, 12)}… (a cached preparation is reused only for these same objects)`,
        ...(fingerprint.objects === 0 ? { warning: `${where} holds no objects; PrepareDataset will find no dataset there (source_not_found).` } : {}),
    };
}

// AWS clients of the CLI. Credentials, region and endpoints come from the SDK's standard provider chain
// (flags, AWS_* variables, the profile in ~/.aws/config), so AWS_ENDPOINT_URL points the CLI at an
// emulator without a code path of its own.
import { S3Client } from "@aws-sdk/client-s3";
import { SageMakerClient } from "@aws-sdk/client-sagemaker";

export interface ClientOptions {
    readonly profile: string;
    /** Undefined lets the SDK resolve it (AWS_REGION, then the profile's `region`). */
    readonly region?: string;
}

export interface Clients {
    readonly sagemaker: SageMakerClient;
    readonly s3: S3Client;
}

/**
 * Adaptive mode adds client-side rate limiting to the standard retries, which is what a `watch` polling
 * next to other tools in the same account needs when SageMaker throttles. Retries reuse the request,
 * so a StartPipelineExecution retried by the SDK carries the same ClientRequestToken.
 */
export const RETRY = { retryMode: "adaptive", maxAttempts: 6 } as const;

/** Emulators and S3-compatible stores serve buckets by path only; AWS itself prefers virtual-hosted names. */
export function usesCustomS3Endpoint(env: NodeJS.ProcessEnv = process.env): boolean {
    return Boolean(env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL);
}

export function createClients(options: ClientOptions): Clients {
    const common = {
        profile: options.profile,
        ...(options.region ? { region: options.region } : {}),
        ...RETRY,
    };
    return {
        sagemaker: new SageMakerClient(common),
        s3: new S3Client({ ...common, forcePathStyle: usesCustomS3Endpoint() }),
    };
}

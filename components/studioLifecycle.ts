// The JupyterLab lifecycle script (studio/jupyterlab-on-start.sh) as the Studio API takes it: the code
// bundle's S3 URI filled in, base64-encoded, within the API's size limit. Pure, for testing.
import * as crypto from "crypto";
import * as fs from "fs";

export const CODE_BUNDLE_PLACEHOLDER = "@CODE_BUNDLE_URI@";
/** StudioLifecycleConfigContent: at most 16384 characters of base64. */
export const MAX_LIFECYCLE_CONTENT = 16_384;

export function renderLifecycleScript(script: string, codeBundleUri: string): string {
    const occurrences = script.split(CODE_BUNDLE_PLACEHOLDER).length - 1;
    if (occurrences !== 1) {
        throw new Error(`The Studio lifecycle script must contain ${CODE_BUNDLE_PLACEHOLDER} exactly once (it has ${occurrences}); the stack fills in the code bundle's S3 URI there.`);
    }
    if (!/^s3:\/\/[a-z0-9.-]+\/\S+$/.test(codeBundleUri)) {
        throw new Error(`Code bundle URI ${JSON.stringify(codeBundleUri)} is not an s3:// object URI.`);
    }
    const content = Buffer.from(script.replace(CODE_BUNDLE_PLACEHOLDER, codeBundleUri), "utf-8").toString("base64");
    if (content.length > MAX_LIFECYCLE_CONTENT) {
        throw new Error(`The Studio lifecycle script is ${content.length} characters in base64, above SageMaker's limit of ${MAX_LIFECYCLE_CONTENT}; move work into the code bundle.`);
    }
    return content;
}

export function lifecycleContentFromFile(scriptPath: string, codeBundleUri: string): string {
    return renderLifecycleScript(fs.readFileSync(scriptPath, "utf-8"), codeBundleUri);
}

/**
 * Lifecycle configurations cannot be updated, only replaced, and SageMaker keeps the one a domain uses until
 * the domain moves off it: a name that follows the content lets Pulumi create the new one first.
 */
export function lifecycleConfigName(stem: string, content: string): string {
    return `${stem}-${crypto.createHash("sha256").update(content).digest("hex").slice(0, 8)}`;
}

// The deployed stack's outputs as `pulumi stack output --json` prints them (the file the notebooks read through
// STACK_OUTPUTS too). A command whose request names the stack's own resources by ARN takes them from here when it
// can: the stack's account is in no config file, and a name built from config alone is only what the checkout
// would deploy, not what is deployed.
import * as fs from "fs";
import type { PlatformConfig } from "../components/config";
import { UsageError } from "./errors";

export type StackOutputs = Readonly<Record<string, unknown>>;

/** The file's JSON object; a missing, unreadable or non-object file is refused (exit 2) naming `flag`. */
export function readStackOutputs(file: string, flag: string, stack: string): StackOutputs {
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch (error) {
        throw new UsageError([`${flag}: ${JSON.stringify(file)} cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); write it with \`pulumi stack output --json --stack ${stack} > ${file}\`.`]);
    }
    let parsed: unknown;
    try {
        parsed = JSON.parse(text);
    } catch {
        throw new UsageError([`${flag}: ${JSON.stringify(file)} is not JSON; expected what \`pulumi stack output --json\` prints.`]);
    }
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
        throw new UsageError([`${flag}: ${JSON.stringify(file)} holds ${Array.isArray(parsed) ? "an array" : typeof parsed}, not the JSON object \`pulumi stack output --json\` prints.`]);
    }
    return parsed as StackOutputs;
}

export interface LabelingOutputs {
    readonly roleArn: string;
    readonly labelCategoryConfigUri: string;
    readonly workteamArn: string;
    /** Absent in outputs of a stack deployed before the output existed. */
    readonly outputKmsKeyArn?: string;
}

const IAM_ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/;
const KMS_ALIAS_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:alias\/[\w/-]+$/;

/**
 * The `labeling` outputs, checked to be this stack's: its bucket, and the work team its config names (a
 * different team means the config changed since the last `pulumi up`, and IAM still permits only the old one).
 */
export function labelingOutputs(outputs: StackOutputs, stack: PlatformConfig, flag: string): LabelingOutputs {
    const where = `${flag} (stack ${stack.stack})`;
    if (outputs.bucketName !== undefined && outputs.bucketName !== stack.bucket.name) {
        throw new UsageError([`${where}: the outputs are of bucket ${JSON.stringify(outputs.bucketName)}, not ${stack.bucket.name}; pass the outputs of stack ${stack.stack} (pulumi stack output --json --stack ${stack.stack}).`]);
    }
    const labeling = outputs.labeling as Record<string, unknown> | undefined;
    if (labeling === undefined || labeling === null || typeof labeling !== "object") {
        throw new UsageError([`${where}: the outputs have no labeling object; the deployed stack has labeling off. Run pulumi up with labeling: true first.`]);
    }
    const problems: string[] = [];
    const text = (key: string, pattern: RegExp, expected: string, optional = false): string | undefined => {
        const value = labeling[key];
        if (value === undefined && optional) {
            return undefined;
        }
        if (typeof value !== "string" || !pattern.test(value)) {
            problems.push(`${where}: labeling.${key} ${JSON.stringify(value ?? null)} is not allowed; expected ${expected}.`);
            return undefined;
        }
        return value;
    };
    const roleArn = text("roleArn", IAM_ROLE_ARN, "an IAM role ARN");
    const labelCategoryConfigUri = text("labelCategoryConfigUri", new RegExp(`^s3://${stack.bucket.name.replace(/\./g, "\\.")}/labeling/\\S+\\.json$`), `a JSON object under s3://${stack.bucket.name}/labeling/`);
    const workteamArn = text("workteamArn", /^arn:/, "a work team ARN");
    const outputKmsKeyArn = text("outputKmsKeyArn", KMS_ALIAS_ARN, "a KMS alias ARN", true);
    if (workteamArn !== undefined && workteamArn !== stack.labeling.workteamArn) {
        problems.push(`${where}: the deployed stack's work team is ${workteamArn}, but Pulumi.${stack.stack}.yaml names ${stack.labeling.workteamArn}; run pulumi up first (IAM lets data scientists send jobs only to the deployed one).`);
    }
    if (problems.length > 0) {
        throw new UsageError(problems);
    }
    return { roleArn: roleArn!, labelCategoryConfigUri: labelCategoryConfigUri!, workteamArn: workteamArn!, ...(outputKmsKeyArn ? { outputKmsKeyArn } : {}) };
}

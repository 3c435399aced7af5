// IAM users in the emulator, and moto's IAM authorization switch, for tests of what a persona may do.
// The project has no IAM client (only SageMaker and S3), so the IAM Query API is called directly; moto
// routes a request by the service in its Authorization header and, while authorization is off, does
// not check the signature.
import * as fs from "fs";
import * as path from "path";
import type { PolicyDocument } from "../../../components/iamDocuments";
import { TEST_REGION } from "./aws";

export interface AccessKey {
    readonly accessKeyId: string;
    readonly secretAccessKey: string;
}

async function iam(endpoint: string, parameters: Record<string, string>): Promise<string> {
    const response = await fetch(endpoint, {
        method: "POST",
        headers: {
            "content-type": "application/x-www-form-urlencoded; charset=utf-8",
            authorization: `AWS4-HMAC-SHA256 Credential=testing/20250101/${TEST_REGION}/iam/aws4_request, SignedHeaders=host, Signature=0`,
        },
        body: new URLSearchParams({ ...parameters, Version: "2010-05-08" }).toString(),
    });
    const text = await response.text();
    if (!response.ok) {
        throw new Error(`IAM ${parameters.Action} failed: HTTP ${response.status} ${text}`);
    }
    return text;
}

/** A user with `policy` inline and an access key (while moto's IAM authorization is off). */
export async function createIamUser(endpoint: string, userName: string, policy: PolicyDocument): Promise<AccessKey> {
    await iam(endpoint, { Action: "CreateUser", UserName: userName });
    await iam(endpoint, { Action: "PutUserPolicy", UserName: userName, PolicyName: `${userName}-policy`, PolicyDocument: JSON.stringify(policy) });
    const created = await iam(endpoint, { Action: "CreateAccessKey", UserName: userName });
    const field = (name: string) => {
        const value = new RegExp(`<${name}>([^<]+)</${name}>`).exec(created)?.[1];
        if (value === undefined) {
            throw new Error(`CreateAccessKey returned no ${name}: ${created}`);
        }
        return value;
    };
    return { accessKeyId: field("AccessKeyId"), secretAccessKey: field("SecretAccessKey") };
}

/**
 * A policy's actions on every resource, without conditions. moto authorizes a SageMaker request against
 * resource `*` (it knows no SageMaker resource ARNs), so a statement scoped to the stack's ARNs would never
 * apply there; widened, the policy still allows exactly its actions, which is what a persona test checks.
 */
export function actionsOnAnyResource(policy: PolicyDocument): PolicyDocument {
    return {
        ...policy,
        Statement: policy.Statement.map(({ Condition: _condition, ...statement }) => ({ ...statement, Resource: "*" })),
    };
}

/**
 * Turns moto's IAM authorization on (every request is then checked against the caller's policies) or
 * off (the default: anything goes).
 */
export async function setIamAuthorization(endpoint: string, on: boolean): Promise<void> {
    const response = await fetch(`${endpoint}/moto-api/reset-auth`, { method: "POST", body: on ? "0" : "inf" });
    if (!response.ok) {
        throw new Error(`moto reset-auth failed: HTTP ${response.status}`);
    }
}

/** A credentials file in `dir` giving profile `profile` the key (for AWS_SHARED_CREDENTIALS_FILE). */
export function credentialsFile(dir: string, name: string, key: AccessKey, profile = "ab"): string {
    const file = path.join(dir, `credentials-${name}`);
    fs.writeFileSync(file, `[${profile}]\naws_access_key_id = ${key.accessKeyId}\naws_secret_access_key = ${key.secretAccessKey}\n`);
    return file;
}

// Shared helpers for the policy pack's tests, in the manner of pulumi-policy-aws's test utilities: build
// resources (by type token and inputs), run the pack in-process, and assert on violations by policy name
// and message fragment.
import {
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
    unknownCheckingProxy,
} from "@pulumi/policy";
import { expect } from "chai";
import { REQUIRED_TAG_KEYS } from "../../policies/catalog";
import { Evaluation, evaluateDetailed, OfflineResource, Violation, withPolicyUnknowns } from "../../policies/offline";
import { policies } from "../../policies/policies";

export const ACCOUNT = "123456789012";
export const REGION = "us-east-1";
export const BUCKET = "drone-data-bucket";
export const KEY_ARN = `arn:aws:kms:${REGION}:${ACCOUNT}:key/11111111-2222-3333-4444-555555555555`;

/** What the Pulumi SDK records for a value unknown during preview (the mocks capture exactly this). */
export const UNKNOWN_INPUT = { __pulumiUnknown: true } as const;

/** Cost-allocation tags, so a resource built for one policy does not trip the tagging rule. */
export const COST_TAGS: Record<string, string> = Object.fromEntries(REQUIRED_TAG_KEYS.map((key) => [key, `test-${key}`]));

let counter = 0;

/** A resource by type token; names default to `<short type>-<n>`. */
export function resource(type: string, props: Record<string, unknown>, name?: string): OfflineResource {
    const short = type.split(":").pop()!.toLowerCase();
    return { type, name: name ?? `${short}-${++counter}`, props };
}

export async function run(resources: OfflineResource[], config?: Record<string, unknown>): Promise<Evaluation> {
    return evaluateDetailed(resources, config);
}

export async function violationsOf(resources: OfflineResource[], config?: Record<string, unknown>): Promise<Violation[]> {
    return (await run(resources, config)).violations;
}

function describe(violations: Violation[]): string {
    return violations.length === 0 ? "(none)" : violations.map((v) => `  [${v.enforcementLevel}] ${v.policy} (${v.resource ?? "stack"}): ${v.message}`).join("\n");
}

/** Asserts a violation of `policy` whose message contains every fragment (and names `resource`, when given). */
export function assertHasViolation(violations: Violation[], policy: string, fragments: string | string[], resource?: string): Violation {
    const wanted = Array.isArray(fragments) ? fragments : [fragments];
    const found = violations.find(
        (v) => v.policy === policy && wanted.every((fragment) => v.message.includes(fragment)) && (resource === undefined || v.resource === resource),
    );
    if (!found) {
        expect.fail(`expected a ${policy} violation containing ${JSON.stringify(wanted)}${resource ? ` on ${resource}` : ""}; got:\n${describe(violations)}`);
    }
    return found;
}

/** Asserts no violations at all, or none of the given policies. */
export function assertNoViolations(violations: Violation[], ...policyNames: string[]): void {
    const relevant = policyNames.length === 0 ? violations : violations.filter((v) => policyNames.includes(v.policy));
    if (relevant.length > 0) {
        expect.fail(`expected no violations${policyNames.length ? ` of ${policyNames.join(", ")}` : ""}; got:\n${describe(relevant)}`);
    }
}

// ---- Direct policy runs with engine-shaped args (to test unknownCheckingProxy behaviour) ----

const EMPTY_OPTIONS: PolicyResourceOptions = {
    protect: false,
    ignoreChanges: [],
    aliases: [],
    customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
    additionalSecretOutputs: [],
};

class NotApplicable extends Error {}

/** ResourceValidationArgs as the engine builds them: props behind unknownCheckingProxy, unknowns as sentinels. */
export function resourceValidationArgs(type: string, props: Record<string, unknown>, name = "under-test"): ResourceValidationArgs {
    const proxied = unknownCheckingProxy(withPolicyUnknowns(props));
    return {
        type,
        props: proxied,
        urn: `urn:pulumi:test::test::${type}::${name}`,
        name,
        opts: EMPTY_OPTIONS,
        stackTags: new Map(),
        isType: () => false,
        asType: () => undefined,
        getConfig: <T extends object>() => ({}) as T,
        notApplicable: (reason?: string) => {
            throw new NotApplicable(reason);
        },
    };
}

export function stackValidationArgs(resources: OfflineResource[]): StackValidationArgs {
    return {
        resources: resources.map((r) => ({
            type: r.type,
            name: r.name,
            urn: `urn:pulumi:test::test::${r.type}::${r.name}`,
            props: unknownCheckingProxy(withPolicyUnknowns(r.props)),
            opts: EMPTY_OPTIONS,
            dependencies: [],
            propertyDependencies: {},
            isType: () => false,
            asType: () => undefined,
        })),
        stackTags: new Map(),
        getConfig: <T extends object>() => ({}) as T,
        notApplicable: (reason?: string) => {
            throw new NotApplicable(reason);
        },
    };
}

/** Runs one policy directly; returns its messages and what it threw (UnknownValueError, NotApplicable, …). */
export async function runPolicyDirectly(
    policy: ResourceValidationPolicy | StackValidationPolicy,
    args: ResourceValidationArgs | StackValidationArgs,
): Promise<{ messages: string[]; thrown?: unknown; notApplicable: boolean }> {
    const messages: string[] = [];
    const report = (message: string) => void messages.push(message);
    try {
        if ("validateStack" in policy) {
            await policy.validateStack(args as StackValidationArgs, report);
        } else {
            const validations = Array.isArray(policy.validateResource) ? policy.validateResource : [policy.validateResource!];
            for (const validation of validations) {
                await validation(args as ResourceValidationArgs, report);
            }
        }
        return { messages, notApplicable: false };
    } catch (error) {
        return { messages, thrown: error, notApplicable: error instanceof NotApplicable };
    }
}

export function policyNamed(name: string): ResourceValidationPolicy | StackValidationPolicy {
    const policy = policies.find((p) => p.name === name);
    if (!policy) {
        throw new Error(`no policy ${name}`);
    }
    return policy;
}

// ---- IAM documents ----

export interface TestStatement {
    Sid?: string;
    Effect: "Allow" | "Deny";
    Principal?: unknown;
    NotPrincipal?: unknown;
    Action?: string | string[];
    NotAction?: string | string[];
    Resource?: string | string[];
    NotResource?: string | string[];
    Condition?: Record<string, Record<string, unknown>>;
}

export function document(...statements: TestStatement[]): string {
    return JSON.stringify({ Version: "2012-10-17", Statement: statements });
}

export function rolePolicy(policy: string | object, role = "test-role", name?: string): OfflineResource {
    return resource("aws:iam/rolePolicy:RolePolicy", { role, name: "access", policy }, name);
}

export const SAGEMAKER_TRUST = document({
    Effect: "Allow",
    Principal: { Service: "sagemaker.amazonaws.com" },
    Action: "sts:AssumeRole",
    Condition: { StringEquals: { "aws:SourceAccount": ACCOUNT } },
});

export function role(name: string, props: Record<string, unknown> = {}, resourceName?: string): OfflineResource {
    return resource("aws:iam/role:Role", { name, assumeRolePolicy: SAGEMAKER_TRUST, tags: { ...COST_TAGS }, ...props }, resourceName);
}

// ---- Pipeline definitions ----

export const TRAINING_TYPES = ["ml.g4dn.xlarge", "ml.g4dn.2xlarge", "ml.g5.xlarge"];
export const PROCESSING_TYPES = ["ml.g4dn.xlarge", "ml.g5.xlarge"];

export type Json = Record<string, any>;

/** A compliant Training step (NVMe GPU types by parameter, spot with checkpoints, encrypted output). */
export function trainingStep(name = "Train"): Json {
    return {
        Name: name,
        Type: "Training",
        Arguments: {
            AlgorithmSpecification: { TrainingImage: "763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-training:2.8.0-gpu", TrainingInputMode: "File" },
            RoleArn: `arn:aws:iam::${ACCOUNT}:role/pipeline`,
            OutputDataConfig: { S3OutputPath: { Get: "Parameters.OutputPath" }, KmsKeyId: KEY_ARN },
            ResourceConfig: {
                InstanceType: { Get: "Parameters.TrainingInstanceType" },
                InstanceCount: { Get: "Parameters.TrainingInstanceCount" },
                VolumeSizeInGB: 50,
            },
            StoppingCondition: { MaxRuntimeInSeconds: 14_400, MaxWaitTimeInSeconds: 28_800 },
            EnableManagedSpotTraining: true,
            CheckpointConfig: { S3Uri: `s3://${BUCKET}/checkpoints/`, LocalPath: "/opt/ml/checkpoints" },
            EnableInterContainerTrafficEncryption: true,
        },
    };
}

/** A compliant Processing step on one NVMe GPU instance with an encrypted output. */
export function processingStep(name = "Evaluate"): Json {
    return {
        Name: name,
        Type: "Processing",
        Arguments: {
            ProcessingResources: { ClusterConfig: { InstanceType: { Get: "Parameters.EvaluationInstanceType" }, InstanceCount: 1, VolumeSizeInGB: 50 } },
            AppSpecification: { ImageUri: "763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-training:2.8.0-gpu" },
            RoleArn: `arn:aws:iam::${ACCOUNT}:role/pipeline`,
            ProcessingOutputConfig: {
                Outputs: [{ OutputName: "evaluation", S3Output: { S3Uri: `s3://${BUCKET}/evaluation/`, LocalPath: "/opt/ml/processing/evaluation", S3UploadMode: "EndOfJob" } }],
                KmsKeyId: KEY_ARN,
            },
            StoppingCondition: { MaxRuntimeInSeconds: 3_600 },
            NetworkConfig: { EnableInterContainerTrafficEncryption: true },
        },
    };
}

export function parameters(): Json[] {
    return [
        { Name: "OutputPath", Type: "String", DefaultValue: `s3://${BUCKET}/models/` },
        { Name: "TrainingInstanceType", Type: "String", DefaultValue: "ml.g4dn.xlarge", EnumValues: [...TRAINING_TYPES] },
        { Name: "TrainingInstanceCount", Type: "Integer", DefaultValue: 1 },
        { Name: "EvaluationInstanceType", Type: "String", DefaultValue: "ml.g4dn.xlarge", EnumValues: [...PROCESSING_TYPES] },
    ];
}

export function definition(steps: Json[] = [trainingStep(), processingStep()], params: Json[] = parameters()): Json {
    return { Version: "2020-12-01", Metadata: {}, Parameters: params, Steps: steps };
}

export function pipeline(def: Json | string = definition(), name?: string, extra: Record<string, unknown> = {}): OfflineResource {
    return resource(
        "aws:sagemaker/pipeline:Pipeline",
        {
            pipelineName: "yolo-training",
            pipelineDisplayName: "yolo-training",
            roleArn: `arn:aws:iam::${ACCOUNT}:role/pipeline`,
            pipelineDefinition: typeof def === "string" ? def : JSON.stringify(def),
            tags: { ...COST_TAGS },
            ...extra,
        },
        name,
    );
}

/** A deep copy of `value` changed by `edit`, for table-driven variants. */
export function variant<T>(value: T, edit: (copy: T) => void): T {
    const copy = structuredClone(value);
    edit(copy);
    return copy;
}

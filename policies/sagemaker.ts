// Encryption inside SageMaker Pipeline definitions: output keys, volume keys (NVMe vs EBS) and
// inter-container traffic encryption for every Training and Processing step, Condition branches included.
import { ScopedResourcePolicy } from "./appliesTo";
import { ResourceValidationArgs } from "@pulumi/policy";
import { knobs, listText } from "./knobs";
import {
    candidates,
    clustersOf,
    Definition,
    isPipeline,
    JobStep,
    jobSteps,
    parseDefinition,
    resolve,
    storageKind,
    volumeKeyOf,
} from "./pipeline";

/**
 * Runs `check` on the pipeline's inline definition. The definition is read through the unknown-checking
 * proxy, so a definition that is unknown during preview skips the policy (the stack keeps it known).
 */
export async function withDefinition(
    args: ResourceValidationArgs,
    check: (definition: Definition, pipeline: string) => void | Promise<void>,
): Promise<void> {
    if (!isPipeline(args.type)) {
        args.notApplicable("not a SageMaker pipeline");
    }
    const raw = args.props.pipelineDefinition;
    if (raw === undefined) {
        args.notApplicable("no inline pipelineDefinition (sagemaker-pipeline-definition-checkable reports it)");
    }
    let definition: Definition;
    try {
        definition = parseDefinition(raw);
    } catch {
        return args.notApplicable("the pipelineDefinition is malformed (sagemaker-pipeline-definition-checkable reports it)");
    }
    await check(definition, `Pipeline ${args.name}`);
}

export const sagemakerPipelineDefinitionCheckable: ScopedResourcePolicy = {
    appliesTo: isPipeline,
    name: "sagemaker-pipeline-definition-checkable",
    description:
        "SageMaker pipelines carry their definition inline (pipelineDefinition, not pipelineDefinitionS3Location) as JSON with a Steps list whose Training and Processing steps have Arguments, so the encryption and cost rules can check every step.",
    enforcementLevel: "mandatory",
    configSchema: { properties: {} },
    validateResource: (args, reportViolation) => {
        if (!isPipeline(args.type)) {
            args.notApplicable("not a SageMaker pipeline");
        }
        const raw = args.props.pipelineDefinition;
        if (raw === undefined) {
            const inS3 = args.props.pipelineDefinitionS3Location !== undefined;
            reportViolation(
                inS3
                    ? `Pipeline ${args.name} keeps its definition in S3 (pipelineDefinitionS3Location), where this pack cannot check it; pass the definition inline as pipelineDefinition.`
                    : `Pipeline ${args.name} has no pipelineDefinition; pass the definition inline.`,
            );
            return;
        }
        try {
            parseDefinition(raw);
        } catch (error) {
            reportViolation(`Pipeline ${args.name} pipelineDefinition ${(error as Error).message}; fix the definition.`);
        }
    },
};

export const sagemakerPipelineOutputKms: ScopedResourcePolicy = {
    appliesTo: isPipeline,
    name: "sagemaker-pipeline-output-kms",
    description:
        "In every SageMaker pipeline definition, each Training step sets OutputDataConfig.KmsKeyId and each Processing step with outputs sets ProcessingOutputConfig.KmsKeyId (Condition branches included), so models and reports are written with the stack's key.",
    enforcementLevel: "mandatory",
    configSchema: { properties: {} },
    validateResource: (args, reportViolation) =>
        withDefinition(args, (definition, pipeline) => {
            for (const step of jobSteps(definition.steps)) {
                if (step.type === "Training" && !hasValue(step.args.OutputDataConfig?.KmsKeyId)) {
                    reportViolation(`${pipeline}: ${step.label} must set OutputDataConfig.KmsKeyId to the stack's KMS key.`);
                }
                if (step.type === "Processing" && step.args.ProcessingOutputConfig && !hasValue(step.args.ProcessingOutputConfig.KmsKeyId)) {
                    reportViolation(`${pipeline}: ${step.label} must set ProcessingOutputConfig.KmsKeyId to the stack's KMS key.`);
                }
            }
        }),
};

function hasValue(value: unknown): boolean {
    return value !== undefined && value !== null && value !== "";
}

interface VolumeKnobs {
    instanceStorage: Record<string, "nvme" | "ebs">;
}
const volumeSchema = {
    properties: {
        instanceStorage: {
            type: "object" as const,
            additionalProperties: { type: "string" as const, enum: ["nvme", "ebs"] },
            default: {},
            description:
                "Per instance type, `nvme` (NVMe instance storage, hardware-encrypted) or `ebs`; overrides and extends the catalog's nvmeInstanceStorage.",
        },
    },
};

/** Every instance type a step's clusters can run on, with what could not be resolved. */
function stepInstanceTypes(step: JobStep, definition: Definition): { types: string[]; problems: string[] } {
    const types: string[] = [];
    const problems: string[] = [];
    for (const cluster of clustersOf(step)) {
        const resolution = resolve(cluster.instanceType, definition);
        if (resolution.kind === "absent") {
            problems.push(`${cluster.where}.InstanceType is missing`);
        } else if (resolution.kind === "unresolvable") {
            problems.push(`${cluster.where}.InstanceType ${resolution.reason}`);
        } else {
            types.push(...candidates(resolution).map(String));
        }
    }
    return { types: [...new Set(types)], problems };
}

export const sagemakerPipelineVolumeKms: ScopedResourcePolicy = {
    appliesTo: isPipeline,
    name: "sagemaker-pipeline-volume-kms",
    description:
        "Each Training and Processing step of a SageMaker pipeline encrypts its ML storage volumes correctly for the instance types it can run on (literal, or parameter DefaultValue and EnumValues): all EBS types → VolumeKmsKeyId is required; all NVMe-storage types (hardware-encrypted) → VolumeKmsKeyId must be absent, because SageMaker rejects it at run time; a mix cannot be configured correctly and is reported.",
    enforcementLevel: "mandatory",
    configSchema: volumeSchema,
    validateResource: (args, reportViolation) =>
        withDefinition(args, (definition, pipeline) => {
            const { instanceStorage } = knobs<VolumeKnobs>(args, volumeSchema);
            for (const step of jobSteps(definition.steps)) {
                const { types, problems } = stepInstanceTypes(step, definition);
                for (const problem of problems) {
                    reportViolation(`${pipeline}: ${step.label} ${problem}, so its volume encryption cannot be checked; use a literal or a {"Get": "Parameters.<name>"} with EnumValues.`);
                }
                const unknown = types.filter((type) => storageKind(type, instanceStorage) === undefined);
                if (unknown.length > 0) {
                    reportViolation(
                        `${pipeline}: ${step.label} can run on ${listText(unknown)}, whose instance storage is unknown; add the type to the catalog or to instanceStorage ("nvme" or "ebs").`,
                    );
                }
                const nvme = types.filter((type) => storageKind(type, instanceStorage) === "nvme");
                const ebs = types.filter((type) => storageKind(type, instanceStorage) === "ebs");
                const volumeKey = volumeKeyOf(step);
                if (nvme.length > 0 && ebs.length > 0) {
                    reportViolation(
                        `${pipeline}: ${step.label} can run on NVMe-storage types (${listText(nvme)}) and EBS types (${listText(ebs)}); SageMaker requires ${volumeKey.where} for EBS and rejects it for NVMe, so restrict the step (or its parameter's EnumValues) to one kind.`,
                    );
                } else if (nvme.length > 0 && hasValue(volumeKey.value)) {
                    reportViolation(
                        `${pipeline}: ${step.label} sets ${volumeKey.where} but runs on NVMe instance-storage types (${listText(nvme)}), which SageMaker encrypts in hardware and for which it rejects a volume key at run time; remove ${volumeKey.where}.`,
                    );
                } else if (ebs.length > 0 && !hasValue(volumeKey.value)) {
                    reportViolation(
                        `${pipeline}: ${step.label} runs on EBS-backed types (${listText(ebs)}) without ${volumeKey.where}; set it to the stack's KMS key.`,
                    );
                }
            }
        }),
};

/** Whether the step can run on more than one instance (a parameter or an expression counts as "can"). */
function canExceedOneInstance(step: JobStep, definition: Definition): boolean {
    const clusters = clustersOf(step);
    if (clusters.length > 1) {
        return true;
    }
    const resolution = resolve(clusters[0].instanceCount, definition);
    if (resolution.kind === "literal") {
        return Number(resolution.value) > 1;
    }
    return resolution.kind !== "absent";
}

export const sagemakerPipelineInterContainerEncryption: ScopedResourcePolicy = {
    appliesTo: isPipeline,
    name: "sagemaker-pipeline-inter-container-encryption",
    description:
        "Training steps (EnableInterContainerTrafficEncryption) and Processing steps (NetworkConfig.EnableInterContainerTrafficEncryption) whose instance count can exceed 1 (a literal above 1, a pipeline parameter or an expression) encrypt traffic between their instances.",
    enforcementLevel: "mandatory",
    configSchema: { properties: {} },
    validateResource: (args, reportViolation) =>
        withDefinition(args, (definition, pipeline) => {
            for (const step of jobSteps(definition.steps)) {
                if (!canExceedOneInstance(step, definition)) {
                    continue;
                }
                const [setting, value] =
                    step.type === "Training"
                        ? ["EnableInterContainerTrafficEncryption", step.args.EnableInterContainerTrafficEncryption]
                        : ["NetworkConfig.EnableInterContainerTrafficEncryption", step.args.NetworkConfig?.EnableInterContainerTrafficEncryption];
                if (value !== true) {
                    reportViolation(`${pipeline}: ${step.label} can run on several instances; set ${setting}: true.`);
                }
            }
        }),
};

export const sagemakerPolicies = [
    sagemakerPipelineDefinitionCheckable,
    sagemakerPipelineOutputKms,
    sagemakerPipelineVolumeKms,
    sagemakerPipelineInterContainerEncryption,
];

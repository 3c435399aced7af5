// SageMaker Pipeline definitions: that the pack can read them (inline, parseable, of step types it knows how to
// check or that a team allowed knowingly), and encryption inside them — output keys, volume keys (NVMe vs EBS)
// and inter-container traffic encryption for every job a step starts, Condition branches at any depth included.
import { ResourceValidationArgs } from "@pulumi/policy";
import { ScopedResourcePolicy } from "./appliesTo";
import { knobs, listText, stringList } from "./knobs";
import {
    allSteps,
    candidates,
    clustersOf,
    Definition,
    interContainerEncryptionOf,
    isKnownStepType,
    isPipeline,
    Job,
    jobsOf,
    outputKeyOf,
    parseDefinition,
    resolve,
    STEP_TYPES,
    storageKind,
    VolumeKnobs,
    volumeKeyOf,
    volumeSchema,
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
        "SageMaker pipelines carry their definition inline (pipelineDefinition, not pipelineDefinitionS3Location) as JSON with a Steps list whose job steps (Training, Processing, Tuning, Transform) and RegisterModel steps have Arguments, and whose Tuning steps have at least one training job definition (TrainingJobDefinition, TrainingJobDefinitions, or both), so the encryption and cost rules can check every step.",
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
                    ? `Pipeline ${args.name} keeps its definition in S3 (pipelineDefinitionS3Location), where this pack cannot read the instance types, runtimes, keys and cost of its steps; pass it inline instead: pipelineDefinition: JSON.stringify(definition) with the definition built in the program (or the text of the JSON file, e.g. fs.readFileSync("pipeline.json", "utf8") for what the SageMaker Python SDK's pipeline.definition() wrote), and drop pipelineDefinitionS3Location.`
                    : `Pipeline ${args.name} has no pipelineDefinition; pass the definition inline as a JSON string (pipelineDefinition: JSON.stringify(definition)).`,
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

/** The step types this project's pipeline uses: the default of allowedStepTypes. */
export const DEFAULT_ALLOWED_STEP_TYPES: readonly string[] = ["Training", "Processing", "Condition", "Fail", "RegisterModel"];

function typesOfKind(kind: (typeof STEP_TYPES)[keyof typeof STEP_TYPES]): string[] {
    return Object.keys(STEP_TYPES).filter((type) => STEP_TYPES[type as keyof typeof STEP_TYPES] === kind);
}

interface StepTypeKnobs {
    allowedStepTypes: string[];
}
const stepTypeSchema = {
    properties: {
        allowedStepTypes: stringList(
            `Pipeline step types a definition may contain. The pack checks the jobs of ${typesOfKind("jobs").join(", ")} steps like Training and Processing; ${typesOfKind(
                "opaque",
            ).join(", ")} steps start work it cannot see, so allowing them is accepting that.`,
            DEFAULT_ALLOWED_STEP_TYPES,
        ),
    },
};

/** Why a step type not in the allow-list is refused, and what allowing it means. */
function stepTypeConsequence(type: string): string {
    if (!isKnownStepType(type)) {
        return `a step type this pack does not know, so it cannot tell what the step starts or costs; if SageMaker has added it, review what it starts before adding "${type}" to allowedStepTypes`;
    }
    switch (STEP_TYPES[type]) {
        case "jobs":
            return `once "${type}" is in allowedStepTypes its jobs are checked like Training and Processing steps (instance allow-list, count, runtime, keys, the run's cost)`;
        case "opaque":
            return `it starts work this pack cannot inspect (instances, runtime, cost and encryption escape its rules); add "${type}" to allowedStepTypes only if the team accepts that`;
        default:
            return `it starts no billed compute; add "${type}" to allowedStepTypes if the pipeline needs it`;
    }
}

export const sagemakerPipelineStepTypesAllowed: ScopedResourcePolicy = {
    appliesTo: isPipeline,
    name: "sagemaker-pipeline-step-types-allowed",
    description: `Every step of a SageMaker pipeline definition, at any depth of Condition branches, has a type in allowedStepTypes (default: ${DEFAULT_ALLOWED_STEP_TYPES.join(", ")}). Step types that start compute the pack cannot inspect (${typesOfKind("opaque").join(", ")}) and types unknown to the pack (future ones) are refused unless the pack config lists them, so the cost ceiling and the instance allow-lists cannot be bypassed by picking another step kind.`,
    enforcementLevel: "mandatory",
    configSchema: stepTypeSchema,
    validateResource: (args, reportViolation) =>
        withDefinition(args, (definition, pipeline) => {
            const { allowedStepTypes } = knobs<StepTypeKnobs>(args, stepTypeSchema);
            for (const step of allSteps(definition.steps)) {
                const type = step.kind === "condition" ? "Condition" : step.kind === "register" ? "RegisterModel" : step.type;
                if (allowedStepTypes.includes(type)) {
                    continue;
                }
                const label = step.kind === "condition" ? `Condition step "${step.name}"` : step.label;
                reportViolation(
                    `${pipeline}: ${label} is of type ${type}, which is not in allowedStepTypes (${listText(allowedStepTypes, 12)}); ${stepTypeConsequence(type)}. Remove the step, or allow the type in the pack config: {"sagemaker-pipeline-step-types-allowed": {"allowedStepTypes": [..., "${type}"]}}.`,
                );
            }
        }),
};

export const sagemakerPipelineOutputKms: ScopedResourcePolicy = {
    appliesTo: isPipeline,
    name: "sagemaker-pipeline-output-kms",
    description:
        "In every SageMaker pipeline definition, each job writes its outputs with a KMS key (Condition branches included): Training jobs and a Tuning step's training job definitions set OutputDataConfig.KmsKeyId, Processing jobs with outputs ProcessingOutputConfig.KmsKeyId, Transform jobs TransformOutput.KmsKeyId, so models, reports and predictions are written with the stack's key. A key given as a pipeline parameter counts only when its DefaultValue and every EnumValue are non-empty: an empty default runs without the key.",
    enforcementLevel: "mandatory",
    configSchema: { properties: {} },
    validateResource: (args, reportViolation) =>
        withDefinition(args, (definition, pipeline) => {
            for (const job of jobsOf(definition.steps)) {
                const key = outputKeyOf(job);
                const inRuns = keyInRuns(key.value, definition);
                if (key.writesOutput && inRuns.state !== "always") {
                    reportViolation(`${pipeline}: ${job.label} must set ${key.where} to the stack's KMS key${inRuns.note}.`);
                }
            }
        }),
};

function hasValue(value: unknown): boolean {
    return value !== undefined && value !== null && value !== "";
}

/**
 * Whether a key setting names a key in every run (`always`), in none (`never`) or only in some (`sometimes`). A
 * `{"Get": "Parameters.X"}` counts with X's DefaultValue and EnumValues: an empty or missing default is no key
 * (SageMaker then uses its own), and an empty enum value is a run started without one. An expression only known
 * at run time (another step's output) counts as a key.
 */
function keyInRuns(value: unknown, definition: Definition): { state: "always" | "never" | "sometimes"; note: string } {
    const resolution = resolve(value, definition);
    if (resolution.kind !== "parameter") {
        const given = resolution.kind === "unresolvable" || (resolution.kind === "literal" && hasValue(resolution.value));
        return { state: given ? "always" : "never", note: "" };
    }
    const values = [resolution.defaultValue, ...(resolution.enumValues ?? [])];
    const keyed = values.filter(hasValue).length;
    const state = keyed === values.length ? "always" : keyed === 0 ? "never" : "sometimes";
    const defaultText = hasValue(resolution.defaultValue) ? "" : resolution.defaultValue === undefined ? ", which has no DefaultValue" : `, whose DefaultValue is ${JSON.stringify(resolution.defaultValue)}`;
    const enumText = keyed > 0 && (resolution.enumValues ?? []).some((option) => !hasValue(option)) ? ", and whose EnumValues offer an empty value" : "";
    return { state, note: state === "always" ? "" : ` (it is the parameter ${resolution.name}${defaultText}${enumText})` };
}

/** Every instance type a job's clusters can run on, with what could not be resolved. */
function jobInstanceTypes(job: Job, definition: Definition): { types: string[]; problems: string[] } {
    const types: string[] = [];
    const problems: string[] = [];
    for (const cluster of clustersOf(job)) {
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
        "Each job of a SageMaker pipeline (Training, Processing, a Tuning step's training job definitions, Transform) encrypts its ML storage volumes correctly for the instance types it can run on (literal, or parameter DefaultValue and EnumValues): all EBS types (ml.m5, ml.c5, ml.t3, ml.p3…) → VolumeKmsKeyId is required; all NVMe-storage types (ml.g4dn, ml.g5…, hardware-encrypted) → VolumeKmsKeyId must be absent, because SageMaker rejects it at run time; a mix cannot be configured correctly and is reported. A key given as a pipeline parameter counts with its DefaultValue and EnumValues: an empty or missing default, or an empty EnumValue, is a run without a key.",
    enforcementLevel: "mandatory",
    configSchema: volumeSchema,
    validateResource: (args, reportViolation) =>
        withDefinition(args, (definition, pipeline) => {
            const { instanceStorage } = knobs<VolumeKnobs>(args, volumeSchema);
            for (const job of jobsOf(definition.steps)) {
                const { types, problems } = jobInstanceTypes(job, definition);
                for (const problem of problems) {
                    reportViolation(`${pipeline}: ${job.label} ${problem}, so its volume encryption cannot be checked; use a literal or a {"Get": "Parameters.<name>"} with EnumValues.`);
                }
                const unknown = types.filter((type) => storageKind(type, instanceStorage) === undefined);
                if (unknown.length > 0) {
                    reportViolation(
                        `${pipeline}: ${job.label} can run on ${listText(unknown)}, whose instance storage is unknown; add the type to the catalog or to instanceStorage ("nvme" or "ebs").`,
                    );
                }
                const nvme = types.filter((type) => storageKind(type, instanceStorage) === "nvme");
                const ebs = types.filter((type) => storageKind(type, instanceStorage) === "ebs");
                const volumeKey = volumeKeyOf(job);
                const inRuns = keyInRuns(volumeKey.value, definition);
                if (nvme.length > 0 && ebs.length > 0) {
                    reportViolation(
                        `${pipeline}: ${job.label} can run on NVMe-storage types (${listText(nvme)}) and EBS types (${listText(ebs)}); SageMaker requires ${volumeKey.where} for EBS and rejects it for NVMe, so restrict the step (or its parameter's EnumValues) to one kind.`,
                    );
                } else if (nvme.length > 0 && inRuns.state !== "never") {
                    reportViolation(
                        `${pipeline}: ${job.label} sets ${volumeKey.where} but runs on NVMe instance-storage types (${listText(nvme)}), which SageMaker encrypts in hardware and for which it rejects a volume key at run time; remove ${volumeKey.where}.`,
                    );
                } else if (ebs.length > 0 && inRuns.state !== "always") {
                    reportViolation(
                        `${pipeline}: ${job.label} runs on EBS-backed types (${listText(ebs)}) without ${volumeKey.where}${inRuns.note}; set it to the stack's KMS key.`,
                    );
                }
            }
        }),
};

/** Whether the job can run on more than one instance (a parameter or an expression counts as "can"). */
function canExceedOneInstance(job: Job, definition: Definition): boolean {
    const clusters = clustersOf(job);
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
        "Training jobs and a Tuning step's training job definitions (EnableInterContainerTrafficEncryption) and Processing jobs (NetworkConfig.EnableInterContainerTrafficEncryption) whose instance count can exceed 1 (a literal above 1, a pipeline parameter or an expression) encrypt traffic between their instances. Transform jobs have no such setting (their instances do not talk to each other).",
    enforcementLevel: "mandatory",
    configSchema: { properties: {} },
    validateResource: (args, reportViolation) =>
        withDefinition(args, (definition, pipeline) => {
            for (const job of jobsOf(definition.steps)) {
                const setting = interContainerEncryptionOf(job);
                if (setting === undefined || !canExceedOneInstance(job, definition)) {
                    continue;
                }
                if (setting.value !== true) {
                    reportViolation(`${pipeline}: ${job.label} can run on several instances; set ${setting.where}: true.`);
                }
            }
        }),
};

export const sagemakerPolicies = [
    sagemakerPipelineDefinitionCheckable,
    sagemakerPipelineStepTypesAllowed,
    sagemakerPipelineOutputKms,
    sagemakerPipelineVolumeKms,
    sagemakerPipelineInterContainerEncryption,
];

// Model registry governance: duties separated by persona (the pipeline registers model versions, ML
// engineers approve or reject them, data scientists read, the group and its policy belong to the stack), and
// versions entering the registry pending a person's approval rather than approved by default.
import { ofTypes, ScopedResourcePolicy } from "./appliesTo";
import { StackValidationPolicy } from "@pulumi/policy";
import { PERSONA_TAG_KEY } from "./catalog";
import { booleanKnob, knobs, listText, stringList, stringListMap } from "./knobs";
import { MLFLOW_SERVER_TYPE } from "./mlflow";
import { PIPELINE_TYPE, registerSteps, resolve } from "./pipeline";
import { forbiddenActionSteps, roleNameOf, rolesTagged } from "./roleGrants";
import { withDefinition } from "./sagemaker";
import { eachKnown } from "./unknowns";

const GROUP_ACTIONS = [
    "sagemaker:CreateModelPackageGroup",
    "sagemaker:DeleteModelPackageGroup",
    "sagemaker:PutModelPackageGroupPolicy",
    "sagemaker:DeleteModelPackageGroupPolicy",
];

/** Model registry actions each persona may not hold, by default. */
export const DEFAULT_REGISTRY_FORBIDDEN_ACTIONS: Readonly<Record<string, readonly string[]>> = {
    // Read only: browse groups and versions, never register, approve or delete.
    "data-scientist": ["sagemaker:CreateModelPackage", "sagemaker:UpdateModelPackage", "sagemaker:DeleteModelPackage", ...GROUP_ACTIONS],
    // Approve or reject the pipeline's versions (UpdateModelPackage); versions only enter through the quality gate.
    "ml-engineer": ["sagemaker:CreateModelPackage", "sagemaker:DeleteModelPackage", ...GROUP_ACTIONS],
    // Register versions (CreateModelPackage), never approve its own output.
    pipeline: ["sagemaker:UpdateModelPackage", "sagemaker:DeleteModelPackage", ...GROUP_ACTIONS],
};

const DUTIES =
    "the pipeline registers model versions (CreateModelPackage), ML engineers approve or reject them (UpdateModelPackage), data scientists only read the registry, and the model package group and its resource policy belong to the stack";

interface RegistryKnobs {
    personaForbiddenActions: Record<string, string[]>;
    trustedPolicyArns: string[];
}
const registrySchema = {
    properties: {
        personaForbiddenActions: stringListMap(
            `Per \`${PERSONA_TAG_KEY}\` tag value, the model registry actions (wildcards allowed) its roles may not hold, directly or through wildcards such as sagemaker:* or sagemaker:Update*.`,
            DEFAULT_REGISTRY_FORBIDDEN_ACTIONS,
        ),
        trustedPolicyArns: stringList(
            "Managed policies that are not defined in the stack (so their documents cannot be checked) but may be attached to persona roles.",
            [],
        ),
    },
};

export const sagemakerModelRegistryPersonaSeparation: StackValidationPolicy = {
    name: "sagemaker-model-registry-persona-separation",
    description: `Model registry duties are separated by the \`${PERSONA_TAG_KEY}\` tag of IAM roles: data scientists cannot register, approve (UpdateModelPackage) or delete model versions or manage model package groups; the pipeline role registers but cannot approve; ML engineers approve or reject but do not register or delete. Wildcards (sagemaker:*, sagemaker:Update*) and NotAction count, over inline policies, RolePolicy resources and attached policies of the stack.`,
    enforcementLevel: "mandatory",
    configSchema: registrySchema,
    validateStack: async (args, reportViolation) => {
        const config = knobs<RegistryKnobs>(args, registrySchema);
        const forbiddenFor = (persona: unknown) => (typeof persona === "string" ? config.personaForbiddenActions[persona] ?? [] : []);
        const { roles, pending } = rolesTagged(args.resources, PERSONA_TAG_KEY, (value) => forbiddenFor(value).length > 0);
        if (roles.length === 0 && pending.length === 0) {
            args.notApplicable(`no role is tagged ${PERSONA_TAG_KEY} with a persona of personaForbiddenActions`);
        }
        const work: (() => Promise<void>)[] = [...pending];
        for (const role of roles) {
            const persona = String(role.props.tags[PERSONA_TAG_KEY]);
            const patterns = forbiddenFor(persona);
            const roleLabel = `role ${roleNameOf(role) ?? role.name} (${PERSONA_TAG_KEY}: ${persona})`;
            work.push(
                ...forbiddenActionSteps(role, args.resources, {
                    patterns,
                    trustedPolicyArns: config.trustedPolicyArns,
                    roleLabel,
                    unchecked: "its model registry actions",
                    why: DUTIES,
                    grantedMessage: (at, forbidden) =>
                        `${at} gives the ${roleLabel} ${listText(forbidden)}, which the ${persona} persona may not hold: ${DUTIES}. Remove ${forbidden.length > 1 ? "them" : "it"} (or change personaForbiddenActions).`,
                    reportViolation,
                }),
            );
        }
        await eachKnown(work, (step) => step());
    },
};

interface ApprovalKnobs {
    allowAutomaticModelRegistration: boolean;
}
const approvalSchema = {
    properties: {
        allowAutomaticModelRegistration: booleanKnob(
            "Accept MLflow tracking servers with automaticModelRegistration: true (every model registered in MLflow becomes a SageMaker model package version, outside the pipeline's quality gate).",
            false,
        ),
    },
};

const APPROVED = "Approved";

export const sagemakerModelApprovalManual: ScopedResourcePolicy = {
    appliesTo: ofTypes(PIPELINE_TYPE, MLFLOW_SERVER_TYPE),
    name: "sagemaker-model-approval-manual",
    description:
        'Model versions enter the SageMaker model registry pending a person\'s approval: a pipeline\'s RegisterModel steps (Condition branches included) must not default ModelApprovalStatus to "Approved" (a literal, or a parameter whose DefaultValue is "Approved"; an expression only known at run time is reported too), and MLflow tracking servers keep automaticModelRegistration off, so registered models come through the pipeline\'s quality gate.',
    enforcementLevel: "advisory",
    configSchema: approvalSchema,
    validateResource: async (args, reportViolation) => {
        if (args.type === MLFLOW_SERVER_TYPE) {
            const { allowAutomaticModelRegistration } = knobs<ApprovalKnobs>(args, approvalSchema);
            const automatic = args.props.automaticModelRegistration;
            if (!allowAutomaticModelRegistration && (automatic === true || automatic === "true")) {
                reportViolation(
                    `MLflow tracking server ${args.name} sets automaticModelRegistration: true, so every model registered in MLflow becomes a SageMaker model package version without passing the pipeline's quality gate; set it to false (or allowAutomaticModelRegistration in the pack config).`,
                );
            }
            return;
        }
        await withDefinition(args, (definition, pipeline) => {
            for (const step of registerSteps(definition.steps)) {
                const resolution = resolve(step.args.ModelApprovalStatus, definition);
                if (resolution.kind === "unresolvable") {
                    reportViolation(
                        `${pipeline}: ${step.label} ModelApprovalStatus ${resolution.reason}, so whether versions need approval cannot be told; use "PendingManualApproval" or a parameter that defaults to it.`,
                    );
                } else if (resolution.kind === "literal" && resolution.value === APPROVED) {
                    reportViolation(
                        `${pipeline}: ${step.label} registers every model version as "${APPROVED}"; set ModelApprovalStatus to "PendingManualApproval" (or a parameter defaulting to it) so an ML engineer approves each version.`,
                    );
                } else if (resolution.kind === "parameter" && resolution.defaultValue === APPROVED) {
                    reportViolation(
                        `${pipeline}: ${step.label} takes ModelApprovalStatus from parameter ${resolution.name}, whose DefaultValue is "${APPROVED}", so a run started without overrides approves its model; default it to "PendingManualApproval" so an ML engineer approves each version.`,
                    );
                }
            }
        });
    },
};

export const registryPolicies = [sagemakerModelRegistryPersonaSeparation, sagemakerModelApprovalManual];

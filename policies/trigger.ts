// The dataset trigger: an EventBridge rule that starts a SageMaker pipeline acts with the role of its target, so what
// that role may do is what anyone who can write a matching S3 object can make happen. The pack keeps it to starting
// the pipelines the stack's rules target, and makes every pipeline target use such a role, so that the check covers it.
import { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { PIPELINE_TRIGGER_SERVICE, SERVICE_TAG_KEY } from "./catalog";
import { hasWildcard, Statement } from "./iamDocument";
import { knobs, listText, stringList } from "./knobs";
import { reportExternalAttachment, roleNameOf, roleSteps, rolesTagged } from "./roleGrants";
import { indexOf, roleNameOfArn } from "./stackIndex";
import { eachKnown, peek, UNKNOWN } from "./unknowns";

const EVENT_TARGET_TYPE = "aws:cloudwatch/eventTarget:EventTarget";
const PIPELINE_ARN = /^arn:aws[a-z-]*:sagemaker:[a-z0-9-]+:\d{12}:pipeline\/[^/]+$/i;

interface TriggerKnobs {
    allowedActions: string[];
    trustedPolicyArns: string[];
}

const triggerSchema = {
    properties: {
        allowedActions: stringList("Actions a pipeline-trigger role may hold (on the pipelines its rules target).", ["sagemaker:StartPipelineExecution"]),
        trustedPolicyArns: stringList("Managed policies not defined in the stack that may nevertheless be attached to a pipeline-trigger role.", []),
    },
};

/** Problems of one Allow statement of a trigger role whose rules target `targets` (lowercased pipeline ARNs). */
function triggerStatementProblems(statement: Statement, config: TriggerKnobs, targets: ReadonlySet<string> | undefined): string[] {
    if (statement.notActions) {
        return [`allows every action except ${listText(statement.notActions)} (NotAction)`];
    }
    const allowed = new Set(config.allowedActions.map((action) => action.toLowerCase()));
    const actions = statement.actions ?? [];
    const problems: string[] = [];
    const other = actions.filter((action) => hasWildcard(action) || !allowed.has(action.toLowerCase()));
    if (other.length > 0) {
        problems.push(`allows ${listText(other.map((a) => `"${a}"`))}; a pipeline-trigger role may only hold ${listText(config.allowedActions)}`);
    }
    if (statement.notResources) {
        return [...problems, "applies to everything but its NotResource; name the pipeline its rule starts"];
    }
    if (targets === undefined) {
        return problems;
    }
    const resources = statement.resources ?? [];
    const untargeted = resources.filter((resource) => hasWildcard(resource) || !PIPELINE_ARN.test(resource) || !targets.has(resource.toLowerCase()));
    if (untargeted.length > 0) {
        const aimed = targets.size > 0 ? `the pipeline${targets.size > 1 ? "s" : ""} its rules target (${listText([...targets])})` : "a pipeline one of its rules targets (none does)";
        problems.push(`applies to ${listText(untargeted.map((r) => `"${r}"`))}, not only to ${aimed}`);
    }
    return problems;
}

export const sagemakerPipelineTriggerScoped: StackValidationPolicy = {
    name: "sagemaker-pipeline-trigger-scoped",
    description: `Every EventBridge target that starts a SageMaker pipeline acts with a role of the stack tagged \`${SERVICE_TAG_KEY}: ${PIPELINE_TRIGGER_SERVICE}\`, and every such role holds only allowedActions (sagemaker:StartPipelineExecution), with no wildcard and no NotAction or NotResource, on exactly the pipelines the targets using it start — counting inline policies, RolePolicy resources and attached policies of the stack. Its trust (only events.amazonaws.com, tied to the account) is iam-every-role-placed's and iam-trust-policy-restricted's.`,
    enforcementLevel: "mandatory",
    configSchema: triggerSchema,
    validateStack: async (args, reportViolation) => {
        const config = knobs<TriggerKnobs>(args, triggerSchema);
        const index = indexOf(args.resources);
        const { roles, pending } = rolesTagged(args.resources, SERVICE_TAG_KEY, (value) => value === PIPELINE_TRIGGER_SERVICE);
        const targets = index.ofType(EVENT_TARGET_TYPE);
        if (roles.length === 0 && pending.length === 0 && targets.length === 0) {
            args.notApplicable(`no EventBridge target and no role tagged ${SERVICE_TAG_KEY}: ${PIPELINE_TRIGGER_SERVICE}`);
        }
        // Pipelines each trigger role may start: those of the targets that use it. A target whose ARN or role is
        // unknown in preview leaves the sets incomplete, so resources are then not judged (the policy is not fully run).
        const targetsOf = new Map<PolicyResource, Set<string>>(roles.map((role) => [role, new Set<string>()]));
        let targetsKnown = true;
        const work: (() => Promise<void>)[] = [...pending];
        for (const target of targets) {
            const arn = peek(() => target.props.arn);
            const roleArn = peek(() => target.props.roleArn);
            if (arn === UNKNOWN && (roleArn === undefined || roleArn === null)) {
                continue; // EventBridge starts a pipeline only with a role: a target without one (an SNS topic's) cannot.
            }
            if (arn === UNKNOWN || roleArn === UNKNOWN) {
                targetsKnown = false;
                work.push(async () => void [target.props.arn, target.props.roleArn]);
                continue;
            }
            if (typeof arn !== "string" || !PIPELINE_ARN.test(arn)) {
                continue;
            }
            const name = typeof roleArn === "string" ? roleNameOfArn(roleArn) : undefined;
            const role = name === undefined ? undefined : index.role(name);
            if (!role || !targetsOf.has(role)) {
                reportViolation(
                    `${target.name} starts the pipeline ${arn} with ${roleArn === undefined ? "no role" : `the role ${JSON.stringify(roleArn)}`}, which is not a role of this stack tagged ${SERVICE_TAG_KEY}: ${PIPELINE_TRIGGER_SERVICE}, so the pack cannot keep what the trigger may do to starting that pipeline; give the target such a role.`,
                    target.urn,
                );
                continue;
            }
            targetsOf.get(role)!.add(arn.toLowerCase());
        }
        for (const role of roles) {
            const roleLabel = `the pipeline-trigger role ${roleNameOf(role) ?? role.name}`;
            work.push(
                ...roleSteps(role, args.resources, {
                    trustedPolicyArns: config.trustedPolicyArns,
                    external: reportExternalAttachment(reportViolation, roleLabel, "what the trigger can do"),
                    statement: ({ statement, grant, at }) => {
                        if (statement.effect !== "Allow") {
                            return;
                        }
                        for (const problem of triggerStatementProblems(statement, config, targetsKnown ? targetsOf.get(role)! : undefined)) {
                            reportViolation(`${at} (${roleLabel}) ${problem}.`, grant.holder.urn);
                        }
                    },
                }),
            );
        }
        await eachKnown(work, (step) => step());
    },
};

export const triggerPolicies = [sagemakerPipelineTriggerScoped];

// Ground Truth labeling: the drone imagery is shown to human workers, so who those workers are is the rule — a
// private (or vendor) work team, never the public Mechanical Turk crowd unless a team says so — and the labels
// come back encrypted with the stack's key. IAM is where that can be enforced (CreateLabelingJob carries the
// work team's ARN and type and the output key in its request context), so the pack checks the IAM statements
// that allow starting labeling jobs; and the role the jobs run as reaches only the images and its output prefix.
import { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { LABELING_SERVICE, SERVICE_TAG_KEY } from "./catalog";
import { coversAction } from "./iamActions";
import { carriesDocuments, Condition, documentSourcesOf, hasWildcard, parseDocument, Statement } from "./iamDocument";
import { booleanKnob, knobs, listText, stringList } from "./knobs";
import { serviceRoleSteps } from "./roleGrants";
import { indexOf } from "./stackIndex";
import { eachKnown, peek, UNKNOWN } from "./unknowns";

const CREATE_LABELING_JOB = "sagemaker:CreateLabelingJob";
const WORKTEAM_ARN = /^arn:aws[a-z-]*:sagemaker:[a-z0-9-]+:\d{12}:workteam\/(private-crowd|vendor-crowd|public-crowd)\/[^*?]+$/;
const POSITIVE = /^(ForAnyValue:)?(StringEquals|ArnEquals|StringEqualsIgnoreCase)$/;

/** The values a statement's positive, wildcard-free tests of `key` allow; undefined when it does not test the key that way. */
function confinedValues(statement: Statement, key: string): string[] | undefined {
    const tests = statement.conditions.filter((condition: Condition) => condition.key.toLowerCase() === key && POSITIVE.test(condition.operator));
    if (tests.length === 0) {
        return undefined;
    }
    const values = tests.flatMap((condition) => condition.values);
    return values.every((value) => typeof value === "string" && !hasWildcard(value)) ? (values as string[]) : undefined;
}

interface WorkforceKnobs {
    allowPublicWorkforce: boolean;
    allowVendorWorkforce: boolean;
}
const workforceSchema = {
    properties: {
        allowPublicWorkforce: booleanKnob("Accept labeling jobs sent to the public Amazon Mechanical Turk workforce (public-crowd): the imagery is then shown to anyone on it.", false),
        allowVendorWorkforce: booleanKnob("Accept labeling jobs sent to an AWS Marketplace vendor's work team (vendor-crowd), bound by the vendor's contract.", true),
    },
};

const KEY_TYPE = "aws:kms/key:Key";
const ALIAS_TYPE = "aws:kms/alias:Alias";
/** `alias/name`, or its ARN `arn:aws:kms:<region>:<account>:alias/name`. */
const ALIAS_REFERENCE = /^(?:arn:aws[a-z-]*:kms:([a-z0-9-]+):(\d{12}):)?(alias\/.+)$/;
/** The region and account of a SageMaker resource ARN (the labeling jobs a statement allows). */
const SAGEMAKER_ARN = /^arn:aws[a-z-]*:sagemaker:([a-z0-9-]+):(\d{12}):/;

/**
 * Whether a sagemaker:OutputKmsKeyArn value names a key of the stack: a KMS key of the stack by its ARN or key id,
 * or an alias of the stack by name, or by alias ARN — the alias's own ARN once known, and in preview (where
 * that ARN is computed) an ARN in the region and account of the labeling jobs the statement allows, which is
 * where the stack's alias is. A key ARN that matches no known key while some key's ARN is still unknown cannot
 * be judged yet: that key's ARN is read, so the rule waits for deployment (policies/unknowns.ts).
 */
function namesStackKey(value: string, resources: readonly PolicyResource[], statement: Statement): boolean {
    const index = indexOf(resources);
    const keys = index.ofType(KEY_TYPE);
    if (keys.some((key) => peek(() => key.props.arn) === value || peek(() => key.props.keyId) === value)) {
        return true;
    }
    const reference = ALIAS_REFERENCE.exec(value);
    if (reference) {
        const [, region, account, name] = reference;
        const alias = index.ofType(ALIAS_TYPE).find((candidate) => peek(() => candidate.props.name) === name);
        if (alias === undefined) {
            return false;
        }
        if (region === undefined) {
            return true; // A bare alias name resolves in the caller's own account and region.
        }
        const known = peek(() => alias.props.arn);
        if (typeof known === "string" && known.length > 0) {
            return known === value;
        }
        const jobs = (statement.resources ?? []).map((arn) => SAGEMAKER_ARN.exec(arn)).filter((match): match is RegExpExecArray => match !== null);
        return jobs.length > 0 && jobs.every(([, jobRegion, jobAccount]) => jobRegion === region && jobAccount === account);
    }
    for (const key of keys) {
        if (peek(() => key.props.arn) === UNKNOWN) {
            void key.props.arn;
        }
    }
    return false;
}

export const sagemakerLabelingWorkforcePrivate: StackValidationPolicy = {
    name: "sagemaker-labeling-workforce-private",
    description:
        "Every IAM statement that allows sagemaker:CreateLabelingJob (by name or through a wildcard) confines the work team — sagemaker:WorkteamArn tested positively against named private work teams (vendor teams if allowVendorWorkforce; the public Mechanical Turk crowd only if allowPublicWorkforce), or sagemaker:WorkteamType against private-crowd — and the output key: sagemaker:OutputKmsKeyArn tested against keys of the stack only (an aws.kms.Key of the stack by ARN or key id, or an aws.kms.Alias of the stack by name or by its ARN in the jobs' account and region), so that AWS itself refuses a job that would show the imagery to an unintended workforce or write labels unencrypted or with a key the stack does not control.",
    enforcementLevel: "mandatory",
    configSchema: workforceSchema,
    validateStack: async (args, reportViolation) => {
        const holders = args.resources.filter((resource) => carriesDocuments(resource.type, ["identity"]));
        if (holders.length === 0) {
            args.notApplicable("no resource carries an IAM policy");
        }
        const { allowPublicWorkforce, allowVendorWorkforce } = knobs<WorkforceKnobs>(args, workforceSchema);
        const allowedTypes = ["private-crowd", ...(allowVendorWorkforce ? ["vendor-crowd"] : []), ...(allowPublicWorkforce ? ["public-crowd"] : [])];
        const sources = holders.flatMap((holder) => documentSourcesOf(holder.type, holder.props, ["identity"]).map((source) => ({ holder, source })));
        await eachKnown(sources, async ({ holder, source }) => {
            const parsed = parseDocument(source.read());
            if (!("document" in parsed)) {
                return;
            }
            for (const statement of parsed.document.statements.filter((candidate) => candidate.effect === "Allow")) {
                // Allow+NotAction grants it too (iam-no-not-action-allow reports that form on its own).
                const grants = statement.notActions !== undefined || (statement.actions ?? []).some((action) => coversAction(action, CREATE_LABELING_JOB));
                if (!grants) {
                    continue;
                }
                const at = `${holder.name} ${source.where} ${statement.label}`;
                const teams = confinedValues(statement, "sagemaker:workteamarn");
                const types = confinedValues(statement, "sagemaker:workteamtype");
                const teamTypes = teams?.map((arn) => WORKTEAM_ARN.exec(arn)?.[1] ?? "not a work team ARN");
                const confinedByTeam = teamTypes !== undefined && teamTypes.every((type) => allowedTypes.includes(type));
                const confinedByType = types !== undefined && types.every((type) => allowedTypes.includes(type));
                if (!confinedByTeam && !confinedByType) {
                    const found = teams ? `names ${listText(teams)} (${listText([...new Set(teamTypes)])})` : types ? `allows work team types ${listText(types)}` : "does not confine the work team";
                    reportViolation(
                        `${at} allows ${CREATE_LABELING_JOB} but ${found}; allowed: ${listText(allowedTypes)}. Add {"StringEquals": {"sagemaker:WorkteamArn": "<private work team ARN>"}} (or allowPublicWorkforce in the pack config, if showing the imagery to the public crowd is intended).`,
                        holder.urn,
                    );
                }
                const keys = confinedValues(statement, "sagemaker:outputkmskeyarn");
                if (keys === undefined) {
                    reportViolation(
                        `${at} allows ${CREATE_LABELING_JOB} without a sagemaker:OutputKmsKeyArn condition, so a job may write its labels without the stack's key; add {"StringEquals": {"sagemaker:OutputKmsKeyArn": "<the stack's key or alias ARN>"}}.`,
                        holder.urn,
                    );
                    continue;
                }
                const foreign = keys.filter((key) => !namesStackKey(key, args.resources, statement));
                if (foreign.length > 0) {
                    reportViolation(
                        `${at} allows ${CREATE_LABELING_JOB} with sagemaker:OutputKmsKeyArn ${listText(foreign)}, which is not a key of the stack, so labels may be written with a key the stack does not control (or another account's); name the stack's aws.kms.Key ARN, or its alias ARN in the jobs' account and region.`,
                        holder.urn,
                    );
                }
            }
        });
    },
};

interface LabelingRoleKnobs {
    allowedActions: string[];
    writablePrefixes: string[];
    trustedPolicyArns: string[];
}
const labelingRoleSchema = {
    properties: {
        allowedActions: stringList("Actions the labeling role may hold (named, no wildcards).", [
            "s3:ListBucket",
            "s3:GetBucketLocation",
            "s3:GetObject",
            "s3:PutObject",
            "s3:AbortMultipartUpload",
            "kms:Decrypt",
            "kms:GenerateDataKey",
            "logs:CreateLogGroup",
            "logs:CreateLogStream",
            "logs:PutLogEvents",
            "logs:DescribeLogStreams",
            "cloudwatch:PutMetricData",
        ]),
        writablePrefixes: stringList("Key prefixes under which the labeling role may write objects (s3:PutObject, s3:AbortMultipartUpload).", ["labeling/"]),
        trustedPolicyArns: stringList("Managed policies not defined in the stack that may nevertheless be attached to the labeling role.", []),
    },
};

export const sagemakerLabelingRoleScoped: StackValidationPolicy = {
    name: "sagemaker-labeling-role-scoped",
    description: `Every role tagged \`${SERVICE_TAG_KEY}: ${LABELING_SERVICE}\` (the role Ground Truth labeling jobs run as) holds only named actions of allowedActions — S3 reads, S3 writes only under writablePrefixes (labeling/), the key through S3, the job's logs and metrics — counting inline policies, RolePolicy resources and attached policies of the stack; wildcards, NotAction and unreadable attached policies are reported.`,
    enforcementLevel: "mandatory",
    configSchema: labelingRoleSchema,
    validateStack: async (args, reportViolation) => {
        const config = knobs<LabelingRoleKnobs>(args, labelingRoleSchema);
        const { found, steps } = serviceRoleSteps(args.resources, LABELING_SERVICE, config, { role: "the labeling role", service: "Ground Truth" }, reportViolation);
        if (!found) {
            args.notApplicable(`no role is tagged ${SERVICE_TAG_KEY}: ${LABELING_SERVICE}`);
        }
        await eachKnown(steps, (step) => step());
    },
};

export const labelingPolicies = [sagemakerLabelingWorkforcePrivate, sagemakerLabelingRoleScoped];

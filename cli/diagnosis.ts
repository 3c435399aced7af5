// What to do when AWS cannot be used: the SDK reports a missing profile as "Region is missing" or
// "Could not load credentials from any providers", an expired SSO session, a closed port or a denied call
// each in its own words, none of which says what to run. `diagnose` turns those errors into one line naming
// the cause and the fix. It reads the shared config files with the SDK's own loader, so it sees the
// profiles exactly as the credential chain does; it never calls AWS.
import { loadSharedConfigFiles } from "@smithy/core/config";
import type { PlatformConfig } from "../components/config";
import { dataScientistPolicy, mlEngineerPolicy, PolicyDocument, servingPolicy, stackFeatures, studioAppsPolicy } from "../components/iamDocuments";
import { resourceNames, roleArn } from "../components/naming";
import { Persona } from "../policies/catalog";
import { actionOf, endpointOf, inputOf } from "./clients";
import { accessDeniedCode, awsErrorCode, deniedPrincipal } from "./errors";

/**
 * `access-denied`: AWS answered and IAM said no. `not-found`: AWS answered that what the command acts on is
 * not there (the stack not deployed yet, a mistyped name). The others mean AWS could not be asked at all (no
 * profile, region or valid credentials, or no connection). After any but `access-denied` a `--dry-run` can
 * still say what it would send.
 */
export type ProblemKind = "profile" | "region" | "credentials" | "expired" | "endpoint" | "access-denied" | "not-found";

export interface AwsProblem {
    readonly kind: ProblemKind;
    /** One line, without the `error: ` prefix. */
    readonly message: string;
}

export interface SetupFacts {
    /** The profile the clients were given. */
    readonly profile: string;
    /** --region, when given. */
    readonly region?: string;
    readonly stack: PlatformConfig;
    readonly env?: NodeJS.ProcessEnv;
}

/** The call IAM refused, in words (`approve model versions`); the action name is added in brackets. */
export interface Doing {
    readonly doing?: string;
}

// Node's socket errors (connection refused or reset, no such host, DNS not answering, unreachable network)
// and the HTTP handler's own timeouts.
const NETWORK_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ENOTFOUND", "EAI_AGAIN", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "EPIPE"]);
// Temporary credentials past their expiry, as each protocol names it.
const EXPIRED_CODES = new Set(["ExpiredToken", "ExpiredTokenException", "TokenRefreshRequired"]);
// Keys AWS does not know, or a secret that does not match them.
const REJECTED_KEY_CODES = new Set(["UnrecognizedClientException", "InvalidClientTokenId", "InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidSignatureException"]);

interface ProfileFacts {
    readonly exists: boolean;
    readonly region?: string;
    /** IAM Identity Center: credentials come from `aws sso login`. */
    readonly sso: boolean;
    /** Temporary keys (aws_session_token) written into the files. */
    readonly sessionToken: boolean;
    /** A role the profile assumes, with the credentials of source_profile or of credential_source. */
    readonly roleArn?: string;
    readonly sourceProfile?: string;
    readonly credentialSource?: string;
    /** What source_profile names: whether the files have it, and whether it gives credentials of any kind. */
    readonly source?: { readonly exists: boolean; readonly givesCredentials: boolean };
    /** A command that prints the credentials. */
    readonly credentialProcess?: string;
    readonly configFile: string;
    readonly credentialsFile: string;
}

type Settings = Readonly<Record<string, string | undefined>>;

/** Any of the ways the SDK's profile provider can get credentials from a profile's settings. */
const givesCredentials = (settings: Settings) =>
    ["aws_access_key_id", "sso_session", "sso_start_url", "role_arn", "credential_process", "web_identity_token_file"].some((key) => settings[key] !== undefined);

async function profileFacts(profile: string, env: NodeJS.ProcessEnv): Promise<ProfileFacts> {
    const configFile = env.AWS_CONFIG_FILE || "~/.aws/config";
    const credentialsFile = env.AWS_SHARED_CREDENTIALS_FILE || "~/.aws/credentials";
    const files = await loadSharedConfigFiles({ configFilepath: configFile, filepath: credentialsFile, ignoreCache: true });
    const settingsOf = (name: string): Settings | undefined => {
        const config = files.configFile[name];
        const credentials = files.credentialsFile[name];
        return config === undefined && credentials === undefined ? undefined : { ...config, ...credentials };
    };
    const settings = settingsOf(profile) ?? {};
    const sourceProfile = settings.source_profile;
    const source = sourceProfile !== undefined ? settingsOf(sourceProfile) : undefined;
    return {
        exists: settingsOf(profile) !== undefined,
        region: settings.region,
        sso: settings.sso_session !== undefined || settings.sso_start_url !== undefined,
        sessionToken: settings.aws_session_token !== undefined,
        roleArn: settings.role_arn,
        sourceProfile,
        credentialSource: settings.credential_source,
        source: sourceProfile !== undefined ? { exists: source !== undefined, givesCredentials: source !== undefined && givesCredentials(source) } : undefined,
        credentialProcess: settings.credential_process,
        configFile,
        credentialsFile,
    };
}

/** One line with the cause and the fix, or undefined for an error that is not about reaching AWS. */
export async function diagnose(error: unknown, facts: SetupFacts, options: Doing = {}): Promise<AwsProblem | undefined> {
    if (!(error instanceof Error)) {
        return undefined;
    }
    const env = facts.env ?? process.env;
    const denied = accessDeniedCode(error);
    if (denied !== undefined) {
        return { kind: "access-denied", message: accessDeniedMessage(error, denied, facts, options) };
    }
    const missing = isNotFound(error) ? await missingMessage(error, facts, env) : undefined;
    if (missing !== undefined) {
        return { kind: "not-found", message: missing };
    }
    const code = (error as { code?: unknown }).code;
    if ((typeof code === "string" && NETWORK_CODES.has(code)) || error.name === "TimeoutError") {
        return { kind: "endpoint", message: endpointMessage(error, typeof code === "string" ? code : error.name, facts, env) };
    }
    const awsCode = awsErrorCode(error) ?? "";
    const credentialChain = error.name === "CredentialsProviderError" || error.name === "TokenProviderError";
    const regionMissing = error.message === "Region is missing";
    if (!regionMissing && !credentialChain && !EXPIRED_CODES.has(awsCode) && !REJECTED_KEY_CODES.has(awsCode)) {
        return undefined;
    }

    const profile = await profileFacts(facts.profile, env);
    const name = JSON.stringify(facts.profile);
    const region = facts.stack.aws.region;
    if (!profile.exists && (regionMissing || credentialChain)) {
        return {
            kind: "profile",
            message:
                `AWS profile ${name} is not set up: ${profile.configFile} has no [profile ${facts.profile}] and ${profile.credentialsFile} no [${facts.profile}]. ` +
                `Run \`aws configure --profile ${facts.profile}\` (access key, secret key, region ${region}), or \`aws configure sso --profile ${facts.profile}\` for IAM Identity Center.` +
                environmentKeysNote(env, facts.profile),
        };
    }
    if (regionMissing) {
        return {
            kind: "region",
            message:
                `no AWS region: --region is not given, AWS_REGION is not set and profile ${name} has no region. ` +
                `Pass --region ${region} (stack ${facts.stack.stack}'s region) or run \`aws configure set region ${region} --profile ${facts.profile}\`.`,
        };
    }
    const ssoLogin = /aws sso login/i.test(error.message);
    if (ssoLogin || (EXPIRED_CODES.has(awsCode) && profile.sso)) {
        return {
            kind: "expired",
            message: `the SSO session of profile ${name} has expired or was never started. Run \`aws sso login --profile ${facts.profile}\`, then try again.`,
        };
    }
    if (EXPIRED_CODES.has(awsCode)) {
        const where = profile.sessionToken ? ` (aws_session_token in ${profile.credentialsFile})` : "";
        return {
            kind: "expired",
            message:
                `${awsCode}: the temporary credentials of profile ${name} have expired${where}. ` +
                `Get new ones where they came from (e.g. your MFA or role login), or set long-term keys with \`aws configure --profile ${facts.profile}\`.`,
        };
    }
    if (REJECTED_KEY_CODES.has(awsCode)) {
        return {
            kind: "credentials",
            message: `${awsCode}: AWS does not accept the keys of profile ${name} (${firstLine(error.message)}). Check them with \`aws configure --profile ${facts.profile}\`.`,
        };
    }
    if (error.message === "Could not load credentials from any providers") {
        // The SDK's chain keeps only its own last words, so the cause is read from the profile's settings.
        return { kind: "credentials", message: noCredentialsMessage(profile, facts.profile) + environmentKeysNote(env, facts.profile) };
    }
    return {
        kind: "credentials",
        message: `profile ${name} cannot give credentials: ${firstLine(error.message)} Check it with \`aws configure list --profile ${facts.profile}\`.`,
    };
}

/** Why a profile that exists gave no credentials, from what it sets, in the order the SDK's profile provider tries them. */
function noCredentialsMessage(profile: ProfileFacts, profileName: string): string {
    const name = JSON.stringify(profileName);
    if (profile.roleArn !== undefined && profile.sourceProfile !== undefined && profile.source?.exists === false) {
        const source = JSON.stringify(profile.sourceProfile);
        return (
            `profile ${name} assumes ${profile.roleArn} with source_profile ${source}, but neither ${profile.configFile} nor ${profile.credentialsFile} has a profile ${source}. ` +
            `Create it with the keys that may assume the role (\`aws configure --profile ${profile.sourceProfile}\`), or point source_profile at one that exists.`
        );
    }
    if (profile.roleArn !== undefined && profile.sourceProfile !== undefined && profile.source?.givesCredentials === false) {
        const source = JSON.stringify(profile.sourceProfile);
        return (
            `profile ${name} assumes ${profile.roleArn} with source_profile ${source}, which has no credentials (no access key, SSO, role_arn or credential_process). ` +
            `Run \`aws configure --profile ${profile.sourceProfile}\` with the keys that may assume the role.`
        );
    }
    if (profile.roleArn !== undefined && profile.sourceProfile === undefined && profile.credentialSource === undefined) {
        return (
            `profile ${name} sets role_arn ${profile.roleArn} but neither source_profile nor credential_source, so it has no credentials to assume the role with. ` +
            `Name the profile whose keys may assume it: \`aws configure set source_profile <profile> --profile ${profileName}\`.`
        );
    }
    if (profile.roleArn !== undefined && profile.credentialSource !== undefined && profile.sourceProfile === undefined) {
        return (
            `profile ${name} assumes ${profile.roleArn} with credential_source ${profile.credentialSource}, which gave no credentials on this machine. ` +
            `Run where that source exists, or set source_profile to a profile with keys (\`aws configure set source_profile <profile> --profile ${profileName}\`).`
        );
    }
    if (profile.credentialProcess !== undefined) {
        return (
            `profile ${name} gets its credentials from credential_process \`${profile.credentialProcess}\`, which failed or printed no credentials. ` +
            `Run that command to see its error and fix it, or replace it with \`aws configure --profile ${profileName}\`.`
        );
    }
    return (
        `profile ${name} has no credentials: it sets no access key, SSO, role_arn or credential_process in ${profile.configFile} or ${profile.credentialsFile}. ` +
        `Run \`aws configure --profile ${profileName}\`.`
    );
}

const firstLine = (text: string) => text.split("\n")[0].trim();

/** The CLI always names a profile, and the SDK then ignores AWS_ACCESS_KEY_ID (its warning about that is silenced, see clients.ts). */
function environmentKeysNote(env: NodeJS.ProcessEnv, profile: string): string {
    return env.AWS_ACCESS_KEY_ID ? ` (AWS_ACCESS_KEY_ID is set, but yolo-pipeline uses profile ${profile}, not environment keys.)` : "";
}

// Variables the SDK reads a custom endpoint from, the service's own first.
const ENDPOINT_VARIABLES: Readonly<Record<string, string>> = { sagemaker: "AWS_ENDPOINT_URL_SAGEMAKER", s3: "AWS_ENDPOINT_URL_S3" };

function endpointMessage(error: Error, code: string, facts: SetupFacts, env: NodeJS.ProcessEnv): string {
    const service = actionOf(error)?.split(":")[0];
    const variable = [service ? ENDPOINT_VARIABLES[service] : undefined, "AWS_ENDPOINT_URL"].find((name) => name !== undefined && env[name]);
    const attempts = (error as { $metadata?: { attempts?: number } }).$metadata?.attempts;
    const tried = attempts && attempts > 1 ? `, ${attempts} attempts` : "";
    const failure = code === "TimeoutError" ? "timed out" : code;
    if (variable !== undefined) {
        return (
            `cannot reach the AWS endpoint ${env[variable]} from ${variable} (${failure}${tried}). ` +
            `Start the emulator or service there, or unset ${variable} to use AWS.`
        );
    }
    const host = (error as { hostname?: string }).hostname ?? endpointOf(error) ?? "AWS";
    const region = facts.region ?? env.AWS_REGION ?? /\.([a-z]{2}(?:-[a-z]+)+-\d+)\.amazonaws\.com/.exec(host)?.[1];
    return (
        `cannot reach ${host} (${failure}${tried}). Check the network connection` +
        (region ? `, and that ${region} is the region you mean (--region).` : ".")
    );
}

// SageMaker answers a missing resource with ResourceNotFound, or, for many calls, with a ValidationException
// whose message says so ("Could not find pipeline …", "ModelPackageGroup … does not exist.", "… not found").
const NOT_FOUND_CODES = new Set(["ResourceNotFound", "ResourceNotFoundException"]);

function isNotFound(error: Error): boolean {
    const code = awsErrorCode(error) ?? "";
    return NOT_FOUND_CODES.has(code) || (/^Validation(Exception|Error)$/.test(code) && /could not find|does not exist|not found/i.test(error.message));
}

const PIPELINE_CALLS = new Set(["DescribePipeline", "ListPipelineExecutions", "StartPipelineExecution"]);
const EXECUTION_CALLS = new Set([
    "DescribePipelineExecution",
    "DescribePipelineDefinitionForExecution",
    "ListPipelineExecutionSteps",
    "ListPipelineParametersForExecution",
    "StopPipelineExecution",
]);
const GROUP_CALLS = new Set(["DescribeModelPackageGroup", "ListModelPackages"]);
const VERSION_CALLS = new Set(["DescribeModelPackage", "UpdateModelPackage"]);

/**
 * What is missing and what to do, from the call that failed and its input (recorded by cli/clients.ts); undefined
 * for a call this does not know (the endpoint commands explain a missing endpoint themselves, cli/endpoint.ts).
 */
async function missingMessage(error: Error, facts: SetupFacts, env: NodeJS.ProcessEnv): Promise<string | undefined> {
    const call = actionOf(error)?.replace(/^sagemaker:/, "");
    const input = inputOf(error) ?? {};
    const text = (key: string) => (typeof input[key] === "string" ? (input[key] as string) : undefined);
    if (call === undefined) {
        return undefined;
    }
    const names = resourceNames(facts.stack.namePrefix, facts.stack.stack);
    const stack = facts.stack.stack;
    const region = facts.region ?? env.AWS_REGION ?? (await profileFacts(facts.profile, env)).region;
    const where = `in ${region ?? "this region"} for profile ${JSON.stringify(facts.profile)}`;
    const home = facts.stack.aws.region;
    const notDeployed =
        region !== undefined && region !== home
            ? `stack ${stack} deploys to ${home}, not ${region}. Pass --region ${home}.`
            : `stack ${stack} is not deployed there yet. Run \`pulumi up --stack ${stack}\` (or use the profile and region it was deployed with).`;
    const pipelineMissing = (pipeline: string) =>
        pipeline === names.pipeline
            ? `pipeline ${pipeline} does not exist ${where}: ${notDeployed}`
            : `pipeline ${pipeline} does not exist ${where}. \`yolo-pipeline list\` shows the pipelines there.`;
    const pipeline = text("PipelineName");
    if (PIPELINE_CALLS.has(call) && pipeline !== undefined) {
        return pipelineMissing(pipeline);
    }
    const execution = text("PipelineExecutionArn");
    if (EXECUTION_CALLS.has(call) && execution !== undefined) {
        const owner = /:pipeline\/([^/]+)\/execution\//.exec(execution)?.[1];
        // The execution's pipeline itself may be what is missing ("Could not find pipeline with PipelineName …").
        if (owner !== undefined && /could not find pipeline with|pipeline '[^']*' does not exist/i.test(error.message)) {
            return pipelineMissing(owner);
        }
        const list = owner === undefined || owner === names.pipeline ? "`yolo-pipeline executions`" : `\`yolo-pipeline executions --pipeline ${owner}\``;
        return `execution ${execution} does not exist ${where}. ${list} lists the executions there.`;
    }
    const group = text("ModelPackageGroupName");
    if (GROUP_CALLS.has(call) && group !== undefined) {
        return group === names.modelPackageGroup
            ? `model package group ${group} does not exist ${where}: ${notDeployed}`
            : `model package group ${group} (--group) does not exist ${where}; check the name (\`aws sagemaker list-model-package-groups\` lists them).`;
    }
    const version = text("ModelPackageName");
    if (VERSION_CALLS.has(call) && version !== undefined) {
        return `model version ${version} does not exist ${where}. \`yolo-pipeline models\` lists the versions there.`;
    }
    const job = text("LabelingJobName");
    if (call === "DescribeLabelingJob" && job !== undefined) {
        return `labeling job ${job} does not exist ${where}. \`yolo-pipeline --stack ${stack} label status\` without a name shows the stack's latest.`;
    }
    return undefined;
}

const PERSONAS: readonly Persona[] = ["ml-engineer", "data-scientist"];
const PLACEHOLDER_ACCOUNT = "000000000000";
const PLACEHOLDER_DOMAIN = "d-placeholder";

/**
 * Every identity policy the program gives a persona role (components/teamRoles.ts, components/studio.ts), with
 * every part the stack's config turns on: the access policy, the Studio apps policy, and the serving policy
 * attached beside them when deployment is on. Only actions are read, so the account, key and domain are
 * placeholders; the stack names every action (no wildcards).
 */
function personaPolicies(stack: PlatformConfig): Record<Persona, readonly PolicyDocument[]> {
    const names = resourceNames(stack.namePrefix, stack.stack);
    const scope = { accountId: PLACEHOLDER_ACCOUNT, region: stack.aws.region, bucket: stack.bucket.name, names, features: stackFeatures(stack) };
    const keyArn = `arn:aws:kms:${stack.aws.region}:${PLACEHOLDER_ACCOUNT}:key/placeholder`;
    const alsoAttached = (persona: "data-scientist" | "ml-engineer") => [
        studioAppsPolicy(scope, PLACEHOLDER_DOMAIN, keyArn),
        ...(scope.features.deployment ? [servingPolicy(scope, persona)] : []),
    ];
    return {
        "data-scientist": [dataScientistPolicy(scope, keyArn), ...alsoAttached("data-scientist")],
        "ml-engineer": [mlEngineerPolicy(scope, keyArn, roleArn(PLACEHOLDER_ACCOUNT, names.roles.pipeline)), ...alsoAttached("ml-engineer")],
        pipeline: [],
    };
}

function allows(policies: readonly PolicyDocument[], action: string): boolean {
    const lower = action.toLowerCase();
    return policies.some((policy) =>
        policy.Statement.some(
            (statement) => statement.Effect === "Allow" && (Array.isArray(statement.Action) ? statement.Action : [statement.Action]).some((entry) => entry.toLowerCase() === lower),
        ),
    );
}

/** The action IAM names in its message (`… is not authorized to perform: sagemaker:X on resource …`), else the call's. */
function deniedAction(error: Error): string | undefined {
    const body = (error as { $responseBodyText?: unknown }).$responseBodyText;
    const text = `${error.message} ${typeof body === "string" ? body : ""}`;
    return /not authorized to perform:?\s+([a-z0-9-]+:[A-Za-z0-9]+)/.exec(text)?.[1] ?? actionOf(error);
}

function accessDeniedMessage(error: Error, code: string, facts: SetupFacts, options: Doing): string {
    const principal = deniedPrincipal(error);
    const who = `${code}: profile ${JSON.stringify(facts.profile)}${principal ? ` (${principal})` : ""}`;
    const action = deniedAction(error);
    const names = resourceNames(facts.stack.namePrefix, facts.stack.stack).roles;
    const role = (persona: Persona) => `the ${persona} role (${names[persona]})`;
    if (action === undefined) {
        return `${who} was refused by IAM. In stack ${facts.stack.stack} ${role("ml-engineer")} operates the pipeline and ${role("data-scientist")} reads it; use a profile that assumes one of them.`;
    }
    const what = options.doing ? `${options.doing} (${action})` : `call ${action}`;
    const policies = personaPolicies(facts.stack);
    const granted = PERSONAS.filter((persona) => allows(policies[persona], action));
    const refused = PERSONAS.filter((persona) => !granted.includes(persona));
    const stack = `stack ${facts.stack.stack}`;
    if (granted.length === 0) {
        return `${who} may not ${what}: no persona role of ${stack} has it (${PERSONAS.map(role).join(", ")}); it is an administrator's action.`;
    }
    const has = `in ${stack} ${granted.map(role).join(" and ")} ${granted.length > 1 ? "have" : "has"} it`;
    const hasNot = refused.length > 0 ? `, ${refused.map(role).join(" and ")} does not` : "";
    const use = granted.length > 1 ? `one of ${granted.map((persona) => names[persona]).join(", ")}` : names[granted[0]];
    return `${who} may not ${what}: ${has}${hasNot}. Use a profile that assumes ${use}.`;
}

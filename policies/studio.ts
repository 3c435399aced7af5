// SageMaker Studio guard rails beyond instance types: idle apps shut down (a JupyterLab space left running
// bills its instance around the clock), and the lifecycle configurations that run code in every app at start
// are the reviewed ones of this stack, which no persona can create or replace; users act as persona roles only,
// and their sessions carry who they are (source identity), so the audit trail names people, not just roles.
import { ofTypes, ScopedResourcePolicy } from "./appliesTo";
import { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import type { PolicyConfigJSONSchema } from "@pulumi/policy/schema";
import { DEFAULT_STUDIO_IDLE_LIMITS, Persona, PERSONA_TAG_KEY, SERVICE_TAG_KEY, STUDIO_PERSONAS } from "./catalog";
import { integerKnob, knobs, listText, stringList } from "./knobs";
import { forbiddenActionSteps, roleNameOf, rolesReferenced, rolesTagged } from "./roleGrants";
import { documentSourcesOf, readDocument, ROLE_TYPE, Statement, wildcardMatch } from "./iamDocument";
import { indexOf } from "./stackIndex";
import { eachKnown, elements, peek, UNKNOWN } from "./unknowns";

export const DOMAIN_TYPE = "aws:sagemaker/domain:Domain";
export const USER_PROFILE_TYPE = "aws:sagemaker/userProfile:UserProfile";
export const SPACE_TYPE = "aws:sagemaker/space:Space";
export const STUDIO_LIFECYCLE_CONFIG_TYPE = "aws:sagemaker/studioLifecycleConfig:StudioLifecycleConfig";

/** Settings blocks that hold `<app>AppSettings`, per Studio resource type. */
const STUDIO_SETTINGS: Record<string, readonly string[]> = {
    [DOMAIN_TYPE]: ["defaultUserSettings", "defaultSpaceSettings"],
    [USER_PROFILE_TYPE]: ["userSettings"],
    [SPACE_TYPE]: ["spaceSettings"],
};

const KIND: Record<string, string> = {
    [DOMAIN_TYPE]: "Studio domain",
    [USER_PROFILE_TYPE]: "Studio user profile",
    [SPACE_TYPE]: "Studio space",
};

/** The `<app>AppSettings` keys of a settings object (JupyterLab, CodeEditor, JupyterServer, KernelGateway, …). */
function appKeys(settings: unknown): string[] {
    return settings && typeof settings === "object" ? Object.keys(settings).filter((key) => key.endsWith("AppSettings")) : [];
}

// ---- Idle shutdown ----

const IDLE_APPS = ["jupyterLabAppSettings", "codeEditorAppSettings"] as const;

interface IdleKnobs {
    maxIdleTimeoutMinutes: number;
    maxUserIdleTimeoutMinutes: number;
    requiredApps: string[];
}
const requiredAppsKnob: PolicyConfigJSONSchema = {
    type: "array",
    items: { type: "string", enum: [...IDLE_APPS] },
    uniqueItems: true,
    default: ["jupyterLabAppSettings"],
    description: "Apps whose idle shutdown the domain's defaultUserSettings and defaultSpaceSettings must enable (appLifecycleManagement.idleSettings).",
};
const idleSchema = {
    properties: {
        maxIdleTimeoutMinutes: integerKnob("Longest idleTimeoutInMinutes (minutes an app may sit idle before SageMaker stops it) a domain default, user profile or space may set.", DEFAULT_STUDIO_IDLE_LIMITS.maxIdleTimeoutMinutes, 60),
        maxUserIdleTimeoutMinutes: integerKnob("Longest maxIdleTimeoutInMinutes (the ceiling users may raise their own idle timeout to) the domain or a user profile may set.", DEFAULT_STUDIO_IDLE_LIMITS.maxUserIdleTimeoutMinutes, 60),
        requiredApps: requiredAppsKnob,
    },
};

export const sagemakerStudioIdleShutdown: ScopedResourcePolicy = {
    appliesTo: ofTypes(...Object.keys(STUDIO_SETTINGS)),
    name: "sagemaker-studio-idle-shutdown",
    description:
        'Studio apps stop when idle: a Domain\'s defaultUserSettings and defaultSpaceSettings enable idle shutdown for JupyterLab (appLifecycleManagement.idleSettings with lifecycleManagement "ENABLED" and an idleTimeoutInMinutes of at most maxIdleTimeoutMinutes, and a user ceiling maxIdleTimeoutInMinutes of at most maxUserIdleTimeoutMinutes); no Domain, UserProfile or Space disables it or sets a longer timeout for any app.',
    enforcementLevel: "mandatory",
    configSchema: idleSchema,
    validateResource: async (args, reportViolation) => {
        const blocks = STUDIO_SETTINGS[args.type];
        if (!blocks) {
            args.notApplicable("not a Studio domain, user profile or space");
        }
        const config = knobs<IdleKnobs>(args, idleSchema);
        const label = `${KIND[args.type]} ${args.name}`;
        const reads: (() => void)[] = [];
        const check = (where: string, idle: Record<string, any> | undefined, required: boolean) => {
            const path = `${where}.appLifecycleManagement.idleSettings`;
            const fix = `set ${path} to {lifecycleManagement: "ENABLED", idleTimeoutInMinutes: <at most ${config.maxIdleTimeoutMinutes}>} so idle apps stop billing`;
            if (!idle || typeof idle !== "object") {
                if (required) {
                    reportViolation(`${label} ${where} has no idle shutdown; ${fix}.`);
                }
                return;
            }
            const management = peek(() => idle.lifecycleManagement);
            const timeout = peek(() => idle.idleTimeoutInMinutes);
            const ceiling = peek(() => idle.maxIdleTimeoutInMinutes);
            if (management === UNKNOWN || timeout === UNKNOWN || ceiling === UNKNOWN) {
                reads.push(() => void [idle.lifecycleManagement, idle.idleTimeoutInMinutes, idle.maxIdleTimeoutInMinutes]);
            }
            if (management === "DISABLED" || (required && management !== UNKNOWN && management !== "ENABLED")) {
                reportViolation(
                    `${label} ${path}.lifecycleManagement is ${management === undefined ? "not set" : JSON.stringify(management)}, so idle apps run (and bill) until someone stops them; set it to "ENABLED".`,
                );
            }
            if (typeof timeout === "number" && timeout > config.maxIdleTimeoutMinutes) {
                reportViolation(
                    `${label} ${path}.idleTimeoutInMinutes is ${timeout}, above maxIdleTimeoutMinutes ${config.maxIdleTimeoutMinutes}; lower it or raise maxIdleTimeoutMinutes in the pack config.`,
                );
            } else if (required && timeout === undefined && management !== "DISABLED") {
                reportViolation(`${label} ${path} sets no idleTimeoutInMinutes; set it to at most ${config.maxIdleTimeoutMinutes} minutes.`);
            }
            if (typeof ceiling === "number" && ceiling > config.maxUserIdleTimeoutMinutes) {
                reportViolation(
                    `${label} ${path}.maxIdleTimeoutInMinutes is ${ceiling}, so users can keep idle apps running for ${ceiling} minutes, above maxUserIdleTimeoutMinutes ${config.maxUserIdleTimeoutMinutes}; lower it or raise maxUserIdleTimeoutMinutes in the pack config.`,
                );
            }
        };
        for (const block of blocks) {
            const settings = peek(() => args.props[block]);
            if (settings === UNKNOWN) {
                reads.push(() => void args.props[block]);
                continue;
            }
            const required = args.type === DOMAIN_TYPE ? config.requiredApps : [];
            const apps = new Set([...required, ...appKeys(settings)]);
            for (const app of apps) {
                reads.push(() => {
                    const appSettings = settings?.[app];
                    check(`${block}.${app}`, appSettings?.appLifecycleManagement?.idleSettings, required.includes(app));
                });
            }
        }
        await eachKnown(reads, (read) => read());
    },
};

// ---- Lifecycle configurations ----

/** The app type a lifecycle configuration must have to be attached under each app settings key. */
const APP_TYPES: Record<string, string> = {
    jupyterLabAppSettings: "JupyterLab",
    codeEditorAppSettings: "CodeEditor",
    jupyterServerAppSettings: "JupyterServer",
    kernelGatewayAppSettings: "KernelGateway",
};

const LIFECYCLE_CONFIG_ARN = /^arn:aws[a-z-]*:sagemaker:[^:]*:[^:]*:studio-lifecycle-config\/(.+)$/;

interface LifecycleKnobs {
    forbiddenActions: string[];
    trustedPolicyArns: string[];
}
const lifecycleSchema = {
    properties: {
        forbiddenActions: stringList(
            `Actions (wildcards allowed) no role tagged \`${PERSONA_TAG_KEY}\` may hold: creating or deleting lifecycle configurations, and changing the domain or user profiles, which is how one is attached.`,
            ["sagemaker:CreateStudioLifecycleConfig", "sagemaker:DeleteStudioLifecycleConfig", "sagemaker:UpdateDomain", "sagemaker:UpdateUserProfile"],
        ),
        trustedPolicyArns: stringList(
            "Managed policies that are not defined in the stack (so their documents cannot be checked) but may be attached to persona roles.",
            [],
        ),
    },
};

/** A lifecycle configuration reference found in a Studio resource's settings. */
interface Reference {
    readonly holder: PolicyResource;
    readonly where: string;
    readonly app: string;
    readonly read: () => unknown;
}

/** Every lifecycle configuration ARN a Domain, UserProfile or Space references (reads deferred: they may be unknown). */
function lifecycleReferences(resource: PolicyResource, pending: (() => void)[]): Reference[] {
    const references: Reference[] = [];
    for (const block of STUDIO_SETTINGS[resource.type] ?? []) {
        const settings = peek(() => resource.props[block]);
        if (settings === UNKNOWN) {
            pending.push(() => void resource.props[block]);
            continue;
        }
        for (const app of appKeys(settings)) {
            const appSettings = peek(() => settings[app]);
            if (appSettings === UNKNOWN) {
                pending.push(() => void settings[app]);
                continue;
            }
            if (!appSettings || typeof appSettings !== "object") {
                continue;
            }
            const list = peek(() => appSettings.lifecycleConfigArns);
            if (list === UNKNOWN) {
                pending.push(() => void appSettings.lifecycleConfigArns);
            } else {
                elements(() => list).forEach((read, index) => references.push({ holder: resource, where: `${block}.${app}.lifecycleConfigArns[${index}]`, app, read }));
            }
            references.push({ holder: resource, where: `${block}.${app}.defaultResourceSpec.lifecycleConfigArn`, app, read: () => appSettings.defaultResourceSpec?.lifecycleConfigArn });
        }
    }
    return references;
}

export const sagemakerStudioLifecycleConfigsFromStack: StackValidationPolicy = {
    name: "sagemaker-studio-lifecycle-configs-from-stack",
    description: `Every lifecycle configuration a Studio Domain, UserProfile or Space attaches (<app>AppSettings.lifecycleConfigArns and defaultResourceSpec.lifecycleConfigArn, for JupyterLab, CodeEditor, JupyterServer and KernelGateway) is a StudioLifecycleConfig of this stack with the matching app type, and no role tagged \`${PERSONA_TAG_KEY}\` may create or delete lifecycle configurations or update the domain or user profiles (through wildcards too): the code that runs in every app at start is reviewed with the stack.`,
    enforcementLevel: "mandatory",
    configSchema: lifecycleSchema,
    validateStack: async (args, reportViolation) => {
        const config = knobs<LifecycleKnobs>(args, lifecycleSchema);
        const studio = args.resources.filter((resource) => STUDIO_SETTINGS[resource.type] !== undefined);
        const configs = args.resources.filter((resource) => resource.type === STUDIO_LIFECYCLE_CONFIG_TYPE);
        const { roles, pending: pendingRoles } = rolesTagged(args.resources, PERSONA_TAG_KEY, (value) => typeof value === "string" && value.length > 0);
        if (studio.length === 0 && configs.length === 0 && roles.length === 0 && pendingRoles.length === 0) {
            args.notApplicable("the stack has no Studio resource, lifecycle configuration or persona role");
        }
        const work: (() => void | Promise<void>)[] = [...pendingRoles];

        // Attached lifecycle configurations: the stack's own, by ARN (engine outputs) or by name in the ARN.
        const configsByArn = new Map<unknown, PolicyResource>();
        const configsByName = new Map<unknown, PolicyResource>();
        for (const candidate of [...configs].reverse()) {
            // Reversed, so that the first of two configurations with one name wins, as a search would find it.
            configsByArn.set(peek(() => candidate.props.arn), candidate);
            configsByName.set(peek(() => candidate.props.studioLifecycleConfigName), candidate);
        }
        const stackConfigFor = (arn: string) => {
            const name = LIFECYCLE_CONFIG_ARN.exec(arn)?.[1];
            return configsByArn.get(arn) ?? (name === undefined ? undefined : configsByName.get(name));
        };
        const pendingReads: (() => void)[] = [];
        const references = studio.flatMap((resource) => lifecycleReferences(resource, pendingReads));
        for (const reference of references) {
            work.push(() => {
                const arn = reference.read();
                if (typeof arn !== "string" || arn.length === 0) {
                    return;
                }
                const holder = `${KIND[reference.holder.type]} ${reference.holder.name}`;
                const found = stackConfigFor(arn);
                if (!found) {
                    reportViolation(
                        `${holder} ${reference.where} is "${arn}", which is not a StudioLifecycleConfig of this stack; a lifecycle configuration runs as the user's execution role every time an app starts, so attach only the stack's reviewed ones (aws.sagemaker.StudioLifecycleConfig).`,
                        reference.holder.urn,
                    );
                    return;
                }
                const appType = peek(() => found.props.studioLifecycleConfigAppType);
                const expected = APP_TYPES[reference.app];
                if (expected !== undefined && typeof appType === "string" && appType !== expected) {
                    reportViolation(
                        `${holder} ${reference.where} attaches ${found.name}, a ${appType} lifecycle configuration, to ${expected} apps; attach a lifecycle configuration of app type ${expected}.`,
                        reference.holder.urn,
                    );
                }
            });
        }
        work.push(...pendingReads);

        // Persona roles cannot create lifecycle configurations or attach them.
        for (const role of roles) {
            const persona = String(role.props.tags[PERSONA_TAG_KEY]);
            const roleLabel = `role ${roleNameOf(role) ?? role.name} (${PERSONA_TAG_KEY}: ${persona})`;
            const why = "lifecycle configurations run code in every Studio app at start, so only the stack creates and attaches them";
            work.push(
                ...forbiddenActionSteps(role, args.resources, {
                    patterns: config.forbiddenActions,
                    trustedPolicyArns: config.trustedPolicyArns,
                    roleLabel,
                    unchecked: "whether it can create lifecycle configurations",
                    why,
                    grantedMessage: (at, forbidden) => `${at} gives the ${roleLabel} ${listText(forbidden)}; ${why}: remove ${forbidden.length > 1 ? "them" : "it"}.`,
                    reportViolation,
                }),
            );
        }
        await eachKnown(work, (step) => step());
    },
};

// ---- Execution roles ----

/**
 * Settings blocks that name the role Studio apps run as. A Space has none of its own: a shared space runs as the
 * domain's defaultSpaceSettings role, a private one as its owner's user profile role.
 */
const EXECUTION_ROLE_SETTINGS: Record<string, readonly string[]> = {
    [DOMAIN_TYPE]: ["defaultUserSettings", "defaultSpaceSettings"],
    [USER_PROFILE_TYPE]: ["userSettings"],
};

const STUDIO_PERSONA_LIST = STUDIO_PERSONAS.join(" or ");

/** `ml-persona: pipeline`, `ml-service: …` or `no ml-persona tag`, for messages. */
function placementText(role: PolicyResource): string {
    const tags = (role.props.tags ?? {}) as Record<string, unknown>;
    if (tags[PERSONA_TAG_KEY] !== undefined) {
        return `${PERSONA_TAG_KEY}: ${JSON.stringify(tags[PERSONA_TAG_KEY])}`;
    }
    return tags[SERVICE_TAG_KEY] !== undefined ? `${SERVICE_TAG_KEY}: ${JSON.stringify(tags[SERVICE_TAG_KEY])}` : `no ${PERSONA_TAG_KEY} tag`;
}

const isStudioPersona = (role: PolicyResource) => STUDIO_PERSONAS.includes(role.props.tags?.[PERSONA_TAG_KEY] as Persona);

export const sagemakerStudioExecutionRolesPersonas: StackValidationPolicy = {
    name: "sagemaker-studio-execution-roles-personas",
    description: `Every execution role a Studio Domain (defaultUserSettings, and defaultSpaceSettings for shared spaces) or UserProfile (userSettings) names is a role of the stack tagged \`${PERSONA_TAG_KEY}\` ${STUDIO_PERSONA_LIST}: a Studio user acts as that role, and SageMaker's trust alone cannot tell a person's role from the pipeline's, so a profile pointed at the pipeline role (or a service role) would give its user the pipeline's rights. A user profile tagged \`${PERSONA_TAG_KEY}\` runs as that persona's role. The role is found by its ARN or name, or, while preview leaves the ARN unknown, through the settings' dependency on it.`,
    enforcementLevel: "mandatory",
    configSchema: { properties: {} },
    validateStack: async (args, reportViolation) => {
        const holders = indexOf(args.resources).ofType(DOMAIN_TYPE, USER_PROFILE_TYPE);
        if (holders.length === 0) {
            args.notApplicable("the stack has no Studio domain or user profile");
        }
        const work: (() => void)[] = [];
        for (const holder of holders) {
            for (const block of EXECUTION_ROLE_SETTINGS[holder.type]) {
                work.push(() => {
                    const settings = holder.props[block];
                    // A profile without userSettings runs as the domain's default, judged on the domain.
                    const value = settings && typeof settings === "object" ? peek(() => settings.executionRole) : undefined;
                    if (value === undefined || value === null) {
                        return;
                    }
                    const at = `${KIND[holder.type]} ${holder.name} ${block}.executionRole`;
                    const { roles, unknown } = rolesReferenced(args.resources, holder, block, value);
                    // Several roles behind one settings block (its EMR roles, say) cannot be told apart before deployment.
                    if (unknown || (value === UNKNOWN && roles.length > 1 && !roles.every(isStudioPersona))) {
                        void settings.executionRole;
                        return;
                    }
                    if (roles.length === 0) {
                        reportViolation(
                            `${at} is ${JSON.stringify(value)}, which is not a role of this stack, so the pack cannot tell which persona its users act as; use the stack's ${STUDIO_PERSONA_LIST} role.`,
                            holder.urn,
                        );
                        return;
                    }
                    for (const role of roles) {
                        void role.props.tags?.[PERSONA_TAG_KEY];
                        if (!isStudioPersona(role)) {
                            reportViolation(
                                `${at} is the role ${roleNameOf(role) ?? role.name} (${placementText(role)}); a Studio user acts as their execution role, so it must be a role tagged ${PERSONA_TAG_KEY} ${STUDIO_PERSONA_LIST}, never the pipeline's or a service's: use the persona role the user needs.`,
                                holder.urn,
                            );
                            continue;
                        }
                        // A profile's own persona tag is what reviewers read; it must not hide the rights its user has.
                        const declared = holder.type === USER_PROFILE_TYPE ? holder.props.tags?.[PERSONA_TAG_KEY] : undefined;
                        const actual = role.props.tags[PERSONA_TAG_KEY];
                        if (declared !== undefined && declared !== actual) {
                            reportViolation(
                                `${KIND[holder.type]} ${holder.name} is tagged ${PERSONA_TAG_KEY}: ${JSON.stringify(declared)} but its ${block}.executionRole is the ${actual} role ${roleNameOf(role) ?? role.name}, so its user has the ${actual}'s rights; point it at the ${declared} role or correct the tag.`,
                                holder.urn,
                            );
                        }
                    }
                });
            }
        }
        await eachKnown(work, (step) => step());
    },
};

// ---- Who did what ----

const SAGEMAKER_PRINCIPAL = "sagemaker.amazonaws.com";
const USER_PROFILE_NAME = "USER_PROFILE_NAME";

/** Whether a trust statement lets SageMaker do `action` (the action may be matched by a wildcard). */
function allowsSageMaker(statement: Statement, action: string): boolean {
    return (
        statement.effect === "Allow" &&
        (statement.principal?.service.includes(SAGEMAKER_PRINCIPAL) ?? false) &&
        (statement.actions ?? []).some((pattern) => wildcardMatch(pattern, action))
    );
}

export const sagemakerStudioSourceIdentity: StackValidationPolicy = {
    name: "sagemaker-studio-source-identity",
    description: `Every Studio Domain sets domainSettings.executionRoleIdentityConfig to "${USER_PROFILE_NAME}", so that each user's sessions carry their profile name as sts:SourceIdentity and CloudTrail names the person behind a persona role every data scientist (or ML engineer) shares: who started a run, approved a model version, created a labeling job. While a domain does, every role of the stack that trusts ${SAGEMAKER_PRINCIPAL} to sts:AssumeRole also trusts it to sts:SetSourceIdentity: SageMaker does not start a user's apps, nor create a job from their session, with a role that does not.`,
    enforcementLevel: "mandatory",
    configSchema: { properties: {} },
    validateStack: async (args, reportViolation) => {
        const index = indexOf(args.resources);
        const domains = index.ofType(DOMAIN_TYPE);
        if (domains.length === 0) {
            args.notApplicable("the stack has no Studio domain");
        }
        const propagating: string[] = [];
        await eachKnown(domains, (domain) => {
            const settings = domain.props.domainSettings;
            const value = settings && typeof settings === "object" ? settings.executionRoleIdentityConfig : undefined;
            if (value === USER_PROFILE_NAME) {
                propagating.push(domain.name);
                return;
            }
            reportViolation(
                `Studio domain ${domain.name} domainSettings.executionRoleIdentityConfig is ${value === undefined || value === null ? "not set" : JSON.stringify(value)}, so CloudTrail records only the persona role behind each Studio user's calls, never which person made them; set it to "${USER_PROFILE_NAME}" (config studioSourceIdentity: true; the change needs every app of the domain stopped).`,
                domain.urn,
            );
        });
        if (propagating.length === 0) {
            return;
        }
        await eachKnown(index.ofType(ROLE_TYPE), (role) => {
            for (const source of documentSourcesOf(role.type, role.props, ["trust"])) {
                const document = readDocument(source);
                const assumes = document?.statements.filter((statement) => allowsSageMaker(statement, "sts:AssumeRole")) ?? [];
                if (assumes.length > 0 && !document!.statements.some((statement) => allowsSageMaker(statement, "sts:SetSourceIdentity"))) {
                    reportViolation(
                        `Role ${roleNameOf(role) ?? role.name} ${source.where} ${assumes[0].label} lets ${SAGEMAKER_PRINCIPAL} assume it without sts:SetSourceIdentity, but Studio domain ${listText(propagating)} sets each user's source identity, so SageMaker refuses the role for apps or jobs started from a user's session (AccessDenied or ValidationError); add "sts:SetSourceIdentity" to the statement's actions.`,
                        role.urn,
                    );
                }
            }
        });
    },
};

export const studioPolicies = [sagemakerStudioIdleShutdown, sagemakerStudioLifecycleConfigsFromStack, sagemakerStudioExecutionRolesPersonas, sagemakerStudioSourceIdentity];

// Who each role of the stack is. The role-separation rules find the personas by their `ml-persona` tag and the
// service roles by `ml-service` (catalog.ts): a role that carries neither, or a value the pack does not know,
// would escape every one of them — a data-scientist role re-created without its tag could be given
// StartPipelineExecution and nothing would say so. So every role must be placed: a known persona, or a known
// service role that only its service may assume; and every grant (RolePolicy, attachment) must name a role of
// the stack, so that the pack can tell whose permissions it adds.
import { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { Persona, PERSONA_TAG_KEY, PERSONAS, SERVICE_PERSONAS, SERVICE_ROLES, SERVICE_TAG_KEY } from "./catalog";
import { documentSourcesOf, parseDocument, ROLE_TYPE } from "./iamDocument";
import { knobs, listText, stringList } from "./knobs";
import { roleNameOf } from "./roleGrants";
import { indexOf, ROLE_GRANT_TYPES } from "./stackIndex";
import { eachKnown } from "./unknowns";

/** Problems of a role's trust policy for a role only the given service principals may assume. */
export function serviceTrustProblems(role: PolicyResource, services: readonly string[], who: string): { where: string; problem: string }[] {
    const problems: { where: string; problem: string }[] = [];
    for (const source of documentSourcesOf(role.type, role.props, ["trust"])) {
        const parsed = parseDocument(source.read());
        if (!("document" in parsed)) {
            continue; // iam-policy-document-valid reports it.
        }
        const allows = parsed.document.statements.filter((statement) => statement.effect === "Allow");
        for (const statement of allows) {
            const principal = statement.principal;
            const others = [
                ...(principal?.anyone ? ['"*"'] : []),
                ...(principal?.aws.filter((p) => p !== "*") ?? []),
                ...(principal?.federated ?? []),
                ...(principal?.canonicalUser ?? []),
                ...(principal?.service.filter((service) => !services.includes(service)) ?? []),
                ...(statement.notPrincipal ? ["everyone but the NotPrincipal"] : []),
            ];
            if (others.length > 0) {
                problems.push({ where: `${source.where} ${statement.label}`, problem: `lets ${listText(others)} assume it; only ${listText(services)} may` });
            }
        }
        if (!allows.some((statement) => statement.principal?.service.some((service) => services.includes(service)))) {
            problems.push({ where: source.where, problem: `does not trust ${listText(services)}, so ${who} cannot assume it` });
        }
    }
    return problems;
}

interface PlacementKnobs {
    exemptRoleNames: string[];
}
const placementSchema = {
    properties: {
        exemptRoleNames: stringList(
            "Names of roles of the stack the pack should not place (e.g. a role another team's policy pack governs). An exempt role escapes the role-separation rules: list one only knowingly.",
            [],
        ),
    },
};

const PERSONA_LIST = listText([...PERSONAS]);
const SERVICE_LIST = listText(Object.keys(SERVICE_ROLES));
const SERVICE_PERSONA_LIST = listText(Object.entries(SERVICE_PERSONAS).map(([persona, { principals }]) => `${persona} by ${listText([...principals])}`));

export const iamEveryRolePlaced: StackValidationPolicy = {
    name: "iam-every-role-placed",
    description: `Every IAM role of the stack is placed, so that no role escapes the role-separation rules: it carries \`${PERSONA_TAG_KEY}\` with a known persona (${PERSONA_LIST}; a service's persona, ${SERVICE_PERSONA_LIST}, only that service may assume), or \`${SERVICE_TAG_KEY}\` with one of the stack's service roles (${SERVICE_LIST}) that only that role's AWS service may assume (trust policy), never both. Every RolePolicy, RolePolicyAttachment, PolicyAttachment and RolePolicyAttachmentsExclusive names a role of the stack, so the pack can tell whose permissions it adds.`,
    enforcementLevel: "mandatory",
    configSchema: placementSchema,
    validateStack: async (args, reportViolation) => {
        const { exemptRoleNames } = knobs<PlacementKnobs>(args, placementSchema);
        const index = indexOf(args.resources);
        const roles = index.ofType(ROLE_TYPE);
        if (roles.length === 0 && index.ofType(...ROLE_GRANT_TYPES).length === 0) {
            args.notApplicable("the stack has no IAM role and grants none");
        }
        const work: (() => void)[] = roles.map((role) => () => {
            const name = roleNameOf(role) ?? role.name;
            if (exemptRoleNames.includes(name)) {
                return;
            }
            const tags = (role.props.tags ?? {}) as Record<string, unknown>;
            const persona = tags[PERSONA_TAG_KEY];
            const service = tags[SERVICE_TAG_KEY];
            const label = `Role ${role.name} (${name})`;
            if (persona !== undefined && service !== undefined) {
                reportViolation(
                    `${label} carries both ${PERSONA_TAG_KEY}: ${JSON.stringify(persona)} and ${SERVICE_TAG_KEY}: ${JSON.stringify(service)}; a role is either a person's or a service's: keep one tag.`,
                    role.urn,
                );
            } else if (persona !== undefined) {
                if (!PERSONAS.includes(persona as Persona)) {
                    reportViolation(
                        `${label} has ${PERSONA_TAG_KEY}: ${JSON.stringify(persona)}, which is not a persona of this platform (${PERSONA_LIST}), so no role-separation rule applies to it; tag it with one of them.`,
                        role.urn,
                    );
                    return;
                }
                // A service's persona (the pipeline's role) that people could assume would hand them the service's rights.
                const servicePersona = SERVICE_PERSONAS[persona as Persona];
                for (const { where, problem } of servicePersona ? serviceTrustProblems(role, servicePersona.principals, servicePersona.purpose) : []) {
                    reportViolation(`${role.name} ${where}: the ${persona} persona role ${name} is a service's (${servicePersona!.purpose}) but ${problem}.`, role.urn);
                }
            } else if (service !== undefined) {
                const known = typeof service === "string" ? SERVICE_ROLES[service] : undefined;
                if (!known) {
                    reportViolation(
                        `${label} has ${SERVICE_TAG_KEY}: ${JSON.stringify(service)}, which is not a service role of this stack (${SERVICE_LIST}), so no policy judges what it may do; use a known service or a persona tag.`,
                        role.urn,
                    );
                    return;
                }
                for (const { where, problem } of serviceTrustProblems(role, known.principals, known.purpose)) {
                    reportViolation(`${role.name} ${where}: the ${service} service role ${name} ${problem}.`, role.urn);
                }
            } else {
                reportViolation(
                    `${label} carries no ${PERSONA_TAG_KEY} tag, so it escapes every role-separation rule (a data-scientist role re-created without it could be given pipeline starts or S3 writes unnoticed); tag it ${PERSONA_TAG_KEY}: ${PERSONA_LIST}, or ${SERVICE_TAG_KEY}: ${SERVICE_LIST} for a service role.`,
                    role.urn,
                );
            }
        });
        for (const { reference, value } of index.foreignReferences) {
            work.push(() =>
                reportViolation(
                    `${reference.holder.name} (${reference.holder.type.split(":").pop()}) ${reference.where} grants permissions to ${JSON.stringify(value)}, which is not a role of this stack, so the pack cannot tell whose permissions they are; attach it to a role of the stack (by its name or ARN) or remove it.`,
                    reference.holder.urn,
                ),
            );
        }
        // A grant whose role is only known after deployment is placed then; in preview the policy is not fully run.
        work.push(...index.unknownReferences.map((reference) => () => void reference.read()));
        await eachKnown(work, (step) => step());
    },
};

export const personaPolicies = [iamEveryRolePlaced];

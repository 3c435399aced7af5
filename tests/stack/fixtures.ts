// Shared, memoised offline runs of the program: each distinct configuration runs once per mocha process.
import { OfflineResource, OfflineStack, OfflineStackOptions, runOfflineStack } from "../../tools/offlineStack";

const runs = new Map<string, Promise<OfflineStack>>();

export function offlineStack(options: OfflineStackOptions = {}): Promise<OfflineStack> {
    const key = JSON.stringify(options);
    let run = runs.get(key);
    if (!run) {
        // Mocks are process-global: chain runs so that two never overlap.
        const previous = Promise.all([...runs.values()].map((p) => p.catch(() => undefined)));
        run = previous.then(() => runOfflineStack(options));
        runs.set(key, run);
    }
    return run;
}

export function resourcesOfType(stack: OfflineStack, type: string): OfflineResource[] {
    return stack.resources.filter((resource) => resource.type === type);
}

export function resourceNamed(stack: OfflineStack, name: string): OfflineResource {
    const resource = stack.resources.find((r) => r.name === name);
    if (!resource) {
        throw new Error(`No resource named ${name}; have ${stack.resources.map((r) => r.name).join(", ")}`);
    }
    return resource;
}

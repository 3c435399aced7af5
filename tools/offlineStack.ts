// Runs the real program (index.ts) in-process under Pulumi mocks with a stack's configuration, and
// returns what `pulumi up` would register. No Pulumi CLI, provider plugin or AWS account is needed.
// Like the Node.js language host, it runs the program inside the root Stack resource.
import * as pulumi from "@pulumi/pulumi";
import { CapturedInvoke, CapturedResource, PlatformMocks } from "./mocks";
import { loadStackConfig, projectName } from "./stackConfig";

export interface OfflineStackOptions {
    /** Stack whose Pulumi.<stack>.yaml is read. Defaults to `dev`. */
    stack?: string;
    /** Config overrides (project keys may omit the namespace); `undefined` removes a key. */
    config?: Record<string, unknown>;
    /** Preview mode: provider-computed attributes stay unknown, as in `pulumi preview` of a new stack. */
    preview?: boolean;
}

/** Resource options as the program passed them (before the SDK applies parent defaults). */
export interface CapturedOptions {
    readonly retainOnDelete?: boolean;
    readonly protect?: boolean;
    /** Name of the parent resource (component), if any. */
    readonly parent?: string;
    /** Names of explicit dependencies. */
    readonly dependsOn: string[];
}

export interface OfflineResource extends CapturedResource {
    readonly options: CapturedOptions;
    /**
     * Per top-level input, the names of the resources whose outputs it uses: what the SDK sends the engine as
     * property dependencies, and stack policies receive as `propertyDependencies`.
     */
    readonly propertyDependencies: Record<string, string[]>;
}

export interface OfflineStack {
    readonly stack: string;
    readonly config: Record<string, string>;
    /** Every resource the program registered, in registration order (the root Stack excluded). */
    readonly resources: OfflineResource[];
    readonly invokes: CapturedInvoke[];
    /** Stack outputs with every Output resolved (unknown values are `undefined`). */
    readonly outputs: Record<string, unknown>;
}

/** Resolves an Output (or a structure of them) to its plain value, or undefined while it is unknown (preview). */
export async function resolve<T>(value: pulumi.Input<T> | T): Promise<pulumi.Unwrap<T> | undefined> {
    const output = pulumi.output(value as pulumi.Input<T>);
    // `isKnown` is the SDK's own (untyped) flag for preview unknowns; apply() would never call back for them.
    if (!(await (output as unknown as { isKnown: Promise<boolean> }).isKnown)) {
        return undefined;
    }
    return new Promise((done) => output.apply((plain) => done(plain as pulumi.Unwrap<T>)));
}

const nameOfUrn = (urn: string) => urn.slice(urn.lastIndexOf("::") + 2);

/** Whether an input holds an Output or a Promise anywhere inside it (resources and assets are values, not dependencies here). */
function holdsOutputs(value: unknown, seen = new WeakSet<object>()): boolean {
    if (value === null || typeof value !== "object") {
        return false;
    }
    const item: object = value;
    if (item instanceof Promise || pulumi.Output.isInstance(item)) {
        return true;
    }
    if (seen.has(item) || pulumi.Resource.isInstance(item) || pulumi.asset.Asset.isInstance(item) || pulumi.asset.Archive.isInstance(item)) {
        return false;
    }
    seen.add(item);
    return (Array.isArray(item) ? item : Object.values(item)).some((inner) => holdsOutputs(inner, seen));
}

export async function runOfflineStack(options: OfflineStackOptions = {}): Promise<OfflineStack> {
    // Pulumi records a stack trace for every promise and resource it makes (leak reports, source positions); under
    // ts-node each is source-mapped, which is more than half of a run, and the mocks read none of them. V8's own
    // formatting stands in while the program runs: errors keep their messages, their stacks show transpiled lines.
    const errors = Error as { prepareStackTrace?: typeof Error.prepareStackTrace };
    const mapped = errors.prepareStackTrace;
    errors.prepareStackTrace = undefined;
    try {
        return await runUnderMocks(options);
    } finally {
        errors.prepareStackTrace = mapped;
    }
}

async function runUnderMocks(options: OfflineStackOptions): Promise<OfflineStack> {
    const stack = options.stack ?? "dev";
    const preview = options.preview ?? false;
    const config = loadStackConfig(stack, options.config);
    const mocks = new PlatformMocks(config["aws:region"] ?? "us-east-1", preview);

    pulumi.runtime.setMocks(mocks, projectName(), stack, preview);
    pulumi.runtime.setAllConfig(config);

    // Resource options never reach the mocks; a stack transformation sees them as the program wrote them.
    const captured = new Map<
        string,
        { retainOnDelete?: boolean; protect?: boolean; parent?: pulumi.Output<string>; dependsOn: pulumi.Input<pulumi.Resource>[]; props: Record<string, unknown> }
    >();
    const recordOptions: pulumi.ResourceTransformation = ({ type, name, props, opts }) => {
        const dependsOn = opts.dependsOn === undefined ? [] : Array.isArray(opts.dependsOn) ? opts.dependsOn : [opts.dependsOn];
        captured.set(`${type}::${name}`, {
            retainOnDelete: opts.retainOnDelete,
            protect: opts.protect,
            parent: opts.parent?.urn,
            dependsOn: dependsOn as pulumi.Input<pulumi.Resource>[],
            props,
        });
        return undefined;
    };

    // index.ts exports the program as an async function, which the language host (and this harness) calls.
    const program: () => Promise<Record<string, unknown>> = require("../index");
    let outputs: Record<string, unknown> = {};
    await pulumi.runtime.runInPulumiStack(async () => {
        pulumi.runtime.registerStackTransformation(recordOptions);
        outputs = await program();
        return outputs;
    });
    const resolved: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(outputs)) {
        resolved[key] = await resolve(value);
    }
    // Registrations still in flight (e.g. resources waiting on an apply) finish before we look.
    await pulumi.runtime.disconnect();

    const resources: OfflineResource[] = [];
    for (const resource of mocks.resources.filter((r) => r.type !== "pulumi:pulumi:Stack")) {
        const options = captured.get(`${resource.type}::${resource.name}`);
        const parentUrn = options?.parent ? await resolve(options.parent) : undefined;
        const dependsOn: string[] = [];
        for (const dependency of options?.dependsOn ?? []) {
            const urn = await resolve(pulumi.output(dependency).apply((d) => d.urn));
            if (urn) {
                dependsOn.push(nameOfUrn(urn));
            }
        }
        const propertyDependencies: Record<string, string[]> = {};
        for (const [property, value] of Object.entries(options?.props ?? {})) {
            if (!holdsOutputs(value)) {
                continue; // A plain value depends on nothing (most inputs: names, flags, documents built from strings).
            }
            // The resources of every Output inside the input, as the SDK gathers them when it serializes it.
            const found = await pulumi.getAllResources(pulumi.output(value));
            const names: string[] = [];
            for (const dependency of found) {
                const urn = await resolve(dependency.urn);
                if (urn) {
                    names.push(nameOfUrn(urn));
                }
            }
            if (names.length > 0) {
                propertyDependencies[property] = names;
            }
        }
        resources.push({
            ...resource,
            propertyDependencies,
            options: {
                retainOnDelete: options?.retainOnDelete,
                protect: options?.protect,
                parent: parentUrn && !parentUrn.includes("::pulumi:pulumi:Stack::") ? nameOfUrn(parentUrn) : undefined,
                dependsOn,
            },
        });
    }
    return { stack, config, resources, invokes: mocks.invokes, outputs: resolved };
}

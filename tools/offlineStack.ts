// Runs the real program (index.ts) in-process under Pulumi mocks with a stack's configuration, and
// returns what `pulumi up` would register. No Pulumi CLI, provider plugin or AWS account is needed.
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

export interface OfflineStack {
    readonly stack: string;
    readonly config: Record<string, string>;
    readonly resources: CapturedResource[];
    readonly invokes: CapturedInvoke[];
    /** Stack outputs with every Output resolved (unknown values are `undefined`). */
    readonly outputs: Record<string, unknown>;
}

/** Resolves an Output (or a structure of them) to its plain value, or undefined while it is unknown (preview). */
export async function resolve<T>(value: pulumi.Input<T> | T): Promise<pulumi.Unwrap<T> | undefined> {
    const output = pulumi.output(value as pulumi.Input<T>);
    if (!(await output.isKnown)) {
        return undefined;
    }
    return new Promise((done) => output.apply((plain) => done(plain as pulumi.Unwrap<T>)));
}

export async function runOfflineStack(options: OfflineStackOptions = {}): Promise<OfflineStack> {
    const stack = options.stack ?? "dev";
    const preview = options.preview ?? false;
    const config = loadStackConfig(stack, options.config);
    const mocks = new PlatformMocks(config["aws:region"] ?? "us-east-1", preview);

    pulumi.runtime.setMocks(mocks, projectName(), stack, preview);
    pulumi.runtime.setAllConfig(config);
    // index.ts exports the program as an async function, which the engine (and this harness) calls.
    const program: () => Promise<Record<string, unknown>> = require("../index");
    const outputs = await program();
    const resolved: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(outputs)) {
        resolved[key] = await resolve(value);
    }
    // Registrations still in flight (e.g. resources waiting on an apply) finish before we look.
    await pulumi.runtime.disconnect();
    return { stack, config, resources: mocks.resources, invokes: mocks.invokes, outputs: resolved };
}

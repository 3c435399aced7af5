// `npm run bench`: the policy pack's in-process evaluation rate on stacks of about 100, 1,000 and 10,000
// resources, built from renamed copies of the project's own stacks, the dev stack and the full one (every
// optional part on: replication, tracking, labeling, trigger, serving), each copy passing the pack on its own,
// so the copies exercise the same cross-resource lookups a real large stack does. Prints resources/s per size
// and stack; the rate should stay flat across sizes (linear evaluation). Not a test: timings depend on the machine.
import { parseConfig } from "../components/config";
import { evaluateDetailed, OfflineResource, toPolicyResources } from "../policies/offline";
import { runOfflineStack } from "./offlineStack";
import { rawStackConfig, stackPolicyConfig } from "./stackConfig";

const DEFAULT_SIZES = [100, 1_000, 10_000];
/** Runs per size: enough that a small stack's median is not one GC pause (about 20,000 resources evaluated). */
const runsFor = (size: number) => Math.min(100, Math.max(5, Math.ceil(20_000 / size)));

/**
 * `copies` renamed copies of the stack: every physical name that starts with the stack's name base (roles,
 * key alias, pipeline, topic…) and the bucket name get a per-copy suffix, and so do the resource names and the
 * references to them (a resource's provider and its property dependencies), so each copy refers to itself only.
 */
export function replicate(resources: readonly OfflineResource[], copies: number, base: string, bucket: string): OfflineResource[] {
    const text = JSON.stringify(resources);
    const out: OfflineResource[] = [];
    for (let copy = 0; copy < copies; copy++) {
        const renamed = text.split(base).join(`${base}${copy}`).split(bucket).join(`${bucket}-${copy}`);
        const rename = (name: string) => `${name}-${copy}`;
        for (const resource of JSON.parse(renamed) as OfflineResource[]) {
            out.push({
                ...resource,
                name: rename(resource.name),
                ...(resource.provider === undefined ? {} : { provider: rename(resource.provider) }),
                ...(resource.propertyDependencies === undefined
                    ? {}
                    : { propertyDependencies: Object.fromEntries(Object.entries(resource.propertyDependencies).map(([property, names]) => [property, names.map(rename)])) }),
            });
        }
    }
    return out;
}

/** Stacks benchmarked, in order: the default one, and the one with every optional part on. */
const STACKS = ["dev", "full"];

async function main(): Promise<void> {
    const sizes = process.argv.slice(2).map(Number).filter((size) => Number.isInteger(size) && size > 0);
    process.stdout.write(`policy evaluation rate (renamed copies of each stack; Node ${process.version})\n`);
    for (const name of STACKS) {
        await bench(name, sizes.length > 0 ? sizes : DEFAULT_SIZES);
    }
}

async function bench(name: string, sizes: readonly number[]): Promise<void> {
    const stack = await runOfflineStack({ stack: name });
    const resources = toPolicyResources(stack.resources);
    const base = String(stack.outputs.pipelineName).replace(/-yolo11-training$/, "");
    const bucket = String(stack.outputs.bucketName);
    // As `npm run plan` evaluates it: with the pack config the stack's own config implies.
    const config = stackPolicyConfig(parseConfig(rawStackConfig(name)));
    process.stdout.write(`stack ${name} (${resources.length} resources)\n`);
    // One small run first, so module loading and the IAM data's first reads do not count against the first size.
    await evaluateDetailed(replicate(resources, 1, base, bucket), config);
    for (const target of sizes) {
        const copies = Math.max(1, Math.round(target / resources.length));
        const stackCopies = replicate(resources, copies, base, bucket);
        // One run of a small stack is a few milliseconds, at the mercy of a GC pause or the JIT: the median of
        // several runs is the rate a CI job sees.
        const seconds: number[] = [];
        let violations = 0;
        const runs = runsFor(stackCopies.length);
        for (let run = 0; run < runs; run++) {
            const started = process.hrtime.bigint();
            violations = (await evaluateDetailed(stackCopies, config)).violations.length;
            seconds.push(Number(process.hrtime.bigint() - started) / 1e9);
        }
        seconds.sort((a, b) => a - b);
        const median = seconds[Math.floor(seconds.length / 2)];
        process.stdout.write(
            `  ${String(stackCopies.length).padStart(6)} resources  ${median.toFixed(3).padStart(7)} s  ${Math.round(stackCopies.length / median).toString().padStart(7)} resources/s (median of ${runs}; best ${Math.round(stackCopies.length / seconds[0])})  ${violations} violation(s)\n`,
        );
    }
}

if (require.main === module) main().catch((error) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
});

// `npm run bench`: the policy pack's in-process evaluation rate on stacks of about 100, 1,000 and 10,000
// resources, built from renamed copies of the project's own stack (every copy passes the pack on its own,
// so the copies exercise the same cross-resource lookups a real large stack does). Prints resources/s per
// size; the rate should stay flat across sizes (linear evaluation). Not a test: timings depend on the machine.
import { evaluateDetailed, OfflineResource, toPolicyResources } from "../policies/offline";
import { runOfflineStack } from "./offlineStack";

const DEFAULT_SIZES = [100, 1_000, 10_000];

/**
 * `copies` renamed copies of the stack: every physical name that starts with the stack's name base (roles,
 * key alias, pipeline, topic…) and the bucket name get a per-copy suffix, so each copy refers to itself only.
 */
export function replicate(resources: readonly OfflineResource[], copies: number, base: string, bucket: string): OfflineResource[] {
    const text = JSON.stringify(resources);
    const out: OfflineResource[] = [];
    for (let copy = 0; copy < copies; copy++) {
        const renamed = text.split(base).join(`${base}${copy}`).split(bucket).join(`${bucket}-${copy}`);
        for (const resource of JSON.parse(renamed) as OfflineResource[]) {
            out.push({ ...resource, name: `${resource.name}-${copy}` });
        }
    }
    return out;
}

async function main(): Promise<void> {
    const sizes = process.argv.slice(2).map(Number).filter((size) => Number.isInteger(size) && size > 0);
    const stack = await runOfflineStack({ stack: "dev" });
    const resources = toPolicyResources(stack.resources);
    const base = String(stack.outputs.pipelineName).replace(/-yolo11-training$/, "");
    const bucket = String(stack.outputs.bucketName);
    process.stdout.write(`policy evaluation rate (stack of ${resources.length} resources, renamed copies; Node ${process.version})\n`);
    // One small run first, so module loading and the IAM data's first reads do not count against the first size.
    await evaluateDetailed(replicate(resources, 1, base, bucket));
    for (const target of sizes.length > 0 ? sizes : DEFAULT_SIZES) {
        const copies = Math.max(1, Math.round(target / resources.length));
        const stackCopies = replicate(resources, copies, base, bucket);
        const started = process.hrtime.bigint();
        const { violations } = await evaluateDetailed(stackCopies);
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        const rate = stackCopies.length / seconds;
        process.stdout.write(
            `  ${String(stackCopies.length).padStart(6)} resources  ${seconds.toFixed(2).padStart(7)} s  ${Math.round(rate).toString().padStart(7)} resources/s  ${violations.length} violation(s)\n`,
        );
    }
}

if (require.main === module) main().catch((error) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
});

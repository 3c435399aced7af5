// The floor `npm run plan` is measured against (`npm run plan:floor`): a bare ts-node script that loads
// @pulumi/aws under the same mocks as the plan and registers as many resources, and nothing else — no
// config, no components, no definition, no policy pack, no report. What the plan takes beyond this is what
// it does on top of Pulumi itself. `--resources N` (default: the dev stack's count, 50).
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { PlatformMocks } from "./mocks";

async function main(): Promise<void> {
    const at = process.argv.indexOf("--resources");
    const count = at > 0 ? Number(process.argv[at + 1]) : 50;
    // As tools/offlineStack.ts does while the program runs (no source-mapped stack for each of Pulumi's promises),
    // so that the plan and its floor are compared like for like.
    (Error as { prepareStackTrace?: unknown }).prepareStackTrace = undefined;
    const started = Date.now();
    const mocks = new PlatformMocks("us-east-1", false);
    pulumi.runtime.setMocks(mocks, "floor", "dev", false);
    await pulumi.runtime.runInPulumiStack(async () => {
        const provider = new aws.Provider("aws", { profile: "ab", region: "us-east-1" });
        for (let index = 1; index < count; index++) {
            new aws.iam.Role(`role-${index}`, { assumeRolePolicy: "{}", tags: { project: "floor" } }, { provider });
        }
        return {};
    });
    await pulumi.runtime.disconnect();
    process.stdout.write(`registered ${mocks.resources.length} resources in ${((Date.now() - started) / 1000).toFixed(2)} s\n`);
}

main().catch((error) => {
    process.stderr.write(`plan floor failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
});

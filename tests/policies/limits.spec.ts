// The run limits as the pack resolves them for the operations CLI (policies/limits.ts): the same policies,
// schemas and config resolution as the pack's own, loadable without the policy SDK.
import { expect } from "chai";
import { execFileSync } from "child_process";
import * as path from "path";
import { DEFAULT_LIMITS, DEFAULT_INFERENCE_INSTANCE_TYPES, DEFAULT_PROCESSING_INSTANCE_TYPES, DEFAULT_TRAINING_INSTANCE_TYPES } from "../../policies/catalog";
import { LIMIT_POLICIES, LimitKnobs, packLimits } from "../../policies/limits";
import { resolveConfig } from "../../policies/offline";
import { policyNamed } from "./helpers";

const ROOT = path.resolve(__dirname, "..", "..");
const KEYS = Object.keys(LIMIT_POLICIES) as (keyof LimitKnobs)[];

describe("policies/limits.ts: the run limits of the pack", () => {
    it("loads, with pipeline.ts, without @pulumi/policy or any other Pulumi SDK", () => {
        const script = [
            'require("./policies/limits");',
            'require("./policies/pipeline");',
            "const loaded = Object.keys(require.cache).filter((file) => file.includes(`node_modules${require('path').sep}@pulumi`));",
            "process.stdout.write(JSON.stringify(loaded));",
        ].join("\n");
        const output = execFileSync(process.execPath, ["-r", "ts-node/register/transpile-only", "-e", script], { cwd: ROOT, encoding: "utf8" });
        expect(JSON.parse(output)).to.deep.equal([]);
    });

    it("is where the pack's four run-limiting policies take their name, level and configSchema from", () => {
        for (const key of KEYS) {
            const spec = LIMIT_POLICIES[key];
            const policy = policyNamed(spec.name);
            expect(policy.configSchema, spec.name).to.equal(spec.configSchema);
            expect(policy.enforcementLevel, spec.name).to.equal(spec.enforcementLevel);
        }
    });

    it("defaults to the catalog's values", () => {
        const limits = packLimits();
        expect(limits.instanceTypes.knobs).to.deep.equal({
            trainingInstanceTypes: [...DEFAULT_TRAINING_INSTANCE_TYPES],
            processingInstanceTypes: [...DEFAULT_PROCESSING_INSTANCE_TYPES],
            transformInstanceTypes: [...DEFAULT_INFERENCE_INSTANCE_TYPES],
        });
        expect(limits.instanceCount.knobs).to.deep.equal({
            maxInstanceCount: DEFAULT_LIMITS.maxInstanceCount,
            maxParallelTrainingJobs: DEFAULT_LIMITS.maxParallelTrainingJobs,
        });
        expect(limits.runtime.knobs).to.deep.equal({
            maxTrainingRuntimeSeconds: DEFAULT_LIMITS.maxTrainingRuntimeSeconds,
            maxProcessingRuntimeSeconds: DEFAULT_LIMITS.maxProcessingRuntimeSeconds,
            maxSpotWaitSeconds: DEFAULT_LIMITS.maxSpotWaitSeconds,
        });
        expect(limits.runCost.knobs).to.deep.equal({ maxRunCostUsd: DEFAULT_LIMITS.maxRunCostUsd, instancePrices: {}, basis: "default", transformRuntimeSeconds: 0 });
        expect(KEYS.map((key) => limits[key].enforcementLevel)).to.deep.equal(["mandatory", "mandatory", "mandatory", "mandatory"]);
    });

    const configs: [string, Record<string, unknown>][] = [
        ["no config", {}],
        ["raised cost ceiling and negotiated prices", { "sagemaker-pipeline-run-cost": { maxRunCostUsd: 500, instancePrices: { "ml.g5.12xlarge": 3 } } }],
        ["narrowed allow-list, count and runtimes", {
            "sagemaker-pipeline-instance-types-allowed": { trainingInstanceTypes: ["ml.g4dn.xlarge"] },
            "sagemaker-pipeline-instance-count": { enforcementLevel: "advisory", maxInstanceCount: 2 },
            "sagemaker-pipeline-max-runtime": { maxTrainingRuntimeSeconds: 3600 },
        }],
        ["`all` and a per-policy level", { all: "disabled", "sagemaker-pipeline-run-cost": "remediate", "iam-known-actions": { additionalActions: [] } }],
    ];
    for (const [name, config] of configs) {
        it(`resolves a --policy-pack-config exactly as the pack does: ${name}`, () => {
            const pack = resolveConfig(config);
            const limits = packLimits(config);
            for (const key of KEYS) {
                const { enforcementLevel, properties } = pack.get(LIMIT_POLICIES[key].name)!;
                expect(limits[key], key).to.deep.equal({ policy: LIMIT_POLICIES[key].name, enforcementLevel, knobs: properties });
            }
        });
    }

    it("refuses an invalid entry of its policies with the pack's own message", () => {
        for (const config of [
            { "sagemaker-pipeline-run-cost": { maxRunCostUsd: "lots" } },
            { "sagemaker-pipeline-instance-count": { maxInstanceCont: 2 } },
            { "sagemaker-pipeline-max-runtime": "strict" },
            ["not", "an", "object"],
        ]) {
            const message = (() => {
                try {
                    resolveConfig(config as Record<string, unknown>);
                } catch (error) {
                    return (error as Error).message;
                }
                return expect.fail(`the pack accepted ${JSON.stringify(config)}`);
            })();
            expect(() => packLimits(config), JSON.stringify(config)).to.throw(message);
        }
    });

    it("leaves other policies' entries to the pack", () => {
        expect(() => packLimits({ "iam-known-actions": { additionalActions: 5 }, "some-future-policy": "advisory" })).to.not.throw();
    });
});

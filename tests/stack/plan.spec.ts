import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { findStep, PipelineDefinition, ProcessingStep, STEPS, trainingRunSteps } from "../../components/pipelineDefinition";
import { DEFAULT_LIMITS, pricePerHour, PRICING_BASIS } from "../../policies/catalog";
import { AT_REST_PRICES } from "../../tools/costReport";
import { stepsLine } from "../../tools/plan";
import { PROJECT_ROOT, withStackPolicyConfig } from "../../tools/stackConfig";

function plan(...args: string[]) {
    return spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", path.join(PROJECT_ROOT, "tools", "plan.ts"), ...args], {
        cwd: PROJECT_ROOT,
        encoding: "utf8",
    });
}

/** The default value of a `{"Get": "Parameters.X"}` or a literal, from the definition itself. */
function valueIn(definition: PipelineDefinition, value: unknown): unknown {
    const get = (value as { Get?: string }).Get;
    return get ? definition.Parameters.find((p) => `Parameters.${p.Name}` === get)?.DefaultValue : value;
}

describe("npm run plan", () => {
    let json: ReturnType<typeof plan>;
    let text: ReturnType<typeof plan>;
    before(() => {
        json = plan("--json");
        text = plan();
    });

    it("--json prints one document with the resources, the definition and a clean policy verdict, and writes the definition file", () => {
        expect(json.status, json.stderr).to.equal(0);
        const document = JSON.parse(json.stdout);
        expect(document.violations).to.deep.equal([]);
        expect(document.pipelineDefinition.Steps.map((s: { Name: string }) => s.Name)).to.deep.equal(["PrepareDataset", "CheckDataset"]);
        expect(trainingRunSteps(document.pipelineDefinition).map((s) => s.Name)).to.deep.equal(["TrainYOLO11", "EvaluateYOLO11", "CheckMAP50_95"]);
        expect(document.resources.map((r: { type: string }) => r.type)).to.include.members(["aws:sagemaker/pipeline:Pipeline", "aws:iam/role:Role", "aws:kms/key:Key"]);
        const written = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, "build", "pipeline-definition.dev.json"), "utf8"));
        expect(written).to.deep.equal(document.pipelineDefinition);
    });

    it("--json has a cost object whose numbers follow from the definition and the catalog's prices", () => {
        const { cost, pipelineDefinition } = JSON.parse(json.stdout) as { cost: any; pipelineDefinition: PipelineDefinition };
        const [prepare] = pipelineDefinition.Steps;
        const [train, evaluate] = trainingRunSteps(pipelineDefinition);
        const baselines = [findStep(pipelineDefinition, STEPS.baseline), findStep(pipelineDefinition, STEPS.baselineStatistics)];
        if (prepare.Type !== "Processing" || train.Type !== "Training" || evaluate.Type !== "Processing" || baselines.some((b) => b?.Type !== "Processing")) {
            throw new Error("expected Processing, then Training and Processing behind the dataset check, and two baseline Processing steps");
        }
        const prepareType = String(prepare.Arguments.ProcessingResources?.ClusterConfig?.InstanceType);
        const prepareRuntime = Number(prepare.Arguments.StoppingCondition?.MaxRuntimeInSeconds);
        const trainingType = String(valueIn(pipelineDefinition, train.Arguments.ResourceConfig?.InstanceType));
        const trainingCount = Number(valueIn(pipelineDefinition, train.Arguments.ResourceConfig?.InstanceCount));
        const trainingRuntime = Number(train.Arguments.StoppingCondition?.MaxRuntimeInSeconds);
        const evaluationType = String(valueIn(pipelineDefinition, evaluate.Arguments.ProcessingResources?.ClusterConfig?.InstanceType));
        const evaluationRuntime = Number(evaluate.Arguments.StoppingCondition?.MaxRuntimeInSeconds);
        // The dev config: ml.g4dn.xlarge x 1 for 14400 s of training on managed spot, then one hour of evaluation.
        expect([trainingType, trainingCount, trainingRuntime, train.Arguments.EnableManagedSpotTraining]).to.deep.equal(["ml.g4dn.xlarge", 1, 14_400, true]);

        const trainingOnDemand = (pricePerHour(trainingType)! * trainingCount * trainingRuntime) / 3600;
        const evaluationOnDemand = (pricePerHour(evaluationType)! * 1 * evaluationRuntime) / 3600;
        const prepareOnDemand = (pricePerHour(prepareType)! * 1 * prepareRuntime) / 3600;
        const baselineOnDemand = baselines.map((step) => {
            const args = (step as ProcessingStep).Arguments;
            return (pricePerHour(String(args.ProcessingResources?.ClusterConfig?.InstanceType))! * Number(args.StoppingCondition?.MaxRuntimeInSeconds)) / 3600;
        });
        const baselinesOnDemand = baselineOnDemand[0] + baselineOnDemand[1];
        const trainingSpot = trainingOnDemand * (1 - PRICING_BASIS.typicalManagedSpotSavings);

        expect(cost).to.include({ currency: "USD", estimate: true });
        expect(cost.pricing).to.include({ region: PRICING_BASIS.region, stackRegion: "us-east-1", asOf: PRICING_BASIS.asOf });
        const [prepareJob, trainJob, evaluateJob, baselineJob, statisticsJob] = cost.run.defaultRun.jobs;
        expect(prepareJob).to.include({ step: "PrepareDataset", type: "Processing", instanceType: "ml.m5.large", spotEstimateUsd: null });
        expect(prepareJob.onDemandUsd).to.be.closeTo(prepareOnDemand, 1e-9);
        expect(trainJob).to.include({ step: "TrainYOLO11", type: "Training", instanceType: trainingType, instanceCount: trainingCount, maxRuntimeSeconds: trainingRuntime, managedSpot: true });
        expect(trainJob.onDemandUsd).to.be.closeTo(trainingOnDemand, 1e-9);
        expect(trainJob.spotEstimateUsd).to.be.closeTo(trainingSpot, 1e-9);
        expect(trainJob.maxWaitSeconds).to.equal(train.Arguments.StoppingCondition?.MaxWaitTimeInSeconds);
        expect(evaluateJob).to.include({ step: "EvaluateYOLO11", type: "Processing", spotEstimateUsd: null });
        expect(evaluateJob.onDemandUsd).to.be.closeTo(evaluationOnDemand, 1e-9);
        // The baseline steps of a model that passes the gate, priced like every other job (processing: no spot).
        expect(baselineJob).to.include({ step: STEPS.baseline, type: "Processing", instanceType: "ml.m5.large", spotEstimateUsd: null });
        expect(statisticsJob).to.include({ step: STEPS.baselineStatistics, type: "Processing", instanceType: "ml.m5.large", spotEstimateUsd: null });
        expect([baselineJob.onDemandUsd, statisticsJob.onDemandUsd]).to.deep.equal(baselineOnDemand);
        expect(cost.run.defaultRun.jobs).to.have.length(5);
        expect(cost.run.defaultRun.onDemandUsd).to.be.closeTo(prepareOnDemand + trainingOnDemand + evaluationOnDemand + baselinesOnDemand, 1e-9);
        expect(cost.run.defaultRun.asConfiguredUsd).to.be.closeTo(prepareOnDemand + trainingSpot + evaluationOnDemand + baselinesOnDemand, 1e-9);
        // The default run's worst case as configured stays at most 35% of the same run on demand.
        expect(cost.run.defaultRun.asConfiguredUsd / cost.run.defaultRun.onDemandUsd).to.be.at.most(0.35);
        expect(cost.run.defaultRun.complete).to.equal(true);
        expect(cost.run.ceiling.maxRunCostUsd).to.equal(DEFAULT_LIMITS.maxRunCostUsd);
        expect(cost.run.ceiling.headroomUsd).to.be.closeTo(DEFAULT_LIMITS.maxRunCostUsd - prepareOnDemand - trainingOnDemand - evaluationOnDemand - baselinesOnDemand, 1e-9);
        expect(cost.run.largestAllowed.onDemandUsd).to.be.a("number").and.to.be.at.least(cost.run.defaultRun.onDemandUsd);
        expect(cost.run.freeSteps.map((step: { type: string }) => step.type)).to.include.members(["Condition", "Fail"]);

        expect(cost.atRest.monthlyUsd).to.be.a("number").and.to.be.at.least(1);
        expect(cost.atRest.items.find((item: { type: string }) => item.type === "aws:kms/key:Key").monthlyUsd).to.equal(1);
        expect(cost.atRest.unpriced).to.deep.equal([]);
        expect(cost.atRest.studio[0].forgottenAppUsd).to.be.a("number");
    });

    it("prints the steps with the quality gate, and a Cost block before the policy verdict", () => {
        expect(text.status, text.stderr).to.equal(0);
        const out = text.stdout;
        expect(out).to.match(
            /steps: +PrepareDataset \(Processing on ml\.m5\.large x 1, max 30 min\) -> dataset check \[CheckDataset\] -> TrainYOLO11 \(Training on .*\) -> EvaluateYOLO11 \(Processing on .*\) -> quality gate \[CheckMAP50_95 -> CheckMAP50 -> CheckPrecision -> CheckRecall\] -> BaselineMonitoring \(Processing on ml\.m5\.large x 1, max 20 min\) -> BaselineStatistics \(Processing on ml\.m5\.large x 1, max 20 min\) -> RegisterYOLO11 \(RegisterModel\)\n/,
        );
        const costAt = out.indexOf("\nCost (estimates from list prices");
        expect(costAt).to.be.greaterThan(0);
        expect(costAt).to.be.lessThan(out.indexOf("\nPolicy verdict"));
        const block = out.slice(costAt, out.indexOf("\nPolicy verdict"));
        expect(block).to.contain("TrainYOLO11").and.contain("on demand").and.contain("with managed spot").and.contain("maxRunCostUsd").and.contain("At rest, per month");
    });

    it("prints the full stack's replica at rest, priced at the configured data size, with a clean verdict", () => {
        const full = plan("--stack", "full");
        expect(full.status, full.stderr).to.equal(0);
        const atRest = full.stdout.slice(full.stdout.indexOf("At rest, per month"));
        const replica = atRest.split("\n").find((line) => line.trim().startsWith("replication-config "));
        const monthly = 100 * AT_REST_PRICES.s3Replica.storageGbMonthUsd;
        expect(replica, full.stdout).to.contain(`$${monthly.toFixed(2)}`).and.contain("cross-region replica of datasets/ and models/").and.contain("100 GB assumed (replicatedDataGb)");
        expect(full.stdout).to.contain("Policy verdict: no violations");
        // The stack asks for replication, so the pack was told to require it (and the file says so for pulumi preview).
        const readConfig = (stack: string) => JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, "build", `policy-config.${stack}.json`), "utf8"));
        expect(readConfig("full")).to.deep.equal({ "s3-replication-required": { requireReplication: true } });
        expect(readConfig("dev")).to.deep.equal({ "s3-replication-required": { requireReplication: false } });
    });

    it("refuses a stack without valid configuration with exit 2 and the problems, not a stack trace", () => {
        const run = plan("--stack", "nosuchstack");
        expect(run.status).to.equal(2);
        expect(run.stderr).to.contain("Invalid stack configuration").and.contain("aws:profile").and.not.contain("    at ");
    });

    it("--policy-pack-config gives the cost block and the verdict the same run-cost knobs, and a bad file exits 2", () => {
        const folder = fs.mkdtempSync(path.join(os.tmpdir(), "plan-pack-config-"));
        // This run writes its merged config (a $1 ceiling) to the file the README points `pulumi preview` at: put the stack's own back.
        const written = path.join(PROJECT_ROOT, "build", "policy-config.dev.json");
        const before = fs.existsSync(written) ? fs.readFileSync(written) : undefined;
        try {
            const file = path.join(folder, "config.json");
            fs.writeFileSync(file, JSON.stringify({ "sagemaker-pipeline-run-cost": { maxRunCostUsd: 1, instancePrices: { "ml.g4dn.xlarge": 0.5 } } }));
            // Text, not --json: --json would leave this run's document in build/plan.dev.json.
            const run = plan("--policy-pack-config", file);
            expect(run.status, run.stderr).to.equal(1);
            const lines = run.stdout.split("\n");
            const training = lines.find((line) => line.trim().startsWith(`${STEPS.train} `) && line.includes("on demand"));
            expect(training, run.stdout).to.contain("ml.g4dn.xlarge x 1 x 4 h").and.contain("$2.00 on demand");
            const total = /^ +total +\$([\d.]+) on demand/m.exec(run.stdout);
            expect(total, run.stdout).to.not.equal(null);
            expect(run.stdout).to.match(/ceiling +\$1\.00 on demand per run/);
            const verdict = run.stdout.slice(run.stdout.indexOf("Policy verdict"));
            expect(verdict).to.contain("[mandatory] sagemaker-pipeline-run-cost").and.contain(`up to $${total![1]} on demand`).and.contain("above maxRunCostUsd $1;");

            fs.writeFileSync(file, JSON.stringify({ "sagemaker-pipeline-run-cost": { maxRunCostUsd: "lots" } }));
            const bad = plan("--policy-pack-config", file);
            expect(bad.status).to.equal(2);
            expect(bad.stderr).to.contain(`--policy-pack-config ${JSON.stringify(file)}`).and.contain('knob "maxRunCostUsd" must be number').and.not.contain("    at ");
        } finally {
            fs.rmSync(folder, { recursive: true, force: true });
            if (before === undefined) {
                fs.rmSync(written, { force: true });
            } else {
                fs.writeFileSync(written, before);
            }
        }
    });

    it("refuses an unknown argument with exit 2", () => {
        const run = plan("--jsn");
        expect(run.status).to.equal(2);
        expect(run.stderr).to.contain('unknown argument "--jsn"');
    });
});

describe("the plan's pack config", () => {
    it("lays a team's --policy-pack-config over what the stack's config implies, setting by setting", () => {
        const implied = { "s3-replication-required": { requireReplication: true } };
        expect(withStackPolicyConfig(implied, { "sagemaker-pipeline-run-cost": { maxRunCostUsd: 10 } })).to.deep.equal({
            "s3-replication-required": { requireReplication: true },
            "sagemaker-pipeline-run-cost": { maxRunCostUsd: 10 },
        });
        expect(withStackPolicyConfig(implied, { "s3-replication-required": "advisory" })).to.deep.equal({
            "s3-replication-required": { requireReplication: true, enforcementLevel: "advisory" },
        });
        expect(withStackPolicyConfig(implied, { "iam-known-actions": "disabled" })).to.deep.include({ "iam-known-actions": "disabled" });
        expect(withStackPolicyConfig(implied, { "s3-replication-required": { enforcementLevel: "advisory" } })).to.deep.equal({
            "s3-replication-required": { requireReplication: true, enforcementLevel: "advisory" },
        });
    });
});

describe("plan's steps line", () => {
    const job = (name: string) => ({
        Name: name,
        Type: "Processing" as const,
        Arguments: { ProcessingResources: { ClusterConfig: { InstanceType: "ml.g4dn.xlarge", InstanceCount: 1, VolumeSizeInGB: 30 } }, StoppingCondition: { MaxRuntimeInSeconds: 3600 } },
    });
    const check = (name: string, ifSteps: any[], elseSteps: any[]) => ({
        Name: name,
        Type: "Condition" as const,
        Arguments: { Conditions: [{ Type: "GreaterThanOrEqualTo" as const, LeftValue: 1, RightValue: 0 }], IfSteps: ifSteps, ElseSteps: elseSteps },
    });
    const fail = (name: string) => ({ Name: name, Type: "Fail" as const, Arguments: { ErrorMessage: "below minimum" } });
    const definition = (steps: any[]): PipelineDefinition => ({ Version: "2020-12-01", Metadata: {}, Parameters: [], Steps: steps });

    it("shows a chain of checks that fail the run as one quality gate, followed by what runs when all pass", () => {
        const gate = check("A", [check("B", [{ Name: "Register", Type: "RegisterModel", Arguments: {} }], [fail("FailB")])], [fail("FailA")]);
        expect(stepsLine(definition([job("Eval"), gate]))).to.equal(
            "Eval (Processing on ml.g4dn.xlarge x 1, max 1 h) -> quality gate [A -> B] -> Register (RegisterModel)",
        );
        expect(stepsLine(definition([check("Only", [], [fail("F")])]))).to.equal("quality gate [Only]");
    });

    it("shows both branches of any other Condition", () => {
        expect(stepsLine(definition([check("Choose", [job("Big")], [job("Small")])]))).to.equal(
            "Choose (Condition: if Big (Processing on ml.g4dn.xlarge x 1, max 1 h); else Small (Processing on ml.g4dn.xlarge x 1, max 1 h))",
        );
    });
});

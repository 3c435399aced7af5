// The CLI and the policy pack share one source for a run's limits and cost: the same definition, start
// values and --policy-pack-config give the same cost and the same verdict from `start`'s validation and
// from the pack (policies/offline.ts), and a config that changes a limit changes it for both.
import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PARAMETERS, STEPS } from "../../components/pipelineDefinition";
import { INSTANCE_TYPES } from "../../policies/catalog";
import { packLimits } from "../../policies/limits";
import { JobCost } from "../../policies/pipeline";
import { DeployedDefinition, parseDefinition } from "../../cli/definition";
import { UsageError } from "../../cli/errors";
import { loadPackLimits, requestedValues, validateParameters, ValidatedStart } from "../../cli/validation";
import { definition, Json, parameters, pipeline, processingStep, trainingStep, variant, violationsOf } from "../policies/helpers";
import { stackPipeline } from "./support/stack";

const RUN_COST = "sagemaker-pipeline-run-cost";
const condition = (name: string, ifSteps: Json[], elseSteps: Json[] = []): Json => ({ Name: name, Type: "Condition", Arguments: { Conditions: [], IfSteps: ifSteps, ElseSteps: elseSteps } });
const deployed = (def: Json): DeployedDefinition => parseDefinition(JSON.stringify(def), "p");
const params = (values: Record<string, string>) => requestedValues({}, Object.entries(values).map(([name, value]) => `${name}=${value}`));

/** The CLI's validation of a start with `values` under a pack config. */
const cliStart = (def: Json, values: Record<string, string>, config: Record<string, unknown> = {}): ValidatedStart =>
    validateParameters(deployed(def), "p", params(values), packLimits(config));

/** The refusal of a start, or undefined when the CLI accepts it. */
function cliRefusal(def: Json, values: Record<string, string>, config: Record<string, unknown> = {}): string | undefined {
    try {
        cliStart(def, values, config);
        return undefined;
    } catch (error) {
        expect(error).to.be.instanceOf(UsageError);
        return (error as UsageError).problems.join("\n");
    }
}

/** The definition as the pack sees a run started with `values`: those values as the parameters' defaults. */
const withDefaults = (def: Json, values: Record<string, string>): Json =>
    variant(def, (copy) => {
        for (const parameter of copy.Parameters) {
            if (parameter.Name in values) {
                parameter.DefaultValue = parameter.Type === "Integer" ? Number(values[parameter.Name]) : values[parameter.Name];
            }
        }
    });

/** The pack's sagemaker-pipeline-run-cost violations of that run. */
const packRunCost = async (def: Json, values: Record<string, string>, config: Record<string, unknown> = {}) =>
    (await violationsOf([pipeline(withDefaults(def, values), "p")], config)).filter((violation) => violation.policy === RUN_COST);

/** A job as the policy's violation message writes it. */
const policyLine = (job: JobCost) => `${job.step}: ${job.instanceType} x ${job.instanceCount} x ${(job.maxRuntimeSeconds / 3600).toFixed(2)} h = $${job.costUsd.toFixed(2)}`;

describe("cli and policy pack: one source for run limits and cost", () => {
    let stack: Json;

    before(async () => {
        stack = (await stackPipeline()).definition as unknown as Json;
    });

    const dearRetrain = variant(trainingStep("Retrain"), (s) => {
        s.Arguments.ResourceConfig.InstanceType = "ml.g5.4xlarge";
        s.Arguments.ResourceConfig.InstanceCount = 2;
    });
    const grouped = variant(trainingStep(), (s) => {
        s.Arguments.ResourceConfig.InstanceGroups = [
            { InstanceGroupName: "a", InstanceType: { Get: "Parameters.TrainingInstanceType" }, InstanceCount: { Get: "Parameters.TrainingInstanceCount" } },
            { InstanceGroupName: "b", InstanceType: "ml.g5.xlarge", InstanceCount: 2 },
        ];
    });
    const cases: { name: string; def: () => Json; values: Record<string, string>; prices?: Record<string, number> }[] = [
        { name: "training + evaluation at the defaults", def: () => definition(), values: {} },
        { name: "a larger training type and count", def: () => definition(), values: { TrainingInstanceType: "ml.g5.xlarge", TrainingInstanceCount: "3" } },
        { name: "a Condition whose else branch is dearer", def: () => definition([trainingStep(), condition("Gate", [processingStep("Cheap")], [dearRetrain])]), values: {} },
        {
            name: "a Condition whose if branch becomes the dearer with the start's values",
            def: () => definition([processingStep(), condition("Gate", [trainingStep()], [dearRetrain])]),
            values: { TrainingInstanceType: "ml.g5.xlarge", TrainingInstanceCount: "4" },
        },
        { name: "a heterogeneous training cluster", def: () => definition([grouped, processingStep()]), values: { TrainingInstanceCount: "2" } },
        { name: "negotiated instancePrices", def: () => definition(), values: { TrainingInstanceType: "ml.g5.xlarge" }, prices: { "ml.g5.xlarge": 0.5, "ml.g4dn.xlarge": 0.25 } },
        {
            name: "the stack's own definition with the costliest allowed start",
            def: () => stack,
            values: { [PARAMETERS.trainingInstanceType]: "ml.g4dn.12xlarge", [PARAMETERS.trainingInstanceCount]: "4" },
            prices: { "ml.g4dn.12xlarge": 2.5 },
        },
    ];
    for (const { name, def, values, prices } of cases) {
        it(`the CLI's start and the pack's policy compute the same cost: ${name}`, async () => {
            const instancePrices = prices ?? {};
            const { cost } = cliStart(def(), values, { [RUN_COST]: { maxRunCostUsd: 1e6, instancePrices } });
            expect(cost.unbounded).to.deep.equal([]);
            // A zero ceiling makes the policy state its estimate.
            const [violation, ...more] = await packRunCost(def(), values, { [RUN_COST]: { maxRunCostUsd: 0, instancePrices } });
            expect(more).to.deep.equal([]);
            const stated = /a run can cost up to \$([\d.]+) on demand \((.*)\), above maxRunCostUsd/.exec(violation?.message ?? "");
            expect(stated, violation?.message).to.not.equal(null);
            expect(stated![1]).to.equal(cost.totalUsd.toFixed(2));
            expect(stated![2].split("; ")).to.deep.equal(cost.jobs.map(policyLine));
        });
    }

    it("prices the Condition cases as the sum along the dearer branch", () => {
        const price = (type: string) => INSTANCE_TYPES[type].pricePerHour;
        const { cost } = cliStart(definition([trainingStep(), condition("Gate", [processingStep("Cheap")], [dearRetrain])]), {});
        expect(cost.jobs.map((job) => job.step)).to.deep.equal(["Train", "Retrain"]);
        expect(cost.totalUsd).to.be.closeTo(price("ml.g4dn.xlarge") * 4 + price("ml.g5.4xlarge") * 2 * 4, 1e-9);
    });

    it("a pack config that raises maxRunCostUsd lets the CLI accept the start it refused, as it lets the pack accept that run", async () => {
        const dear = { [PARAMETERS.trainingInstanceType]: "ml.g5.12xlarge", [PARAMETERS.trainingInstanceCount]: "4" };
        const raised = { [RUN_COST]: { maxRunCostUsd: 1000 } };
        expect(cliRefusal(stack, dear)).to.include("above the policy pack's ceiling of $100.00 (maxRunCostUsd)");
        expect(await packRunCost(stack, dear)).to.have.length(1);

        expect(cliRefusal(stack, dear, raised)).to.equal(undefined);
        expect(await packRunCost(stack, dear, raised)).to.deep.equal([]);
        const { cost } = cliStart(stack, dear, raised);
        expect(cost.totalUsd).to.be.greaterThan(100).and.at.most(1000);

        // And the other way round: a lowered ceiling refuses the default run in both.
        const lowered = { [RUN_COST]: { maxRunCostUsd: 1 } };
        expect(cliRefusal(stack, {}, lowered)).to.include("ceiling of $1.00 (maxRunCostUsd)");
        expect(await packRunCost(stack, {}, lowered)).to.have.length(1);
    });

    it("prices a start with the pack config's instancePrices", () => {
        const dear = { [PARAMETERS.trainingInstanceType]: "ml.g5.12xlarge", [PARAMETERS.trainingInstanceCount]: "4" };
        expect(cliRefusal(stack, dear, { [RUN_COST]: { instancePrices: { "ml.g5.12xlarge": 0.01 } } })).to.equal(undefined);
    });

    it("holds instance types, counts and runtimes to the config's allow-lists and ceilings", () => {
        const narrowed = { "sagemaker-pipeline-instance-types-allowed": { trainingInstanceTypes: ["ml.g4dn.xlarge"] } };
        expect(cliRefusal(stack, { [PARAMETERS.trainingInstanceType]: "ml.g5.xlarge" })).to.equal(undefined);
        expect(cliRefusal(stack, { [PARAMETERS.trainingInstanceType]: "ml.g5.xlarge" }, narrowed)).to.include(
            `expected one of ml.g4dn.xlarge (the policy pack's training instance allow-list, step ${STEPS.train})`,
        );

        // A config allow-list and the definition's EnumValues that only partly overlap: a refusal offers what both allow.
        const overlapping = { "sagemaker-pipeline-instance-types-allowed": { trainingInstanceTypes: ["ml.p3.2xlarge", "ml.g5.xlarge"] } };
        expect(cliRefusal(stack, { [PARAMETERS.trainingInstanceType]: "ml.g4dn.xlarge" }, overlapping)).to.equal(
            `--param ${PARAMETERS.trainingInstanceType}: "ml.g4dn.xlarge" is not allowed for pipeline parameter ${PARAMETERS.trainingInstanceType}; expected one of ml.g5.xlarge (the policy pack's training instance allow-list, step ${STEPS.train}, within the parameter's EnumValues).`,
        );
        expect(cliRefusal(stack, { [PARAMETERS.trainingInstanceType]: "ml.p3.2xlarge" }, overlapping)).to.equal(
            `--param ${PARAMETERS.trainingInstanceType}: "ml.p3.2xlarge" is not allowed for pipeline parameter ${PARAMETERS.trainingInstanceType}; expected one of ml.g5.xlarge (EnumValues of the pipeline definition, within the policy pack's instance allow-list).`,
        );
        expect(cliRefusal(stack, { [PARAMETERS.trainingInstanceType]: "ml.g5.xlarge" }, overlapping)).to.equal(undefined);
        // A disabled allow-list narrows nothing: EnumValues alone decide, and are listed whole.
        expect(cliRefusal(stack, { [PARAMETERS.trainingInstanceType]: "ml.p3.2xlarge" }, { "sagemaker-pipeline-instance-types-allowed": "disabled" })).to.include(
            "(EnumValues of the pipeline definition).",
        );

        const count = { "sagemaker-pipeline-instance-count": { maxInstanceCount: 2 } };
        expect(cliRefusal(stack, { [PARAMETERS.trainingInstanceCount]: "3" }, count)).to.include("expected an integer from 1 to 2 (the policy pack's maxInstanceCount");

        // A definition whose training runtime is a parameter: a start value meets the runtime ceiling.
        const timed = definition(
            [variant(trainingStep(), (s) => (s.Arguments.StoppingCondition.MaxRuntimeInSeconds = { Get: "Parameters.MaxRuntime" })), processingStep()],
            [...parameters(), { Name: "MaxRuntime", Type: "Integer", DefaultValue: 3600 }],
        );
        expect(cliRefusal(timed, { MaxRuntime: "100000" })).to.include("expected an integer from 1 to 86400 (the policy pack's maxTrainingRuntimeSeconds, step Train)");
        expect(cliRefusal(timed, { MaxRuntime: "100000" }, { "sagemaker-pipeline-max-runtime": { maxTrainingRuntimeSeconds: 100_000 } })).to.equal(undefined);
    });

    describe("a Tuning step whose ResourceLimits come from parameters", () => {
        const training = trainingStep().Arguments;
        const tuning = definition(
            [
                processingStep(),
                {
                    Name: "Tune",
                    Type: "Tuning",
                    Arguments: {
                        HyperParameterTuningJobConfig: {
                            Strategy: "Bayesian",
                            ResourceLimits: { MaxNumberOfTrainingJobs: { Get: "Parameters.MaxJobs" }, MaxParallelTrainingJobs: { Get: "Parameters.Parallel" } },
                        },
                        TrainingJobDefinition: { ...training, ResourceConfig: { ...training.ResourceConfig, InstanceCount: 1 } },
                    },
                },
            ],
            [...parameters(), { Name: "MaxJobs", Type: "Integer", DefaultValue: 4 }, { Name: "Parallel", Type: "Integer", DefaultValue: 2 }],
        );
        const parallelKnob = "sagemaker-pipeline-instance-count";

        it("holds MaxParallelTrainingJobs to the pack's maxParallelTrainingJobs, as the pack holds the run's value", async () => {
            expect(cliRefusal(tuning, { Parallel: "40" })).to.equal(
                '--param Parallel: "40" is not allowed for pipeline parameter Parallel; expected an integer from 1 to 2 (the policy pack\'s maxParallelTrainingJobs, step Tune).',
            );
            const pack = (await violationsOf([pipeline(withDefaults(tuning, { Parallel: "40" }), "p")])).filter((v) => v.policy === parallelKnob);
            expect(pack.map((v) => v.message).join("\n")).to.include("above maxParallelTrainingJobs 2");
            expect(cliRefusal(tuning, { Parallel: "2" })).to.equal(undefined);
            expect(cliRefusal(tuning, { Parallel: "0" })).to.include("expected an integer from 1 to 2");
            expect(cliRefusal(tuning, { Parallel: "40" }, { [parallelKnob]: { maxParallelTrainingJobs: 40 } })).to.equal(undefined);
        });

        it("blames MaxNumberOfTrainingJobs for a run it makes too dear, with the job count in the arithmetic and advice for it", () => {
            const perJob = INSTANCE_TYPES["ml.g4dn.xlarge"].pricePerHour * 4;
            expect(cliRefusal(tuning, { MaxJobs: "500" })).to.equal(
                `--param MaxJobs 500: the worst-case run cost is $${(INSTANCE_TYPES["ml.g4dn.xlarge"].pricePerHour + 500 * perJob).toFixed(2)} ` +
                    `(Evaluate 1 x ml.g4dn.xlarge x 3600 s = $${INSTANCE_TYPES["ml.g4dn.xlarge"].pricePerHour.toFixed(2)}; Tune 1 x ml.g4dn.xlarge x 14400 s x 500 jobs = $${(500 * perJob).toFixed(2)}), ` +
                    "above the policy pack's ceiling of $100.00 (maxRunCostUsd); choose fewer tuning jobs (MaxNumberOfTrainingJobs).",
            );
            expect(cliRefusal(tuning, { MaxJobs: "0" })).to.include("expected an integer of at least 1 (a Tuning step's MaxNumberOfTrainingJobs, step Tune");
            // The defaults alone above a lowered ceiling: the message names the parameters that lower the cost.
            expect(cliRefusal(tuning, {}, { [RUN_COST]: { maxRunCostUsd: 1 } })).to.include(
                "start with a smaller instance type or fewer tuning jobs (MaxNumberOfTrainingJobs) (parameters EvaluationInstanceType, TrainingInstanceType, MaxJobs), or raise maxRunCostUsd",
            );
        });
    });

    it("follows the config's levels: a disabled policy limits nothing, an advisory one warns", () => {
        const dear = { [PARAMETERS.trainingInstanceType]: "ml.g5.12xlarge", [PARAMETERS.trainingInstanceCount]: "4" };
        expect(cliStart(stack, dear, { [RUN_COST]: "disabled" }).warnings).to.deep.equal([]);
        const [warning, ...more] = cliStart(stack, dear, { [RUN_COST]: { enforcementLevel: "advisory" } }).warnings;
        expect(more).to.deep.equal([]);
        expect(warning).to.include("above the policy pack's ceiling").and.include(`${RUN_COST} is advisory in the policy pack config, so the start goes ahead.`);

        const many = { [PARAMETERS.trainingInstanceCount]: "8" };
        expect(cliRefusal(stack, many, { [RUN_COST]: "disabled" })).to.include("(the policy pack's maxInstanceCount");
        expect(cliStart(stack, many, { all: "disabled" }).warnings).to.deep.equal([]);
        const advisory = cliStart(stack, many, { "sagemaker-pipeline-instance-count": "advisory", [RUN_COST]: "disabled" });
        expect(advisory.parameters).to.deep.equal([{ Name: PARAMETERS.trainingInstanceCount, Value: "8" }]);
        expect(advisory.warnings).to.have.length(1);
        expect(advisory.warnings[0]).to.include('"8" is not allowed').and.include("sagemaker-pipeline-instance-count is advisory");
    });
});

describe("cli --policy-pack-config file", () => {
    let folder: string;
    const file = (name: string, content: string) => {
        const target = path.join(folder, name);
        fs.writeFileSync(target, content);
        return target;
    };
    const problemOf = (name: string | undefined): string => {
        try {
            loadPackLimits(name);
        } catch (error) {
            expect(error).to.be.instanceOf(UsageError);
            return (error as UsageError).problems.join("\n");
        }
        return expect.fail(`accepted ${name}`);
    };

    before(() => (folder = fs.mkdtempSync(path.join(os.tmpdir(), "pack-config-"))));
    after(() => fs.rmSync(folder, { recursive: true, force: true }));

    it("gives the pack's defaults without a file (or with an empty name, e.g. an empty YOLO_POLICY_PACK_CONFIG)", () => {
        expect(loadPackLimits(undefined)).to.deep.equal(packLimits());
        expect(loadPackLimits("")).to.deep.equal(packLimits());
    });

    it("reads the limits a file sets, as the pack resolves them", () => {
        const config = { [RUN_COST]: { maxRunCostUsd: 250 }, "iam-known-actions": { additionalActions: [] } };
        expect(loadPackLimits(file("ok.json", JSON.stringify(config)))).to.deep.equal(packLimits(config));
    });

    it("refuses a missing, non-JSON or invalid file, naming the file and the problem", () => {
        const missing = path.join(folder, "missing.json");
        expect(problemOf(missing)).to.equal(`--policy-pack-config ${JSON.stringify(missing)}: cannot be read (ENOENT).`);
        expect(problemOf(file("yaml.json", "maxRunCostUsd: 5\n"))).to.include(": is not JSON (").and.include("a JSON object keyed by policy name");
        expect(problemOf(file("typed.json", JSON.stringify({ [RUN_COST]: { maxRunCostUsd: "lots" } })))).to.include(
            `Invalid policy pack config for "${RUN_COST}": knob "maxRunCostUsd" must be number (got "lots")`,
        );
        expect(problemOf(file("list.json", "[]"))).to.include("The policy pack config must be an object");
    });
});

// Every pipeline step kind is under the rules: Tuning and Transform steps (when a team allows them) meet the
// same instance, count, runtime, key and cost rules as Training and Processing steps; kinds the pack cannot
// inspect and unknown kinds are refused by default; and all of it at any depth of Condition branches.
import { expect } from "chai";
import { estimateRunCost, parseDefinition } from "../../policies/pipeline";
import { parseDefinition as parseCliDefinition, worstCaseRunCost } from "../../cli/definition";
import { validateParameters } from "../../cli/validation";
import { packLimits } from "../../policies/limits";
import { pipelineCost } from "../../tools/costReport";
import {
    ACCOUNT,
    assertHasViolation,
    assertNoViolations,
    BUCKET,
    definition,
    Json,
    KEY_ARN,
    parameters,
    pipeline,
    processingStep,
    trainingStep,
    variant,
    violationsOf,
} from "./helpers";

const STEP_TYPES_POLICY = "sagemaker-pipeline-step-types-allowed";
const ALLOW_TUNING_AND_TRANSFORM = {
    [STEP_TYPES_POLICY]: { allowedStepTypes: ["Training", "Processing", "Condition", "Fail", "RegisterModel", "Tuning", "Transform"] },
    // A pipeline on its own has no budget beside it; that rule is tested with stacks.
    "cost-budget-required": "disabled",
};

function condition(name: string, ifSteps: Json[], elseSteps: Json[] = []): Json {
    return { Name: name, Type: "Condition", Arguments: { Conditions: [{ Type: "Equals", LeftValue: 1, RightValue: 1 }], IfSteps: ifSteps, ElseSteps: elseSteps } };
}

/** `step` inside three nested Condition steps, in the else branch of the innermost. */
function deep(step: Json): Json {
    return condition("Outer", [condition("Middle", [], [condition("Inner", [], [step])])]);
}

/** A compliant Tuning step: training job definitions like trainingStep's, a few jobs, two at a time. */
function tuningStep(name = "Tune", overrides: { maxJobs?: unknown; parallel?: unknown; instanceType?: unknown } = {}): Json {
    const training = trainingStep().Arguments;
    return {
        Name: name,
        Type: "Tuning",
        Arguments: {
            HyperParameterTuningJobConfig: {
                Strategy: "Bayesian",
                HyperParameterTuningJobObjective: { Type: "Maximize", MetricName: "val:mAP50-95" },
                ResourceLimits: { MaxNumberOfTrainingJobs: overrides.maxJobs ?? 4, MaxParallelTrainingJobs: overrides.parallel ?? 2 },
                ParameterRanges: { ContinuousParameterRanges: [{ Name: "learning-rate", MinValue: "0.001", MaxValue: "0.1" }] },
            },
            TrainingJobDefinition: {
                ...training,
                ResourceConfig: { ...training.ResourceConfig, InstanceType: overrides.instanceType ?? training.ResourceConfig.InstanceType, InstanceCount: 1 },
            },
        },
    };
}

/** A compliant Transform step on an NVMe GPU inference type with encrypted output. */
function transformStep(name = "BatchPredict", instanceType: unknown = "ml.g4dn.xlarge"): Json {
    return {
        Name: name,
        Type: "Transform",
        Arguments: {
            ModelName: "yolo11-model",
            TransformInput: { DataSource: { S3DataSource: { S3DataType: "S3Prefix", S3Uri: `s3://${BUCKET}/datasets/new/` } }, ContentType: "image/jpeg" },
            TransformOutput: { S3OutputPath: `s3://${BUCKET}/predictions/`, KmsKeyId: KEY_ARN },
            TransformResources: { InstanceType: instanceType, InstanceCount: 1 },
        },
    };
}

describe("sagemaker-pipeline-step-types-allowed", () => {
    it("accepts the step types this project uses, nested or not", async () => {
        const def = definition([trainingStep(), processingStep(), condition("Gate", [{ Name: "Register", Type: "RegisterModel", Arguments: {} }], [{ Name: "Stop", Type: "Fail", Arguments: { ErrorMessage: "x" } }])]);
        assertNoViolations(await violationsOf([pipeline(def)]), STEP_TYPES_POLICY);
    });

    it("refuses a Tuning step by default, naming it, its type and how to allow it", async () => {
        const violations = await violationsOf([pipeline(definition([tuningStep()]))]);
        const found = assertHasViolation(violations, STEP_TYPES_POLICY, ['Tuning step "Tune" is of type Tuning, which is not in allowedStepTypes', '"allowedStepTypes": [..., "Tuning"]']);
        expect(found.message).to.include("checked like Training and Processing steps");
        expect(found.enforcementLevel).to.equal("mandatory");
    });

    it("refuses step kinds that start work the pack cannot see, and says so", async () => {
        const opaque = [
            "Lambda",
            "Callback",
            "EMR",
            "EMRServerless",
            "AutoML",
            "QualityCheck",
            "ClarifyCheck",
            "EndpointConfig",
            "Endpoint",
            "InferenceComponent",
            "BedrockCustomModel",
            "BedrockCustomModelDeployment",
            "BedrockProvisionedModelThroughput",
            "BedrockModelImport",
        ].map((type) => ({ Name: `A${type}`, Type: type, Arguments: {} }));
        const violations = await violationsOf([pipeline(definition(opaque))]);
        for (const step of opaque) {
            const found = assertHasViolation(violations, STEP_TYPES_POLICY, [`${step.Type} step "${step.Name}"`, "cannot inspect", `"allowedStepTypes": [..., "${step.Type}"]`]);
            expect(found.message, step.Type).not.to.include("does not know");
        }
    });

    it("refuses a Lineage step by default as a known kind that starts no billed compute", async () => {
        const violations = await violationsOf([pipeline(definition([trainingStep(), { Name: "Track", Type: "Lineage", Arguments: {} }]))]);
        assertHasViolation(violations, STEP_TYPES_POLICY, ['Lineage step "Track"', "starts no billed compute", '"allowedStepTypes": [..., "Lineage"]']);
    });

    it("refuses an unknown (future) step type", async () => {
        const violations = await violationsOf([pipeline(definition([trainingStep(), { Name: "Later", Type: "QuantumAnnealing", Arguments: {} }]))]);
        assertHasViolation(violations, STEP_TYPES_POLICY, ['QuantumAnnealing step "Later"', "does not know"]);
    });

    it("finds a refused step three Condition branches deep", async () => {
        const violations = await violationsOf([pipeline(definition([trainingStep(), deep(tuningStep("DeepTune"))]))]);
        assertHasViolation(violations, STEP_TYPES_POLICY, ['Tuning step "DeepTune" (in the else branch of Condition step "Inner")']);
    });

    it("accepts a type the pack config allows", async () => {
        assertNoViolations(await violationsOf([pipeline(definition([trainingStep(), tuningStep(), transformStep()]))], { ...ALLOW_TUNING_AND_TRANSFORM, "sagemaker-pipeline-run-cost": { transformRuntimeSeconds: 3600 } }));
    });
});

describe("Tuning steps meet the Training rules", () => {
    const run = (steps: Json[], config: Record<string, unknown> = {}) => violationsOf([pipeline(definition(steps))], { ...ALLOW_TUNING_AND_TRANSFORM, ...config });

    it("a compliant tuning step passes every rule", async () => {
        assertNoViolations(await run([tuningStep()]));
    });

    it("refuses an instance type outside the training allow-list, at any depth", async () => {
        const violations = await run([deep(tuningStep("Tune", { instanceType: "ml.p4d.24xlarge" }))]);
        assertHasViolation(violations, "sagemaker-pipeline-instance-types-allowed", ['Tuning step "Tune"', "TrainingJobDefinition", "ml.p4d.24xlarge", "trainingInstanceTypes"]);
    });

    it("caps parallel training jobs and requires MaxNumberOfTrainingJobs", async () => {
        const violations = await run([tuningStep("Wide", { parallel: 10 }), tuningStep("Open", { maxJobs: { Get: "Execution.PipelineExecutionId" } })]);
        assertHasViolation(violations, "sagemaker-pipeline-instance-count", ['Tuning step "Wide"', "MaxParallelTrainingJobs is 10, above maxParallelTrainingJobs 2"]);
        assertHasViolation(violations, "sagemaker-pipeline-instance-count", ['Tuning step "Open"', "MaxNumberOfTrainingJobs", "only known at run time"]);
        assertHasViolation(violations, "sagemaker-pipeline-run-cost", ['Tuning step "Open"', "has no statable HyperParameterTuningJobConfig.ResourceLimits.MaxNumberOfTrainingJobs"]);
    });

    it("prices MaxNumberOfTrainingJobs × the per-job worst case against the ceiling", async () => {
        // 20 jobs × ml.g5.12xlarge ($7.09/h) × 1 instance × 4 h = $567.20.
        const violations = await run([tuningStep("Expensive", { maxJobs: 20, instanceType: "ml.g5.12xlarge" })]);
        assertHasViolation(violations, "sagemaker-pipeline-run-cost", ["a run can cost up to $567.20", "Expensive: ml.g5.12xlarge x 1 x 4.00 h x 20 jobs = $567.20"]);
    });

    it("counts the dearest of several training job definitions for all of MaxNumberOfTrainingJobs", () => {
        const step = tuningStep("Multi", { maxJobs: 10 });
        const base = step.Arguments.TrainingJobDefinition;
        delete step.Arguments.TrainingJobDefinition;
        step.Arguments.TrainingJobDefinitions = [
            variant(base, (d: Json) => (d.ResourceConfig.InstanceType = "ml.g4dn.xlarge")),
            variant(base, (d: Json) => (d.ResourceConfig.InstanceType = "ml.g5.2xlarge")),
        ];
        const estimate = estimateRunCost(parseDefinition(definition([step])));
        expect(estimate.jobs).to.have.length(1);
        expect(estimate.jobs[0]).to.include({ instanceType: "ml.g5.2xlarge", jobs: 10, where: "TrainingJobDefinitions[1] ResourceConfig" });
        expect(estimate.costUsd).to.be.closeTo(10 * 1.515 * 4, 1e-9);
    });

    it("reads TrainingJobDefinition beside an empty TrainingJobDefinitions list", async () => {
        const step = variant(tuningStep("Hidden", { instanceType: "ml.p4d.24xlarge" }), (s: Json) => {
            s.Arguments.TrainingJobDefinition.ResourceConfig.InstanceCount = 50;
            s.Arguments.TrainingJobDefinitions = [];
        });
        const violations = await run([step]);
        assertHasViolation(violations, "sagemaker-pipeline-instance-types-allowed", ['Tuning step "Hidden" TrainingJobDefinition', "ml.p4d.24xlarge"]);
        assertHasViolation(violations, "sagemaker-pipeline-instance-count", ['Tuning step "Hidden" TrainingJobDefinition', "50"]);
        assertHasViolation(violations, "sagemaker-pipeline-run-cost", ["Hidden"]);
    });

    it("reads both fields when both hold definitions", async () => {
        const step = variant(tuningStep("Both"), (s: Json) => {
            s.Arguments.TrainingJobDefinitions = [variant(s.Arguments.TrainingJobDefinition, (d: Json) => (d.ResourceConfig.InstanceType = "ml.p5.48xlarge"))];
        });
        assertHasViolation(await run([step]), "sagemaker-pipeline-instance-types-allowed", ['Tuning step "Both" TrainingJobDefinitions[0]', "ml.p5.48xlarge"]);
        const both = variant(tuningStep("Both"), (s: Json) => (s.Arguments.TrainingJobDefinitions = [s.Arguments.TrainingJobDefinition]));
        assertNoViolations(await run([both]));
    });

    it("a Tuning step with no training job definition is not checkable", async () => {
        const none = variant(tuningStep("None"), (s: Json) => delete s.Arguments.TrainingJobDefinition);
        const empty = variant(none, (s: Json) => (s.Arguments.TrainingJobDefinitions = []));
        const notList = variant(none, (s: Json) => (s.Arguments.TrainingJobDefinitions = { Name: "x" }));
        for (const [name, step] of [["none", none], ["empty", empty], ["not-list", notList]] as const) {
            const violations = await violationsOf([pipeline(definition([step]), name)], ALLOW_TUNING_AND_TRANSFORM);
            const found = assertHasViolation(violations, "sagemaker-pipeline-definition-checkable", ["Tuning step None", name === "not-list" ? "not a list" : "no training job definition"], name);
            expect(found.enforcementLevel).to.equal("mandatory");
        }
    });

    it("requires output and EBS volume keys, and spot with checkpoints (advisory)", async () => {
        const step = variant(tuningStep("Leaky", { instanceType: "ml.p3.2xlarge" }), (s: Json) => {
            delete s.Arguments.TrainingJobDefinition.OutputDataConfig.KmsKeyId;
            s.Arguments.TrainingJobDefinition.EnableManagedSpotTraining = false;
        });
        const violations = await run([step], { "sagemaker-pipeline-instance-types-allowed": { trainingInstanceTypes: ["ml.p3.2xlarge"] } });
        assertHasViolation(violations, "sagemaker-pipeline-output-kms", ['Tuning step "Leaky" TrainingJobDefinition must set OutputDataConfig.KmsKeyId']);
        assertHasViolation(violations, "sagemaker-pipeline-volume-kms", ['Tuning step "Leaky" TrainingJobDefinition runs on EBS-backed types (ml.p3.2xlarge) without ResourceConfig.VolumeKmsKeyId']);
        const spot = assertHasViolation(violations, "sagemaker-pipeline-spot-checkpoints", ['Tuning step "Leaky" TrainingJobDefinition trains on on-demand capacity']);
        expect(spot.enforcementLevel).to.equal("advisory");
    });

    it("reads HyperParameterTuningResourceConfig's flexible instance configs", async () => {
        const step = variant(tuningStep("Flexible"), (s: Json) => {
            delete s.Arguments.TrainingJobDefinition.ResourceConfig;
            s.Arguments.TrainingJobDefinition.HyperParameterTuningResourceConfig = {
                InstanceConfigs: [
                    { InstanceType: "ml.g4dn.xlarge", InstanceCount: 1, VolumeSizeInGB: 50 },
                    { InstanceType: "ml.p5.48xlarge", InstanceCount: 1, VolumeSizeInGB: 50 },
                ],
                AllocationStrategy: "Prioritized",
            };
        });
        const violations = await run([step]);
        assertHasViolation(violations, "sagemaker-pipeline-instance-types-allowed", ["HyperParameterTuningResourceConfig.InstanceConfigs[1].InstanceType", "ml.p5.48xlarge"]);
    });
});

describe("Transform steps meet the inference rules", () => {
    const run = (steps: Json[], config: Record<string, unknown> = {}) => violationsOf([pipeline(definition(steps))], { ...ALLOW_TUNING_AND_TRANSFORM, ...config });

    it("cannot be priced without the team's stated transform runtime, since SageMaker sets none", async () => {
        const violations = await run([transformStep()]);
        assertHasViolation(violations, "sagemaker-pipeline-run-cost", ['Transform step "BatchPredict"', "without a time limit", "transformRuntimeSeconds"]);
        assertNoViolations(await run([transformStep()], { "sagemaker-pipeline-run-cost": { transformRuntimeSeconds: 7200 } }));
    });

    it("prices the stated runtime", () => {
        const estimate = estimateRunCost(parseDefinition(definition([transformStep("Batch", "ml.g4dn.xlarge")])), { transformRuntimeSeconds: 7200 });
        expect(estimate.jobs[0]).to.include({ step: "Batch", type: "Transform", assumedRuntime: true, maxRuntimeSeconds: 7200 });
        expect(estimate.costUsd).to.be.closeTo(0.7364 * 2, 1e-9);
    });

    it("refuses types outside transformInstanceTypes, unencrypted output and an EBS volume without key", async () => {
        const leaky = variant(transformStep("Leaky", "ml.m5.xlarge"), (s: Json) => delete s.Arguments.TransformOutput.KmsKeyId);
        const violations = await run([leaky, transformStep("Huge", "ml.p4d.24xlarge")], { "sagemaker-pipeline-run-cost": { transformRuntimeSeconds: 3600 } });
        assertHasViolation(violations, "sagemaker-pipeline-instance-types-allowed", ['Transform step "Huge"', "ml.p4d.24xlarge", "transformInstanceTypes"]);
        assertHasViolation(violations, "sagemaker-pipeline-output-kms", ['Transform step "Leaky" must set TransformOutput.KmsKeyId']);
        assertHasViolation(violations, "sagemaker-pipeline-volume-kms", ['Transform step "Leaky" runs on EBS-backed types (ml.m5.xlarge) without TransformResources.VolumeKmsKeyId']);
    });
});

describe("volume keys on both sides, for every job kind", () => {
    /** A job step of `kind` on `instanceType`, with or without a volume key. */
    function jobOf(kind: "Training" | "Processing" | "Tuning" | "Transform", instanceType: string, withKey: boolean): Json {
        if (kind === "Training") {
            return variant(trainingStep(), (s: Json) => {
                s.Arguments.ResourceConfig.InstanceType = instanceType;
                if (withKey) s.Arguments.ResourceConfig.VolumeKmsKeyId = KEY_ARN;
            });
        }
        if (kind === "Processing") {
            return variant(processingStep(), (s: Json) => {
                s.Arguments.ProcessingResources.ClusterConfig.InstanceType = instanceType;
                if (withKey) s.Arguments.ProcessingResources.ClusterConfig.VolumeKmsKeyId = KEY_ARN;
            });
        }
        if (kind === "Tuning") {
            return variant(tuningStep("Tune", { instanceType }), (s: Json) => {
                if (withKey) s.Arguments.TrainingJobDefinition.ResourceConfig.VolumeKmsKeyId = KEY_ARN;
            });
        }
        return variant(transformStep("BatchPredict", instanceType), (s: Json) => {
            if (withKey) s.Arguments.TransformResources.VolumeKmsKeyId = KEY_ARN;
        });
    }

    for (const kind of ["Training", "Processing", "Tuning", "Transform"] as const) {
        it(`${kind}: NVMe types must not set a volume key, EBS types must`, async () => {
            const outcome = async (instanceType: string, withKey: boolean) =>
                (await violationsOf([pipeline(definition([jobOf(kind, instanceType, withKey)]))], ALLOW_TUNING_AND_TRANSFORM)).filter((v) => v.policy === "sagemaker-pipeline-volume-kms");
            expect((await outcome("ml.g4dn.xlarge", true))[0]?.message, "NVMe with key").to.include("rejects a volume key at run time");
            expect(await outcome("ml.g4dn.xlarge", false), "NVMe without key").to.deep.equal([]);
            expect((await outcome("ml.m5.xlarge", false))[0]?.message, "EBS without key").to.include("without");
            expect(await outcome("ml.m5.xlarge", true), "EBS with key").to.deep.equal([]);
        });
    }
});

describe("the plan's cost report and the CLI's pre-start check price step kinds like the pack", () => {
    const def = definition([trainingStep(), processingStep(), deep(tuningStep("Tune", { maxJobs: 6, instanceType: "ml.g5.xlarge" }))], [
        ...parameters(),
    ]);

    it("the same worst-case total for the pack's estimate, the cost report and the CLI", () => {
        const pack = estimateRunCost(parseDefinition(def));
        const report = pipelineCost(JSON.stringify(def));
        const cli = worstCaseRunCost({ ...def, Parameters: def.Parameters } as never, Object.fromEntries(def.Parameters.map((p: Json) => [p.Name, p.DefaultValue])), packLimits().runCost.knobs);
        // Training 0.7364 × 4 h + evaluation 0.7364 × 1 h + 6 tuning jobs × 1.408 × 4 h.
        const expected = 0.7364 * 4 + 0.7364 + 6 * 1.408 * 4;
        expect(pack.costUsd).to.be.closeTo(expected, 1e-9);
        expect(report.defaultRun.onDemandUsd).to.be.closeTo(expected, 1e-9);
        expect(cli.totalUsd).to.be.closeTo(expected, 1e-9);
        const tuning = report.defaultRun.jobs.find((job) => job.step === "Tune")!;
        expect(tuning).to.include({ type: "Tuning", jobs: 6, branch: "Outer if > Middle else > Inner else" });
        expect(tuning.spotEstimateUsd, "tuning jobs are training jobs: spot applies").to.be.closeTo(6 * 1.408 * 4 * 0.3, 1e-9);
    });

    it("the same figures for the pack, the plan's report and the CLI under one pack config (transformRuntimeSeconds, instancePrices)", async () => {
        const withTransform = definition([trainingStep(), processingStep(), deep(tuningStep("Tune", { maxJobs: 3 })), transformStep()], [...parameters()]);
        const runCost = { transformRuntimeSeconds: 3600, instancePrices: { "ml.g4dn.xlarge": 0.5 } };
        // A zero ceiling makes the pack state its estimate; the ceiling does not change the estimate.
        const config = { ...ALLOW_TUNING_AND_TRANSFORM, "sagemaker-pipeline-run-cost": { ...runCost, maxRunCostUsd: 0 } };
        const stated = (await violationsOf([pipeline(withTransform)], config)).filter((v) => v.policy === "sagemaker-pipeline-run-cost").map((v) => v.message);
        expect(stated).to.have.length(1);
        const packTotal = Number(/a run can cost up to \$([\d.]+) on demand/.exec(stated[0])![1]);

        const report = pipelineCost(JSON.stringify(withTransform), { packConfig: config });
        const cli = validateParameters(parseCliDefinition(JSON.stringify(withTransform), "p"), "p", [], packLimits({ "sagemaker-pipeline-run-cost": { ...runCost, maxRunCostUsd: 1e6 } })).cost;
        // Training 4 h + evaluation 1 h + 3 tuning jobs × 4 h + the transform's stated hour, all on ml.g4dn.xlarge at the config's price.
        const expected = 0.5 * (4 + 1 + 3 * 4 + 1);
        expect(packTotal).to.equal(Number(expected.toFixed(2)));
        expect(report.defaultRun.complete, "the transform is priced with the config's runtime").to.equal(true);
        expect(report.defaultRun.onDemandUsd).to.be.closeTo(expected, 1e-9);
        expect(cli.unbounded).to.deep.equal([]);
        expect(cli.totalUsd).to.be.closeTo(expected, 1e-9);
        expect(report.defaultRun.jobs.map((job) => [job.step, job.onDemandUsd])).to.deep.equal(cli.jobs.map((job) => [job.step, job.costUsd]));
        expect(report.defaultRun.jobs.find((job) => job.type === "Transform")).to.include({ maxRuntimeSeconds: 3600, pricePerHourUsd: 0.5 });
        expect(report.ceiling.maxRunCostUsd).to.equal(0);

        // Without the statement all three leave the transform unpriced.
        expect(pipelineCost(JSON.stringify(withTransform)).defaultRun.unpriced.map((job) => job.step)).to.deep.equal(["BatchPredict"]);
        expect(worstCaseRunCost(parseCliDefinition(JSON.stringify(withTransform), "p"), {}).unbounded.join()).to.include("BatchPredict");
    });

    it("names the role ARN of its jobs like a real definition would", () => {
        expect(JSON.stringify(tuningStep())).to.include(`arn:aws:iam::${ACCOUNT}:role/pipeline`);
    });
});

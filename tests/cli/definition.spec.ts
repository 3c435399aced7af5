// Reading a deployed definition (cli/definition.ts), checked on the dev stack's own pipeline definition.
import { expect } from "chai";
import { EVALUATION_REPORT, PARAMETERS, QUALITY_METRICS, STEPS } from "../../components/pipelineDefinition";
import { PREFIXES, s3Uri } from "../../components/s3Layout";
import { worstCaseJobCostUsd } from "../../policies/catalog";
import { loadStack } from "../../cli/context";
import {
    allSteps,
    DeployedDefinition,
    DeployedStep,
    effectiveParameters,
    evaluationReportUri,
    parameterUsages,
    parseDefinition,
    resolveExpression,
    worstCaseRunCost,
} from "../../cli/definition";
import { CliError } from "../../cli/errors";
import { PROJECT_ROOT } from "../../tools/stackConfig";
import { stackPipeline, StackPipeline } from "./support/stack";

/** What a run does behind the dataset check (the steps inside CheckDataset's if branch). */
function runSteps(definition: DeployedDefinition): DeployedStep[] {
    const check = definition.Steps.find((step) => step.Name === STEPS.checkDataset);
    return (check?.Arguments as { IfSteps?: DeployedStep[] } | undefined)?.IfSteps ?? [];
}

describe("cli pipeline definition reading", () => {
    let stack: StackPipeline;
    let definition: DeployedDefinition;

    before(async () => {
        stack = await stackPipeline();
        definition = stack.deployed;
    });

    it("resolves literals, parameter and execution-id references and Std:Join, and nothing else", () => {
        const scope = { parameters: { Epochs: 7, Bucket: "b" }, executionId: "exec123" };
        expect(resolveExpression("s3://x", scope)).to.equal("s3://x");
        expect(resolveExpression({ Get: "Parameters.Epochs" }, scope)).to.equal(7);
        expect(resolveExpression({ Get: "Execution.PipelineExecutionId" }, scope)).to.equal("exec123");
        expect(
            resolveExpression({ "Std:Join": { On: "/", Values: ["s3:/", { Get: "Parameters.Bucket" }, { "Std:Join": { On: "", Values: ["e-", { Get: "Execution.PipelineExecutionId" }] } }] } }, scope),
        ).to.equal("s3://b/e-exec123");
        expect(resolveExpression({ Get: "Steps.TrainYOLO11.ModelArtifacts.S3ModelArtifacts" }, scope)).to.equal(undefined);
        expect(resolveExpression({ "Std:Join": { On: "", Values: [{ Get: "Parameters.Missing" }] } }, scope)).to.equal(undefined);
    });

    it("finds where the stack's parameters feed instance types, counts and S3 locations", () => {
        const usages = parameterUsages(definition);
        expect(usages.get(PARAMETERS.trainingInstanceType)).to.deep.equal([{ kind: "instanceType", job: "training", step: STEPS.train }]);
        expect(usages.get(PARAMETERS.evaluationInstanceType)).to.deep.equal([{ kind: "instanceType", job: "processing", step: STEPS.evaluate }]);
        expect(usages.get(PARAMETERS.trainingInstanceCount)).to.deep.equal([{ kind: "instanceCount", step: STEPS.train }]);
        expect(usages.get(PARAMETERS.outputPath)).to.deep.equal([{ kind: "s3Uri", step: STEPS.train }]);
        // Only PrepareDataset reads InputData; training and evaluation read its output.
        expect(usages.get(PARAMETERS.inputData)?.map((u) => u.step)).to.deep.equal([STEPS.prepare]);
        // Hyperparameters reach the job only inside Std:Join, so they carry no usage rule.
        expect(usages.has(PARAMETERS.epochs)).to.equal(false);
    });

    it("finds parameters that set a job's MaxRuntimeInSeconds or MaxWaitTimeInSeconds, for the pack's runtime ceilings", () => {
        const [train, evaluate] = JSON.parse(JSON.stringify(runSteps(definition))) as DeployedStep[];
        (train.Arguments as { StoppingCondition: Record<string, unknown> }).StoppingCondition = { MaxRuntimeInSeconds: { Get: "Parameters.TrainTime" }, MaxWaitTimeInSeconds: { Get: "Parameters.SpotWait" } };
        (evaluate.Arguments as { StoppingCondition: Record<string, unknown> }).StoppingCondition = { MaxRuntimeInSeconds: { Get: "Parameters.EvalTime" } };
        const timed = { ...definition, Steps: [train, evaluate] };
        const usages = parameterUsages(timed);
        expect(usages.get("TrainTime")).to.deep.equal([{ kind: "maxRuntime", job: "training", step: STEPS.train }]);
        expect(usages.get("SpotWait")).to.deep.equal([{ kind: "maxWait", step: STEPS.train }]);
        expect(usages.get("EvalTime")).to.deep.equal([{ kind: "maxRuntime", job: "processing", step: STEPS.evaluate }]);
    });

    it("counts steps nested in a Condition step's branches", () => {
        const [train, evaluate] = runSteps(definition);
        const conditional: DeployedStep = { Name: "GateOnMap", Type: "Condition", Arguments: { Conditions: [], IfSteps: [evaluate], ElseSteps: [] } };
        expect(allSteps([train, conditional]).map((s) => s.Name)).to.deep.equal([STEPS.train, "GateOnMap", STEPS.evaluate]);
        const nested = { ...definition, Steps: [train, conditional] };
        expect(worstCaseRunCost(nested, effectiveParameters(nested)).jobs.map((j) => j.step)).to.deep.equal([STEPS.train, STEPS.evaluate]);
    });

    it("reads the stack's quality gate: four nested Condition steps, a Fail step in each else branch, the baseline steps and RegisterModel in the innermost if branch", () => {
        const steps = allSteps(definition.Steps).map((s) => `${s.Name}:${s.Type}`);
        expect(steps).to.deep.equal([
            `${STEPS.prepare}:Processing`,
            `${STEPS.checkDataset}:Condition`,
            `${STEPS.train}:Training`,
            `${STEPS.evaluate}:Processing`,
            ...QUALITY_METRICS.map((metric) => `${metric.step}:Condition`),
            `${STEPS.baseline}:Processing`,
            `${STEPS.baselineStatistics}:Processing`,
            `${STEPS.register}:RegisterModel`,
            ...[...QUALITY_METRICS].reverse().map((metric) => `${metric.fail}:Fail`),
            `${STEPS.failDataset}:Fail`,
        ]);
        expect(definition.Steps.map((s) => s.Name), "preparation and the dataset check are top level").to.deep.equal([STEPS.prepare, STEPS.checkDataset]);
        expect(runSteps(definition).map((s) => s.Name), "the first gate step follows evaluation").to.deep.equal([STEPS.train, STEPS.evaluate, QUALITY_METRICS[0].step]);
    });

    it("gives the gate's and the registry's parameters no job usage: they are compared and registered, not run", () => {
        const usages = parameterUsages(definition);
        for (const name of [...QUALITY_METRICS.map((metric) => metric.parameter), PARAMETERS.modelApprovalStatus]) {
            expect(definition.Parameters.some((p) => p.Name === name), name).to.equal(true);
            expect(usages.has(name), name).to.equal(false);
        }
        // The register step records InputData as metadata; only the job that reads it counts.
        expect(usages.get(PARAMETERS.inputData)?.map((u) => u.step)).to.deep.equal([STEPS.prepare]);
        const cost = worstCaseRunCost(definition, effectiveParameters(definition));
        expect(cost.jobs.map((job) => job.step)).to.deep.equal([STEPS.prepare, STEPS.train, STEPS.evaluate, STEPS.baseline, STEPS.baselineStatistics]);
        expect(cost.unbounded).to.deep.equal([]);
    });

    it("finds a job nested in the innermost gate branch, for usages and cost", () => {
        const gated = JSON.parse(JSON.stringify(definition)) as DeployedDefinition;
        const extra = JSON.parse(JSON.stringify(runSteps(gated)[1])) as DeployedStep;
        extra.Name = "EvaluateAgain";
        (extra.Arguments as { ProcessingResources: { ClusterConfig: Record<string, unknown> } }).ProcessingResources.ClusterConfig.InstanceType = { Get: "Parameters.DeepType" };
        let condition = runSteps(gated)[2];
        for (let depth = 1; depth < QUALITY_METRICS.length; depth++) {
            condition = (condition.Arguments as { IfSteps: DeployedStep[] }).IfSteps[0];
        }
        expect(condition.Name).to.equal(QUALITY_METRICS[QUALITY_METRICS.length - 1].step);
        (condition.Arguments as { IfSteps: DeployedStep[] }).IfSteps.push(extra);
        gated.Parameters.push({ Name: "DeepType", Type: "String", DefaultValue: "ml.g5.2xlarge" });
        const reparsed = parseDefinition(JSON.stringify(gated), "p1");
        expect(parameterUsages(reparsed).get("DeepType")).to.deep.equal([{ kind: "instanceType", job: "processing", step: "EvaluateAgain" }]);
        expect(worstCaseRunCost(reparsed, effectiveParameters(reparsed)).jobs.map((j) => `${j.step} ${j.instanceType}`)).to.deep.equal([
            `${STEPS.prepare} ml.m5.large`,
            `${STEPS.train} ${effectiveParameters(reparsed)[PARAMETERS.trainingInstanceType]}`,
            `${STEPS.evaluate} ${effectiveParameters(reparsed)[PARAMETERS.evaluationInstanceType]}`,
            `${STEPS.baseline} ml.m5.large`,
            `${STEPS.baselineStatistics} ml.m5.large`,
            "EvaluateAgain ml.g5.2xlarge",
        ]);
    });

    it("costs a Condition step by its dearer branch, as the policy pack does", () => {
        const [train, evaluate] = runSteps(definition);
        const dearEvaluate = JSON.parse(JSON.stringify(evaluate)) as DeployedStep;
        const cluster = (dearEvaluate.Arguments as { ProcessingResources: { ClusterConfig: Record<string, unknown> } }).ProcessingResources.ClusterConfig;
        Object.assign(cluster, { InstanceType: "ml.g5.2xlarge", InstanceCount: 2 });
        dearEvaluate.Name = "EvaluateTwice";
        const gate: DeployedStep = { Name: "Gate", Type: "Condition", Arguments: { Conditions: [], IfSteps: [evaluate], ElseSteps: [dearEvaluate] } };
        const gated = { ...definition, Steps: [train, gate] };
        const cost = worstCaseRunCost(gated, effectiveParameters(gated));
        expect(cost.jobs.map((j) => j.step)).to.deep.equal([STEPS.train, "EvaluateTwice"]);
    });

    it("costs each instance group of a heterogeneous training cluster", () => {
        const [train] = JSON.parse(JSON.stringify(runSteps(definition))) as DeployedStep[];
        const resources = (train.Arguments as { ResourceConfig: Record<string, unknown> }).ResourceConfig;
        resources.InstanceGroups = [
            { InstanceGroupName: "a", InstanceType: { Get: `Parameters.${PARAMETERS.trainingInstanceType}` }, InstanceCount: 1 },
            { InstanceGroupName: "b", InstanceType: "ml.g5.xlarge", InstanceCount: 2 },
        ];
        const grouped = { ...definition, Steps: [train] };
        const cost = worstCaseRunCost(grouped, effectiveParameters(grouped, [{ Name: PARAMETERS.trainingInstanceType, Value: "ml.g4dn.xlarge" }]));
        expect(cost.jobs.map((j) => `${j.instanceCount} x ${j.instanceType}`)).to.deep.equal(["1 x ml.g4dn.xlarge", "2 x ml.g5.xlarge"]);
        expect(parameterUsages(grouped).get(PARAMETERS.trainingInstanceType)).to.deep.equal([{ kind: "instanceType", job: "training", step: STEPS.train }]);
    });

    it("bounds the default run like the stack's config validation does", () => {
        const { pipeline } = loadStack("dev", PROJECT_ROOT);
        const expected =
            worstCaseJobCostUsd(pipeline.prepare.instanceType, 1, pipeline.prepare.maxRuntimeSeconds)! +
            worstCaseJobCostUsd(pipeline.trainingInstanceType, pipeline.trainingInstanceCount, pipeline.maxTrainingRuntimeSeconds)! +
            worstCaseJobCostUsd(pipeline.evaluationInstanceType, 1, pipeline.evaluationMaxRuntimeSeconds)! +
            2 * worstCaseJobCostUsd(pipeline.baseline.instanceType, 1, pipeline.baseline.maxRuntimeSeconds)!;
        const cost = worstCaseRunCost(definition, effectiveParameters(definition));
        expect(cost.unbounded).to.deep.equal([]);
        expect(cost.totalUsd).to.be.closeTo(expected, 1e-9);
    });

    it("overlays start values on the definition's defaults", () => {
        const values = effectiveParameters(definition, [{ Name: PARAMETERS.epochs, Value: "3" }]);
        expect(values[PARAMETERS.epochs]).to.equal("3");
        expect(values[PARAMETERS.batchSize]).to.equal(definition.Parameters.find((p) => p.Name === PARAMETERS.batchSize)!.DefaultValue);
    });

    it("locates an execution's evaluation report where the evaluate step writes it", () => {
        const uri = evaluationReportUri(definition, { parameters: effectiveParameters(definition), executionId: "abc123" });
        expect(uri).to.equal(s3Uri(stack.bucket, `${PREFIXES.evaluation}abc123/${EVALUATION_REPORT.filePath}`));
    });

    it("has no report location for a definition without the evaluation output", () => {
        const withoutEvaluation = JSON.parse(JSON.stringify(definition)) as DeployedDefinition;
        const check = withoutEvaluation.Steps[1].Arguments as { IfSteps: DeployedStep[] };
        check.IfSteps = check.IfSteps.filter((s) => s.Name !== STEPS.evaluate);
        expect(evaluationReportUri(withoutEvaluation, { parameters: {}, executionId: "abc123" })).to.equal(undefined);
    });

    it("refuses a definition that is not JSON or has no Steps, naming the pipeline", () => {
        expect(() => parseDefinition("<xml/>", "p1")).to.throw(CliError, "pipeline 'p1' returned a definition that is not JSON");
        expect(() => parseDefinition('{"Version": "2020-12-01"}', "p1")).to.throw(CliError, "without a Steps list");
        expect(() => parseDefinition('{"Steps": [{"Name": "T", "Type": "Training"}]}', "p1")).to.throw(CliError, "pipeline 'p1' has a definition the CLI cannot read");
        expect(parseDefinition('{"Steps": []}', "p1").Parameters).to.deep.equal([]);
    });
});

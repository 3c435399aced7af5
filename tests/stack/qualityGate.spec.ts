import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { parseConfig } from "../../components/config";
import {
    allSteps,
    buildPipelineDefinition,
    ConditionStep,
    DefinitionInputs,
    EVALUATION_REPORT,
    FailStep,
    MODEL_METADATA,
    MONITORING_BASELINE,
    PARAMETERS,
    PipelineDefinition,
    PipelineStep,
    QUALITY_METRICS,
    RegisterModelStep,
    SERVING_ARTIFACT,
    STEPS,
    TrainingStep,
    trainingRunSteps,
} from "../../components/pipelineDefinition";
import { PROJECT_ROOT, rawStackConfig } from "../../tools/stackConfig";
import { evaluateExpression, references } from "./definitionReferences";

const GROUP = "drone-dev-yolo11-detector";
const INFERENCE_IMAGE = "763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-inference:2.6.0-gpu-py312-cu124-ubuntu22.04-sagemaker";
const ANALYZER_IMAGE = "156813124566.dkr.ecr.us-east-1.amazonaws.com/sagemaker-model-monitor-analyzer:latest";
const TRACKING_SERVER = "arn:aws:sagemaker:us-east-1:123456789012:mlflow-tracking-server/drone-dev-mlflow";

function build(options: { config?: Record<string, unknown>; registry?: boolean; tracking?: boolean } = {}): PipelineDefinition {
    const inputs: DefinitionInputs = {
        bucket: "drone-data",
        roleArn: "arn:aws:iam::123456789012:role/drone-dev-pipeline",
        kmsKeyId: "arn:aws:kms:us-east-1:123456789012:alias/drone-dev-data",
        imageUri: "763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-training:2.8.0-gpu-py312-cu129-ubuntu22.04-sagemaker",
        cpuImageUri: "763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-training:2.8.0-cpu-py312-ubuntu22.04-sagemaker",
        codeBundleUri: "s3://drone-data/code/pipeline-scripts/abc/sourcedir.tar.gz",
        region: "us-east-1",
        settings: parseConfig(rawStackConfig("dev", options.config ?? {})).pipeline,
        ...(options.registry === false ? {} : { registry: { modelPackageGroupName: GROUP, inferenceImageUri: INFERENCE_IMAGE, monitorAnalyzerImageUri: ANALYZER_IMAGE } }),
        ...(options.tracking ? { tracking: { trackingServerArn: TRACKING_SERVER, experimentName: "drone-dev-yolo11-training" } } : {}),
    };
    return buildPipelineDefinition(inputs);
}


const definition = build();
const steps = allSteps(definition.Steps);
const defaults = Object.fromEntries(definition.Parameters.map((p) => [p.Name, p.DefaultValue]));

describe("quality gate and model registration (pipeline definition)", () => {
    it("chains one Condition step per metric, in gate order, each failing into its own Fail step", () => {
        let node: PipelineStep | undefined = trainingRunSteps(definition)[2];
        for (const metric of QUALITY_METRICS) {
            expect(node?.Type, metric.step).to.equal("Condition");
            const condition = node as ConditionStep;
            expect(condition.Name).to.equal(metric.step);
            expect(condition.Arguments.Conditions).to.deep.equal([
                {
                    Type: "GreaterThanOrEqualTo",
                    LeftValue: { "Std:JsonGet": { PropertyFile: { Get: `Steps.${STEPS.evaluate}.PropertyFiles.${EVALUATION_REPORT.propertyFile}` }, Path: metric.jsonPath } },
                    RightValue: { Get: `Parameters.${metric.parameter}` },
                },
            ]);
            expect(condition.Arguments.ElseSteps.map((step) => [step.Name, step.Type])).to.deep.equal([[metric.fail, "Fail"]]);
            if (metric !== QUALITY_METRICS[QUALITY_METRICS.length - 1]) {
                expect(condition.Arguments.IfSteps).to.have.length(1);
                node = condition.Arguments.IfSteps[0];
            } else {
                // Only a model that passed every minimum gets a monitoring baseline and is registered with it.
                expect(condition.Arguments.IfSteps.map((step) => [step.Name, step.Type])).to.deep.equal([
                    [STEPS.baseline, "Processing"],
                    [STEPS.baselineStatistics, "Processing"],
                    [STEPS.register, "RegisterModel"],
                ]);
            }
        }
    });

    it("reads only metric paths that evaluation.schema.json defines as numbers from 0 to 1", () => {
        const schema = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, "pipeline-scripts", "evaluation.schema.json"), "utf-8"));
        const resolve = (node: Record<string, any>): Record<string, any> => (node.$ref ? resolve(schema.$defs[node.$ref.split("/").pop()]) : node);
        for (const metric of QUALITY_METRICS) {
            const [group, name, field] = metric.jsonPath.split(".");
            expect(schema.required, metric.jsonPath).to.include(group);
            expect(schema.properties[group].required, metric.jsonPath).to.include(name);
            const metricSchema = resolve(schema.properties[group].properties[name]);
            expect(metricSchema.required, metric.jsonPath).to.include(field);
            expect(resolve(metricSchema.properties[field]), metric.jsonPath).to.include({ type: "number", minimum: 0, maximum: 1 });
        }
    });

    it("declares each minimum as a Float parameter with the stack's default, 0 to 1", () => {
        const config = parseConfig(rawStackConfig("dev", {})).pipeline;
        for (const metric of QUALITY_METRICS) {
            const parameter = definition.Parameters.find((p) => p.Name === metric.parameter);
            expect(parameter, metric.parameter).to.deep.equal({ Name: metric.parameter, Type: "Float", DefaultValue: config.minimumMetrics[metric.key] });
        }
        const custom = build({ config: { minMap50: "0.55" } });
        expect(custom.Parameters.find((p) => p.Name === "MinMAP50")?.DefaultValue).to.equal(0.55);
    });

    it("fails with a message that names the metric, its value and the minimum", () => {
        const report = { detection_metrics: { mAP50_95: { value: 0.2 }, mAP50: { value: 0.41 }, precision: { value: 0.35 }, recall: { value: 0.5 } } };
        const outputs = { [`Steps.${STEPS.evaluate}.ProcessingOutputConfig.Outputs['${EVALUATION_REPORT.outputName}'].S3Output.S3Uri`]: "s3://drone-data/evaluation/exec1" };
        const fail = steps.find((step) => step.Name === "FailPrecision") as FailStep;
        expect(evaluateExpression(fail.Arguments.ErrorMessage, report, defaults, outputs)).to.equal(
            "Quality gate: precision 0.35 is below the minimum MinPrecision=0.4; the model was not registered. Evaluation report: s3://drone-data/evaluation/exec1/evaluation.json",
        );
    });

    it("lets a report through exactly when every metric meets its minimum", () => {
        const passes = (values: Record<string, number>) => {
            const report = { detection_metrics: Object.fromEntries(Object.entries(values).map(([k, v]) => [k, { value: v }])) };
            let node: PipelineStep = trainingRunSteps(definition)[2];
            while (node.Type === "Condition") {
                const holds = node.Arguments.Conditions.every(
                    (c) => Number(evaluateExpression(c.LeftValue, report, defaults, {})) >= Number(evaluateExpression(c.RightValue, report, defaults, {})),
                );
                const branch: PipelineStep[] = holds ? node.Arguments.IfSteps : node.Arguments.ElseSteps;
                node = branch[branch.length - 1];
            }
            return node.Name;
        };
        expect(passes({ mAP50_95: 0.15, mAP50: 0.3, precision: 0.4, recall: 0.3 })).to.equal(STEPS.register);
        expect(passes({ mAP50_95: 0.9, mAP50: 0.9, precision: 0.9, recall: 0.29 })).to.equal("FailRecall");
        expect(passes({ mAP50_95: 0.1, mAP50: 0.1, precision: 0.1, recall: 0.1 })).to.equal("FailMAP50_95");
    });

    it("registers the trained model with its image, evaluation report, metrics and a pending approval", () => {
        const register = steps.find((step) => step.Type === "RegisterModel") as RegisterModelStep;
        const args = register.Arguments;
        // Ordered after evaluation by data, as SageMaker orders steps: it reads the evaluation step's output.
        expect(references(register.Arguments).some((ref) => ref.startsWith(`Steps.${STEPS.evaluate}.`))).to.equal(true);
        expect(args.ModelPackageGroupName).to.equal(GROUP);
        expect(args.ModelApprovalStatus).to.deep.equal({ Get: `Parameters.${PARAMETERS.modelApprovalStatus}` });
        expect(definition.Parameters.find((p) => p.Name === PARAMETERS.modelApprovalStatus)).to.deep.equal({
            Name: "ModelApprovalStatus",
            Type: "String",
            DefaultValue: "PendingManualApproval",
            EnumValues: ["PendingManualApproval", "Approved"],
        });
        const [container] = args.InferenceSpecification?.Containers ?? [];
        expect(container.Image).to.equal(INFERENCE_IMAGE);
        // The evaluation step's serving archive (weights with code/inference.py), not the training job's bare weights.
        expect(evaluateExpression(container.ModelDataUrl, {}, defaults, {
            [`Steps.${STEPS.evaluate}.ProcessingOutputConfig.Outputs['${SERVING_ARTIFACT.outputName}'].S3Output.S3Uri`]: "s3://b/models/serving/e1",
        })).to.equal("s3://b/models/serving/e1/model.tar.gz");
        expect(references(container)).not.to.include(`Steps.${STEPS.train}.ModelArtifacts.S3ModelArtifacts`);
        expect(container.Environment).to.include({ SAGEMAKER_PROGRAM: "inference.py", SAGEMAKER_SUBMIT_DIRECTORY: "/opt/ml/model/code" });
        const statistics = args.ModelMetrics?.ModelQuality?.Statistics;
        expect(statistics?.ContentType).to.equal("application/json");
        expect(evaluateExpression(statistics?.S3Uri, {}, defaults, {
            [`Steps.${STEPS.evaluate}.ProcessingOutputConfig.Outputs['evaluation'].S3Output.S3Uri`]: "s3://b/evaluation/e1",
        })).to.equal("s3://b/evaluation/e1/evaluation.json");
        expect(Object.keys(args.CustomerMetadataProperties ?? {})).to.include.members([
            ...QUALITY_METRICS.map((m) => m.metadataKey),
            ...Object.values(MODEL_METADATA),
        ]);
        const report = { detection_metrics: { mAP50_95: { value: 0.31 } } };
        expect(evaluateExpression(args.CustomerMetadataProperties?.["mAP50-95"], report, defaults, {})).to.equal("0.31");
    });

    it("records the Model Monitor baseline the run computed as the version's data-quality statistics and constraints", () => {
        const register = steps.find((step) => step.Type === "RegisterModel") as RegisterModelStep;
        const outputs = {
            [`Steps.${STEPS.baselineStatistics}.ProcessingOutputConfig.Outputs['${MONITORING_BASELINE.analyzerOutput}'].S3Output.S3Uri`]:
                "s3://drone-data/monitoring/baseline/e1",
        };
        const dataQuality = register.Arguments.ModelMetrics?.ModelDataQuality;
        expect(dataQuality?.Statistics?.ContentType).to.equal("application/json");
        expect(dataQuality?.Constraints?.ContentType).to.equal("application/json");
        expect(evaluateExpression(dataQuality?.Statistics?.S3Uri, {}, defaults, outputs)).to.equal("s3://drone-data/monitoring/baseline/e1/statistics.json");
        expect(evaluateExpression(dataQuality?.Constraints?.S3Uri, {}, defaults, outputs)).to.equal("s3://drone-data/monitoring/baseline/e1/constraints.json");
        // The prefix `yolo-pipeline deploy` puts in deployBaselineUri, in the form the stack config accepts.
        const prefix = String(evaluateExpression(register.Arguments.CustomerMetadataProperties?.[MODEL_METADATA.monitoringBaseline], {}, defaults, outputs));
        expect(prefix).to.equal("s3://drone-data/monitoring/baseline/e1/");
        expect(() => parseConfig(rawStackConfig("dev", { deployment: "true", deployModelVersion: "3", deployBaselineUri: prefix.replace("drone-data", "lucaskle-ab3-project-pv") }))).not.to.throw();
    });

    it("refers only to steps and parameters the definition has, and names every step once", () => {
        const names = steps.map((step) => step.Name);
        expect(new Set(names).size).to.equal(names.length);
        const parameters = new Set(definition.Parameters.map((p) => p.Name));
        for (const reference of references(definition.Steps)) {
            if (reference.startsWith("Parameters.")) {
                expect(parameters, reference).to.include(reference.slice("Parameters.".length));
            } else if (reference.startsWith("Steps.")) {
                const [, stepName, property, fileName] = reference.split(".");
                expect(names, reference).to.include(stepName);
                if (property === "PropertyFiles") {
                    // The SDK's JsonGet form: Steps.<step>.PropertyFiles.<name>, naming a property file that step declares.
                    const step = steps.find((s) => s.Name === stepName);
                    const declared = step?.Type === "Processing" ? (step.PropertyFiles ?? []).map((file) => file.PropertyFileName) : [];
                    expect(declared, reference).to.include(fileName);
                } else {
                    expect(property, reference).to.be.oneOf(["ModelArtifacts", "ProcessingOutputConfig"]);
                }
            } else {
                expect(reference).to.match(/^Execution\.(PipelineExecutionId|PipelineExecutionArn)$/);
            }
        }
    });

    it("follows the switches: no gate registers directly, no registry leaves the gate's pass branch empty", () => {
        const noGate = build({ config: { qualityGate: false } });
        expect(noGate.Steps.map((step) => step.Name)).to.deep.equal([STEPS.prepare, STEPS.checkDataset]);
        expect(trainingRunSteps(noGate).map((step) => step.Name)).to.deep.equal([STEPS.train, STEPS.evaluate, STEPS.baseline, STEPS.baselineStatistics, STEPS.register]);
        expect(noGate.Parameters.map((p) => p.Name)).not.to.include("MinRecall");

        const noRegistry = build({ registry: false });
        const innermost = allSteps(noRegistry.Steps).find((step) => step.Name === "CheckRecall") as ConditionStep;
        // Nothing is registered, so no baseline is computed for anyone to deploy with.
        expect(innermost.Arguments.IfSteps).to.deep.equal([]);
        expect(noRegistry.Parameters.map((p) => p.Name)).not.to.include(PARAMETERS.modelApprovalStatus);

        const neither = build({ registry: false, config: { qualityGate: false } });
        expect(trainingRunSteps(neither).map((step) => step.Name)).to.deep.equal([STEPS.train, STEPS.evaluate]);
    });

    it("points training at the MLflow tracking server only when there is one", () => {
        const environment = (d: PipelineDefinition) => (trainingRunSteps(d)[0] as TrainingStep).Arguments.Environment;
        expect(environment(definition)).not.to.have.property("MLFLOW_TRACKING_URI");
        expect(environment(build({ tracking: true }))).to.include({
            MLFLOW_TRACKING_URI: TRACKING_SERVER,
            MLFLOW_EXPERIMENT_NAME: "drone-dev-yolo11-training",
        });
    });
});

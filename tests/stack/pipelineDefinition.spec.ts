import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseConfig } from "../../components/config";
import { INSTANCE_TYPES } from "../../policies/catalog";
import {
    allSteps,
    buildPipelineDefinition,
    findStep,
    trainingRunSteps,
    DefinitionInputs,
    ConditionStep,
    BASELINE_BOOTSTRAP,
    EVALUATION_BOOTSTRAP,
    EVALUATION_REPORT,
    MONITORING_BASELINE,
    PREPARE_BOOTSTRAP,
    PARAMETERS,
    PipelineDefinition,
    QUALITY_METRICS,
    ProcessingStep,
    SERVING_ARTIFACT,
    STEPS,
    TRAINING_METRICS,
    TrainingStep,
    volumeKmsKeyId,
} from "../../components/pipelineDefinition";
import { PROJECT_ROOT, rawStackConfig } from "../../tools/stackConfig";
import { evaluateExpression, references } from "./definitionReferences";

const KEY_ALIAS = "arn:aws:kms:us-east-1:123456789012:alias/drone-dev-data";
const BUNDLE = "s3://drone-data/code/pipeline-scripts/abc123/sourcedir.tar.gz";
const INFERENCE_IMAGE = "763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-inference:2.6.0-gpu-py312-cu124-ubuntu22.04-sagemaker";
const ANALYZER_IMAGE = "156813124566.dkr.ecr.us-east-1.amazonaws.com/sagemaker-model-monitor-analyzer:latest";

function inputs(overrides: Record<string, unknown> = {}): DefinitionInputs {
    const settings = parseConfig(rawStackConfig("dev", overrides)).pipeline;
    return {
        bucket: "drone-data",
        roleArn: "arn:aws:iam::123456789012:role/drone-dev-pipeline",
        kmsKeyId: KEY_ALIAS,
        imageUri: "763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-training:2.8.0-gpu-py312-cu129-ubuntu22.04-sagemaker",
        cpuImageUri: "763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-training:2.8.0-cpu-py312-ubuntu22.04-sagemaker",
        codeBundleUri: BUNDLE,
        region: "us-east-1",
        settings,
        registry: { modelPackageGroupName: "drone-dev-yolo11-detector", inferenceImageUri: INFERENCE_IMAGE, monitorAnalyzerImageUri: ANALYZER_IMAGE },
    };
}


const definition = buildPipelineDefinition(inputs());
const training = findStep(definition, STEPS.train) as TrainingStep;
const evaluation = findStep(definition, STEPS.evaluate) as ProcessingStep;

describe("pipeline definition", () => {
    it("has the SDK's top-level shape: preparation, then the run behind the dataset check", () => {
        expect(definition.Version).to.equal("2020-12-01");
        expect(definition.Metadata).to.deep.equal({});
        expect(definition.Steps.map((step) => [step.Name, step.Type])).to.deep.equal([
            [STEPS.prepare, "Processing"],
            [STEPS.checkDataset, "Condition"],
        ]);
        expect(trainingRunSteps(definition).map((step) => [step.Name, step.Type])).to.deep.equal([
            [STEPS.train, "Training"],
            [STEPS.evaluate, "Processing"],
            [QUALITY_METRICS[0].step, "Condition"],
        ]);
    });

    it("declares the parameters a user expects, typed, with the stack config's defaults", () => {
        const byName = Object.fromEntries(definition.Parameters.map((p) => [p.Name, p]));
        expect(Object.keys(byName).sort()).to.deep.equal([...Object.values(PARAMETERS), ...QUALITY_METRICS.map((m) => m.parameter)].sort());
        expect(byName.InputData).to.include({ Type: "String", DefaultValue: "s3://drone-data/datasets/drone-detection/" });
        // Empty unless the dataset trigger starts the run: InputData alone is what a run started by hand reads.
        expect(byName.InputKey).to.deep.equal({ Name: "InputKey", Type: "String", DefaultValue: "" });
        expect(byName.InputKeyVersion).to.deep.equal({ Name: "InputKeyVersion", Type: "String", DefaultValue: "" });
        expect(byName.InputFingerprint).to.deep.equal({ Name: "InputFingerprint", Type: "String", DefaultValue: "" });
        // Empty: detected from the manifest; a chained labeling job's manifest has two, and the run must name one.
        expect(byName.LabelAttribute).to.deep.equal({ Name: "LabelAttribute", Type: "String", DefaultValue: "" });
        expect(byName.OutputPath).to.include({ Type: "String", DefaultValue: "s3://drone-data/models/" });
        expect(byName.Epochs).to.include({ Type: "Integer", DefaultValue: 50 });
        expect(byName.BatchSize).to.include({ Type: "Integer", DefaultValue: 16 });
        expect(byName.LearningRate).to.include({ Type: "Float", DefaultValue: 0.01 });
        expect(byName.ImageSize).to.include({ Type: "Integer", DefaultValue: 640 });
        expect(byName.TrainingInstanceType).to.include({ Type: "String", DefaultValue: "ml.g4dn.xlarge" });
        expect(byName.TrainingInstanceCount).to.include({ Type: "Integer", DefaultValue: 1 });
        expect(byName.ModelVariant.EnumValues).to.deep.equal(["yolo11n", "yolo11s", "yolo11m", "yolo11l", "yolo11x"]);
        expect(byName.TrainingInstanceType.EnumValues).to.include("ml.g4dn.xlarge").and.not.include("ml.p4d.24xlarge");
    });

    it("resolves every Get to a declared parameter, an execution variable or an earlier step", () => {
        const parameters = new Set(definition.Parameters.map((p) => `Parameters.${p.Name}`));
        // In definition order, each step's own arguments (a Condition's branches are steps of their own).
        const ordered = allSteps(definition.Steps);
        ordered.forEach((step, index) => {
            const earlier = new Set(ordered.slice(0, index).map((s) => s.Name));
            const own = step.Type === "Condition" ? { ...step, Arguments: { ...step.Arguments, IfSteps: [], ElseSteps: [] } } : step;
            for (const reference of references(own)) {
                if (reference.startsWith("Parameters.")) {
                    expect(parameters.has(reference), `${step.Name}: ${reference}`).to.equal(true);
                } else if (reference.startsWith("Steps.")) {
                    expect(earlier.has(reference.split(".")[1]), `${step.Name}: ${reference}`).to.equal(true);
                } else {
                    expect(reference, step.Name).to.match(/^Execution\.(PipelineExecutionId|PipelineName|PipelineExecutionArn|StartDateTime)$/);
                }
            }
        });
        // And every parameter is used somewhere, so no parameter is a dead knob.
        const used = new Set(references(definition.Steps));
        for (const parameter of parameters) {
            expect(used.has(parameter), parameter).to.equal(true);
        }
    });

    it("runs train.py in script mode from the content-addressed bundle, hyperparameters as strings", () => {
        const hp = training.Arguments.HyperParameters ?? {};
        expect(hp.sagemaker_program).to.equal('"train.py"');
        expect(hp.sagemaker_submit_directory).to.equal(JSON.stringify(BUNDLE));
        for (const [key, value] of Object.entries(hp)) {
            // SageMaker rejects non-string hyperparameters at run time; parameters go through Std:Join.
            expect(typeof value === "string" || "Std:Join" in (value as object), key).to.equal(true);
        }
        expect(hp.epochs).to.deep.equal({ "Std:Join": { On: "", Values: [{ Get: "Parameters.Epochs" }] } });
        expect(Object.keys(hp)).to.include.members(["model-variant", "epochs", "batch-size", "learning-rate", "image-size", "patience", "seed"]);
    });

    it("ships the scripts the definition names", () => {
        for (const script of ["train.py", "evaluate.py", "monitoring_baseline.py", "requirements.txt"]) {
            expect(fs.existsSync(path.join(PROJECT_ROOT, "pipeline-scripts", script)), script).to.equal(true);
        }
    });

    it("encrypts outputs with the key alias, EBS volumes with the key, and leaves NVMe volumes to hardware encryption", () => {
        expect(training.Arguments.OutputDataConfig?.KmsKeyId).to.equal(KEY_ALIAS);
        expect(evaluation.Arguments.ProcessingOutputConfig?.KmsKeyId).to.equal(KEY_ALIAS);
        // Every training type has NVMe instance storage, where SageMaker rejects a volume key.
        expect(training.Arguments.ResourceConfig).not.to.have.property("VolumeKmsKeyId");
        expect(training.Arguments.EnableInterContainerTrafficEncryption).to.equal(true);
        // The default evaluation type is a CPU (EBS) type: its volume takes the key, and a run may only pick EBS types.
        expect(evaluation.Arguments.ProcessingResources?.ClusterConfig?.VolumeKmsKeyId).to.equal(KEY_ALIAS);
        const evaluationTypes = definition.Parameters.find((p) => p.Name === PARAMETERS.evaluationInstanceType)!.EnumValues!;
        expect(evaluationTypes).to.include("ml.m5.xlarge").and.not.include("ml.g4dn.xlarge");
    });

    it("cannot be configured into an evaluation SageMaker would reject: the parameter offers one storage kind, keyed to match", () => {
        for (const configured of ["ml.m5.xlarge", "ml.m5.large", "ml.g4dn.xlarge", "ml.g5.2xlarge"]) {
            const built = buildPipelineDefinition(inputs({ evaluationInstanceType: configured }));
            const step = findStep(built, STEPS.evaluate) as ProcessingStep;
            const offered = built.Parameters.find((p) => p.Name === PARAMETERS.evaluationInstanceType)!.EnumValues!;
            const nvme = offered.map((type) => INSTANCE_TYPES[type].nvmeInstanceStorage);
            expect(new Set(nvme).size, `${configured}: one storage kind`).to.equal(1);
            expect(offered, configured).to.include(configured);
            expect("VolumeKmsKeyId" in (step.Arguments.ProcessingResources?.ClusterConfig ?? {}), configured).to.equal(!nvme[0]);
            // The GPU image for GPU types, its CPU build otherwise.
            expect(step.Arguments.AppSpecification?.ImageUri, configured).to.include(nvme[0] ? "-gpu-" : "-cpu-");
        }
    });

    it("prepares the dataset first on a CPU type with a keyed volume, from InputData, cached, with validation.json as a property file", () => {
        const prepare = definition.Steps[0] as ProcessingStep;
        expect(prepare.Name).to.equal(STEPS.prepare);
        const cluster = prepare.Arguments.ProcessingResources?.ClusterConfig;
        expect(cluster).to.include({ InstanceType: "ml.m5.large", InstanceCount: 1, VolumeKmsKeyId: KEY_ALIAS });
        expect(prepare.Arguments.AppSpecification?.ImageUri).to.include("pytorch-training:2.8.0-cpu-");
        expect(prepare.Arguments.AppSpecification?.ContainerEntrypoint).to.deep.equal(["/bin/bash", "-c", PREPARE_BOOTSTRAP, "prepare"]);
        expect(prepare.Arguments.AppSpecification?.ContainerArguments?.slice(0, 3)).to.deep.equal(["pipeline-step", "--input-format", { Get: "Parameters.InputFormat" }]);
        const inputsByName = Object.fromEntries((prepare.Arguments.ProcessingInputs ?? []).map((i) => [i.InputName, i.S3Input]));
        expect(inputsByName.raw).to.include({ LocalPath: "/opt/ml/processing/input/raw" });
        // InputData followed by InputKey (empty unless the dataset trigger started the run); prepare.py is told the same URI.
        const inputUri = { "Std:Join": { On: "", Values: [{ Get: "Parameters.InputData" }, { Get: "Parameters.InputKey" }] } };
        expect(inputsByName.raw?.S3Uri).to.deep.equal(inputUri);
        const containerArguments = prepare.Arguments.AppSpecification?.ContainerArguments ?? [];
        expect(containerArguments[containerArguments.indexOf("--input-uri") + 1]).to.deep.equal(inputUri);
        // The marker's version is part of the cache key, so marking a folder again prepares it again.
        expect(containerArguments).to.deep.include({ "Std:Join": { On: "", Values: ["--input-version=", { Get: "Parameters.InputKeyVersion" }] } });
        // So is a digest of the input's listing (yolo-pipeline start sets it): new objects under the same URI prepare again.
        expect(containerArguments).to.deep.include({ "Std:Join": { On: "", Values: ["--input-fingerprint=", { Get: "Parameters.InputFingerprint" }] } });
        expect(inputsByName.code?.S3Uri).to.equal(BUNDLE);
        const outputs = prepare.Arguments.ProcessingOutputConfig!;
        expect(outputs.KmsKeyId).to.equal(KEY_ALIAS);
        expect(outputs.Outputs?.map((o) => [o.OutputName, o.S3Output?.LocalPath])).to.deep.equal([
            ["dataset", "/opt/ml/processing/output/dataset"],
            ["report", "/opt/ml/processing/output/report"],
        ]);
        // Outputs are per execution: a processing step's cache key is its AppSpecification, Environment and inputs, not its outputs.
        expect(JSON.stringify(outputs.Outputs?.[0].S3Output?.S3Uri)).to.include("datasets/prepared/").and.include("Execution.PipelineExecutionId");
        expect(prepare.CacheConfig).to.deep.equal({ Enabled: true, ExpireAfter: "P30D" });
        expect(buildPipelineDefinition(inputs({ cachePrepareDays: 0 })).Steps[0].CacheConfig).to.deep.equal({ Enabled: false });
        expect(prepare.PropertyFiles).to.deep.equal([{ PropertyFileName: "DatasetValidation", OutputName: "report", FilePath: "validation.json" }]);
        // Images of a labeling job's manifest come from datasets/ only; boto3 in the container needs the region.
        const args = prepare.Arguments.AppSpecification?.ContainerArguments ?? [];
        expect(args[args.indexOf("--fetch-from") + 1]).to.equal("s3://drone-data/datasets/");
        expect(prepare.Arguments.Environment).to.include({ AWS_DEFAULT_REGION: "us-east-1" });
        // The arguments prepare.py pipeline-step declares (pipeline-scripts/prepare.py), also those given as `--flag=value`.
        const script = fs.readFileSync(path.join(PROJECT_ROOT, "pipeline-scripts", "prepare.py"), "utf8");
        const joined = args.map((a) => (typeof a === "object" && "Std:Join" in a ? a["Std:Join"].Values[0] : a));
        for (const flag of joined.filter((a): a is string => typeof a === "string" && a.startsWith("--")).map((a) => a.split("=")[0])) {
            expect(script, flag).to.include(`"${flag}"`);
        }
    });

    it("tells preparation the stack's classes in id order, and the label attribute of the run", () => {
        const args = (definition.Steps[0] as ProcessingStep).Arguments.AppSpecification?.ContainerArguments ?? [];
        // labelClasses of Pulumi.yaml: ids follow this list by name, whatever classes a dataset happens to hold.
        expect(args.filter((a) => typeof a === "string" && a.startsWith("--class-name"))).to.deep.equal([
            "--class-name=vehicle",
            "--class-name=person",
            "--class-name=building",
        ]);
        expect(args).to.deep.include({ "Std:Join": { On: "", Values: ["--label-attribute=", { Get: "Parameters.LabelAttribute" }] } });
        const custom = (buildPipelineDefinition(inputs({ labelClasses: ["-car", "truck"] })).Steps[0] as ProcessingStep).Arguments.AppSpecification?.ContainerArguments ?? [];
        expect(custom.filter((a) => typeof a === "string" && a.startsWith("--class-name"))).to.deep.equal(["--class-name=-car", "--class-name=truck"]);
    });

    it("stays within CreateProcessingJob's 100 container arguments of 256 characters with the most and longest classes config allows", () => {
        const most = Array.from({ length: 50 }, (_, i) => `${String(i).padStart(2, "0")}${"x".repeat(241)}`);
        const args = (buildPipelineDefinition(inputs({ labelClasses: most })).Steps[0] as ProcessingStep).Arguments.AppSpecification?.ContainerArguments ?? [];
        expect(args.length).to.be.at.most(100);
        for (const arg of args.filter((a): a is string => typeof a === "string")) {
            expect(arg.length, arg.slice(0, 20)).to.be.at.most(256);
        }
        expect(() => parseConfig(rawStackConfig("dev", { labelClasses: ["x".repeat(244)] }))).to.throw(/labelClasses.*1-243 characters/);
        expect(() => parseConfig(rawStackConfig("dev", { labelClasses: [...most, "one more"] }))).to.throw(/labelClasses.*1 to 50 distinct/);
    });

    it("refuses blank class names in config, which prepare.py's --class-name would refuse at every run's first step", () => {
        for (const blank of [" ", "\t", "   "]) {
            expect(() => parseConfig(rawStackConfig("dev", { labelClasses: ["vehicle", blank] })), JSON.stringify(blank)).to.throw(/labelClasses.*not blank/);
        }
        expect(parseConfig(rawStackConfig("dev", { labelClasses: ["vehicle", " person "] })).pipeline.prepare.classNames).to.include(" person ");
    });

    it("trains and evaluates on the prepared dataset by property reference, only behind the dataset check", () => {
        const prepared = { Get: "Steps.PrepareDataset.ProcessingOutputConfig.Outputs['dataset'].S3Output.S3Uri" };
        expect(training.Arguments.InputDataConfig?.[0].DataSource?.S3DataSource?.S3Uri).to.deep.equal(prepared);
        const check = definition.Steps[1] as ConditionStep;
        expect(check.Arguments.Conditions).to.deep.equal([
            { Type: "Equals", LeftValue: { "Std:JsonGet": { PropertyFile: { Get: "Steps.PrepareDataset.PropertyFiles.DatasetValidation" }, Path: "problem_count" } }, RightValue: 0 },
        ]);
        expect(check.Arguments.IfSteps.map((step) => step.Name)).to.include.members([STEPS.train, STEPS.evaluate]);
        expect(check.Arguments.ElseSteps.map((step) => [step.Name, step.Type])).to.deep.equal([[STEPS.failDataset, "Fail"]]);
        // The paths it reads are what validation.schema.json promises.
        const schema = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, "pipeline-scripts", "validation.schema.json"), "utf8"));
        expect(schema.required).to.include.members(["problem_count", "summary"]);
        expect(schema.properties.problem_count.type).to.equal("integer");
    });

    describe("the dataset gate on a validation.json prepare.py wrote with the step's own arguments", () => {
        const prepare = definition.Steps[0] as ProcessingStep;
        const check = definition.Steps[1] as ConditionStep;
        const defaults = Object.fromEntries(definition.Parameters.map((p) => [p.Name, p.DefaultValue]));
        const executionId = { "Execution.PipelineExecutionId": "exec-7" };
        const python = path.join(PROJECT_ROOT, ".venv", "bin", "python");
        const scripts = path.join(PROJECT_ROOT, "pipeline-scripts");
        let work: string;
        beforeEach(() => (work = fs.mkdtempSync(path.join(os.tmpdir(), "dataset-gate-"))));
        afterEach(() => fs.rmSync(work, { recursive: true, force: true }));

        /** Runs prepare.py as the step runs it (its ContainerArguments, parameter defaults resolved), on local folders. */
        function prepareReport(fill: (raw: string) => void): Record<string, unknown> {
            const raw = path.join(work, "raw");
            fs.mkdirSync(raw);
            fill(raw);
            const args = (prepare.Arguments.AppSpecification?.ContainerArguments ?? []).map((a) => String(evaluateExpression(a, {}, defaults, executionId)));
            const local = ["--input-dir", raw, "--output-dir", path.join(work, "dataset"), "--report-dir", path.join(work, "report"), "--fetch-dir", path.join(work, "fetched")];
            const run = spawnSync(python, ["prepare.py", ...args, ...local], { cwd: scripts, encoding: "utf8" });
            expect(run.status, `${run.error ?? ""}${run.stderr}`).to.equal(0);
            return JSON.parse(fs.readFileSync(path.join(work, "report", "validation.json"), "utf8"));
        }

        /** The step CheckDataset leads to for this report, and the message it ends the run with if it is a Fail step. */
        function gate(report: Record<string, unknown>): { next: string; message?: unknown } {
            const [condition] = check.Arguments.Conditions;
            const holds = evaluateExpression(condition.LeftValue, report, defaults, {}) === evaluateExpression(condition.RightValue, report, defaults, {});
            const next = holds ? check.Arguments.IfSteps[0] : check.Arguments.ElseSteps[0];
            const reportOutput = prepare.Arguments.ProcessingOutputConfig?.Outputs?.find((o) => o.OutputName === "report")?.S3Output?.S3Uri;
            const outputs = { [`Steps.${STEPS.prepare}.ProcessingOutputConfig.Outputs['report'].S3Output.S3Uri`]: String(evaluateExpression(reportOutput, {}, defaults, executionId)) };
            return { next: next.Name, message: next.Type === "Fail" ? evaluateExpression(next.Arguments.ErrorMessage, report, defaults, outputs) : undefined };
        }

        it("fails a broken dataset at FailDataset with the report's summary, then where the report is", () => {
            // A class the stack does not have, and two images that were never uploaded.
            const report = prepareReport((raw) => fs.writeFileSync(path.join(raw, "annotations.json"), JSON.stringify({
                categories: [{ id: 0, name: "vehicle" }, { id: 1, name: "truck" }],
                images: ["a.jpg", "b.jpg"].map((name, i) => ({
                    file_path: `s3://drone-data/datasets/drone-detection/${name}`, width: 64, height: 48,
                    annotations: [{ bbox: [4, 4, 20, 16], class_id: i, class_name: i ? "truck" : "vehicle" }],
                })),
            })));
            expect(report.problem_count).to.equal(4);
            const { next, message } = gate(report);
            expect(next).to.equal(STEPS.failDataset);
            expect(message).to.equal(`${report.summary} Nothing was trained. Validation report: s3://drone-data/datasets/prepared/exec-7/report/validation.json`);
            expect(message).to.match(/^Dataset is invalid: 2 missing_image \(e\.g\. annotations\.json: images\[0\] \(s3:\/\/drone-data\/datasets\/drone-detection\/a\.jpg\): image not found/);
            // The truck box is on a missing image: the count is of boxes that could have been converted.
            expect(message).to.include("1 class_list_mismatch (e.g. annotations.json: category id 1: class 'truck' (0 box(es) on usable images) is not one of the stack's classes vehicle, person, building");
            expect(message).to.include("1 too_few_images").and.include(". Source: annotations-json annotations.json. Nothing was trained.");
        });

        it("lets a valid dataset through to training", () => {
            const report = prepareReport((raw) => {
                const colours = ["red", "green", "blue", "yellow"];
                const made = spawnSync(python, ["-c", `from PIL import Image\nfor i, c in enumerate(${JSON.stringify(colours)}): Image.new("RGB", (64, 48), c).save(f"${raw}/img{i}.png")`], { encoding: "utf8" });
                expect(made.status, made.stderr).to.equal(0);
                fs.writeFileSync(path.join(raw, "annotations.json"), JSON.stringify({
                    categories: ["vehicle", "person", "building"].map((name, id) => ({ id, name })),
                    images: colours.map((_, i) => ({ file_path: `img${i}.png`, width: 64, height: 48, annotations: [{ bbox: [4, 4, 20, 16], class_id: i % 3 }] })),
                }));
            });
            expect(report.problem_count, String(report.summary)).to.equal(0);
            expect(gate(report)).to.deep.equal({ next: STEPS.train, message: undefined });
        });
    });

    it("requires a volume key for EBS-only types and refuses a mix of storage kinds", () => {
        expect(volumeKmsKeyId(["ml.m5.xlarge", "ml.p3.2xlarge"], KEY_ALIAS, "training")).to.deep.equal({ VolumeKmsKeyId: KEY_ALIAS });
        expect(volumeKmsKeyId(["ml.g4dn.xlarge"], KEY_ALIAS, "training")).to.deep.equal({});
        expect(() => volumeKmsKeyId(["ml.g4dn.xlarge", "ml.p3.2xlarge"], KEY_ALIAS, "training")).to.throw(/mix NVMe-storage and EBS/);
    });

    it("trains on managed spot with per-execution checkpoints and a wait longer than the runtime", () => {
        const a = training.Arguments;
        expect(a.EnableManagedSpotTraining).to.equal(true);
        expect(a.StoppingCondition).to.deep.equal({ MaxRuntimeInSeconds: 14400, MaxWaitTimeInSeconds: 28800 });
        expect(a.CheckpointConfig).to.deep.equal({
            S3Uri: { "Std:Join": { On: "", Values: ["s3://drone-data/checkpoints/", { Get: "Execution.PipelineExecutionId" }, "/"] } },
            LocalPath: "/opt/ml/checkpoints",
        });
        const onDemand = findStep(buildPipelineDefinition(inputs({ useSpotTraining: false })), STEPS.train) as TrainingStep;
        expect(onDemand.Arguments.EnableManagedSpotTraining).to.equal(false);
        expect(onDemand.Arguments.StoppingCondition).to.deep.equal({ MaxRuntimeInSeconds: 14400 });
    });

    it("matches exactly the metric lines train.py prints", () => {
        const lines = ["val_mAP50=0.5123", "val_mAP50_95=0.3001", "val_precision=7.5e-01", "epoch=3", "train_box_loss=1.25", "[algo-1] val_recall=0.25"];
        const matches = (regex: string) => lines.map((line) => new RegExp(regex).exec(line)?.[1]).filter(Boolean);
        const byName = Object.fromEntries(TRAINING_METRICS.map((m) => [m.Name, m.Regex]));
        expect(matches(byName["val:mAP50"])).to.deep.equal(["0.5123"]);
        expect(matches(byName["val:mAP50-95"])).to.deep.equal(["0.3001"]);
        expect(matches(byName["val:precision"])).to.deep.equal(["7.5e-01"]);
        expect(matches(byName.epoch)).to.deep.equal(["3"]);
        expect(matches(byName["val:recall"])).to.deep.equal(["0.25"]);
        expect(training.Arguments.AlgorithmSpecification?.MetricDefinitions).to.deep.equal(TRAINING_METRICS);
    });

    it("retries capacity and throttling errors with list exception types, caches only when configured", () => {
        for (const step of allSteps(definition.Steps).filter((s) => s.Type === "Training" || s.Type === "Processing")) {
            const types = (step.RetryPolicies ?? []).flatMap((policy) => policy.ExceptionType);
            expect(types, step.Name).to.include.members(["SageMaker.CAPACITY_ERROR", "Step.THROTTLING"]);
        }
        expect(training.CacheConfig).to.deep.equal({ Enabled: false });
        const cached = findStep(buildPipelineDefinition(inputs({ cacheTrainingDays: 7 })), STEPS.train)!;
        expect(cached.CacheConfig).to.deep.equal({ Enabled: true, ExpireAfter: "P7D" });
    });

    it("evaluates the training step's model on the dataset and exposes evaluation.json as a property file", () => {
        const byName = Object.fromEntries((evaluation.Arguments.ProcessingInputs ?? []).map((i) => [i.InputName, i.S3Input]));
        expect(byName.model?.S3Uri).to.deep.equal({ Get: "Steps.TrainYOLO11.ModelArtifacts.S3ModelArtifacts" });
        expect(byName.model?.LocalPath).to.equal("/opt/ml/processing/model");
        expect(byName.data?.S3Uri).to.deep.equal({ Get: "Steps.PrepareDataset.ProcessingOutputConfig.Outputs['dataset'].S3Output.S3Uri" });
        expect(byName.code?.S3Uri).to.equal(BUNDLE);
        expect(evaluation.PropertyFiles).to.deep.equal([{ PropertyFileName: "EvaluationReport", OutputName: "evaluation", FilePath: "evaluation.json" }]);
        const [output] = evaluation.Arguments.ProcessingOutputConfig?.Outputs ?? [];
        expect(output.OutputName).to.equal("evaluation");
        expect(output.S3Output?.LocalPath).to.equal("/opt/ml/processing/evaluation");
        expect(evaluation.Arguments.AppSpecification?.ContainerEntrypoint).to.deep.equal(["/bin/bash", "-c", EVALUATION_BOOTSTRAP, "evaluate"]);
        expect(EVALUATION_BOOTSTRAP).to.match(/^set -euo pipefail; cd \/opt\/ml\/processing\/input\/code; tar -xzf sourcedir\.tar\.gz; .*-r requirements\.txt; exec python3 evaluate\.py "\$@"$/);
    });

    it("has evaluation write the serving archive per execution under models/serving/, with the stack's key", () => {
        const outputs = evaluation.Arguments.ProcessingOutputConfig?.Outputs ?? [];
        const serving = outputs.find((o) => o.OutputName === SERVING_ARTIFACT.outputName);
        // evaluate.py's --serving-dir default inside a processing container.
        expect(serving?.S3Output?.LocalPath).to.equal("/opt/ml/processing/serving");
        expect(fs.readFileSync(path.join(PROJECT_ROOT, "pipeline-scripts", "evaluate.py"), "utf8")).to.include('"/opt/ml/processing/serving"');
        expect(serving?.S3Output?.S3Uri).to.deep.equal({ "Std:Join": { On: "", Values: ["s3://drone-data/models/serving/", { Get: "Execution.PipelineExecutionId" }] } });
        expect(evaluation.Arguments.ProcessingOutputConfig?.KmsKeyId).to.equal(KEY_ALIAS);
        // Two outputs of one job never share a prefix.
        const uris = outputs.map((o) => JSON.stringify(o.S3Output?.S3Uri));
        expect(new Set(uris).size).to.equal(uris.length);
    });

    it("builds the monitoring baseline on CPU from the serving archive on the split evaluation used, then has the analyzer suggest it", () => {
        const baseline = findStep(definition, STEPS.baseline) as ProcessingStep;
        const statistics = findStep(definition, STEPS.baselineStatistics) as ProcessingStep;
        for (const step of [baseline, statistics]) {
            const cluster = step.Arguments.ProcessingResources?.ClusterConfig;
            expect(cluster, step.Name).to.include({ InstanceType: "ml.m5.large", InstanceCount: 1, VolumeKmsKeyId: KEY_ALIAS });
            expect(INSTANCE_TYPES[String(cluster?.InstanceType)].gpus, step.Name).to.equal(0);
            expect(step.Arguments.ProcessingOutputConfig?.KmsKeyId, step.Name).to.equal(KEY_ALIAS);
            expect(step.Arguments.StoppingCondition, step.Name).to.deep.equal({ MaxRuntimeInSeconds: 1200 });
            expect(step.Arguments.NetworkConfig?.EnableInterContainerTrafficEncryption, step.Name).to.equal(true);
        }
        const custom = buildPipelineDefinition(inputs({ baselineInstanceType: "ml.m5.xlarge", baselineMaxRuntimeSeconds: "900" }));
        expect((findStep(custom, STEPS.baselineStatistics) as ProcessingStep).Arguments.ProcessingResources?.ClusterConfig?.InstanceType).to.equal("ml.m5.xlarge");
        expect((findStep(custom, STEPS.baseline) as ProcessingStep).Arguments.StoppingCondition?.MaxRuntimeInSeconds).to.equal(900);

        // The endpoint's code path: the serving archive, the prepared dataset, the split evaluation.json says it evaluated.
        const app = baseline.Arguments.AppSpecification!;
        expect(app.ImageUri).to.include("pytorch-training:2.8.0-cpu-");
        expect(app.ContainerEntrypoint).to.deep.equal(["/bin/bash", "-c", BASELINE_BOOTSTRAP, "baseline"]);
        expect(BASELINE_BOOTSTRAP).to.match(/tar -xzf sourcedir\.tar\.gz; .*-r requirements\.txt; exec python3 monitoring_baseline\.py "\$@"$/);
        expect(app.ContainerArguments).to.deep.equal([
            "--split",
            { "Std:JsonGet": { PropertyFile: { Get: `Steps.${STEPS.evaluate}.PropertyFiles.${EVALUATION_REPORT.propertyFile}` }, Path: "split" } },
            "--format",
            "jsonl",
        ]);
        const script = fs.readFileSync(path.join(PROJECT_ROOT, "pipeline-scripts", "monitoring_baseline.py"), "utf8");
        for (const flag of ["--split", "--format"]) {
            expect(script, flag).to.include(`"${flag}"`);
        }
        const byName = Object.fromEntries((baseline.Arguments.ProcessingInputs ?? []).map((i) => [i.InputName, i.S3Input]));
        expect(byName.code?.S3Uri).to.equal(BUNDLE);
        expect(byName.model?.S3Uri).to.deep.equal({
            "Std:Join": { On: "/", Values: [{ Get: `Steps.${STEPS.evaluate}.ProcessingOutputConfig.Outputs['serving'].S3Output.S3Uri` }, "model.tar.gz"] },
        });
        expect(byName.model?.LocalPath).to.equal("/opt/ml/processing/model");
        expect(byName.data?.S3Uri).to.deep.equal({ Get: "Steps.PrepareDataset.ProcessingOutputConfig.Outputs['dataset'].S3Output.S3Uri" });
        const [dataset] = baseline.Arguments.ProcessingOutputConfig?.Outputs ?? [];
        expect(dataset.OutputName).to.equal(MONITORING_BASELINE.datasetOutput);
        expect(dataset.S3Output?.LocalPath).to.equal("/opt/ml/processing/baseline");
        expect(dataset.S3Output?.S3Uri).to.deep.equal({
            "Std:Join": { On: "", Values: ["s3://drone-data/monitoring/baseline/", { Get: "Execution.PipelineExecutionId" }, "/dataset"] },
        });

        // The analyzer's own contract (DefaultModelMonitor.suggest_baseline): its image, input and output folders, environment.
        expect(statistics.Arguments.AppSpecification).to.deep.equal({ ImageUri: ANALYZER_IMAGE });
        expect(statistics.Arguments.ProcessingInputs).to.deep.equal([
            {
                InputName: "baseline_dataset_input",
                AppManaged: false,
                S3Input: {
                    S3Uri: { Get: `Steps.${STEPS.baseline}.ProcessingOutputConfig.Outputs['baseline_dataset'].S3Output.S3Uri` },
                    LocalPath: "/opt/ml/processing/input/baseline_dataset_input",
                    S3DataType: "S3Prefix",
                    S3InputMode: "File",
                    S3DataDistributionType: "FullyReplicated",
                },
            },
        ]);
        expect(statistics.Arguments.Environment).to.deep.equal({
            dataset_format: '{"json":{"lines":true}}',
            dataset_source: "/opt/ml/processing/input/baseline_dataset_input",
            output_path: "/opt/ml/processing/output",
            publish_cloudwatch_metrics: "Disabled",
        });
        const [results] = statistics.Arguments.ProcessingOutputConfig?.Outputs ?? [];
        expect(results.OutputName).to.equal("monitoring_output");
        expect(results.S3Output?.LocalPath).to.equal("/opt/ml/processing/output");
        expect(results.S3Output?.S3Uri).to.deep.equal({
            "Std:Join": { On: "", Values: ["s3://drone-data/monitoring/baseline/", { Get: "Execution.PipelineExecutionId" }] },
        });
        // The format monitoring_baseline.py writes for --format jsonl.
        expect(script).to.include(`"jsonl": ("baseline.jsonl", {"json": {"lines": True}})`);
    });

    it("is plain JSON: serialises and parses back unchanged", () => {
        const roundTrip = JSON.parse(JSON.stringify(definition)) as PipelineDefinition;
        expect(roundTrip).to.deep.equal(definition);
    });
});

// Start-time validation (cli/validation.ts) against the dev stack's own pipeline definition, with the
// limits taken from their sources (components/config.ts, policies/catalog.ts) rather than restated.
import { expect } from "chai";
import { spawnSync } from "child_process";
import { Option } from "commander";
import * as path from "path";
import { HYPERPARAMETER_RANGES, MODEL_VARIANTS } from "../../components/config";
import { MODEL_APPROVAL_STATUSES, PARAMETERS, QUALITY_METRICS, STEPS } from "../../components/pipelineDefinition";
import {
    DEFAULT_LIMITS,
    DEFAULT_PROCESSING_INSTANCE_TYPES,
    DEFAULT_TRAINING_INSTANCE_TYPES,
    INSTANCE_TYPES,
    worstCaseJobCostUsd,
} from "../../policies/catalog";
import { allSteps, DeployedDefinition } from "../../cli/definition";
import { UsageError } from "../../cli/errors";
import { buildStartRequest, checkExecutionOptions, optionKey, PARAMETER_FLAGS, requestedValues, stackInputLocations, validateParameters } from "../../cli/validation";
import { pipelineExecutionPolicy, Scope } from "../../components/iamDocuments";
import { resourceNames, roleArn } from "../../components/naming";
import { PROJECT_ROOT } from "../../tools/stackConfig";
import { stackPipeline, StackPipeline } from "./support/stack";

/** The problems a call refuses with (fails the test if it does not throw a UsageError). */
function problemsOf(action: () => unknown): string[] {
    try {
        action();
    } catch (error) {
        expect(error).to.be.instanceOf(UsageError);
        return [...(error as UsageError).problems];
    }
    expect.fail("expected a UsageError");
}

const flags = (values: Record<string, string>, params: string[] = []) =>
    requestedValues(Object.fromEntries(Object.entries(values).map(([flag, value]) => [optionKey(flag), value])), params);

/** A deep copy to edit without touching the shared definition. */
const copy = (definition: DeployedDefinition): DeployedDefinition => JSON.parse(JSON.stringify(definition));

describe("cli start validation", () => {
    let stack: StackPipeline;
    let definition: DeployedDefinition;
    const validate = (values: Record<string, string>, params: string[] = [], against = definition) =>
        validateParameters(against, stack.name, flags(values, params));

    before(async () => {
        stack = await stackPipeline();
        definition = stack.deployed;
    });

    it("has a flag for every parameter of the stack's definition", () => {
        const covered = PARAMETER_FLAGS.map((flag) => flag.parameter).sort();
        expect(covered).to.deep.equal(definition.Parameters.map((p) => p.Name).sort());
    });

    it("accepts values within the ranges and sends only those, in the definition's parameter order", () => {
        const { parameters } = validate({ "--instance-type": "ml.g5.xlarge", "--epochs": "100", "--batch-size": "32" });
        expect(parameters).to.deep.equal([
            { Name: PARAMETERS.epochs, Value: "100" },
            { Name: PARAMETERS.batchSize, Value: "32" },
            { Name: PARAMETERS.trainingInstanceType, Value: "ml.g5.xlarge" },
        ]);
    });

    it("accepts the Ground Truth label attribute of a chained labeling job by --param or --label-attribute", () => {
        const wanted = [{ Name: PARAMETERS.labelAttribute, Value: "drone-boxes-adjusted" }];
        expect(validate({}, ["LabelAttribute=drone-boxes-adjusted"]).parameters).to.deep.equal(wanted);
        expect(validate({ "--label-attribute": "drone-boxes-adjusted" }).parameters).to.deep.equal(wanted);
        // The deployed pipeline must declare it: one deployed before LabelAttribute existed refuses the value, naming it.
        const older = copy(definition);
        older.Parameters = older.Parameters.filter((p) => p.Name !== PARAMETERS.labelAttribute);
        expect(problemsOf(() => validate({}, ["LabelAttribute=x"], older))[0]).to.include('no parameter "LabelAttribute"');
    });

    it("refuses a label attribute or input fingerprint SageMaker would refuse as a container argument (256 characters), naming the limit", () => {
        const long = "a".repeat(300);
        const problems = problemsOf(() => validate({ "--label-attribute": long, "--input-fingerprint": long }));
        expect(problems).to.have.length(2);
        expect(problems.find((problem) => problem.startsWith("--label-attribute"))).to.include("1-127 letters, digits and hyphens");
        expect(problems.find((problem) => problem.startsWith("--input-fingerprint"))).to.include("at most 236 characters").and.include("--input-fingerprint=<value>");
        expect(problemsOf(() => validate({ "--label-attribute": "boxes-metadata" }))[0]).to.include("not ending in -metadata or -ref");
        // Empty is the definition's default: PrepareDataset reads the manifest's only label attribute.
        expect(validate({ "--label-attribute": "", "--input-fingerprint": "f".repeat(236) }).parameters.map((p) => p.Name)).to.deep.equal([PARAMETERS.inputFingerprint, PARAMETERS.labelAttribute]);
    });

    it("writes integers canonically and floats as given", () => {
        const { parameters } = validate({ "--epochs": "+0100", "--learning-rate": " 1e-3 " });
        expect(parameters).to.deep.equal([
            { Name: PARAMETERS.epochs, Value: "100" },
            { Name: PARAMETERS.learningRate, Value: "1e-3" },
        ]);
    });

    it("refuses a parameter name the pipeline does not declare and lists the declared ones", () => {
        const [problem] = problemsOf(() => validate({}, ["Epoch=5"]));
        expect(problem).to.include("--param Epoch").and.include('no parameter "Epoch"');
        expect(problem).to.include(definition.Parameters.map((p) => p.Name).join(", "));
    });

    it("refuses a named flag whose parameter the deployed definition lacks", () => {
        const older = copy(definition);
        older.Parameters = older.Parameters.filter((p) => p.Name !== PARAMETERS.patience);
        const [problem] = problemsOf(() => validate({ "--patience": "5" }, [], older));
        expect(problem).to.match(/^--patience: .*no parameter "Patience"/);
    });

    it("refuses values that do not parse as the definition's parameter type", () => {
        const typed = copy(definition);
        typed.Parameters.push({ Name: "UseAmp", Type: "Boolean", DefaultValue: false });
        const problems = problemsOf(() => validate({ "--epochs": "1.5", "--learning-rate": "fast" }, ["UseAmp=yes"], typed));
        expect(problems).to.have.length(3);
        expect(problems[0]).to.equal('--epochs: "1.5" is not allowed for pipeline parameter Epochs; expected an integer.');
        expect(problems[1]).to.include("--learning-rate").and.include("expected a number");
        expect(problems[2]).to.include("--param UseAmp").and.include("expected true or false");
    });

    it("holds every hyperparameter to components/config.ts HYPERPARAMETER_RANGES", () => {
        const r = HYPERPARAMETER_RANGES;
        const cases: [string, string, RegExp][] = [
            ["--epochs", String(r.epochs.min - 1), new RegExp(`from ${r.epochs.min} to ${r.epochs.max}`)],
            ["--epochs", String(r.epochs.max + 1), new RegExp(`from ${r.epochs.min} to ${r.epochs.max}`)],
            ["--batch-size", String(r.batchSize.max + 1), new RegExp(`to ${r.batchSize.max}`)],
            ["--image-size", String(r.imageSize.min + r.imageSize.multipleOf + 1), new RegExp(`a multiple of ${r.imageSize.multipleOf}`)],
            ["--patience", String(r.patience.min - 1), new RegExp(`from ${r.patience.min}`)],
            ["--seed", String(r.seed.max + 1), new RegExp(`to ${r.seed.max}`)],
            ["--learning-rate", String(r.learningRate.exclusiveMin), new RegExp(`greater than ${r.learningRate.exclusiveMin} and at most ${r.learningRate.max}`)],
            ["--learning-rate", String(r.learningRate.max + 0.5), /at most/],
        ];
        for (const [flag, value, allowed] of cases) {
            const [problem] = problemsOf(() => validate({ [flag]: value }));
            expect(problem, `${flag} ${value}`).to.include(`${flag}: "${value}" is not allowed`).and.match(allowed);
        }
        expect(validate({ "--image-size": String(r.imageSize.max), "--patience": String(r.patience.min) }).parameters).to.have.length(2);
    });

    it("refuses a model variant outside MODEL_VARIANTS", () => {
        const [problem] = problemsOf(() => validate({ "--model-variant": "yolov8n" }));
        expect(problem).to.include(`expected one of ${MODEL_VARIANTS.join(", ")}`);
    });

    it("refuses a training instance type outside the policy pack's training allow-list", () => {
        const known = Object.keys(INSTANCE_TYPES).find((type) => !DEFAULT_TRAINING_INSTANCE_TYPES.includes(type))!;
        const [problem] = problemsOf(() => validate({ "--instance-type": known }));
        expect(problem).to.include(`--instance-type: "${known}" is not allowed for pipeline parameter ${PARAMETERS.trainingInstanceType}`);
        expect(problem).to.include(DEFAULT_TRAINING_INSTANCE_TYPES.join(", ")).and.include("training instance allow-list");
    });

    it("holds --evaluation-instance-type to the processing allow-list, listing only the types its EnumValues also allow", () => {
        const enumValues = definition.Parameters.find((p) => p.Name === PARAMETERS.evaluationInstanceType)!.EnumValues!;
        const allowed = enumValues.filter((type) => DEFAULT_PROCESSING_INSTANCE_TYPES.includes(type));
        // The dev stack evaluates on CPU: its EnumValues are a part of the allow-list, so the two lists differ.
        expect(allowed.length, "the case needs EnumValues narrower than the allow-list").to.be.lessThan(DEFAULT_PROCESSING_INSTANCE_TYPES.length).and.greaterThan(0);
        const trainingOnly = DEFAULT_TRAINING_INSTANCE_TYPES.find((type) => !DEFAULT_PROCESSING_INSTANCE_TYPES.includes(type))!;
        const outsideEnum = DEFAULT_PROCESSING_INSTANCE_TYPES.find((type) => !enumValues.includes(type))!;
        for (const [value, why] of [
            [trainingOnly, `the policy pack's processing instance allow-list, step ${STEPS.evaluate}, within the parameter's EnumValues`],
            ["ml.p3.2xlarge", `the policy pack's processing instance allow-list, step ${STEPS.evaluate}, within the parameter's EnumValues`],
            [outsideEnum, "EnumValues of the pipeline definition"],
        ]) {
            expect(problemsOf(() => validate({ "--evaluation-instance-type": value }))[0], value).to.equal(
                `--evaluation-instance-type: "${value}" is not allowed for pipeline parameter ${PARAMETERS.evaluationInstanceType}; expected one of ${allowed.join(", ")} (${why}).`,
            );
        }
        // Every type a refusal offers is accepted.
        for (const type of allowed) {
            expect(validate({ "--evaluation-instance-type": type }).parameters, type).to.deep.equal([{ Name: PARAMETERS.evaluationInstanceType, Value: type }]);
        }
    });

    it("applies the allow-list to a --param that feeds a job's instance type, whatever its EnumValues say", () => {
        const open = copy(definition);
        for (const parameter of open.Parameters) {
            delete parameter.EnumValues;
        }
        const [problem] = problemsOf(() => validate({}, [`${PARAMETERS.trainingInstanceType}=ml.p5.48xlarge`], open));
        expect(problem).to.include(`--param ${PARAMETERS.trainingInstanceType}`).and.include("training instance allow-list");
    });

    it("refuses an instance count above the policy pack's maxInstanceCount, and zero", () => {
        for (const count of [DEFAULT_LIMITS.maxInstanceCount + 1, 0]) {
            const [problem] = problemsOf(() => validate({ "--instance-count": String(count) }));
            expect(problem).to.include(`from 1 to ${DEFAULT_LIMITS.maxInstanceCount}`).and.include("maxInstanceCount");
        }
    });

    it("refuses S3 locations that are not s3:// URIs", () => {
        const problems = problemsOf(() => validate({ "--input-data": "https://bucket.s3.amazonaws.com/datasets/", "--output-path": "/tmp/models" }));
        expect(problems).to.have.length(2);
        for (const problem of problems) {
            expect(problem).to.include("expected an s3:// URI");
        }
        // Without the stack's input locations (a pipeline other than the stack's own, whose role is not the stack's), any bucket.
        expect(validate({ "--input-data": "s3://other-bucket/datasets/drone-v2/" }).parameters).to.have.length(1);
    });

    describe("the dataset split and the data to prepare, as PrepareDataset would take them", () => {
        const devInputs = () => stackInputLocations({ bucket: { name: stack.bucket }, labeling: { enabled: false } });
        const start = (values: Record<string, string>, params: string[] = [], inputs = devInputs()) =>
            validateParameters(definition, stack.name, flags(values, params), undefined, inputs);
        const defaultOf = (name: string) => definition.Parameters.find((p) => p.Name === name)!.DefaultValue;

        it("refuses validation and test shares that leave no training share, as prepare.py's check_fractions does", () => {
            const valDefault = Number(defaultOf(PARAMETERS.valFraction));
            const test = String(1 - valDefault + 0.15);
            expect(problemsOf(() => start({ "--test-fraction": test }))).to.deep.equal([
                `ValFraction ${valDefault} (the pipeline's default), --test-fraction ${test}: the validation and test shares add up to ${Number((valDefault + Number(test)).toFixed(6))}, which leaves no images to train on; they must add up to less than 1 (prepare.py refuses them, and the run would fail at its first step).`,
            ]);
            expect(problemsOf(() => start({ "--val-fraction": "0.6", "--test-fraction": "0.5" }))[0]).to.match(/^--val-fraction 0\.6, --test-fraction 0\.5: the validation and test shares add up to 1\.1,/);
            // The boundary as Python's floats compute it: 0.6 + 0.4 is exactly 1, so refused; 0.7 + 0.2 is 0.8999999999999999, accepted.
            expect(problemsOf(() => start({ "--val-fraction": "0.6", "--test-fraction": "0.4" }))[0]).to.include("add up to 1,");
            expect(start({ "--val-fraction": "0.7", "--test-fraction": "0.2" }).parameters).to.have.length(2);
            // prepare.py's own range: a test share of 1 and literals Python's float() refuses.
            for (const value of ["1", "0x0", "0b0"]) {
                expect(problemsOf(() => start({ "--test-fraction": value }))[0], value).to.include(`"${value}" is not allowed`).and.include("a decimal number from 0 to below 1");
            }
            expect(problemsOf(() => start({ "--val-fraction": "0" }))[0]).to.include("a decimal number greater than 0 and at most 0.9");
        });

        it("accepts exactly the split shares prepare.py accepts (its parse_args, run in the Python test environment)", () => {
            // Within the stack's own ValFraction range (at most 0.9), where the CLI is meant to agree with the script.
            const pairs = [
                ["0.2", "0.1"], ["0.6", "0.4"], ["0.7", "0.2"], ["0.2", "0.95"], ["0.5", "0.5"], ["0.2", "0"], ["0.2", "-0"], ["0", "0.1"],
                ["0.2", "1"], ["0.2", "0x0"], ["0.2", "nan"], ["0.2", "inf"], [" 0.3", "0.3 "], ["1e-1", "0.8"], [".9", "0.0999999"], ["0.9", "0.1"],
            ];
            const script = [
                "import json, sys",
                "sys.path.insert(0, sys.argv[1])",
                "import prepare",
                "from yolo_pipeline import cli",
                "verdicts = []",
                "for val, test in json.load(sys.stdin):",
                "    try:",
                "        prepare.parse_args(['pipeline-step', '--val-fraction', val.strip(), '--test-fraction', test.strip()])",
                "        verdicts.append(True)",
                "    except cli.UsageError:",
                "        verdicts.append(False)",
                "print(json.dumps(verdicts))",
            ].join("\n");
            const python = path.join(PROJECT_ROOT, ".venv", "bin", "python");
            const run = spawnSync(python, ["-c", script, path.join(PROJECT_ROOT, "pipeline-scripts")], { input: JSON.stringify(pairs), encoding: "utf8" });
            expect(run.status, run.stderr).to.equal(0);
            const byScript = JSON.parse(run.stdout) as boolean[];
            const cli = pairs.map(([val, test]) => {
                try {
                    start({ "--val-fraction": val, "--test-fraction": test });
                    return true;
                } catch (error) {
                    expect(error).to.be.instanceOf(UsageError);
                    return false;
                }
            });
            expect(cli.map((ok, i) => `${pairs[i].join(" + ")}: ${ok}`)).to.deep.equal(byScript.map((ok, i) => `${pairs[i].join(" + ")}: ${ok}`));
            expect(byScript.filter(Boolean).length, "the table has both verdicts").to.be.within(1, pairs.length - 1);
        });

        it("refuses data outside the prefixes the pipeline role reads, in the stack's bucket", () => {
            const readable = `s3://${stack.bucket}/datasets/`;
            expect(problemsOf(() => start({ "--input-data": "s3://someone-else/data/" }))).to.deep.equal([
                `--input-data s3://someone-else/data/: PrepareDataset would read s3://someone-else/data/, which the stack's pipeline role cannot read; expected a URI under ${readable}.`,
            ]);
            expect(problemsOf(() => start({ "--input-data": `s3://${stack.bucket}/models/` }))[0]).to.include("cannot read; expected a URI under");
            const manifest = `s3://${stack.bucket}/labeling/job-1/manifests/output/`;
            expect(problemsOf(() => start({ "--input-data": manifest }))[0]).to.include("(labeling/ only when the stack has labeling on)");
            const labeling = stackInputLocations({ bucket: { name: stack.bucket }, labeling: { enabled: true } });
            expect(start({ "--input-data": manifest }, [], labeling).parameters).to.deep.equal([{ Name: PARAMETERS.inputData, Value: manifest }]);
        });

        it("refuses a prefix without its trailing slash, naming the fixed value, and a marker in the pipeline's own output", () => {
            const prefix = `s3://${stack.bucket}/datasets/drone-detection`;
            expect(problemsOf(() => start({ "--input-data": prefix }))).to.deep.equal([
                `--input-data ${prefix}: ${prefix} is not a folder; as an S3 prefix it would also take every key that starts with it (${prefix}-v2/ and the like). Expected a URI ending in "/" (--input-data ${prefix}/) or naming a _READY marker.`,
            ]);
            expect(start({ "--input-data": `${prefix}/` }).parameters).to.have.length(1);
            // What the dataset trigger sends: the bucket, and the marker's key.
            const trigger = (key: string) => start({ "--input-data": `s3://${stack.bucket}/`, "--input-key": key });
            expect(trigger("datasets/flight-7/_READY").parameters).to.have.length(2);
            expect(problemsOf(() => trigger("datasets/prepared/exec-1/_READY"))[0]).to.include("which holds or is the pipeline's own output (datasets/prepared/)");
            expect(problemsOf(() => trigger("datasets/_READY"))[0]).to.include("which holds or is the pipeline's own output");
            expect(problemsOf(() => trigger("datasets/flight-7"))[0]).to.include(`is not a folder`).and.include(`(s3://${stack.bucket}/datasets/flight-7/)`);
        });

        it("names exactly the prefixes the pipeline role's document lets it read (labeling/ only with labeling)", () => {
            const base: Scope = { accountId: "123456789012", region: "us-east-1", bucket: "drone-data", names: resourceNames("drone", "dev"), features: { modelRegistry: true, experimentTracking: true } };
            const labeling: Scope = { ...base, features: { ...base.features, labeling: { workteamArn: "arn:aws:sagemaker:us-east-1:123456789012:workteam/private-crowd/team" } } };
            for (const [scope, enabled] of [[base, false], [labeling, true]] as const) {
                const document = pipelineExecutionPolicy(scope, "arn:aws:kms:us-east-1:123456789012:key/k", roleArn(scope.accountId, scope.names.roles.pipeline), []);
                const readable = document.Statement.filter((s) => s.Effect === "Allow" && [s.Action].flat().includes("s3:GetObject")).flatMap((s) => [s.Resource ?? []].flat());
                const { prefixes } = stackInputLocations({ bucket: { name: "drone-data" }, labeling: { enabled } });
                expect(prefixes).to.deep.equal(enabled ? ["datasets/", "labeling/"] : ["datasets/"]);
                for (const prefix of prefixes) {
                    expect(readable, `${prefix} (labeling ${enabled})`).to.include(`arn:aws:s3:::drone-data/${prefix}*`);
                }
                expect(readable.includes("arn:aws:s3:::drone-data/labeling/*"), "labeling/ readable").to.equal(enabled);
            }
        });
    });

    it("reports every refused value at once", () => {
        const problems = problemsOf(() => validate({ "--epochs": "0", "--batch-size": "0", "--model-variant": "big" }, ["Nope=1"]));
        expect(problems.map((p) => p.split(":")[0])).to.deep.equal(["--epochs", "--batch-size", "--model-variant", "--param Nope"]);
    });

    it("refuses a parameter given twice, by its flag and by --param", () => {
        const [problem] = problemsOf(() => flags({ "--epochs": "10" }, [`${PARAMETERS.epochs}=20`]));
        expect(problem).to.equal(`--param ${PARAMETERS.epochs}: pipeline parameter ${PARAMETERS.epochs} is already set by --epochs; give it once.`);
    });

    it("stores each flag's value under the key commander gives it (--min-map50-95 is minMap5095)", () => {
        for (const { flag } of PARAMETER_FLAGS) {
            expect(optionKey(flag), flag).to.equal(new Option(`${flag} <value>`).attributeName());
        }
        expect(optionKey("--min-map50-95")).to.equal("minMap5095");
    });

    it("holds the quality gate's minimums to numbers from 0 to 1, by flag and by --param", () => {
        const gate = QUALITY_METRICS.map((metric) => metric.parameter);
        expect(definition.Parameters.filter((p) => gate.includes(p.Name as (typeof gate)[number])).map((p) => p.Type)).to.deep.equal(["Float", "Float", "Float", "Float"]);
        const problems = problemsOf(() => validate({ "--min-map50-95": "1.5", "--min-map50": "-0.1", "--min-precision": "high" }, ["MinRecall=2"]));
        expect(problems).to.deep.equal([
            '--min-map50-95: "1.5" is not allowed for pipeline parameter MinMAP50_95; expected a number from 0 to 1 (the quality gate\'s minimum mAP50-95).',
            '--min-map50: "-0.1" is not allowed for pipeline parameter MinMAP50; expected a number from 0 to 1 (the quality gate\'s minimum mAP50).',
            '--min-precision: "high" is not allowed for pipeline parameter MinPrecision; expected a number.',
            '--param MinRecall: "2" is not allowed for pipeline parameter MinRecall; expected a number from 0 to 1 (the quality gate\'s minimum recall).',
        ]);
        const { parameters } = validate({ "--min-map50-95": "0", "--min-recall": "1", "--min-precision": " 0.55 " });
        expect(parameters).to.deep.equal([
            { Name: "MinMAP50_95", Value: "0" },
            { Name: "MinPrecision", Value: "0.55" },
            { Name: "MinRecall", Value: "1" },
        ]);
    });

    it("holds --model-approval-status to the definition's EnumValues, and to the registry's start statuses when it has none", () => {
        const [problem] = problemsOf(() => validate({ "--model-approval-status": "Rejected" }));
        expect(problem).to.equal(
            `--model-approval-status: "Rejected" is not allowed for pipeline parameter ${PARAMETERS.modelApprovalStatus}; expected one of ${MODEL_APPROVAL_STATUSES.join(", ")} (EnumValues of the pipeline definition).`,
        );
        const narrowed = copy(definition);
        narrowed.Parameters.find((p) => p.Name === PARAMETERS.modelApprovalStatus)!.EnumValues = ["PendingManualApproval"];
        expect(problemsOf(() => validate({ "--model-approval-status": "Approved" }, [], narrowed))[0]).to.include("expected one of PendingManualApproval (EnumValues");
        const open = copy(definition);
        delete open.Parameters.find((p) => p.Name === PARAMETERS.modelApprovalStatus)!.EnumValues;
        expect(problemsOf(() => validate({}, [`${PARAMETERS.modelApprovalStatus}=approved`], open))[0]).to.include(
            `expected one of ${MODEL_APPROVAL_STATUSES.join(", ")} (statuses a registered model version may start in)`,
        );
        expect(validate({ "--model-approval-status": "Approved" }).parameters).to.deep.equal([{ Name: PARAMETERS.modelApprovalStatus, Value: "Approved" }]);
    });

    it("refuses a --param without '='", () => {
        const [problem] = problemsOf(() => flags({}, ["Epochs"]));
        expect(problem).to.include('--param "Epochs": expected Name=Value');
    });

    describe("worst-case run cost", () => {
        const ceiling = DEFAULT_LIMITS.maxRunCostUsd;
        const evaluationDefault = () => definition.Parameters.find((p) => p.Name === PARAMETERS.evaluationInstanceType)!.DefaultValue as string;
        // Job steps only: the quality gate's Condition steps have no StoppingCondition.
        const runtimes = (d: DeployedDefinition) =>
            Object.fromEntries(
                allSteps(d.Steps).filter((s) => s.Type === "Training" || s.Type === "Processing").map((s) => [
                    s.Name,
                    (s.Arguments as { StoppingCondition: { MaxRuntimeInSeconds: number } }).StoppingCondition.MaxRuntimeInSeconds,
                ]),
            );

        it("refuses a run above maxRunCostUsd, naming the flags and each step's price x count x MaxRuntime", () => {
            const [type, count] = ["ml.g5.12xlarge", DEFAULT_LIMITS.maxInstanceCount];
            const max = runtimes(definition);
            const training = worstCaseJobCostUsd(type, count, max[STEPS.train])!;
            const prepareType = (allSteps(definition.Steps).find((s) => s.Name === STEPS.prepare)!.Arguments as { ProcessingResources: { ClusterConfig: { InstanceType: string } } }).ProcessingResources.ClusterConfig.InstanceType;
            const typeOf = (name: string) =>
                (allSteps(definition.Steps).find((s) => s.Name === name)!.Arguments as { ProcessingResources: { ClusterConfig: { InstanceType: string } } }).ProcessingResources.ClusterConfig.InstanceType;
            // The baseline steps of a model that passes the gate run on a fixed CPU type.
            const baselines = [STEPS.baseline, STEPS.baselineStatistics].reduce((sum, name) => sum + worstCaseJobCostUsd(typeOf(name), 1, max[name])!, 0);
            const total = worstCaseJobCostUsd(prepareType, 1, max[STEPS.prepare])! + training + worstCaseJobCostUsd(evaluationDefault(), 1, max[STEPS.evaluate])! + baselines;
            expect(total, "the case must exceed the ceiling").to.be.greaterThan(ceiling);

            const [problem] = problemsOf(() => validate({ "--instance-type": type, "--instance-count": String(count) }));
            expect(problem).to.include(`--instance-type ${type}, --instance-count ${count}:`);
            expect(problem).to.include(`$${total.toFixed(2)}`).and.include(`${STEPS.train} ${count} x ${type} x ${max[STEPS.train]} s = $${training.toFixed(2)}`);
            expect(problem).to.include(`ceiling of $${ceiling.toFixed(2)}`);
        });

        it("accepts the costliest allowed run that stays under the ceiling and reports its cost", () => {
            const { cost } = validate({ "--instance-type": "ml.g4dn.12xlarge", "--instance-count": String(DEFAULT_LIMITS.maxInstanceCount) });
            expect(cost.totalUsd).to.be.greaterThan(ceiling / 2).and.at.most(ceiling);
            expect(cost.jobs.map((job) => job.step)).to.deep.equal([STEPS.prepare, STEPS.train, STEPS.evaluate, STEPS.baseline, STEPS.baselineStatistics]);
        });

        it("uses the deployed definition's MaxRuntimeInSeconds, not the local defaults", () => {
            const longer = copy(definition);
            const training = allSteps(longer.Steps).find((s) => s.Name === STEPS.train)!.Arguments as { StoppingCondition: { MaxRuntimeInSeconds: number } };
            training.StoppingCondition.MaxRuntimeInSeconds = DEFAULT_LIMITS.maxTrainingRuntimeSeconds;
            const problems = problemsOf(() =>
                validate({ "--instance-type": "ml.g4dn.12xlarge", "--instance-count": String(DEFAULT_LIMITS.maxInstanceCount) }, [], longer),
            );
            expect(problems[0]).to.include(`x ${DEFAULT_LIMITS.maxTrainingRuntimeSeconds} s`);
        });

        it("refuses a run whose cost cannot be bounded (a job without MaxRuntimeInSeconds)", () => {
            const unbounded = copy(definition);
            delete (allSteps(unbounded.Steps).find((s) => s.Name === STEPS.evaluate)!.Arguments as { StoppingCondition?: unknown }).StoppingCondition;
            const [problem] = problemsOf(() => validate({ "--epochs": "10" }, [], unbounded));
            expect(problem).to.include("the pipeline's default parameters: the worst-case run cost cannot be bounded").and.include(STEPS.evaluate);
        });
    });
});

describe("cli start request", () => {
    const token = "0f8fad5b-d9cb-469f-a165-70867728950e";

    it("is exactly what StartPipelineExecution receives, without absent optional fields", () => {
        const parameters = [{ Name: PARAMETERS.epochs, Value: "5" }];
        expect(buildStartRequest({ pipelineName: "p", parameters, clientRequestToken: token })).to.deep.equal({
            PipelineName: "p",
            PipelineParameters: parameters,
            ClientRequestToken: token,
        });
        expect(buildStartRequest({ pipelineName: "p", parameters: [], clientRequestToken: token, displayName: "run-7", description: "seed sweep" })).to.deep.equal({
            PipelineName: "p",
            PipelineExecutionDisplayName: "run-7",
            PipelineExecutionDescription: "seed sweep",
            PipelineParameters: [],
            ClientRequestToken: token,
        });
    });

    it("refuses a client request token, display name or description SageMaker would reject", () => {
        const problems = problemsOf(() => checkExecutionOptions({ clientRequestToken: "short", displayName: "my run!", description: "x".repeat(3073) }));
        expect(problems.map((p) => p.split(":")[0])).to.deep.equal(["--client-request-token", "--display-name", "--description"]);
        expect(problems[0]).to.include("32-128 characters");
    });
});

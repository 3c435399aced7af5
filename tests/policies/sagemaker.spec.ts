// Encryption inside SageMaker pipeline definitions, and the definition being checkable at all.
import { expect } from "chai";
import {
    assertHasViolation,
    assertNoViolations,
    definition,
    Json,
    KEY_ARN,
    parameters,
    pipeline,
    policyNamed,
    processingStep,
    resourceValidationArgs,
    runPolicyDirectly,
    trainingStep,
    UNKNOWN_INPUT,
    variant,
    violationsOf,
} from "./helpers";

const ENCRYPTION_POLICIES = ["sagemaker-pipeline-definition-checkable", "sagemaker-pipeline-output-kms", "sagemaker-pipeline-volume-kms", "sagemaker-pipeline-inter-container-encryption"];

/** A Condition step wrapping branches, as the SDK writes it. */
function condition(name: string, ifSteps: Json[], elseSteps: Json[] = []): Json {
    return {
        Name: name,
        Type: "Condition",
        Arguments: {
            Conditions: [{ Type: "GreaterThanOrEqualTo", LeftValue: { "Std:JsonGet": { PropertyFile: { Get: "Steps.Evaluate.PropertyFiles.EvaluationReport" }, Path: "map50" } }, RightValue: 0.5 }],
            IfSteps: ifSteps,
            ElseSteps: elseSteps,
        },
    };
}

/** EBS-only (CPU) processing: the volume key is required. */
function cpuProcessing(name = "Prepare"): Json {
    return variant(processingStep(name), (step) => {
        step.Arguments.ProcessingResources.ClusterConfig.InstanceType = "ml.m5.xlarge";
        step.Arguments.ProcessingResources.ClusterConfig.VolumeKmsKeyId = KEY_ARN;
    });
}

describe("sagemaker-pipeline-definition-checkable", () => {
    const policy = "sagemaker-pipeline-definition-checkable";

    it("accepts an inline JSON definition with Training, Processing and Condition steps", async () => {
        const def = definition([trainingStep(), processingStep(), condition("Good", [{ Name: "Register", Type: "RegisterModel", Arguments: {} }], [{ Name: "Stop", Type: "Fail", Arguments: { ErrorMessage: "bad" } }])]);
        assertNoViolations(await violationsOf([pipeline(def)]), policy);
    });

    it("reports a definition kept in S3, invalid JSON, or a step without Arguments", async () => {
        const violations = await violationsOf([
            pipeline(definition(), "in-s3", { pipelineDefinition: undefined, pipelineDefinitionS3Location: { bucket: "b", objectKey: "def.json" } }),
            pipeline("{ not json", "broken"),
            pipeline(definition([{ Name: "Train", Type: "Training" }]), "no-args"),
        ]);
        assertHasViolation(violations, policy, "keeps its definition in S3 (pipelineDefinitionS3Location)", "in-s3");
        assertHasViolation(violations, policy, "pipelineDefinition is not valid JSON", "broken");
        assertHasViolation(violations, policy, "Training step Train has no Arguments object", "no-args");
        // The other pipeline rules do not pile on a definition they cannot read.
        assertNoViolations(violations.filter((v) => v.resource === "broken"), "sagemaker-pipeline-output-kms", "sagemaker-pipeline-run-cost");
    });
});

describe("sagemaker-pipeline-output-kms", () => {
    const policy = "sagemaker-pipeline-output-kms";

    it("accepts steps that set their output keys", async () => {
        assertNoViolations(await violationsOf([pipeline()]), policy);
    });

    it("reports a Training step without OutputDataConfig.KmsKeyId and a Processing step without ProcessingOutputConfig.KmsKeyId", async () => {
        const def = definition([
            variant(trainingStep(), (s) => delete s.Arguments.OutputDataConfig.KmsKeyId),
            variant(processingStep(), (s) => delete s.Arguments.ProcessingOutputConfig.KmsKeyId),
        ]);
        const violations = await violationsOf([pipeline(def, "p")]);
        assertHasViolation(violations, policy, 'Training step "Train" must set OutputDataConfig.KmsKeyId', "p");
        assertHasViolation(violations, policy, 'Processing step "Evaluate" must set ProcessingOutputConfig.KmsKeyId', "p");
    });

    it("reports an output key given by a parameter whose DefaultValue is empty", async () => {
        const def = definition(
            [variant(trainingStep(), (s) => (s.Arguments.OutputDataConfig.KmsKeyId = { Get: "Parameters.OutputKey" })), processingStep()],
            [...parameters(), { Name: "OutputKey", Type: "String", DefaultValue: "" }],
        );
        assertHasViolation(await violationsOf([pipeline(def, "p")]), policy, ['Training step "Train" must set OutputDataConfig.KmsKeyId', 'parameter OutputKey, whose DefaultValue is ""'], "p");
    });
});

describe("sagemaker-pipeline-volume-kms", () => {
    const policy = "sagemaker-pipeline-volume-kms";

    it("accepts NVMe types without a volume key and EBS types with one", async () => {
        assertNoViolations(await violationsOf([pipeline(definition([trainingStep(), processingStep(), cpuProcessing()]))]), policy);
    });

    it("reports a volume key on NVMe types (SageMaker rejects it at run time)", async () => {
        const def = definition([variant(trainingStep(), (s) => (s.Arguments.ResourceConfig.VolumeKmsKeyId = KEY_ARN))]);
        assertHasViolation(await violationsOf([pipeline(def, "p")]), policy, ["sets ResourceConfig.VolumeKmsKeyId but runs on NVMe instance-storage types", "ml.g4dn.xlarge", "remove"], "p");
    });

    it("reports an EBS type without a volume key", async () => {
        const def = definition([variant(cpuProcessing(), (s) => delete s.Arguments.ProcessingResources.ClusterConfig.VolumeKmsKeyId)]);
        assertHasViolation(await violationsOf([pipeline(def, "p")]), policy, ['Processing step "Prepare" runs on EBS-backed types (ml.m5.xlarge) without ProcessingResources.ClusterConfig.VolumeKmsKeyId'], "p");
    });

    it("reports a parameter whose EnumValues mix NVMe and EBS types", async () => {
        const params = variant(parameters(), (p) => p[1].EnumValues.push("ml.p3.2xlarge"));
        const violations = await violationsOf([pipeline(definition(undefined, params), "p")]);
        assertHasViolation(violations, policy, ["can run on NVMe-storage types (ml.g4dn.xlarge, ml.g4dn.2xlarge and ml.g5.xlarge) and EBS types (ml.p3.2xlarge)"], "p");
    });

    it("counts a volume key parameter by its DefaultValue and EnumValues: an empty one is no key", async () => {
        const keyedBy = (parameter: Json) =>
            definition(
                [variant(cpuProcessing(), (s) => (s.Arguments.ProcessingResources.ClusterConfig.VolumeKmsKeyId = { Get: "Parameters.VolumeKey" }))],
                [...parameters(), { Name: "VolumeKey", Type: "String", ...parameter }],
            );
        const violations = await violationsOf([
            pipeline(keyedBy({ DefaultValue: "" }), "empty-default"),
            pipeline(keyedBy({}), "no-default"),
            pipeline(keyedBy({ DefaultValue: KEY_ARN, EnumValues: [KEY_ARN, ""] }), "empty-option"),
            pipeline(keyedBy({ DefaultValue: KEY_ARN }), "keyed"),
        ]);
        const without = 'Processing step "Prepare" runs on EBS-backed types (ml.m5.xlarge) without ProcessingResources.ClusterConfig.VolumeKmsKeyId (it is the parameter VolumeKey';
        assertHasViolation(violations, policy, [without, 'whose DefaultValue is ""'], "empty-default");
        assertHasViolation(violations, policy, [without, "which has no DefaultValue"], "no-default");
        assertHasViolation(violations, policy, [without, "EnumValues offer an empty value"], "empty-option");
        assertNoViolations(violations.filter((v) => v.resource === "keyed"), policy);
    });

    it("accepts an NVMe job whose volume key parameter defaults to empty", async () => {
        const def = definition(
            [variant(trainingStep(), (s) => (s.Arguments.ResourceConfig.VolumeKmsKeyId = { Get: "Parameters.VolumeKey" }))],
            [...parameters(), { Name: "VolumeKey", Type: "String", DefaultValue: "" }],
        );
        assertNoViolations(await violationsOf([pipeline(def)]), policy);
    });

    it("honours instanceStorage overrides for types the catalog does not know", async () => {
        const def = definition([variant(trainingStep(), (s) => (s.Arguments.ResourceConfig.InstanceType = "ml.g6.xlarge"))]);
        assertHasViolation(await violationsOf([pipeline(def, "p")]), policy, "whose instance storage is unknown", "p");
        assertNoViolations(await violationsOf([pipeline(def)], { [policy]: { instanceStorage: { "ml.g6.xlarge": "nvme" } } }), policy);
    });
});

describe("sagemaker-pipeline-inter-container-encryption", () => {
    const policy = "sagemaker-pipeline-inter-container-encryption";

    it("accepts single-instance steps without it and multi-instance steps with it", async () => {
        const single = variant(processingStep(), (s) => delete s.Arguments.NetworkConfig);
        assertNoViolations(await violationsOf([pipeline(definition([trainingStep(), single]))]), policy);
    });

    it("reports a step whose instance count is a parameter or above 1 without traffic encryption", async () => {
        const def = definition([
            variant(trainingStep(), (s) => delete s.Arguments.EnableInterContainerTrafficEncryption),
            variant(processingStep(), (s) => {
                s.Arguments.ProcessingResources.ClusterConfig.InstanceCount = 2;
                s.Arguments.NetworkConfig.EnableInterContainerTrafficEncryption = false;
            }),
        ]);
        const violations = await violationsOf([pipeline(def, "p")]);
        assertHasViolation(violations, policy, 'Training step "Train" can run on several instances; set EnableInterContainerTrafficEncryption: true', "p");
        assertHasViolation(violations, policy, "set NetworkConfig.EnableInterContainerTrafficEncryption: true", "p");
    });
});

describe("pipeline definitions: table of violating variants", () => {
    const nested = (step: Json) => definition([trainingStep(), processingStep(), condition("CheckMap", [step])]);
    const cases: { name: string; def: Json; policy: string; fragment: string }[] = [
        {
            name: "training output key missing in an if branch",
            def: nested(variant(trainingStep("Retrain"), (s) => delete s.Arguments.OutputDataConfig.KmsKeyId)),
            policy: "sagemaker-pipeline-output-kms",
            fragment: 'Training step "Retrain" (in the if branch of Condition step "CheckMap") must set OutputDataConfig.KmsKeyId',
        },
        {
            name: "processing output key missing in an else branch",
            def: definition([trainingStep(), condition("Gate", [], [variant(processingStep("Report"), (s) => (s.Arguments.ProcessingOutputConfig.KmsKeyId = ""))])]),
            policy: "sagemaker-pipeline-output-kms",
            fragment: 'Processing step "Report" (in the else branch of Condition step "Gate")',
        },
        {
            name: "conditions nested in conditions",
            def: definition([condition("Outer", [condition("Inner", [variant(trainingStep("Deep"), (s) => delete s.Arguments.OutputDataConfig.KmsKeyId)])])]),
            policy: "sagemaker-pipeline-output-kms",
            fragment: '"Deep" (in the if branch of Condition step "Inner")',
        },
        {
            name: "volume key on NVMe evaluation",
            def: nested(variant(processingStep("Reevaluate"), (s) => (s.Arguments.ProcessingResources.ClusterConfig.VolumeKmsKeyId = KEY_ARN))),
            policy: "sagemaker-pipeline-volume-kms",
            fragment: "sets ProcessingResources.ClusterConfig.VolumeKmsKeyId but runs on NVMe",
        },
        {
            name: "EBS literal training type without volume key",
            def: definition([variant(trainingStep(), (s) => (s.Arguments.ResourceConfig.InstanceType = "ml.p3.2xlarge"))]),
            policy: "sagemaker-pipeline-volume-kms",
            fragment: "runs on EBS-backed types (ml.p3.2xlarge) without ResourceConfig.VolumeKmsKeyId",
        },
        {
            name: "instance type from an expression",
            def: definition([variant(trainingStep(), (s) => (s.Arguments.ResourceConfig.InstanceType = { "Std:Join": { On: "", Values: ["ml.", "g5.xlarge"] } }))]),
            policy: "sagemaker-pipeline-volume-kms",
            fragment: "whose value is only known at run time",
        },
        {
            name: "instance type from an undefined parameter",
            def: definition([variant(trainingStep(), (s) => (s.Arguments.ResourceConfig.InstanceType = { Get: "Parameters.Nope" }))]),
            policy: "sagemaker-pipeline-volume-kms",
            fragment: "refers to the undefined parameter Nope",
        },
        {
            name: "heterogeneous cluster without traffic encryption",
            def: definition([
                variant(trainingStep(), (s) => {
                    s.Arguments.ResourceConfig = {
                        InstanceGroups: [
                            { InstanceGroupName: "a", InstanceType: "ml.g5.xlarge", InstanceCount: 1 },
                            { InstanceGroupName: "b", InstanceType: "ml.g4dn.xlarge", InstanceCount: 1 },
                        ],
                        VolumeSizeInGB: 50,
                    };
                    delete s.Arguments.EnableInterContainerTrafficEncryption;
                }),
            ]),
            policy: "sagemaker-pipeline-inter-container-encryption",
            fragment: "can run on several instances",
        },
        {
            name: "multi-instance processing in a branch without traffic encryption",
            def: nested(variant(processingStep("Shard"), (s) => {
                s.Arguments.ProcessingResources.ClusterConfig.InstanceCount = 3;
                delete s.Arguments.NetworkConfig;
            })),
            policy: "sagemaker-pipeline-inter-container-encryption",
            fragment: 'Processing step "Shard"',
        },
    ];
    for (const testCase of cases) {
        it(`reports ${testCase.name} (${testCase.policy})`, async () => {
            assertHasViolation(await violationsOf([pipeline(testCase.def, "variant")]), testCase.policy, testCase.fragment, "variant");
        });
    }
});

describe("pipeline rules under preview unknowns (unknownCheckingProxy)", () => {
    it("still check a known definition when other pipeline inputs are unknown", async () => {
        const def = definition([variant(trainingStep(), (s) => delete s.Arguments.OutputDataConfig.KmsKeyId)]);
        const args = resourceValidationArgs("aws:sagemaker/pipeline:Pipeline", { pipelineName: "p", roleArn: UNKNOWN_INPUT, tags: UNKNOWN_INPUT, pipelineDefinition: JSON.stringify(def) });
        const result = await runPolicyDirectly(policyNamed("sagemaker-pipeline-output-kms"), args);
        expect(result.thrown).to.equal(undefined);
        expect(result.messages.join("\n")).to.contain("must set OutputDataConfig.KmsKeyId");
    });

    it("are skipped as not runnable, never crash, when the definition itself is unknown", async () => {
        const args = resourceValidationArgs("aws:sagemaker/pipeline:Pipeline", { pipelineName: "p", pipelineDefinition: UNKNOWN_INPUT });
        for (const name of [...ENCRYPTION_POLICIES, "sagemaker-pipeline-run-cost"]) {
            const result = await runPolicyDirectly(policyNamed(name), args);
            expect(result.messages, name).to.deep.equal([]);
            expect(result.thrown, name).to.be.an("error").with.property("message").that.contains("can't be known during preview");
        }
    });
});

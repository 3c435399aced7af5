// Cost rules: allow-lists, counts, runtime ceilings, spot/checkpoints, run-cost ceiling, a budget.
import { expect } from "chai";
import { DEFAULT_LIMITS, INSTANCE_TYPES } from "../../policies/catalog";
import { OfflineResource } from "../../policies/offline";
import {
    assertHasViolation,
    assertNoViolations,
    COST_TAGS,
    definition,
    Json,
    parameters,
    pipeline,
    processingStep,
    resource,
    run,
    trainingStep,
    UNKNOWN_INPUT,
    variant,
    violationsOf,
} from "./helpers";

const withTrainingArgs = (edit: (args: Json) => void) => definition([variant(trainingStep(), (s) => edit(s.Arguments)), processingStep()]);
const condition = (name: string, ifSteps: Json[], elseSteps: Json[] = []): Json => ({ Name: name, Type: "Condition", Arguments: { Conditions: [], IfSteps: ifSteps, ElseSteps: elseSteps } });

describe("sagemaker-pipeline-instance-types-allowed", () => {
    const policy = "sagemaker-pipeline-instance-types-allowed";

    it("accepts allowed literal types and parameters whose default and EnumValues are allowed", async () => {
        const literal = withTrainingArgs((a) => (a.ResourceConfig.InstanceType = "ml.g5.2xlarge"));
        assertNoViolations(await violationsOf([pipeline(), pipeline(literal)]), policy);
    });

    it("reports disallowed literals, defaults and EnumValues, inside Condition branches too", async () => {
        const params = variant(parameters(), (p) => {
            p[1].DefaultValue = "ml.p3.16xlarge";
            p[3].EnumValues.push("ml.p4d.24xlarge");
        });
        const branch = variant(trainingStep("Retrain"), (s) => (s.Arguments.ResourceConfig.InstanceType = "ml.p5.48xlarge"));
        const violations = await violationsOf([pipeline(definition([trainingStep(), processingStep(), condition("Gate", [], [branch])], params), "p")]);
        assertHasViolation(violations, policy, ['Training step "Train" can run on ml.p3.16xlarge (ResourceConfig.InstanceType (parameter TrainingInstanceType))', "not in trainingInstanceTypes"], "p");
        assertHasViolation(violations, policy, ['Processing step "Evaluate" can run on ml.p4d.24xlarge', "processingInstanceTypes"], "p");
        assertHasViolation(violations, policy, ['Training step "Retrain" (in the else branch of Condition step "Gate") can run on ml.p5.48xlarge'], "p");
    });

    it("reports an instance-type parameter without EnumValues, and a missing type", async () => {
        const params = variant(parameters(), (p) => delete p[1].EnumValues);
        const missing = variant(processingStep(), (s) => delete s.Arguments.ProcessingResources.ClusterConfig.InstanceType);
        const violations = await violationsOf([pipeline(definition([trainingStep(), missing], params), "p")]);
        assertHasViolation(violations, policy, "from parameter TrainingInstanceType, which has no EnumValues, so a run can start on any instance type", "p");
        assertHasViolation(violations, policy, "ProcessingResources.ClusterConfig.InstanceType is missing", "p");
    });

    it("uses configured allow-lists", async () => {
        const violations = await violationsOf([pipeline(undefined, "p")], { [policy]: { trainingInstanceTypes: ["ml.g4dn.xlarge"] } });
        assertHasViolation(violations, policy, "can run on ml.g4dn.2xlarge and ml.g5.xlarge", "p");
    });
});

describe("sagemaker-studio-instance-types-allowed", () => {
    const policy = "sagemaker-studio-instance-types-allowed";
    const spec = (instanceType: unknown) => ({ defaultResourceSpec: { instanceType } });

    it("accepts allowed defaults, the free `system` type and types unknown during preview", async () => {
        const violations = await violationsOf([
            resource("aws:sagemaker/domain:Domain", {
                defaultUserSettings: { jupyterLabAppSettings: spec("ml.t3.medium"), jupyterServerAppSettings: spec("system") },
                defaultSpaceSettings: { jupyterLabAppSettings: spec("ml.m5.large") },
                tags: COST_TAGS,
            }),
            resource("aws:sagemaker/userProfile:UserProfile", { userSettings: { jupyterLabAppSettings: spec(UNKNOWN_INPUT) }, tags: COST_TAGS }),
        ]);
        assertNoViolations(violations, policy);
    });

    it("reports disallowed defaults in domain, user profile, space and app settings", async () => {
        const violations = await violationsOf([
            resource("aws:sagemaker/domain:Domain", { defaultUserSettings: { kernelGatewayAppSettings: spec("ml.g5.12xlarge") }, defaultSpaceSettings: { jupyterLabAppSettings: spec("ml.p3.2xlarge") } }, "domain"),
            resource("aws:sagemaker/userProfile:UserProfile", { userSettings: { codeEditorAppSettings: spec("ml.m5.2xlarge") } }, "profile"),
            resource("aws:sagemaker/space:Space", { spaceSettings: { jupyterLabAppSettings: spec("ml.c5.2xlarge") } }, "space"),
            resource("aws:sagemaker/app:App", { appType: "JupyterLab", resourceSpec: { instanceType: "ml.g4dn.xlarge" } }, "app"),
        ]);
        assertHasViolation(violations, policy, 'defaultUserSettings.kernelGatewayAppSettings.defaultResourceSpec.instanceType is "ml.g5.12xlarge"', "domain");
        assertHasViolation(violations, policy, "defaultSpaceSettings.jupyterLabAppSettings", "domain");
        assertHasViolation(violations, policy, '"ml.m5.2xlarge", which is not in studioInstanceTypes', "profile");
        assertHasViolation(violations, policy, "spaceSettings.jupyterLabAppSettings", "space");
        assertHasViolation(violations, policy, 'resourceSpec.instanceType is "ml.g4dn.xlarge"', "app");
    });
});

describe("sagemaker-pipeline-instance-count", () => {
    const policy = "sagemaker-pipeline-instance-count";

    it(`accepts counts up to ${DEFAULT_LIMITS.maxInstanceCount}`, async () => {
        assertNoViolations(await violationsOf([pipeline(withTrainingArgs((a) => (a.ResourceConfig.InstanceCount = DEFAULT_LIMITS.maxInstanceCount)))]), policy);
    });

    it("reports a literal above the ceiling, a parameter default above it, and a parameter without default", async () => {
        const literal = withTrainingArgs((a) => (a.ResourceConfig.InstanceCount = 8));
        const params = variant(parameters(), (p) => (p[2].DefaultValue = 16));
        const noDefault = variant(parameters(), (p) => delete p[2].DefaultValue);
        const violations = await violationsOf([pipeline(literal, "literal"), pipeline(definition(undefined, params), "param"), pipeline(definition(undefined, noDefault), "no-default")]);
        assertHasViolation(violations, policy, "ResourceConfig.InstanceCount is 8, above maxInstanceCount 4", "literal");
        assertHasViolation(violations, policy, "ResourceConfig.InstanceCount (parameter TrainingInstanceCount) is 16", "param");
        assertHasViolation(violations, policy, "parameter TrainingInstanceCount, which has no DefaultValue", "no-default");
    });

    it("uses the configured ceiling", async () => {
        assertHasViolation(await violationsOf([pipeline(withTrainingArgs((a) => (a.ResourceConfig.InstanceCount = 2)), "p")], { [policy]: { maxInstanceCount: 1 } }), policy, "above maxInstanceCount 1", "p");
    });
});

describe("sagemaker-pipeline-max-runtime", () => {
    const policy = "sagemaker-pipeline-max-runtime";

    it("accepts runtimes and spot waits within the ceilings", async () => {
        assertNoViolations(await violationsOf([pipeline()]), policy);
    });

    it("reports training and processing runtimes above their ceilings, a long spot wait and a missing runtime", async () => {
        const def = definition([
            variant(trainingStep(), (s) => (s.Arguments.StoppingCondition = { MaxRuntimeInSeconds: 200_000, MaxWaitTimeInSeconds: 400_000 })),
            variant(processingStep(), (s) => (s.Arguments.StoppingCondition.MaxRuntimeInSeconds = 20_000)),
            variant(processingStep("Unbounded"), (s) => delete s.Arguments.StoppingCondition),
        ]);
        const violations = await violationsOf([pipeline(def, "p")]);
        assertHasViolation(violations, policy, ['Training step "Train" StoppingCondition.MaxRuntimeInSeconds is 200000 seconds, above maxTrainingRuntimeSeconds 86400'], "p");
        assertHasViolation(violations, policy, "StoppingCondition.MaxWaitTimeInSeconds is 400000 seconds, above maxSpotWaitSeconds 172800", "p");
        assertHasViolation(violations, policy, 'Processing step "Evaluate" StoppingCondition.MaxRuntimeInSeconds is 20000 seconds, above maxProcessingRuntimeSeconds 14400', "p");
        assertHasViolation(violations, policy, 'Processing step "Unbounded" sets no StoppingCondition.MaxRuntimeInSeconds', "p");
    });

    it("resolves a runtime parameter's default", async () => {
        const params = [...parameters(), { Name: "MaxRuntime", Type: "Integer", DefaultValue: 100_000 }];
        const def = definition([variant(trainingStep(), (s) => (s.Arguments.StoppingCondition.MaxRuntimeInSeconds = { Get: "Parameters.MaxRuntime" })), processingStep()], params);
        assertHasViolation(await violationsOf([pipeline(def, "p")]), policy, "(parameter MaxRuntime) is 100000 seconds", "p");
    });
});

describe("sagemaker-pipeline-spot-checkpoints (advisory)", () => {
    const policy = "sagemaker-pipeline-spot-checkpoints";

    it("accepts managed spot with a wait time and checkpoints", async () => {
        assertNoViolations(await violationsOf([pipeline()]), policy);
    });

    it("advises spot for on-demand training and checkpoints for spot training", async () => {
        const onDemand = withTrainingArgs((a) => (a.EnableManagedSpotTraining = false));
        const noCheckpoints = withTrainingArgs((a) => delete a.CheckpointConfig);
        const noWait = withTrainingArgs((a) => delete a.StoppingCondition.MaxWaitTimeInSeconds);
        const violations = await violationsOf([pipeline(onDemand, "on-demand"), pipeline(noCheckpoints, "no-checkpoints"), pipeline(noWait, "no-wait")]);
        const advice = assertHasViolation(violations, policy, "trains on on-demand capacity; set EnableManagedSpotTraining: true", "on-demand");
        expect(advice.enforcementLevel).to.equal("advisory");
        assertHasViolation(violations, policy, "without CheckpointConfig.S3Uri, so an interruption restarts training from scratch", "no-checkpoints");
        assertHasViolation(violations, policy, "without StoppingCondition.MaxWaitTimeInSeconds", "no-wait");
    });

    it("can be made mandatory or switched off per knob", async () => {
        const onDemand = pipeline(withTrainingArgs((a) => (a.EnableManagedSpotTraining = false)), "p");
        assertHasViolation(await violationsOf([onDemand], { [policy]: "mandatory" }), policy, "on-demand");
        assertNoViolations(await violationsOf([onDemand], { [policy]: { requireSpot: false } }), policy);
    });
});

describe("sagemaker-pipeline-run-cost", () => {
    const policy = "sagemaker-pipeline-run-cost";
    const price = (type: string) => INSTANCE_TYPES[type].pricePerHour;

    it("accepts a run within the ceiling (defaults: g4dn.xlarge training 4 h + evaluation 1 h)", async () => {
        assertNoViolations(await violationsOf([pipeline()]), policy);
    });

    it("reports a run above the ceiling with the cost breakdown", async () => {
        const def = withTrainingArgs((a) => {
            a.ResourceConfig.InstanceType = "ml.g5.12xlarge";
            a.ResourceConfig.InstanceCount = 4;
            a.StoppingCondition.MaxRuntimeInSeconds = 86_400;
        });
        const expected = price("ml.g5.12xlarge") * 4 * 24 + price("ml.g4dn.xlarge") * 1;
        const violations = await violationsOf([pipeline(def, "p")], { "sagemaker-pipeline-instance-types-allowed": "disabled" });
        assertHasViolation(violations, policy, [`a run can cost up to $${expected.toFixed(2)} on demand`, "Train: ml.g5.12xlarge x 4 x 24.00 h", "above maxRunCostUsd $100"], "p");
    });

    it("counts the dearer Condition branch, honours instancePrices and the worst-case basis", async () => {
        const dear = variant(trainingStep("Retrain"), (s) => {
            s.Arguments.ResourceConfig.InstanceType = "ml.g5.12xlarge";
            s.Arguments.StoppingCondition.MaxRuntimeInSeconds = 86_400;
        });
        const def = definition([trainingStep(), condition("Gate", [processingStep("Cheap")], [dear])]);
        assertHasViolation(await violationsOf([pipeline(def, "p")]), policy, "Retrain: ml.g5.12xlarge", "p");
        assertNoViolations(await violationsOf([pipeline(def)], { [policy]: { instancePrices: { "ml.g5.12xlarge": 1 } } }), policy);
        // Worst case: the dearest EnumValue (ml.g5.xlarge) instead of the default (ml.g4dn.xlarge).
        const worst = await violationsOf([pipeline(undefined, "p")], { [policy]: { basis: "worst-case", maxRunCostUsd: 5 } });
        assertHasViolation(worst, policy, "Train: ml.g5.xlarge x 1 x 4.00 h", "p");
    });

    it("reports a run it cannot estimate: an unpriced type or no runtime", async () => {
        const def = definition([variant(trainingStep(), (s) => (s.Arguments.ResourceConfig.InstanceType = "ml.trn1.2xlarge")), variant(processingStep(), (s) => delete s.Arguments.StoppingCondition)]);
        const violations = await violationsOf([pipeline(def, "p")]);
        assertHasViolation(violations, policy, "can run on ml.trn1.2xlarge, which has no price (add it to instancePrices)", "p");
        assertHasViolation(violations, policy, 'Processing step "Evaluate" has no statable StoppingCondition.MaxRuntimeInSeconds', "p");
    });

    it("says a missing runtime once per step and a missing count per instance group, in step order", async () => {
        const groups = variant(trainingStep(), (s) => {
            delete s.Arguments.StoppingCondition.MaxRuntimeInSeconds;
            s.Arguments.ResourceConfig.InstanceGroups = [
                { InstanceGroupName: "a", InstanceType: "ml.g5.xlarge", InstanceCount: 1 },
                { InstanceGroupName: "b", InstanceType: "ml.g5.xlarge" },
                { InstanceGroupName: "c", InstanceType: "ml.trn1.2xlarge", InstanceCount: 1 },
            ];
        });
        const violations = await violationsOf([pipeline(definition([groups, condition("Gate", [variant(processingStep(), (s) => delete s.Arguments.StoppingCondition)])]), "p")]);
        expect(violations.filter((v) => v.policy === policy).map((v) => v.message.replace("Pipeline p: the cost of a run cannot be estimated: ", ""))).to.deep.equal([
            'Training step "Train" has no statable StoppingCondition.MaxRuntimeInSeconds.',
            'Training step "Train" ResourceConfig.InstanceGroups[1] has no statable InstanceCount.',
            'Training step "Train" can run on ml.trn1.2xlarge, which has no price (add it to instancePrices).',
            'Processing step "Evaluate" (in the if branch of Condition step "Gate") has no statable StoppingCondition.MaxRuntimeInSeconds.',
        ]);
    });
});

describe("cost-budget-required", () => {
    const policy = "cost-budget-required";
    const PROJECT = COST_TAGS.project;
    const TOPIC = "arn:aws:sns:us-east-1:123456789012:drone-dev-alerts";
    const notification = (subscribers: Record<string, unknown> = { subscriberSnsTopicArns: [TOPIC] }, notificationType = "ACTUAL") => ({
        comparisonOperator: "GREATER_THAN",
        threshold: 80,
        thresholdType: "PERCENTAGE",
        notificationType,
        ...subscribers,
    });
    /** The budget as the stack writes it: the project and environment tags, actual and forecast notifications. */
    const budget = (props: Record<string, unknown> = {}, name = "monthly-budget") =>
        resource(
            "aws:budgets/budget:Budget",
            {
                name: "drone-dev-monthly",
                budgetType: "COST",
                limitAmount: "500.00",
                limitUnit: "USD",
                timeUnit: "MONTHLY",
                filterExpression: { ands: [{ tags: { key: "project", values: [PROJECT] } }, { tags: { key: "environment", values: ["dev"] } }] },
                notifications: [notification(), notification(undefined, "FORECASTED")],
                tags: COST_TAGS,
                ...props,
            },
            name,
        );
    const domain = (tags: unknown = COST_TAGS, name = "studio-domain") => resource("aws:sagemaker/domain:Domain", { domainName: "d", tags }, name);

    it("accepts a cost budget on the project tag that notifies a topic, e-mail or a topic known only after deployment", async () => {
        assertNoViolations(await violationsOf([pipeline(), domain(), budget()]), policy);
        assertNoViolations(await violationsOf([pipeline(), budget({ notifications: [notification({ subscriberEmailAddresses: ["ml-team@example.com"] })] })]), policy);
        assertNoViolations(await violationsOf([pipeline(), budget({ notifications: [notification({ subscriberSnsTopicArns: [UNKNOWN_INPUT] })] })]), policy);
        assertNoViolations(await violationsOf([pipeline(), budget({ filterExpression: { tags: { key: "user:project", values: [PROJECT] } } })]), policy);
    });

    it("accepts a legacy costFilters TagKeyValue filter", async () => {
        const legacy = budget({ filterExpression: undefined, costFilters: [{ name: "TagKeyValue", values: [`user:project$${PROJECT}`] }] });
        assertNoViolations(await violationsOf([pipeline(), legacy]), policy);
    });

    const cases: { name: string; budgets: OfflineResource[]; fragments: string[] }[] = [
        {
            name: "no budget at all",
            budgets: [],
            fragments: ["The stack runs SageMaker resources that bill by the hour (Pipeline p and Domain studio-domain) but no AWS Budgets cost budget watches them;", 'a filterExpression on the cost-allocation tag "project"'],
        },
        { name: "a budget of the whole account", budgets: [budget({ filterExpression: undefined })], fragments: ['(budget monthly-budget: it filters on no "project" tag, so it watches the whole account)'] },
        { name: "a budget on another tag", budgets: [budget({ filterExpression: { tags: { key: "environment", values: ["dev"] } } })], fragments: ['filters on no "project" tag'] },
        { name: "a usage budget", budgets: [budget({ budgetType: "USAGE" })], fragments: ['its budgetType is "USAGE", not "COST"'] },
        { name: "a budget nobody hears from", budgets: [budget({ notifications: [notification({})] })], fragments: ["no notification has a subscriber (SNS topic or e-mail)"] },
        { name: "a budget without notifications", budgets: [budget({ notifications: undefined })], fragments: ["no notification has a subscriber"] },
        {
            name: "a budget on another project",
            budgets: [budget({ filterExpression: { tags: { key: "project", values: ["someone-else"] } } })],
            fragments: [`p and studio-domain are tagged project: "${PROJECT}", which no cost budget filters on (monthly-budget: "someone-else")`],
        },
    ];
    for (const testCase of cases) {
        it(`reports ${testCase.name}`, async () => {
            const violations = await violationsOf([pipeline(undefined, "p"), domain(), ...testCase.budgets]);
            const found = assertHasViolation(violations, policy, testCase.fragments);
            expect(found.enforcementLevel).to.equal("mandatory");
        });
    }

    it("requires a budget for an MLflow tracking server too, and is not applicable without costly resources", async () => {
        const server = resource("aws:sagemaker/mlflowTrackingServer:MlflowTrackingServer", { trackingServerName: "t", artifactStoreUri: "s3://b/mlflow/", roleArn: "arn:aws:iam::123456789012:role/r", tags: COST_TAGS }, "tracking");
        assertHasViolation(await violationsOf([server]), policy, "MlflowTrackingServer tracking");
        const result = await run([budget({ filterExpression: undefined }), resource("aws:s3/bucket:Bucket", { bucket: "b", tags: COST_TAGS })]);
        assertNoViolations(result.violations, policy);
        expect(result.skipped.map((s) => s.policy)).to.not.include(policy);
    });

    it("requires a budget for a real-time endpoint and its monitoring schedule, which bill every hour they exist", async () => {
        const endpoint = resource("aws:sagemaker/endpoint:Endpoint", { name: "drone-dev-yolo11", endpointConfigName: "drone-dev-yolo11-v1-0a1b2c3d", tags: COST_TAGS }, "serving-endpoint");
        const schedule = resource("aws:sagemaker/monitoringSchedule:MonitoringSchedule", { name: "drone-dev-yolo11-data-quality", tags: COST_TAGS }, "serving-schedule");
        assertHasViolation(await violationsOf([endpoint, schedule]), policy, ["The stack runs SageMaker resources that bill by the hour (Endpoint serving-endpoint and MonitoringSchedule serving-schedule)"]);
        assertNoViolations(await violationsOf([endpoint, schedule, budget()]), policy);
        assertHasViolation(await violationsOf([endpoint, budget({ filterExpression: { tags: { key: "project", values: ["someone-else"] } } })]), policy, [`serving-endpoint is tagged project: "${PROJECT}"`]);
    });

    it("takes the tag key and the costly types from the config, and follows the cost policies' level", async () => {
        const centre = budget({ filterExpression: { tags: { key: "cost-center", values: [COST_TAGS["cost-center"]] } } });
        assertHasViolation(await violationsOf([pipeline(), centre]), policy, 'filters on no "project" tag');
        assertNoViolations(await violationsOf([pipeline(), centre], { [policy]: { tagKey: "cost-center" } }), policy);
        assertNoViolations(await violationsOf([pipeline()], { [policy]: { costlyResourceTypes: ["aws:sagemaker/endpoint:Endpoint"] } }), policy);
        const { LIMIT_POLICIES } = await import("../../policies/limits");
        const { policies } = await import("../../policies/policies");
        expect(policies.find((p) => p.name === policy)?.enforcementLevel).to.equal(LIMIT_POLICIES.runCost.enforcementLevel);
    });

    it("skips a budget whose filter is unknown during preview instead of reporting a missing budget", async () => {
        const pending = await run([pipeline(), budget({ filterExpression: UNKNOWN_INPUT })]);
        assertNoViolations(pending.violations, policy);
        expect(pending.skipped.map((s) => s.policy)).to.include(policy);
        const untagged = await run([pipeline(), domain(UNKNOWN_INPUT), budget()]);
        assertNoViolations(untagged.violations, policy);
        expect(untagged.skipped.map((s) => s.policy)).to.include(policy);
    });
});

import { expect } from "chai";
import { DRIFT_ALARM_FEATURES } from "../../components/deployment";
import { DEFAULT_LIMITS, INSTANCE_TYPES, PRICING_BASIS } from "../../policies/catalog";
import { AT_REST_PRICES, atRestCost, costReport, formatCostReport, pipelineCost, StackResource } from "../../tools/costReport";
import { offlineStack } from "./fixtures";

const price = (type: string) => INSTANCE_TYPES[type].pricePerHour;
const spot = (onDemand: number) => onDemand * (1 - PRICING_BASIS.typicalManagedSpotSavings);
const param = (name: string) => ({ Get: `Parameters.${name}` });

function training(name: string, instanceType: unknown, options: { count?: unknown; runtime?: number; spot?: unknown; maxWait?: number } = {}) {
    return {
        Name: name,
        Type: "Training",
        Arguments: {
            ResourceConfig: { InstanceType: instanceType, InstanceCount: options.count ?? 1, VolumeSizeInGB: 30 },
            StoppingCondition: { MaxRuntimeInSeconds: options.runtime ?? 3600, ...(options.maxWait ? { MaxWaitTimeInSeconds: options.maxWait } : {}) },
            ...(options.spot !== undefined ? { EnableManagedSpotTraining: options.spot } : {}),
        },
    };
}

function processing(name: string, instanceType: unknown, runtime = 1800) {
    return {
        Name: name,
        Type: "Processing",
        Arguments: {
            ProcessingResources: { ClusterConfig: { InstanceType: instanceType, InstanceCount: 1, VolumeSizeInGB: 30 } },
            StoppingCondition: { MaxRuntimeInSeconds: runtime },
        },
    };
}

const fail = (name: string) => ({ Name: name, Type: "Fail", Arguments: { ErrorMessage: "no" } });
const register = (name: string) => ({ Name: name, Type: "RegisterModel", Arguments: { ModelPackageGroupName: "g" } });
const condition = (name: string, ifSteps: unknown[], elseSteps: unknown[]) => ({
    Name: name,
    Type: "Condition",
    Arguments: { Conditions: [{ Type: "GreaterThanOrEqualTo", LeftValue: 1, RightValue: 0 }], IfSteps: ifSteps, ElseSteps: elseSteps },
});

describe("cost report: one pipeline run", () => {
    it("prices a training step on demand and, with managed spot on, at the typical spot saving, and says MaxWait is not billed time", () => {
        const definition = { Parameters: [], Steps: [training("Train", "ml.g5.xlarge", { count: 2, runtime: 7200, spot: true, maxWait: 10800 })] };
        const { defaultRun } = pipelineCost(definition);
        const onDemand = price("ml.g5.xlarge") * 2 * 2;
        expect(defaultRun.jobs).to.have.length(1);
        const [job] = defaultRun.jobs;
        expect(job).to.include({ step: "Train", type: "Training", instanceType: "ml.g5.xlarge", instanceCount: 2, maxRuntimeSeconds: 7200, managedSpot: true, maxWaitSeconds: 10800 });
        expect(job.pricePerHourUsd).to.equal(price("ml.g5.xlarge"));
        expect(job.onDemandUsd).to.be.closeTo(onDemand, 1e-9);
        expect(job.spotEstimateUsd).to.be.closeTo(spot(onDemand), 1e-9);
        expect(job.asConfiguredUsd).to.be.closeTo(spot(onDemand), 1e-9);
        expect(defaultRun.onDemandUsd).to.be.closeTo(onDemand, 1e-9);
        expect(defaultRun.asConfiguredUsd).to.be.closeTo(spot(onDemand), 1e-9);
        const text = formatCostReport(costReport({ resources: [], definition, stackRegion: "us-east-1" })).join("\n");
        expect(text).to.contain("with managed spot (this run uses it; MaxWait 3 h includes waiting for capacity, not billed)");
    });

    it("bills an on-demand training step at on-demand (the spot figure is shown as the alternative) and gives processing no spot figure", () => {
        const definition = { Parameters: [], Steps: [training("Train", "ml.g4dn.xlarge", { spot: false }), processing("Evaluate", "ml.g4dn.2xlarge", 1800)] };
        const { defaultRun } = pipelineCost(definition);
        const [train, evaluate] = defaultRun.jobs;
        expect(train.managedSpot).to.equal(false);
        expect(train.asConfiguredUsd).to.be.closeTo(price("ml.g4dn.xlarge"), 1e-9);
        expect(train.spotEstimateUsd).to.be.closeTo(spot(price("ml.g4dn.xlarge")), 1e-9);
        expect(train.maxWaitSeconds).to.equal(null);
        expect(evaluate).to.include({ type: "Processing", managedSpot: false, spotEstimateUsd: null });
        expect(evaluate.onDemandUsd).to.be.closeTo(price("ml.g4dn.2xlarge") / 2, 1e-9);
        expect(defaultRun.asConfiguredUsd).to.be.closeTo(defaultRun.onDemandUsd, 1e-9);
        const text = formatCostReport(costReport({ resources: [], definition, stackRegion: "us-east-1" })).join("\n");
        expect(text).to.contain("managed spot off").and.contain("processing: no spot");
    });

    it("counts job steps nested in Condition branches (the dearer branch, as the policy pack does) and names the branch", () => {
        const inner = condition("Inner", [processing("Deep", "ml.g5.2xlarge", 3600)], [fail("InnerFail")]);
        const definition = {
            Parameters: [],
            Steps: [training("Train", "ml.g4dn.xlarge"), condition("Gate", [inner], [processing("Cheap", "ml.g4dn.xlarge", 600)])],
        };
        const { defaultRun } = pipelineCost(definition);
        expect(defaultRun.jobs.map((job) => job.step)).to.deep.equal(["Train", "Deep"]);
        expect(defaultRun.jobs[1].branch).to.equal("Gate if > Inner if");
        expect(defaultRun.onDemandUsd).to.be.closeTo(price("ml.g4dn.xlarge") + price("ml.g5.2xlarge"), 1e-9);
    });

    it("gives Condition, Fail and RegisterModel steps no cost and lists them as free steps", () => {
        const definition = {
            Parameters: [],
            Steps: [training("Train", "ml.g4dn.xlarge"), condition("Check", [register("Register")], [fail("Failed")])],
        };
        const cost = pipelineCost(definition);
        expect(cost.defaultRun.jobs.map((job) => job.step)).to.deep.equal(["Train"]);
        expect(cost.defaultRun.onDemandUsd).to.be.closeTo(price("ml.g4dn.xlarge"), 1e-9);
        expect(cost.freeSteps).to.deep.equal([
            { name: "Check", type: "Condition" },
            { name: "Register", type: "RegisterModel" },
            { name: "Failed", type: "Fail" },
        ]);
    });

    it("lists steps whose compute is outside the definition (opaque and unknown kinds) as not estimated, not as free", () => {
        const opaque = (name: string, type: string) => ({ Name: name, Type: type, Arguments: {} });
        const definition = {
            Parameters: [],
            Steps: [
                training("Train", "ml.g4dn.xlarge"),
                opaque("Cluster", "EMR"),
                condition("Check", [opaque("Notify", "Lambda"), { Name: "Model", Type: "Model", Arguments: {} }], [opaque("Serve", "Endpoint"), opaque("Auto", "AutoML")]),
            ],
        };
        const report = costReport({ resources: [], definition, stackRegion: "us-east-1" });
        expect(report.run.freeSteps).to.deep.equal([
            { name: "Check", type: "Condition" },
            { name: "Model", type: "Model" },
        ]);
        expect(report.run.notEstimatedSteps).to.deep.equal([
            { name: "Cluster", type: "EMR" },
            { name: "Notify", type: "Lambda" },
            { name: "Serve", type: "Endpoint" },
            { name: "Auto", type: "AutoML" },
        ]);
        const text = formatCostReport(report).join("\n");
        expect(text).to.contain("$0: 1 Condition, 1 Model step(s) start no instances");
        expect(text).to.contain("not estimated: 1 EMR, 1 Lambda, 1 Endpoint, 1 AutoML step(s) (their compute is outside the definition");
        expect(text).to.not.match(/\$0: [^\n]*(EMR|Lambda|Endpoint|AutoML)/);
    });

    it("reports an unknown instance type instead of pricing it at $0, and marks the total a lower bound", () => {
        const definition = { Parameters: [], Steps: [training("Train", "ml.z9.mega"), processing("Evaluate", "ml.g4dn.xlarge", 3600)] };
        const report = costReport({ resources: [], definition, stackRegion: "us-east-1" });
        const { defaultRun } = report.run;
        expect(defaultRun.complete).to.equal(false);
        expect(defaultRun.unpriced).to.deep.equal([{ step: "Train", where: "ResourceConfig", instanceTypes: ["ml.z9.mega"], missing: [], unpriced: ["ml.z9.mega"] }]);
        expect(defaultRun.jobs.map((job) => job.step)).to.deep.equal(["Evaluate"]);
        expect(defaultRun.onDemandUsd).to.be.closeTo(price("ml.g4dn.xlarge"), 1e-9);
        const text = formatCostReport(report).join("\n");
        expect(text).to.contain("ml.z9.mega has no price in the table; left out, so the total is a lower bound").and.contain("at least on demand");
    });

    it("resolves parameters to their DefaultValue (or the run's values), and prices the dearest EnumValue as the largest allowed run", () => {
        const definition = {
            Parameters: [
                { Name: "TrainType", Type: "String", DefaultValue: "ml.g4dn.xlarge", EnumValues: ["ml.g4dn.xlarge", "ml.g5.12xlarge", "ml.g5.xlarge"] },
                { Name: "TrainCount", Type: "Integer", DefaultValue: 2 },
                { Name: "Spot", Type: "Boolean", DefaultValue: true },
            ],
            Steps: [training("Train", param("TrainType"), { count: param("TrainCount"), runtime: 3600, spot: param("Spot") })],
        };
        const cost = pipelineCost(definition);
        expect(cost.defaultRun.jobs[0]).to.include({ instanceType: "ml.g4dn.xlarge", instanceCount: 2, managedSpot: true });
        expect(cost.defaultRun.onDemandUsd).to.be.closeTo(price("ml.g4dn.xlarge") * 2, 1e-9);
        expect(cost.largestAllowed.jobs[0].instanceType).to.equal("ml.g5.12xlarge");
        expect(cost.largestAllowed.onDemandUsd).to.be.closeTo(price("ml.g5.12xlarge") * 2, 1e-9);
        expect(cost.ceiling.maxRunCostUsd).to.equal(DEFAULT_LIMITS.maxRunCostUsd);
        expect(cost.ceiling.headroomUsd).to.be.closeTo(DEFAULT_LIMITS.maxRunCostUsd - price("ml.g4dn.xlarge") * 2, 1e-9);
        expect(cost.ceiling.largestAllowedHeadroomUsd).to.be.closeTo(DEFAULT_LIMITS.maxRunCostUsd - price("ml.g5.12xlarge") * 2, 1e-9);

        const started = pipelineCost(definition, { parameterValues: { TrainType: "ml.g5.xlarge", Spot: false } });
        expect(started.defaultRun.jobs[0]).to.include({ instanceType: "ml.g5.xlarge", managedSpot: false });
        expect(started.defaultRun.asConfiguredUsd).to.be.closeTo(price("ml.g5.xlarge") * 2, 1e-9);
    });

    it("says when the largest allowed types go above the ceiling", () => {
        const definition = {
            Parameters: [{ Name: "T", Type: "String", DefaultValue: "ml.g4dn.xlarge", EnumValues: ["ml.g4dn.xlarge", "ml.g5.12xlarge"] }],
            Steps: [training("Train", param("T"), { count: 4, runtime: 86_400 })],
        };
        const report = costReport({ resources: [], definition, stackRegion: "us-east-1" });
        expect(report.run.ceiling.largestAllowedHeadroomUsd).to.be.lessThan(0);
        expect(formatCostReport(report).join("\n")).to.contain("above the ceiling");
    });
});

describe("cost report: the platform at rest", () => {
    const resource = (type: string, name: string, inputs: Record<string, any> = {}, custom = true): StackResource => ({ type, name, inputs, custom });
    const domain = (idleSettings?: Record<string, unknown>) =>
        resource("aws:sagemaker/domain:Domain", "studio-domain", {
            defaultUserSettings: {
                jupyterLabAppSettings: {
                    defaultResourceSpec: { instanceType: "ml.t3.medium" },
                    ...(idleSettings ? { appLifecycleManagement: { idleSettings } } : {}),
                },
            },
        });

    it("prices KMS keys, the MLflow tracking server by size and alarms, gives free resources $0 and ignores components", () => {
        const cost = atRestCost([
            resource("sagemaker-yolo:storage:DataBucket", "data", {}, false),
            resource("aws:kms/key:Key", "data-key", { enableKeyRotation: true }),
            resource("aws:kms/alias:Alias", "data-key-alias"),
            resource("aws:sagemaker/mlflowTrackingServer:MlflowTrackingServer", "tracking-server", { trackingServerSize: "Small" }),
            resource("aws:cloudwatch/metricAlarm:MetricAlarm", "alarm"),
            resource("aws:iam/role:Role", "role"),
            resource("aws:budgets/budget:Budget", "budget"),
        ]);
        const mlflow = AT_REST_PRICES.mlflowTrackingServer.hourlyUsdBySize.Small * AT_REST_PRICES.hoursPerMonth;
        expect(cost.monthlyUsd).to.be.closeTo(1 + mlflow + 0.1, 1e-9);
        expect(cost.items.map((item) => item.name)).to.deep.equal(["data-key", "data-key-alias", "tracking-server", "alarm", "role", "budget"]);
        expect(cost.items.find((item) => item.name === "data-key")?.note).to.contain("rotation");
        expect(cost.items.find((item) => item.name === "role")?.monthlyUsd).to.equal(0);
        expect(cost.items.find((item) => item.name === "budget")?.note).to.contain("cost allocation tags");
        expect(cost.unpriced).to.deep.equal([]);
    });

    it("reports an MLflow size or a resource type it has no price for, instead of counting it as $0", () => {
        const cost = atRestCost([
            resource("aws:sagemaker/mlflowTrackingServer:MlflowTrackingServer", "tracking-server", { trackingServerSize: "Large" }),
            resource("aws:rds/instance:Instance", "db"),
        ]);
        expect(cost.monthlyUsd).to.equal(0);
        expect(cost.unpriced.map((item) => [item.name, item.monthlyUsd])).to.deep.equal([
            ["tracking-server", null],
            ["db", null],
        ]);
        const text = formatCostReport(costReport({ resources: [resource("aws:rds/instance:Instance", "db")], definition: { Parameters: [], Steps: [] }, stackRegion: "eu-west-1" }));
        expect(text.join("\n")).to.contain("+ 1 unpriced resource").and.contain("aws:rds/instance:Instance").and.contain("the stack is in eu-west-1, where prices differ");
    });

    it("prices a forgotten Studio app as the default JupyterLab type for the idle timeout, and says so when there is no idle shutdown", () => {
        const [withIdle] = atRestCost([domain({ lifecycleManagement: "ENABLED", idleTimeoutInMinutes: 90, maxIdleTimeoutInMinutes: 240 })]).studio;
        expect(withIdle).to.include({ instanceType: "ml.t3.medium", idleTimeoutMinutes: 90, maxIdleTimeoutMinutes: 240 });
        expect(withIdle.forgottenAppUsd).to.be.closeTo(price("ml.t3.medium") * 1.5, 1e-9);
        expect(withIdle.forgottenAppMaxUsd).to.be.closeTo(price("ml.t3.medium") * 4, 1e-9);

        for (const idle of [undefined, { lifecycleManagement: "DISABLED", idleTimeoutInMinutes: 60 }]) {
            const [without] = atRestCost([domain(idle)]).studio;
            expect(without).to.include({ idleTimeoutMinutes: null, forgottenAppUsd: null });
            expect(without.alwaysOnMonthlyUsd).to.be.closeTo(price("ml.t3.medium") * AT_REST_PRICES.hoursPerMonth, 1e-9);
        }
        const text = formatCostReport(costReport({ resources: [domain()], definition: { Parameters: [], Steps: [] }, stackRegion: "us-east-1" })).join("\n");
        expect(text).to.contain("no idle shutdown: a forgotten ml.t3.medium JupyterLab app bills until stopped");
    });

    it("prices the cross-region replica at the stated data size (S3 Standard per GB-month), says the one-off transfer, and leaves it unpriced without a size", () => {
        const replication = resource("aws:s3/bucketReplicationConfig:BucketReplicationConfig", "replication-config", {
            rules: [{ filter: { prefix: "datasets/" } }, { filter: { prefix: "models/" } }],
        });
        const logging = resource("aws:s3/bucketLogging:BucketLogging", "access-logs-logging");
        const priced = atRestCost([replication, logging], { replicatedDataGb: 250 });
        const [item] = priced.items;
        expect(item.monthlyUsd).to.be.closeTo(250 * AT_REST_PRICES.s3Replica.storageGbMonthUsd, 1e-9);
        expect(item.what).to.equal("cross-region replica of datasets/ and models/ (S3 Standard)");
        expect(item.note).to.contain("250 GB assumed (replicatedDataGb)").and.contain(`$${(250 * AT_REST_PRICES.s3Replica.transferGbUsd).toFixed(2)}`);
        expect(priced.items.find((i) => i.name === "access-logs-logging")?.monthlyUsd).to.equal(0);
        expect(priced.notEstimated.join(" ")).to.contain("S3 server access logs");
        const unsized = atRestCost([replication]);
        expect(unsized.unpriced.map((i) => [i.name, i.monthlyUsd])).to.deep.equal([["replication-config", null]]);
        expect(unsized.unpriced[0].note).to.contain("replicatedDataGb");
    });

    it("prices the real stack with experiment tracking on: the KMS key, the Small MLflow server, and Studio's idle shutdown from config", async () => {
        const stack = await offlineStack({ config: { experimentTracking: "true" } });
        const pipeline = stack.resources.find((r) => r.type === "aws:sagemaker/pipeline:Pipeline")!;
        const report = costReport({ resources: stack.resources, definition: pipeline.inputs.pipelineDefinition, stackRegion: stack.config["aws:region"] });
        const server = report.atRest.items.find((item) => item.type === "aws:sagemaker/mlflowTrackingServer:MlflowTrackingServer");
        expect(server?.monthlyUsd).to.be.closeTo(AT_REST_PRICES.mlflowTrackingServer.hourlyUsdBySize.Small * AT_REST_PRICES.hoursPerMonth, 1e-9);
        expect(report.atRest.unpriced, JSON.stringify(report.atRest.unpriced)).to.deep.equal([]);
        expect(report.atRest.studio).to.have.length(1);
        expect(report.atRest.studio[0].instanceType).to.equal("ml.t3.medium");
        expect(report.atRest.studio[0].idleTimeoutMinutes).to.be.a("number");
    });
});

describe("cost report: serving", () => {
    const resource = (type: string, name: string, inputs: Record<string, any> = {}): StackResource => ({ type, name, inputs });
    const config = (variants: Record<string, unknown>[]) => resource("aws:sagemaker/endpointConfiguration:EndpointConfiguration", "config", { name: "ep-v1-abc", productionVariants: variants });
    const endpoint = resource("aws:sagemaker/endpoint:Endpoint", "endpoint", { name: "ep", endpointConfigName: "ep-v1-abc" });
    const target = (variant: string, min: number, max: number) =>
        resource("aws:appautoscaling/target:Target", `target-${variant}`, { resourceId: `endpoint/ep/variant/${variant}`, minCapacity: min, maxCapacity: max, scalableDimension: "sagemaker:variant:DesiredInstanceCount" });
    const hoursPerMonth = AT_REST_PRICES.hoursPerMonth;

    it("bills an endpoint at autoscaling's minimum every hour of the month, and shows its maximum", () => {
        const cost = atRestCost([config([{ variantName: "v", instanceType: "ml.g4dn.xlarge", initialInstanceCount: 1 }]), endpoint, target("v", 2, 4)]);
        const item = cost.items.find((i) => i.name === "endpoint")!;
        expect(item.monthlyUsd).to.be.closeTo(price("ml.g4dn.xlarge") * 2 * hoursPerMonth, 1e-9);
        expect(item.maxMonthlyUsd).to.be.closeTo(price("ml.g4dn.xlarge") * 4 * hoursPerMonth, 1e-9);
        expect(cost.monthlyUsd).to.be.closeTo(item.monthlyUsd!, 1e-9);
        expect(cost.maxMonthlyUsd).to.be.closeTo(item.maxMonthlyUsd!, 1e-9);
        expect(cost.endpoints).to.deep.equal([
            { endpoint: "ep", variants: [{ variant: "v", instanceType: "ml.g4dn.xlarge", pricePerHourUsd: price("ml.g4dn.xlarge"), minInstances: 2, maxInstances: 4, autoscaling: true }], monthlyUsd: item.monthlyUsd, maxMonthlyUsd: item.maxMonthlyUsd },
        ]);
        // The configuration and the target bill nothing themselves.
        expect(cost.items.filter((i) => i.name !== "endpoint").map((i) => i.monthlyUsd)).to.deep.equal([0, 0]);
    });

    it("keeps the initial count without autoscaling, prices every variant, and reports an unpriced type or a configuration it cannot see", () => {
        const two = atRestCost([config([{ variantName: "a", instanceType: "ml.m5.large", initialInstanceCount: 3 }, { variantName: "b", instanceType: "ml.m5.xlarge", initialInstanceCount: 1 }]), endpoint]);
        const expected = (price("ml.m5.large") * 3 + price("ml.m5.xlarge")) * hoursPerMonth;
        const item = two.items.find((i) => i.name === "endpoint")!;
        expect(item.monthlyUsd).to.be.closeTo(expected, 1e-9);
        expect(item.maxMonthlyUsd).to.be.closeTo(expected, 1e-9);
        expect(two.endpoints[0].variants.map((v) => v.autoscaling)).to.deep.equal([false, false]);
        const unpriced = atRestCost([config([{ variantName: "v", instanceType: "ml.inf2.xlarge", initialInstanceCount: 1 }]), endpoint]);
        expect(unpriced.unpriced.map((i) => [i.name, i.note])).to.deep.equal([["endpoint", "no price for ml.inf2.xlarge x 1"]]);
        const orphan = atRestCost([endpoint]);
        expect(orphan.unpriced[0].note).to.equal("its endpoint configuration is not in the stack");
    });

    it("prices a monitoring schedule's runs at their worst case, and a target-tracking policy's two alarms", () => {
        const definition = resource("aws:sagemaker/dataQualityJobDefinition:DataQualityJobDefinition", "job", {
            name: "dq-1",
            jobResources: { clusterConfig: { instanceType: "ml.m5.xlarge", instanceCount: 1 } },
            stoppingCondition: { maxRuntimeInSeconds: 1800 },
        });
        const schedule = (expression: string) =>
            resource("aws:sagemaker/monitoringSchedule:MonitoringSchedule", "schedule", { name: "dq", monitoringScheduleConfig: { monitoringJobDefinitionName: "dq-1", scheduleConfig: { scheduleExpression: expression } } });
        const daily = atRestCost([definition, schedule("cron(0 0 ? * * *)")]);
        expect(daily.items.find((i) => i.name === "schedule")?.monthlyUsd).to.be.closeTo((hoursPerMonth / 24) * price("ml.m5.xlarge") * 0.5, 1e-9);
        const hourly = atRestCost([definition, schedule("cron(0 * ? * * *)")]);
        expect(hourly.monitoringSchedules[0]).to.deep.include({ runsPerMonth: hoursPerMonth, instanceType: "ml.m5.xlarge", maxRuntimeSeconds: 1800 });
        expect(hourly.items.find((i) => i.name === "schedule")?.monthlyUsd).to.be.closeTo(hoursPerMonth * price("ml.m5.xlarge") * 0.5, 1e-9);
        expect(atRestCost([definition, schedule("rate(5 minutes)")]).unpriced.map((i) => i.name)).to.deep.equal(["schedule"]);
        const policy = atRestCost([resource("aws:appautoscaling/policy:Policy", "scaling", { policyType: "TargetTrackingScaling" })]);
        expect(policy.monthlyUsd).to.be.closeTo(2 * AT_REST_PRICES.cloudWatchAlarm.monthlyUsd, 1e-9);
    });

    it("prices the full stack's endpoint from the catalog and prints its always-on cost and maximum in the plan's block", async () => {
        const stack = await offlineStack({ stack: "full" });
        const pipeline = stack.resources.find((r) => r.type === "aws:sagemaker/pipeline:Pipeline")!;
        // As the plan prices it: the replica at the stack's replicatedDataGb (default 100).
        const report = costReport({ resources: stack.resources, definition: pipeline.inputs.pipelineDefinition, stackRegion: "us-east-1" }, { replicatedDataGb: 100 });
        expect(report.atRest.unpriced, JSON.stringify(report.atRest.unpriced)).to.deep.equal([]);
        const [serving] = report.atRest.endpoints;
        expect(serving.monthlyUsd).to.be.closeTo(price("ml.m5.xlarge") * 1 * hoursPerMonth, 1e-9);
        expect(serving.maxMonthlyUsd).to.be.closeTo(price("ml.m5.xlarge") * 2 * hoursPerMonth, 1e-9);
        const text = formatCostReport(report).join("\n");
        // (The name column is as wide as the longest resource name.)
        expect(text).to.match(/\n {4}deployment-endpoint +\$167\.90 {2}real-time endpoint drone-full-yolo11, always on \(ml\.m5\.xlarge x 1 at \$0\.23\/h x 730 h\); up to \$335\.80 at autoscaling's maximum \(2 x ml\.m5\.xlarge\)/);
        expect(text).to.match(/At rest, per month: \$[\d.]+, up to \$[\d.]+ with every endpoint at its autoscaling maximum/);
        expect(report.atRest.maxMonthlyUsd - report.atRest.monthlyUsd).to.be.closeTo(price("ml.m5.xlarge") * hoursPerMonth, 1e-9);
        // Model Monitor's drift alarms, one per monitored feature, bill like any alarm.
        const drift = report.atRest.items.filter((item) => item.name.startsWith("alerts-drift-"));
        expect(drift.map((item) => item.monthlyUsd)).to.deep.equal(Array(DRIFT_ALARM_FEATURES.length).fill(AT_REST_PRICES.cloudWatchAlarm.monthlyUsd));
    });
});

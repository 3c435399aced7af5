import { expect } from "chai";
import * as fs from "fs";
import * as yaml from "js-yaml";
import * as path from "path";
import { CONFIG_KEYS, ConfigError, parseConfig, PlatformConfig, RawConfig } from "../../components/config";
import { runOfflineStack } from "../../tools/offlineStack";
import { PROJECT_ROOT, rawStackConfig } from "../../tools/stackConfig";

const PROJECT = "sagemaker-yolo";

const raw = (overrides: Record<string, unknown> = {}, stack = "dev"): RawConfig => rawStackConfig(stack, overrides);

function problemsOf(input: RawConfig): string[] {
    try {
        parseConfig(input);
    } catch (error) {
        expect(error).to.be.instanceOf(ConfigError);
        return [...(error as ConfigError).problems];
    }
    expect.fail("parseConfig accepted the configuration");
}

describe("stack configuration", () => {
    it("accepts the embedded dev stack and types its values", () => {
        const config: PlatformConfig = parseConfig(raw());
        expect(config.aws).to.deep.equal({ profile: "ab", region: "us-east-1" });
        expect(config.bucket.name).to.equal("lucaskle-ab3-project-pv");
        expect(config.bucket.mode).to.equal("adopt");
        expect(config.bucket.allowDataDestroy).to.equal(false);
        expect(config.pipeline.learningRate).to.equal(0.01);
        expect(config.pipeline.epochs).to.equal(50);
        expect(config.pipeline.trainingInstanceType).to.equal("ml.g4dn.xlarge");
        expect(config.users).to.deep.equal([
            { name: "data-scientist", role: "data-scientist" },
            { name: "ml-engineer", role: "ml-engineer" },
        ]);
        expect(config.tags).to.deep.equal({ project: PROJECT, environment: "dev", "cost-center": "ml-platform", owner: "ml-platform-team" });
    });

    it("declares every key it reads in Pulumi.yaml with a description and a default (users excepted)", () => {
        const project = yaml.load(fs.readFileSync(path.join(PROJECT_ROOT, "Pulumi.yaml"), "utf8")) as {
            config: Record<string, { description?: string; default?: unknown; type?: string }>;
        };
        const declared = Object.keys(project.config);
        expect(declared.sort()).to.deep.equal(CONFIG_KEYS.filter((key) => key !== "users").sort());
        for (const key of declared) {
            expect(project.config[key].description, key).to.be.a("string").and.not.empty;
            expect(project.config[key], key).to.have.property("default");
        }
    });

    it("refuses a profile other than ab, naming the key and the allowed profiles", () => {
        const problems = problemsOf(raw({ "aws:profile": "default" }));
        expect(problems).to.have.length(1);
        expect(problems[0]).to.contain("aws:profile").and.contain('"default"').and.contain("expected one of ab");
    });

    it("refuses a missing profile", () => {
        expect(problemsOf(raw({ "aws:profile": undefined }))[0]).to.contain("aws:profile: null is not allowed");
    });

    it("allows another profile only when allowedProfiles lists it", () => {
        expect(parseConfig(raw({ "aws:profile": "ab-prod", allowedProfiles: ["ab", "ab-prod"] })).aws.profile).to.equal("ab-prod");
    });

    for (const bad of ["Lucaskle-Bucket", "ab", "bucket_with_underscore", "-leading-hyphen", "two..dots", "192.168.1.1", "xn--bucket", "name-s3alias"]) {
        it(`refuses the bucket name ${bad}`, () => {
            const problems = problemsOf(raw({ bucketName: bad }));
            expect(problems.join("\n")).to.contain(`${PROJECT}:bucketName: ${JSON.stringify(bad)} is not allowed`);
        });
    }

    it("refuses an instance type outside the policy pack's training allow-list and lists the allowed ones", () => {
        const [problem] = problemsOf(raw({ trainingInstanceType: "ml.p4d.24xlarge" }));
        expect(problem).to.contain("trainingInstanceType").and.contain("ml.p4d.24xlarge").and.contain("ml.g4dn.xlarge, ml.g4dn.2xlarge");
    });

    it("refuses a Studio instance type outside the Studio allow-list", () => {
        expect(problemsOf(raw({ studioInstanceType: "ml.g5.48xlarge" }))[0]).to.contain("studioInstanceType");
    });

    it("refuses a user with an unknown role, naming the user entry and the roles", () => {
        const [problem] = problemsOf(raw({ users: [{ name: "carol", role: "admin" }] }));
        expect(problem).to.contain("users[0].role").and.contain('"admin"').and.contain("data-scientist, ml-engineer");
    });

    it("refuses duplicate and malformed user names and a missing user list", () => {
        expect(problemsOf(raw({ users: [{ name: "a", role: "ml-engineer" }, { name: "a", role: "data-scientist" }] }))[0]).to.contain("appears twice");
        expect(problemsOf(raw({ users: [{ name: "bad name!", role: "ml-engineer" }] }))[0]).to.contain("users[0].name");
        expect(problemsOf(raw({ users: undefined }))[0]).to.contain("users: missing");
    });

    const outOfRange: [string, unknown, string][] = [
        ["epochs", 0, "from 1 to 1000"],
        ["epochs", 1001, "from 1 to 1000"],
        ["epochs", "ten", "from 1 to 1000"],
        ["batchSize", 0, "from 1 to 512"],
        ["imageSize", 650, "a multiple of 32"],
        ["learningRate", "0", "greater than 0"],
        ["learningRate", "abc", "greater than 0"],
        ["trainingInstanceCount", 5, "from 1 to 4"],
        ["maxTrainingRuntimeSeconds", 100, "from 600 to 86400"],
        ["maxSpotWaitSeconds", 600, "from 14400"],
        ["checkpointRetentionDays", 0, "from 1 to 365"],
        ["kmsDeletionWindowDays", 3, "from 7 to 30"],
        ["modelVariant", "yolov8n", "yolo11n, yolo11s"],
        ["bucketMode", "import", "create, adopt"],
        ["allowDataDestroy", "yes", "true or false"],
        ["minMap50To95", "1.5", "from 0 to 1"],
        ["minRecall", "high", "from 0 to 1"],
        ["modelApprovalStatus", "Rejected", "PendingManualApproval, Approved"],
        ["alertEmails", ["ops"], "e-mail addresses"],
        ["mlflowServerSize", "Tiny", "Small, Medium, Large"],
        ["studioIdleTimeoutMinutes", 30, "from 60 to 240"],
        ["studioMaxIdleTimeoutMinutes", 2000, "from 60 to 1440"],
        ["monthlyBudgetUsd", 0, "from 1 to 1000000"],
        // The baseline steps are CPU jobs with keyed EBS volumes: a GPU (NVMe) type is not offered.
        ["baselineInstanceType", "ml.g4dn.xlarge", "ml.m5.large"],
        ["baselineMaxRuntimeSeconds", 60, "from 300 to"],
        ["accessLogging", "on", "true or false"],
        ["accessLogBucketName", "Logs_Bucket", "an S3 bucket name"],
        ["accessLogRetentionDays", 0, "from 1 to 3650"],
        ["replication", "yes", "true or false"],
        ["replicaRegion", "oregon", "an AWS region such as us-west-2"],
        ["replicaBucketName", "-replica", "or empty to derive it"],
        ["replicatedDataGb", -1, "from 0 to 10000000"],
    ];
    for (const [key, value, allowed] of outOfRange) {
        it(`refuses ${key}=${JSON.stringify(value)} and says what is allowed`, () => {
            const problems = problemsOf(raw({ [key]: value }));
            const problem = problems.find((p) => p.startsWith(`${PROJECT}:${key}:`));
            expect(problem, problems.join("\n")).to.contain(JSON.stringify(String(value))).and.contain(allowed);
        });
    }

    it("reports every problem at once", () => {
        const problems = problemsOf(raw({ "aws:profile": "prod", epochs: 0, bucketName: "Bad", users: [{ name: "x", role: "boss" }] }));
        expect(problems).to.have.length(4);
    });

    it("refuses a VpcOnly domain without its VPC, subnets and security groups", () => {
        expect(problemsOf(raw({ studioNetworkAccess: "VpcOnly" }))[0]).to.contain("studioNetworkAccess").and.contain("studioSecurityGroupIds");
        const vpcOnly = { studioNetworkAccess: "VpcOnly", vpcId: "vpc-0123456789abcdef0", subnetIds: ["subnet-0123456789abcdef0"], studioSecurityGroupIds: ["sg-0123456789abcdef0"] };
        expect(parseConfig(raw(vpcOnly)).studio).to.deep.include({ instanceType: "ml.t3.medium", networkAccess: "VpcOnly", securityGroupIds: ["sg-0123456789abcdef0"] });
    });

    it("types the governance and cost settings, with the quality-gate minimums as numbers", () => {
        const config = parseConfig(raw());
        expect(config.pipeline.minimumMetrics).to.deep.equal({ mAP50_95: 0.15, mAP50: 0.3, precision: 0.4, recall: 0.3 });
        expect(config.pipeline.modelApprovalStatus).to.equal("PendingManualApproval");
        expect(config.studio).to.deep.include({ idleTimeoutMinutes: 60, maxIdleTimeoutMinutes: 240, lifecycleConfig: true });
        expect(config.budget).to.deep.equal({ enabled: true, monthlyUsd: 500, actualThresholds: [50, 80, 100], forecastThresholds: [100] });
        expect(parseConfig(raw({ alertEmails: ["ml-team@example.com"] })).governance.alertEmails).to.deep.equal(["ml-team@example.com"]);
    });

    it("refuses an idle default above the maximum users may choose", () => {
        const [problem] = problemsOf(raw({ studioIdleTimeoutMinutes: 180, studioMaxIdleTimeoutMinutes: 120 }));
        expect(problem).to.contain("studioIdleTimeoutMinutes").and.contain("180").and.contain("120");
    });

    it("refuses budget thresholds that are not whole percentages", () => {
        expect(problemsOf(raw({ budgetActualThresholds: [50, "eighty"] }))[0]).to.contain("budgetActualThresholds").and.contain('"eighty"').and.contain("integers from 1 to 1000");
    });

    it("refuses a budget that would notify nobody", () => {
        expect(problemsOf(raw({ alerts: false, alertEmails: [] }))[0]).to.contain(`${PROJECT}:budget`).and.contain("alertEmails");
        expect(problemsOf(raw({ budgetActualThresholds: [], budgetForecastThresholds: [] }))[0]).to.contain("budgetActualThresholds");
        expect(parseConfig(raw({ alerts: false, alertEmails: [], budget: false })).budget.enabled).to.equal(false);
    });

    it("publishes bucket events by default and refuses a dataset trigger the bucket could never fire", () => {
        expect(parseConfig(raw()).bucket.events).to.equal(true);
        expect(parseConfig(raw()).pipelineTrigger).to.equal(false);
        const problems = problemsOf(raw({ bucketEvents: false, pipelineTrigger: true }));
        expect(problems).to.have.length(1);
        expect(problems[0]).to.contain(`${PROJECT}:pipelineTrigger`).and.contain("bucketEvents");
        expect(problemsOf(raw({ bucketEvents: "yes" }))[0]).to.contain(`${PROJECT}:bucketEvents: "yes" is not allowed; expected true or false`);
        expect(parseConfig(raw({ bucketEvents: false })).bucket.events).to.equal(false);
    });

    it("refuses a VPC without subnets and subnets without a VPC", () => {
        expect(problemsOf(raw({ vpcId: "vpc-0123456789abcdef0" }))[0]).to.contain("subnetIds");
        expect(problemsOf(raw({ subnetIds: ["subnet-0123456789abcdef0"] }))[0]).to.contain("vpcId");
    });

    it("refuses a default run whose worst-case cost exceeds the policy pack's ceiling", () => {
        const [problem] = problemsOf(raw({ trainingInstanceType: "ml.g5.12xlarge", trainingInstanceCount: 4, maxTrainingRuntimeSeconds: 86400, maxSpotWaitSeconds: 86400 }));
        expect(problem).to.contain("can cost up to $").and.contain("$100 ceiling");
    });

    it("counts the baseline steps in the default run's worst case only when there is a registry to register into", () => {
        // $98.47 of training, $0.13 of preparation and evaluation, and 2 x 4 h of ml.m5.2xlarge ($3.69) for the baselines ...
        const dear = { baselineInstanceType: "ml.m5.2xlarge", baselineMaxRuntimeSeconds: 14400, trainingInstanceType: "ml.g5.12xlarge", maxTrainingRuntimeSeconds: 50000, maxSpotWaitSeconds: 50000 };
        expect(problemsOf(raw(dear)).join("\n")).to.contain("can cost up to $");
        // ... and not without them (no registry, no baseline).
        expect(() => parseConfig(raw({ ...dear, modelRegistry: false }))).not.to.throw();
    });

    describe("data protection", () => {
        it("turns access logs on and replication off by default, deriving the bucket names", () => {
            const config = parseConfig(raw());
            expect(config.accessLogs).to.deep.equal({ enabled: true, bucketName: "lucaskle-ab3-project-pv-access-logs", retentionDays: 365 });
            expect(config.replication).to.deep.equal({
                enabled: false,
                region: "us-west-2",
                bucketName: "lucaskle-ab3-project-pv-us-west-2",
                accessLogBucketName: "lucaskle-ab3-project-pv-us-west-2-access-logs",
                estimatedDataGb: 100,
            });
        });

        it("refuses a replica in the stack's own region, naming another", () => {
            const [problem] = problemsOf(raw({ replication: true, replicaRegion: "us-east-1" }));
            expect(problem).to.contain(`${PROJECT}:replicaRegion: "us-east-1" is the stack's own region`).and.contain("such as us-west-2");
            expect(parseConfig(raw({ replicaRegion: "us-east-1" })).replication.enabled, "only checked when replication is on").to.equal(false);
        });

        it("refuses derived names longer than S3 allows, naming the key to set", () => {
            const long = "a".repeat(55);
            expect(problemsOf(raw({ bucketName: long }))[0]).to.contain(`${PROJECT}:accessLogBucketName: is empty and the name derived from bucketName`).and.contain("longer than 63 characters");
            expect(parseConfig(raw({ bucketName: long, accessLogging: false })).bucket.name).to.equal(long);
            const replica = problemsOf(raw({ bucketName: "a".repeat(55), accessLogBucketName: "logs-bucket", replication: true }));
            expect(replica.join("\n")).to.contain(`${PROJECT}:replicaBucketName: is empty and the name derived from bucketName and replicaRegion`);
            const replicaLogs = problemsOf(raw({ replication: true, replicaBucketName: "r".repeat(55) }));
            expect(replicaLogs[0]).to.contain(`${PROJECT}:replicaBucketName: "${"r".repeat(55)}" makes its log bucket name`).and.contain("longer than 63");
        });

        it("refuses a log or replica bucket that is the data bucket, and a log bucket shared with the replica", () => {
            expect(problemsOf(raw({ accessLogBucketName: "lucaskle-ab3-project-pv" }))[0]).to.contain("accessLogBucketName").and.contain("is the data bucket itself");
            expect(problemsOf(raw({ replication: true, replicaBucketName: "lucaskle-ab3-project-pv" }))[0]).to.contain("replicaBucketName").and.contain("is the data bucket itself");
            const shared = problemsOf(raw({ replication: true, accessLogBucketName: "lucaskle-ab3-project-pv-us-west-2" }));
            expect(shared[0]).to.contain("accessLogBucketName").and.contain("is also the replica's bucket or log bucket");
        });
    });

    it("refuses a stack name that cannot be part of AWS resource names", () => {
        expect(problemsOf(raw({ "aws:profile": "ab", "aws:region": "us-east-1" }, "Dev_Stack")).join("\n")).to.contain('stack name "Dev_Stack"');
    });

    describe("deployment", () => {
        const BASELINE = "s3://lucaskle-ab3-project-pv/monitoring/baseline/3bm1x5z1d9qk/";
        const on = { deployment: true, deployModelVersion: 3, deployBaselineUri: BASELINE };

        it("types the deployment settings, off by default", () => {
            expect(parseConfig(raw()).deployment.enabled).to.equal(false);
            expect(parseConfig(raw(on)).deployment).to.deep.include({
                enabled: true,
                modelVersion: 3,
                baselineUri: BASELINE,
                instanceType: "ml.m5.xlarge",
                minInstances: 1,
                maxInstances: 2,
                dataCapturePercent: 100,
                monitoring: true,
                monitoringFrequency: "daily",
                monitoringRetentionDays: 30,
            });
            // Nothing deployed yet: no baseline needed.
            expect(parseConfig(raw({ deployment: true })).deployment.modelVersion).to.equal(0);
        });

        it("refuses deployment without the model registry it serves from", () => {
            expect(problemsOf(raw({ ...on, modelRegistry: false })).join("\n")).to.contain(`${PROJECT}:deployment: is on, but modelRegistry is off`);
        });

        it("refuses min instances above max", () => {
            expect(problemsOf(raw({ ...on, endpointMinInstances: 3, endpointMaxInstances: 2 }))).to.deep.equal([
                `${PROJECT}:endpointMinInstances: 3 is above endpointMaxInstances 2; autoscaling needs min <= max.`,
            ]);
        });

        it("refuses more instances than the pack's maxInstanceCount, and a type outside the inference allow-list", () => {
            expect(problemsOf(raw({ ...on, endpointMaxInstances: 5 })).join("\n")).to.contain(`${PROJECT}:endpointMaxInstances: "5" is not allowed; expected an integer from 1 to 4`);
            expect(problemsOf(raw({ ...on, endpointInstanceType: "ml.p4d.24xlarge" })).join("\n")).to.contain("expected one of ml.g4dn.xlarge, ml.g4dn.2xlarge, ml.g5.xlarge, ml.m5.large, ml.m5.xlarge");
        });

        it("refuses a baseline outside the stack's bucket or prefix", () => {
            expect(problemsOf(raw({ ...on, deployBaselineUri: "s3://someone-else/monitoring/baseline/x/" })).join("\n")).to.contain("is outside the stack's bucket lucaskle-ab3-project-pv");
            expect(problemsOf(raw({ ...on, deployBaselineUri: "s3://lucaskle-ab3-project-pv/models/x/" })).join("\n")).to.contain(`${PROJECT}:deployBaselineUri: "s3://lucaskle-ab3-project-pv/models/x/" is not allowed`);
        });

        it("refuses monitoring of a deployed version without its baseline, unless monitoring is off", () => {
            expect(problemsOf(raw({ ...on, deployBaselineUri: "" })).join("\n")).to.contain("deployBaselineUri: is empty but endpointMonitoring is on for version 3; run `yolo-pipeline deploy 3`");
            expect(parseConfig(raw({ ...on, deployBaselineUri: "", endpointMonitoring: false })).deployment.monitoring).to.equal(false);
        });

        it("refuses monitoring without alerts, which would tell nobody of drift, and accepts either off", () => {
            expect(problemsOf(raw({ ...on, alerts: false, budget: false }))).to.deep.equal([
                `${PROJECT}:endpointMonitoring: is on, but alerts is off: nobody would hear of drift or of failed monitoring runs; turn alerts on or set endpointMonitoring: false.`,
            ]);
            // The default endpointMonitoring (true) counts, and so does a stack with no version served yet.
            expect(problemsOf(raw({ deployment: true, alerts: false, budget: false })).join("\n")).to.contain("endpointMonitoring: is on, but alerts is off");
            expect(parseConfig(raw({ ...on, alerts: false, budget: false, endpointMonitoring: false })).deployment.monitoring).to.equal(false);
            expect(parseConfig(raw({ alerts: false, budget: false })).governance.alerts, "without deployment").to.equal(false);
        });

        it("refuses a name prefix and stack too long for SageMaker's 63-character serving names", () => {
            const stack = { "aws:profile": "ab", "aws:region": "us-east-1", users: [{ name: "ana", role: "data-scientist" }], namePrefix: "platformteamdron" };
            const problems = problemsOf(raw({ ...stack, ...on }, "production-east-europe"));
            expect(problems).to.have.length(1);
            expect(problems[0]).to.match(
                /^sagemaker-yolo:namePrefix: with stack "production-east-europe" it makes the serving resource name "platformteamdron-production-east-europe-yolo11-data-quality-[0-9a-f]{8}" longer than SageMaker's 63 characters; use a shorter prefix or stack name\.$/,
            );
            // The same names are fine while nothing is served.
            expect(parseConfig(raw(stack, "production-east-europe")).namePrefix).to.equal("platformteamdron");
        });
    });

    it("makes the program itself refuse to run with the same error", async () => {
        let failure: unknown;
        try {
            await runOfflineStack({ config: { "aws:profile": "personal" } });
        } catch (error) {
            failure = error;
        }
        expect(failure).to.be.instanceOf(ConfigError);
        expect((failure as ConfigError).message).to.contain("aws:profile").and.contain('"personal"');
    });
});

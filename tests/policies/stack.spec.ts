// The project's own stack, run offline under mocks (tools/offlineStack.ts), must pass the pack at the
// default config: adopted bucket (dev), created bucket, the full stack (every optional part on, an endpoint
// serving a version), and preview (provider-computed values unknown).
import { expect } from "chai";
import { Evaluation, evaluateDetailed, OfflineResource, toPolicyResources } from "../../policies/offline";
import { findStep, STEPS } from "../../components/pipelineDefinition";
import { offlineStack } from "../stack/fixtures";
import { assertHasViolation, assertNoViolations } from "./helpers";

const MODES = {
    "dev stack (adopted bucket)": {},
    "created bucket": { config: { bucketMode: "create" } },
    "preview (adopted bucket)": { preview: true },
    "preview (created bucket)": { preview: true, config: { bucketMode: "create" } },
    // Every optional part on (replication, labeling, MLflow, the dataset trigger, an endpoint serving version 1, …).
    "full stack": { stack: "full" },
    "preview (full stack)": { stack: "full", preview: true },
} as const;

type Mode = keyof typeof MODES;

async function stackResources(mode: Mode): Promise<OfflineResource[]> {
    return toPolicyResources((await offlineStack(MODES[mode])).resources);
}

function edited(resources: OfflineResource[], name: string, edit: (props: Record<string, any>) => void): OfflineResource[] {
    const target = resources.find((r) => r.name === name);
    if (!target) {
        throw new Error(`the stack has no resource ${name}: ${resources.map((r) => r.name).join(", ")}`);
    }
    return resources.map((r) => (r === target ? { ...r, props: (() => { const props = structuredClone(r.props); edit(props); return props; })() } : r));
}

describe("the platform stack passes the pack at the default config", () => {
    const results = new Map<Mode, Evaluation>();

    before(async () => {
        for (const mode of Object.keys(MODES) as Mode[]) {
            results.set(mode, await evaluateDetailed(await stackResources(mode)));
        }
    });

    for (const mode of Object.keys(MODES) as Mode[]) {
        it(`${mode}: zero violations`, () => {
            assertNoViolations(results.get(mode)!.violations);
        });
    }

    it("checks the pipeline definition, Studio, buckets, keys, tags and provider at preview (only documents that embed unknown ARNs are skipped)", async () => {
        for (const mode of ["preview (adopted bucket)", "preview (created bucket)", "preview (full stack)"] as const) {
            const resources = await stackResources(mode);
            const skippedResources = new Set(results.get(mode)!.skipped.map((s) => s.resource).filter(Boolean));
            const types = new Set(resources.filter((r) => skippedResources.has(r.name)).map((r) => r.type));
            expect([...types].sort(), mode).to.deep.equal(["aws:iam/rolePolicy:RolePolicy", "aws:sns/topicPolicy:TopicPolicy"]);
            const skippedPolicies = new Set(results.get(mode)!.skipped.map((s) => s.policy));
            for (const policy of ["sagemaker-pipeline-volume-kms", "sagemaker-pipeline-run-cost", "s3-bucket-kms-encryption", "s3-bucket-tls-only", "required-cost-allocation-tags", "aws-provider-allowed-profile", "s3-access-logging-required", "s3-replication-encrypted", "sagemaker-studio-source-identity"]) {
                expect(skippedPolicies.has(policy), `${mode}: ${policy}`).to.equal(false);
            }
        }
    });

    it("runs every serving rule at preview: the endpoint, its configuration, autoscaling and monitoring are known by name", async () => {
        const skipped = new Set(results.get("preview (full stack)")!.skipped.map((s) => s.policy));
        for (const policy of ["sagemaker-endpoint-instance-types-allowed", "sagemaker-endpoint-volume-kms", "sagemaker-endpoint-data-capture", "sagemaker-monitoring-encryption", "sagemaker-monitoring-job-in-stack", "sagemaker-endpoint-autoscaling-limits"]) {
            expect(skipped.has(policy), policy).to.equal(false);
        }
    });

    it("finds a tightened allow-list violated at preview: the definition is known then", async () => {
        const violations = (await evaluateDetailed(await stackResources("preview (adopted bucket)"), { "sagemaker-pipeline-instance-types-allowed": { trainingInstanceTypes: ["ml.g4dn.xlarge"] } })).violations;
        assertHasViolation(violations, "sagemaker-pipeline-instance-types-allowed", ['Training step "TrainYOLO11" (in the if branch of Condition step "CheckDataset") can run on ml.g4dn.2xlarge'], "training-pipeline");
    });
});

describe("the pack catches changes to the platform stack", () => {
    it("an S3 write added to the data scientist's access policy", async () => {
        const resources = edited(await stackResources("dev stack (adopted bucket)"), "team-data-scientist-access", (props) => {
            const policy = JSON.parse(props.policy);
            policy.Statement.push({ Sid: "Upload", Effect: "Allow", Action: ["s3:PutObject"], Resource: "arn:aws:s3:::lucaskle-ab3-project-pv/datasets/*" });
            props.policy = JSON.stringify(policy);
        });
        const { violations } = await evaluateDetailed(resources);
        assertHasViolation(violations, "iam-data-scientist-read-only", ['team-data-scientist-access policy statement "Upload" gives the role', "(ml-persona: data-scientist) s3:PutObject"], "team-data-scientist-access");
    });

    it("the adopted bucket losing its TLS-only bucket policy", async () => {
        const resources = (await stackResources("dev stack (adopted bucket)")).filter((r) => r.name !== "data-policy");
        const { violations } = await evaluateDetailed(resources);
        assertHasViolation(violations, "s3-bucket-tls-only", ['Bucket "lucaskle-ab3-project-pv" (adopted: configured by', "does not deny requests without TLS"]);
    });

    it("the created bucket losing its default encryption", async () => {
        const resources = (await stackResources("created bucket")).filter((r) => r.name !== "data-encryption");
        const { violations } = await evaluateDetailed(resources);
        assertHasViolation(violations, "s3-bucket-kms-encryption", 'Bucket "lucaskle-ab3-project-pv" (data-bucket) has no default encryption', "data-bucket");
    });

    it("the endpoint moved to a GPU type with its volume key left in place, at preview", async () => {
        const resources = edited(await stackResources("preview (full stack)"), "deployment-config", (props) => {
            props.productionVariants[0].instanceType = "ml.g4dn.xlarge";
        });
        const { violations } = await evaluateDetailed(resources);
        assertHasViolation(violations, "sagemaker-endpoint-volume-kms", "sets kmsKeyArn but runs on NVMe instance-storage types (ml.g4dn.xlarge)", "deployment-config");
    });

    it("an endpoint update added to the data scientist's serving policy (a managed policy attached to the role), at preview", async () => {
        const resources = edited(await stackResources("preview (full stack)"), "team-data-scientist-serving", (props) => {
            const policy = JSON.parse(props.policy);
            policy.Statement.push({ Sid: "Redeploy", Effect: "Allow", Action: ["sagemaker:UpdateEndpoint"], Resource: "arn:aws:sagemaker:us-east-1:123456789012:endpoint/drone-full-yolo11" });
            props.policy = JSON.stringify(policy);
        });
        const { violations } = await evaluateDetailed(resources);
        assertHasViolation(violations, "iam-data-scientist-read-only", ['team-data-scientist-serving policy statement "Redeploy"', "sagemaker:UpdateEndpoint"], "team-data-scientist-serving");
    });

    it("the config turning off Studio's source identity, or a SageMaker role that cannot carry it", async () => {
        const off = toPolicyResources((await offlineStack({ config: { studioSourceIdentity: false } })).resources);
        assertHasViolation((await evaluateDetailed(off)).violations, "sagemaker-studio-source-identity", 'Studio domain studio-domain domainSettings.executionRoleIdentityConfig is "DISABLED"', "studio-domain");
        const resources = edited(await stackResources("full stack"), "deployment-endpoint-role", (props) => {
            const trust = JSON.parse(props.assumeRolePolicy);
            trust.Statement[0].Action = "sts:AssumeRole";
            props.assumeRolePolicy = JSON.stringify(trust);
        });
        assertHasViolation((await evaluateDetailed(resources)).violations, "sagemaker-studio-source-identity", "lets sagemaker.amazonaws.com assume it without sts:SetSourceIdentity", "deployment-endpoint-role");
    });

    it("the endpoint losing its autoscaling limits, or scaling beyond the ceiling", async () => {
        const full = await stackResources("full stack");
        const unscaled = full.filter((r) => r.type !== "aws:appautoscaling/target:Target" && r.type !== "aws:appautoscaling/policy:Policy");
        assertHasViolation((await evaluateDetailed(unscaled)).violations, "sagemaker-endpoint-autoscaling-limits", "has no Application Auto Scaling target for variant yolo11", "deployment-endpoint");
        const unbounded = edited(full, "deployment-scaling-target", (props) => {
            props.maxCapacity = 20;
        });
        assertHasViolation((await evaluateDetailed(unbounded)).violations, "sagemaker-endpoint-autoscaling-limits", "has maxCapacity 20", "deployment-scaling-target");
    });

    it("a volume key added to the NVMe training step, at preview", async () => {
        const resources = edited(await stackResources("preview (adopted bucket)"), "training-pipeline", (props) => {
            const definition = JSON.parse(props.pipelineDefinition);
            definition.Steps[1].Arguments.IfSteps[0].Arguments.ResourceConfig.VolumeKmsKeyId = "alias/drone-dev-data";
            props.pipelineDefinition = JSON.stringify(definition);
        });
        const { violations } = await evaluateDetailed(resources);
        assertHasViolation(violations, "sagemaker-pipeline-volume-kms", 'Training step "TrainYOLO11" (in the if branch of Condition step "CheckDataset") sets ResourceConfig.VolumeKmsKeyId but runs on NVMe', "training-pipeline");
    });

    it("the baseline steps, deep in the quality gate, losing their keys or going to a type off the allow-list, at preview", async () => {
        const resources = edited(await stackResources("preview (adopted bucket)"), "training-pipeline", (props) => {
            const definition = JSON.parse(props.pipelineDefinition);
            const [baseline, statistics] = [STEPS.baseline, STEPS.baselineStatistics].map((name) => findStep(definition, name) as any);
            delete baseline.Arguments.ProcessingOutputConfig.KmsKeyId;
            delete baseline.Arguments.ProcessingResources.ClusterConfig.VolumeKmsKeyId;
            statistics.Arguments.ProcessingResources.ClusterConfig.InstanceType = "ml.p4d.24xlarge";
            props.pipelineDefinition = JSON.stringify(definition);
        });
        const { violations } = await evaluateDetailed(resources);
        const where = '(in the if branch of Condition step "CheckRecall")';
        assertHasViolation(violations, "sagemaker-pipeline-output-kms", `Processing step "BaselineMonitoring" ${where}`, "training-pipeline");
        assertHasViolation(violations, "sagemaker-pipeline-volume-kms", `Processing step "BaselineMonitoring" ${where}`, "training-pipeline");
        assertHasViolation(violations, "sagemaker-pipeline-instance-types-allowed", `Processing step "BaselineStatistics" ${where} can run on ml.p4d.24xlarge`, "training-pipeline");
    });
});

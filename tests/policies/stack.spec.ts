// The project's own stack, run offline under mocks (tools/offlineStack.ts), must pass the pack at the
// default config: adopted bucket (dev), created bucket, and preview (provider-computed values unknown).
import { expect } from "chai";
import { Evaluation, evaluateDetailed, OfflineResource, toPolicyResources } from "../../policies/offline";
import { offlineStack } from "../stack/fixtures";
import { assertHasViolation, assertNoViolations } from "./helpers";

const MODES = {
    "dev stack (adopted bucket)": {},
    "created bucket": { config: { bucketMode: "create" } },
    "preview (adopted bucket)": { preview: true },
    "preview (created bucket)": { preview: true, config: { bucketMode: "create" } },
    "full stack (every optional part on: replication, labeling, tracking)": { stack: "full" },
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
            for (const policy of ["sagemaker-pipeline-volume-kms", "sagemaker-pipeline-run-cost", "s3-bucket-kms-encryption", "s3-bucket-tls-only", "required-cost-allocation-tags", "aws-provider-allowed-profile", "s3-access-logging-required", "s3-replication-encrypted"]) {
                expect(skippedPolicies.has(policy), `${mode}: ${policy}`).to.equal(false);
            }
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

    it("a volume key added to the NVMe training step, at preview", async () => {
        const resources = edited(await stackResources("preview (adopted bucket)"), "training-pipeline", (props) => {
            const definition = JSON.parse(props.pipelineDefinition);
            definition.Steps[1].Arguments.IfSteps[0].Arguments.ResourceConfig.VolumeKmsKeyId = "alias/drone-dev-data";
            props.pipelineDefinition = JSON.stringify(definition);
        });
        const { violations } = await evaluateDetailed(resources);
        assertHasViolation(violations, "sagemaker-pipeline-volume-kms", 'Training step "TrainYOLO11" (in the if branch of Condition step "CheckDataset") sets ResourceConfig.VolumeKmsKeyId but runs on NVMe', "training-pipeline");
    });
});

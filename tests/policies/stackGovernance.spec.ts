// The governance rules on the project's own stack (alerts, model registry, experiment tracking, Studio,
// budget): each catches a change a team could make to it. Resources are found by type (and persona tag),
// not by name, so the stack's components can be renamed freely; stack.spec.ts checks the unchanged stack.
import { Evaluation, evaluateDetailed, OfflineResource, toPolicyResources } from "../../policies/offline";
import { offlineStack } from "../stack/fixtures";
import { assertHasViolation, assertNoViolations } from "./helpers";

const DEV = {};
const TRACKING = { config: { experimentTracking: true } };

async function stackResources(options: object): Promise<OfflineResource[]> {
    return toPolicyResources((await offlineStack(options)).resources);
}

function only(resources: OfflineResource[], match: (resource: OfflineResource) => boolean, what: string): OfflineResource {
    const found = resources.filter(match);
    if (found.length !== 1) {
        throw new Error(`expected one ${what} in the stack, found ${found.length}: ${resources.map((r) => `${r.type} ${r.name}`).join(", ")}`);
    }
    return found[0];
}

const ofType = (type: string) => (resource: OfflineResource) => resource.type === type;

/** The stack with one resource's inputs edited (a deep copy). */
function edited(resources: OfflineResource[], target: OfflineResource, edit: (props: Record<string, any>) => void): OfflineResource[] {
    return resources.map((resource) => {
        if (resource !== target) {
            return resource;
        }
        const props = structuredClone(resource.props);
        edit(props);
        return { ...resource, props };
    });
}

/** The RolePolicy that grants a persona role its main access (the one whose document lists the most statements). */
function personaAccess(resources: OfflineResource[], persona: string): OfflineResource {
    const role = only(resources, (r) => r.type === "aws:iam/role:Role" && (r.props.tags as Record<string, string> | undefined)?.["ml-persona"] === persona, `role tagged ml-persona: ${persona}`);
    const candidates = resources.filter((r) => r.type === "aws:iam/rolePolicy:RolePolicy" && r.props.role === role.props.name && typeof r.props.policy === "string");
    if (candidates.length === 0) {
        throw new Error(`no RolePolicy for ${String(role.props.name)}`);
    }
    return candidates.reduce((a, b) => (JSON.parse(String(b.props.policy)).Statement.length > JSON.parse(String(a.props.policy)).Statement.length ? b : a));
}

function addStatement(statement: Record<string, unknown>) {
    return (props: Record<string, any>) => {
        const policy = JSON.parse(props.policy);
        policy.Statement.push(statement);
        props.policy = JSON.stringify(policy);
    };
}

describe("the governance rules catch changes to the platform stack", function () {
    this.timeout(60_000);
    let dev: OfflineResource[];
    let tracking: OfflineResource[];
    const verdict = (resources: OfflineResource[]): Promise<Evaluation> => evaluateDetailed(resources);

    before(async () => {
        dev = await stackResources(DEV);
        tracking = await stackResources(TRACKING);
    });

    it("the unchanged stack, with experiment tracking on, passes", async () => {
        assertNoViolations((await verdict(tracking)).violations);
    });

    it("the alert topic on the AWS managed SNS key", async () => {
        const topic = only(dev, ofType("aws:sns/topic:Topic"), "SNS topic");
        const { violations } = await verdict(edited(dev, topic, (props) => (props.kmsMasterKeyId = "alias/aws/sns")));
        assertHasViolation(violations, "sns-topic-kms-encryption", 'is encrypted with the AWS managed key "alias/aws/sns"', topic.name);
    });

    it("the model approval parameter defaulting to Approved", async () => {
        const pipeline = only(dev, ofType("aws:sagemaker/pipeline:Pipeline"), "pipeline");
        const { violations } = await verdict(
            edited(dev, pipeline, (props) => {
                const definition = JSON.parse(props.pipelineDefinition);
                definition.Parameters.find((p: { Name: string }) => p.Name === "ModelApprovalStatus").DefaultValue = "Approved";
                props.pipelineDefinition = JSON.stringify(definition);
            }),
        );
        assertHasViolation(violations, "sagemaker-model-approval-manual", ['RegisterModel step "', 'whose DefaultValue is "Approved"'], pipeline.name);
    });

    it("approval rights for the data scientist, and for the pipeline", async () => {
        const group = only(dev, ofType("aws:sagemaker/modelPackageGroup:ModelPackageGroup"), "model package group");
        const versions = `arn:aws:sagemaker:us-east-1:123456789012:model-package/${String(group.props.modelPackageGroupName)}/*`;
        const approve = { Sid: "Approve", Effect: "Allow", Action: ["sagemaker:UpdateModelPackage"], Resource: versions };
        for (const persona of ["data-scientist", "pipeline"]) {
            const access = personaAccess(dev, persona);
            const { violations } = await verdict(edited(dev, access, addStatement(approve)));
            assertHasViolation(violations, "sagemaker-model-registry-persona-separation", ['statement "Approve"', `(ml-persona: ${persona}) sagemaker:UpdateModelPackage`], access.name);
        }
    });

    it("an ML engineer allowed to create lifecycle configurations", async () => {
        const access = personaAccess(dev, "ml-engineer");
        const statement = { Sid: "WriteLcc", Effect: "Allow", Action: ["sagemaker:CreateStudioLifecycleConfig"], Resource: "arn:aws:sagemaker:us-east-1:123456789012:studio-lifecycle-config/*" };
        const { violations } = await verdict(edited(dev, access, addStatement(statement)));
        assertHasViolation(violations, "sagemaker-studio-lifecycle-configs-from-stack", ['statement "WriteLcc"', "sagemaker:CreateStudioLifecycleConfig"], access.name);
    });

    it("a user profile attaching a lifecycle configuration from outside the stack, and turning idle shutdown off", async () => {
        const profile = dev.find(ofType("aws:sagemaker/userProfile:UserProfile"))!;
        const foreign = "arn:aws:sagemaker:us-east-1:123456789012:studio-lifecycle-config/install-anything";
        const { violations } = await verdict(
            edited(dev, profile, (props) => {
                props.userSettings.jupyterLabAppSettings.lifecycleConfigArns = [foreign];
                props.userSettings.jupyterLabAppSettings.appLifecycleManagement.idleSettings.lifecycleManagement = "DISABLED";
            }),
        );
        assertHasViolation(violations, "sagemaker-studio-lifecycle-configs-from-stack", `lifecycleConfigArns[0] is "${foreign}"`, profile.name);
        assertHasViolation(violations, "sagemaker-studio-idle-shutdown", 'lifecycleManagement is "DISABLED"', profile.name);
    });

    it("the domain's default spaces without idle shutdown, at preview", async () => {
        const preview = await stackResources({ preview: true });
        const domain = only(preview, ofType("aws:sagemaker/domain:Domain"), "Studio domain");
        const { violations } = await verdict(edited(preview, domain, (props) => delete props.defaultSpaceSettings.jupyterLabAppSettings.appLifecycleManagement));
        assertHasViolation(violations, "sagemaker-studio-idle-shutdown", "defaultSpaceSettings.jupyterLabAppSettings has no idle shutdown", domain.name);
    });

    it("the budget removed, or filtered on another project", async () => {
        const budget = only(dev, ofType("aws:budgets/budget:Budget"), "budget");
        const removed = await verdict(dev.filter((resource) => resource !== budget));
        assertHasViolation(removed.violations, "cost-budget-required", "no AWS Budgets cost budget watches them");
        const other = await verdict(edited(dev, budget, (props) => (props.filterExpression = { tags: { key: "project", values: ["another-project"] } })));
        assertHasViolation(other.violations, "cost-budget-required", 'which no cost budget filters on');
    });

    it("the tracking server's role reaching the datasets, or another service", async () => {
        const server = only(tracking, ofType("aws:sagemaker/mlflowTrackingServer:MlflowTrackingServer"), "MLflow tracking server");
        const role = only(tracking, (r) => r.type === "aws:iam/role:Role" && (r.props.tags as Record<string, string> | undefined)?.["ml-service"] === "mlflow-tracking-server", "tracking server role");
        const access = only(tracking, (r) => r.type === "aws:iam/rolePolicy:RolePolicy" && r.props.role === role.props.name, "tracking server role policy");
        const bucket = String(server.props.artifactStoreUri).replace(/^s3:\/\//, "").split("/")[0];
        const datasets = { Sid: "ReadDatasets", Effect: "Allow", Action: ["s3:GetObject"], Resource: `arn:aws:s3:::${bucket}/datasets/*` };
        const training = { Sid: "Train", Effect: "Allow", Action: ["sagemaker:CreateTrainingJob"], Resource: "arn:aws:sagemaker:us-east-1:123456789012:training-job/*" };
        const { violations } = await verdict(edited(tracking, access, addStatement(datasets)));
        assertHasViolation(violations, "sagemaker-mlflow-server-role-scoped", ['statement "ReadDatasets"', "outside the artifact store"], access.name);
        const other = await verdict(edited(tracking, access, addStatement(training)));
        assertHasViolation(other.violations, "sagemaker-mlflow-server-role-scoped", ['statement "Train"', "sagemaker:CreateTrainingJob, which the role may not hold"], access.name);
        const autoRegistration = await verdict(edited(tracking, server, (props) => (props.automaticModelRegistration = true)));
        assertHasViolation(autoRegistration.violations, "sagemaker-model-approval-manual", "sets automaticModelRegistration: true", server.name);
    });
});

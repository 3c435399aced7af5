// In-process evaluation skips a resource policy for types its `appliesTo` excludes (policies/appliesTo.ts).
// That is only sound if the policy itself would have declared those resources not applicable: each policy is
// run here, as the engine runs it, over resources of every type the project and the pack's tests know, and
// every resource `appliesTo` excludes must come back not applicable.
import { expect } from "chai";
import { ScopedResourcePolicy } from "../../policies/appliesTo";
import { evaluateDetailed, OfflineResource, toPolicyResources } from "../../policies/offline";
import { policies } from "../../policies/policies";
import { offlineStack } from "../stack/fixtures";
import { resource, resourceValidationArgs, runPolicyDirectly } from "./helpers";

/** Types the pack checks that the project's stack does not create, with props that would interest a policy. */
const EXTRA_RESOURCES: OfflineResource[] = [
    resource("aws:iam/userPolicy:UserPolicy", { policy: '{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}' }),
    resource("aws:iam/groupPolicy:GroupPolicy", { policy: '{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}' }),
    resource("aws:iam/userPolicyAttachment:UserPolicyAttachment", { policyArn: "arn:aws:iam::aws:policy/AdministratorAccess" }),
    resource("aws:iam/policyAttachment:PolicyAttachment", { policyArn: "arn:aws:iam::aws:policy/AdministratorAccess", roles: ["x"] }),
    resource("aws:kms/keyPolicy:KeyPolicy", { policy: '{"Statement":[{"Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*"}]}' }),
    resource("aws:s3/bucketV2:BucketV2", { bucket: "b", policy: "{}" }),
    resource("aws:sagemaker/notebookInstance:NotebookInstance", {}),
    resource("aws:sagemaker/endpointConfiguration:EndpointConfiguration", {}),
    resource("aws:sagemaker/space:Space", { spaceSettings: { jupyterLabAppSettings: { defaultResourceSpec: { instanceType: "ml.p5.48xlarge" } } } }),
    resource("aws:sagemaker/app:App", { resourceSpec: { instanceType: "ml.p5.48xlarge" } }),
    resource("aws:sagemaker/modelPackageGroupPolicy:ModelPackageGroupPolicy", { resourcePolicy: '{"Statement":[{"Effect":"Allow","Principal":"*","Action":"sagemaker:*","Resource":"*"}]}' }),
    resource("aws:sns/topic:Topic", { policy: '{"Statement":[{"Effect":"Allow","Principal":"*","Action":"sns:*","Resource":"*"}]}' }),
    resource("aws:ec2/instance:Instance", { instanceType: "p5.48xlarge" }),
];

describe("appliesTo: in-process evaluation skips only what a policy would not check", () => {
    let universe: OfflineResource[];

    before(async () => {
        const stacks = await Promise.all([
            offlineStack(),
            offlineStack({ config: { bucketMode: "create", experimentTracking: true } }),
            offlineStack({ preview: true }),
            // Every optional part on: serving (model, endpoint, autoscaling, monitoring), labeling, tracking.
            offlineStack({ stack: "full" }),
        ]);
        universe = [...stacks.flatMap((stack) => toPolicyResources(stack.resources)), ...EXTRA_RESOURCES];
    });

    const scoped = policies.filter((policy): policy is ScopedResourcePolicy => "validateResource" in policy && (policy as ScopedResourcePolicy).appliesTo !== undefined);

    it("every resource policy of the pack declares the types it applies to", () => {
        const unscoped = policies.filter((policy) => "validateResource" in policy && !(policy as ScopedResourcePolicy).appliesTo).map((policy) => policy.name);
        expect(unscoped).to.deep.equal([]);
    });

    for (const policy of scoped) {
        it(`${policy.name}: every resource of an excluded type is not applicable`, async () => {
            const excluded = universe.filter((candidate) => !policy.appliesTo!(candidate.type));
            expect(excluded.length, "resources of excluded types to try").to.be.greaterThan(10);
            for (const candidate of excluded) {
                const outcome = await runPolicyDirectly(policy, resourceValidationArgs(candidate.type, candidate.props, candidate.name));
                expect(outcome.notApplicable, `${policy.name} applies to ${candidate.type} ${candidate.name} (${JSON.stringify(outcome.messages)})`).to.equal(true);
            }
        });
    }

    it("gives the same verdict as calling every policy for every resource, as the engine does", async () => {
        const scopedRun = await evaluateDetailed(universe);
        const engineLike = await evaluateDetailed(universe, {}, policies, { allTypes: true });
        expect(scopedRun.violations).to.deep.equal(engineLike.violations);
        expect(scopedRun.skipped).to.deep.equal(engineLike.skipped);
        expect(scopedRun.violations.length, "the universe does violate the pack").to.be.greaterThan(5);
    });
});

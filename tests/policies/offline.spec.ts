// The in-process evaluation API other tools rely on: config semantics, argument objects, unknowns.
import * as aws from "@pulumi/aws";
import { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { expect } from "chai";
import { evaluate, evaluateDetailed, resolveConfig, toPolicyResources, withPolicyUnknowns } from "../../policies/offline";
import { policies } from "../../policies/policies";
import { assertHasViolation, COST_TAGS, document, resource, UNKNOWN_INPUT } from "./helpers";

const untaggedKey = () => resource("aws:kms/key:Key", { enableKeyRotation: true }, "k");

describe("offline evaluate(): configuration", () => {
    it("returns violations with the policy's default enforcement level", async () => {
        const violations = await evaluate([untaggedKey()]);
        expect(violations).to.deep.include({
            policy: "required-cost-allocation-tags",
            enforcementLevel: "mandatory",
            resource: "k",
            message: "k (aws:kms/key:Key) lacks the cost-allocation tags project, environment, cost-center and owner; add them to its tags.",
        });
    });

    it("applies a level given as a string, `all`, and per-policy overrides of `all`", async () => {
        expect((await evaluate([untaggedKey()], { "required-cost-allocation-tags": "advisory" }))[0].enforcementLevel).to.equal("advisory");
        const all = await evaluate([untaggedKey(), resource("aws:kms/key:Key", { tags: COST_TAGS }, "static")], { all: "advisory", "kms-key-rotation-enabled": { enforcementLevel: "mandatory" } });
        expect(all.find((v) => v.policy === "required-cost-allocation-tags")?.enforcementLevel).to.equal("advisory");
        expect(all.find((v) => v.policy === "kms-key-rotation-enabled")?.enforcementLevel).to.equal("mandatory");
    });

    it("reports nothing for a disabled policy, and reports a remediate-level violation as mandatory (as the engine does)", async () => {
        expect(await evaluate([untaggedKey()], { "required-cost-allocation-tags": "disabled" })).to.deep.equal([]);
        expect((await evaluate([untaggedKey()], { "required-cost-allocation-tags": "remediate" }))[0].enforcementLevel).to.equal("mandatory");
    });

    it("merges knobs with the schema defaults", () => {
        const settings = resolveConfig({ "sagemaker-pipeline-max-runtime": { maxTrainingRuntimeSeconds: 3600 } });
        expect(settings.get("sagemaker-pipeline-max-runtime")?.properties).to.deep.equal({
            maxTrainingRuntimeSeconds: 3600,
            maxProcessingRuntimeSeconds: 14_400,
            maxSpotWaitSeconds: 172_800,
        });
        expect(settings.get("sagemaker-pipeline-max-runtime")?.enforcementLevel).to.equal("mandatory");
    });

    it("throws a clear error naming the policy and the knob for a wrongly typed knob", async () => {
        await expectRejection(evaluate([], { "sagemaker-pipeline-instance-count": { maxInstanceCount: "4" } }), [
            'Invalid policy pack config for "sagemaker-pipeline-instance-count"',
            'knob "maxInstanceCount" must be integer (got "4")',
        ]);
        await expectRejection(evaluate([], { "sagemaker-pipeline-run-cost": { basis: "average" } }), ['"sagemaker-pipeline-run-cost"', 'knob "basis" must be equal to one of the allowed values']);
        await expectRejection(evaluate([], { "sagemaker-pipeline-run-cost": { instancePrices: { "ml.g5.xlarge": -1 } } }), ['knob "instancePrices.ml.g5.xlarge" must be >= 0']);
    });

    it("throws for an unknown knob, an unknown policy and an invalid level", async () => {
        await expectRejection(evaluate([], { "sagemaker-pipeline-instance-count": { maxInstanceCont: 2 } }), ['unknown knob "maxInstanceCont"; its knobs are maxInstanceCount']);
        await expectRejection(evaluate([], { "no-such-policy": "advisory" }), ['names "no-such-policy", which is not a policy of sagemaker-yolo-policies']);
        await expectRejection(evaluate([], { "iam-no-wildcard-actions": "strict" }), ['"iam-no-wildcard-actions"', '"strict" is not one of advisory, mandatory, remediate, disabled']);
    });
});

describe("offline evaluate(): resources and arguments", () => {
    it("names the resource by its URN when the caller gives one, and makes one up otherwise", async () => {
        const urn = "urn:pulumi:dev::sagemaker-yolo::aws:kms/key:Key::k";
        expect((await evaluate([{ ...untaggedKey(), urn }]))[0].resource).to.equal(urn);
        const stackPolicy = policies.find((p) => p.name === "aws-provider-allowed-profile") as StackValidationPolicy;
        const seen: string[] = [];
        const spy: StackValidationPolicy = { ...stackPolicy, validateStack: (args) => void seen.push(...args.resources.map((r) => r.urn)) };
        await evaluateDetailed([untaggedKey()], {}, [spy]);
        expect(seen).to.deep.equal(["urn:pulumi:offline::offline::aws:kms/key:Key::k"]);
    });

    it("reports a stack policy's violation on the resource whose URN it names", async () => {
        const violations = await evaluate([{ type: "pulumi:providers:aws", name: "aws", props: { profile: "personal" }, urn: "urn:pulumi:dev::p::pulumi:providers:aws::aws" }]);
        assertHasViolation(violations, "aws-provider-allowed-profile", "personal", "urn:pulumi:dev::p::pulumi:providers:aws::aws");
    });

    it("builds engine-shaped args: isType/asType with resource classes, getConfig with knobs, notApplicable handled", async () => {
        const observed: Record<string, unknown>[] = [];
        const probe: ResourceValidationPolicy = {
            name: "probe-args",
            description: "Records the argument object of every resource.",
            enforcementLevel: "advisory",
            configSchema: { properties: { limit: { type: "integer", default: 3, description: "a knob" } } },
            validateResource: (args, reportViolation) => {
                if (!args.isType(aws.kms.Key)) {
                    args.notApplicable("keys only");
                }
                observed.push({
                    urn: args.urn,
                    name: args.name,
                    config: args.getConfig(),
                    asKey: args.asType(aws.kms.Key)?.enableKeyRotation,
                    asRole: args.asType(aws.iam.Role),
                    opts: args.opts,
                    stackTags: args.stackTags.size,
                });
                reportViolation("key seen");
            },
        };
        const result = await evaluateDetailed([untaggedKey(), resource("aws:iam/role:Role", { name: "r" }, "r")], { "probe-args": { limit: 5 } }, [probe]);
        expect(result.violations).to.deep.equal([{ policy: "probe-args", enforcementLevel: "advisory", resource: "k", message: "key seen" }]);
        expect(observed).to.have.length(1);
        expect(observed[0]).to.deep.include({ urn: "urn:pulumi:offline::offline::aws:kms/key:Key::k", name: "k", config: { limit: 5 }, asKey: true, asRole: undefined, stackTags: 0 });
        expect(observed[0].opts).to.deep.include({ protect: false, ignoreChanges: [], aliases: [] });
    });

    it("wraps a policy's own error with the policy and resource names instead of hiding it", async () => {
        const broken: ResourceValidationPolicy = {
            name: "broken-policy",
            description: "Throws on every resource.",
            enforcementLevel: "mandatory",
            configSchema: { properties: {} },
            validateResource: () => {
                throw new Error("boom");
            },
        };
        await expectRejection(evaluateDetailed([untaggedKey()], {}, [broken]), ['Policy "broken-policy"', "failed on aws:kms/key:Key k: boom"]);
    });

    it("turns SDK unknowns into policy sentinels without touching the caller's objects", () => {
        const props = { a: UNKNOWN_INPUT, list: [1, UNKNOWN_INPUT], nested: { b: "x", gone: undefined } };
        const converted = withPolicyUnknowns(props) as Record<string, any>;
        expect(converted.a).to.be.a("string").and.equal(converted.list[1]);
        expect(converted.nested).to.deep.equal({ b: "x" });
        expect(props.a).to.equal(UNKNOWN_INPUT);
    });

    it("skips a policy that meets an unknown value (the engine's \"can't run during preview\") and never crashes", async () => {
        const result = await evaluateDetailed([
            resource("aws:kms/key:Key", { enableKeyRotation: UNKNOWN_INPUT, tags: COST_TAGS }, "k"),
            resource("aws:iam/rolePolicy:RolePolicy", { role: "r", policy: UNKNOWN_INPUT }, "rp"),
            resource("aws:iam/rolePolicy:RolePolicy", { role: "r", policy: document({ Effect: "Allow", Action: "*", Resource: "*" }) }, "admin"),
        ]);
        expect(result.skipped).to.deep.include({ policy: "kms-key-rotation-enabled", resource: "k", reason: "string value at .enableKeyRotation can't be known during preview" });
        expect(result.skipped.some((s) => s.policy === "iam-no-wildcard-actions" && s.resource === "rp")).to.equal(true);
        assertHasViolation(result.violations, "iam-no-wildcard-actions", "every action", "admin");
    });

    it("converts runOfflineStack resources (inputs) into evaluate's input", () => {
        const converted = toPolicyResources([{ type: "aws:kms/key:Key", name: "k", inputs: { enableKeyRotation: true }, custom: true, provider: "p" } as never]);
        expect(converted).to.deep.equal([{ type: "aws:kms/key:Key", name: "k", props: { enableKeyRotation: true } }]);
    });

    it("keeps the provider (from the SDK's `<URN>::<id>` reference) and the property dependencies of a resource", () => {
        // As the SDK writes it for a provider registered inside the root stack (the parent's type before the `$`).
        const reference = "urn:pulumi:dev::sagemaker-yolo::pulumi:pulumi:Stack$pulumi:providers:aws::aws-replica::04da6b54-80e4-46f7-96ec-b56ff0331ba9";
        const converted = toPolicyResources([
            { type: "aws:s3/bucketReplicationConfig:BucketReplicationConfig", name: "r", inputs: {}, provider: reference, propertyDependencies: { rules: ["replica-key"], bucket: [] } },
        ]);
        expect(converted).to.deep.equal([{ type: "aws:s3/bucketReplicationConfig:BucketReplicationConfig", name: "r", props: {}, provider: "aws-replica", propertyDependencies: { rules: ["replica-key"] } }]);
    });

    it("hands resource and stack policies the resource's provider and its property dependencies, as the engine does", async () => {
        const provider = resource("pulumi:providers:aws", { profile: "ab", region: "us-west-2", defaultTags: JSON.stringify({ tags: COST_TAGS }) }, "aws-replica");
        const key = { ...resource("aws:kms/key:Key", { enableKeyRotation: true }, "replica-key"), provider: "aws-replica" };
        const user = { ...resource("aws:s3/bucketReplicationConfig:BucketReplicationConfig", { rules: [] }, "uses-key"), propertyDependencies: { rules: ["replica-key", "no-such-resource"] } };
        // The key has no tags of its own: its provider's defaultTags carry them, which the tagging rule reads from args.provider.
        expect((await evaluate([provider, key, user])).filter((v) => v.resource === "replica-key")).to.deep.equal([]);
        const seen: { provider?: string; region?: string; dependencies?: string[] } = {};
        const probe: StackValidationPolicy = {
            name: "probe",
            description: "records what a stack policy receives",
            enforcementLevel: "advisory",
            validateStack: (args) => {
                const found = args.resources.find((r) => r.name === "replica-key")!;
                seen.provider = found.provider?.name;
                seen.region = found.provider?.props.region;
                seen.dependencies = args.resources.find((r) => r.name === "uses-key")!.propertyDependencies.rules.map((r) => r.name);
                expect(args.resources.find((r) => r.name === "uses-key")!.propertyDependencies.rules[0]).to.equal(found);
            },
        };
        await evaluateDetailed([provider, key, user], {}, [probe]);
        expect(seen).to.deep.equal({ provider: "aws-replica", region: "us-west-2", dependencies: ["replica-key"] });
    });
});

async function expectRejection(promise: Promise<unknown>, fragments: string[]): Promise<void> {
    try {
        await promise;
    } catch (error) {
        for (const fragment of fragments) {
            expect((error as Error).message).to.contain(fragment);
        }
        return;
    }
    expect.fail(`expected a rejection containing ${JSON.stringify(fragments)}`);
}

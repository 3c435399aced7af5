// Cost-allocation tags on every taggable resource.
import { expect } from "chai";
import { assertHasViolation, assertNoViolations, COST_TAGS, resource, run, UNKNOWN_INPUT, violationsOf } from "./helpers";

describe("required-cost-allocation-tags", () => {
    const policy = "required-cost-allocation-tags";

    it("accepts taggable resources with every cost tag, and ignores types that take no tags", async () => {
        const violations = await violationsOf([
            resource("aws:sagemaker/pipeline:Pipeline", { pipelineName: "p", tags: { ...COST_TAGS, extra: "x" } }),
            resource("aws:iam/rolePolicy:RolePolicy", { role: "r", policy: "{}" }),
            resource("aws:kms/alias:Alias", { name: "alias/x", targetKeyId: "k" }),
            resource("sagemaker-yolo:storage:DataBucket", {}),
        ]);
        assertNoViolations(violations, policy);
    });

    it("reports missing and empty cost tags, naming the resource and the keys", async () => {
        const violations = await violationsOf([
            resource("aws:kms/key:Key", { enableKeyRotation: true }, "untagged-key"),
            resource("aws:iam/role:Role", { name: "r", tags: { ...COST_TAGS, owner: " ", "cost-center": undefined } }, "half-tagged-role"),
        ]);
        assertHasViolation(violations, policy, "untagged-key (aws:kms/key:Key) lacks the cost-allocation tags project, environment, cost-center and owner", "untagged-key");
        assertHasViolation(violations, policy, "lacks the cost-allocation tags cost-center and owner", "half-tagged-role");
    });

    it("uses the configured tag keys", async () => {
        const violations = await violationsOf([resource("aws:kms/key:Key", { tags: COST_TAGS }, "k")], { [policy]: { requiredTags: ["data-classification"] } });
        assertHasViolation(violations, policy, "lacks the cost-allocation tag data-classification", "k");
    });

    it("skips a resource whose tags are unknown during preview", async () => {
        const result = await run([resource("aws:kms/key:Key", { tags: UNKNOWN_INPUT }, "k")]);
        assertNoViolations(result.violations, policy);
        expect(result.skipped).to.deep.include({ policy, resource: "k", reason: "string value at .tags can't be known during preview" });
    });
});

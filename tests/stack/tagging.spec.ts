import * as pulumi from "@pulumi/pulumi";
import { expect } from "chai";
import { costAllocationTags } from "../../components/tagging";
import { isTaggable } from "../../policies/taggable";

describe("cost-allocation tagging", () => {
    it("knows from the installed provider which resource types take tags", () => {
        for (const type of ["aws:s3/bucket:Bucket", "aws:kms/key:Key", "aws:iam/role:Role", "aws:sagemaker/domain:Domain", "aws:sagemaker/pipeline:Pipeline", "aws:s3/bucketObjectv2:BucketObjectv2"]) {
            expect(isTaggable(type), type).to.equal(true);
        }
        for (const type of ["aws:iam/rolePolicy:RolePolicy", "aws:s3/bucketPolicy:BucketPolicy", "aws:kms/alias:Alias", "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "pulumi:providers:aws", "sagemaker-yolo:storage:DataBucket", "aws:nosuch/thing:Thing"]) {
            expect(isTaggable(type), type).to.equal(false);
        }
    });

    const transform = costAllocationTags({ project: "p", environment: "dev", "cost-center": "cc", owner: "o" });

    it("adds the cost tags to a taggable resource and keeps its own tags", async () => {
        const result = await transform({ custom: true, type: "aws:iam/role:Role", name: "r", props: { tags: { "ml-persona": "pipeline", owner: "someone-else" } }, opts: {} });
        expect(result?.props.tags).to.deep.equal({ "ml-persona": "pipeline", owner: "o", project: "p", environment: "dev", "cost-center": "cc" });
    });

    it("merges into tags that are still an Output", async () => {
        const result = await transform({ custom: true, type: "aws:kms/key:Key", name: "k", props: { tags: pulumi.output({ team: "x" }) }, opts: {} });
        const tags = await new Promise((done) => (result?.props.tags as pulumi.Output<unknown>).apply(done));
        expect(tags).to.deep.equal({ team: "x", project: "p", environment: "dev", "cost-center": "cc", owner: "o" });
    });

    it("leaves non-taggable resources and components alone", async () => {
        expect(await transform({ custom: true, type: "aws:iam/rolePolicy:RolePolicy", name: "p", props: {}, opts: {} })).to.equal(undefined);
        expect(await transform({ custom: false, type: "aws:iam/role:Role", name: "c", props: {}, opts: {} })).to.equal(undefined);
    });
});

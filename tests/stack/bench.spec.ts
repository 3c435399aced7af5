// `npm run bench` builds large stacks from renamed copies of the project's own: each copy must refer to itself
// only (names, providers, property dependencies), or the rates it prints are of a stack that fails the pack.
import { expect } from "chai";
import { parseConfig } from "../../components/config";
import { evaluateDetailed, toPolicyResources } from "../../policies/offline";
import { replicate } from "../../tools/bench";
import { rawStackConfig, stackPolicyConfig } from "../../tools/stackConfig";
import { offlineStack } from "./fixtures";

describe("npm run bench's renamed copies", () => {
    it("of the full stack pass the pack like the stack itself: providers and property dependencies point into their own copy", async () => {
        const full = await offlineStack({ stack: "full" });
        const resources = toPolicyResources(full.resources);
        const copies = replicate(resources, 2, String(full.outputs.pipelineName).replace(/-yolo11-training$/, ""), String(full.outputs.bucketName));
        expect(copies).to.have.length(2 * resources.length);
        const second = copies.find((r) => r.name === "replication-config-1")!;
        expect(second.propertyDependencies).to.deep.include({ rules: ["replication-replica-key-1"] });
        expect(copies.find((r) => r.name === "replication-replica-key-1")!.provider).to.equal("aws-replica-1");
        const { violations } = await evaluateDetailed(copies, stackPolicyConfig(parseConfig(rawStackConfig("full"))));
        expect(violations).to.deep.equal([]);
    });
});

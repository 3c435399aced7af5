// The CrossGuard policy pack: `pulumi preview --policy-pack policies` (or `pulumi up`) runs this module,
// which serves the policies to the engine. See README.md for the policies, their knobs and offline use.
import { PolicyPack } from "@pulumi/policy";
import { PACK_NAME, policies } from "./policies";

new PolicyPack(PACK_NAME, {
    description: "Least privilege, encryption and cost guard rails for the SageMaker YOLO11 drone-detection platform.",
    provider: "aws",
    tags: ["aws", "sagemaker", "security", "cost"],
    enforcementLevel: "mandatory",
    policies,
});

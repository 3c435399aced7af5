// The pack's policies, in one list that index.ts serves to the Pulumi engine and offline.ts evaluates
// in-process (constructing a PolicyPack starts the engine's gRPC server, so nothing else may import index.ts).
import { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { costPolicies } from "./cost";
import { endpointPolicies } from "./endpoint";
import { dataProtectionPolicies } from "./dataProtection";
import { iamPolicies } from "./iam";
import { labelingPolicies } from "./labeling";
import { mlflowPolicies } from "./mlflow";
import { personaPolicies } from "./personas";
import { providerPolicies } from "./provider";
import { registryPolicies } from "./registry";
import { sagemakerPolicies } from "./sagemaker";
import { storagePolicies } from "./storage";
import { studioPolicies } from "./studio";
import { taggingPolicies } from "./tagging";
import { triggerPolicies } from "./trigger";

export const PACK_NAME = "sagemaker-yolo-policies";

export const policies: (ResourceValidationPolicy | StackValidationPolicy)[] = [
    ...iamPolicies,
    ...personaPolicies,
    ...storagePolicies,
    ...dataProtectionPolicies,
    ...sagemakerPolicies,
    ...registryPolicies,
    ...mlflowPolicies,
    ...labelingPolicies,
    ...triggerPolicies,
    ...endpointPolicies,
    ...studioPolicies,
    ...costPolicies,
    ...taggingPolicies,
    ...providerPolicies,
];

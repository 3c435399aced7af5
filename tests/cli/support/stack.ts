// The dev stack's pipeline exactly as the program registers it: the Pipeline resource's inputs from a
// run of index.ts under mocks (tools/offlineStack.ts), computed once per test process.
import { PipelineDefinition } from "../../../components/pipelineDefinition";
import { runOfflineStack } from "../../../tools/offlineStack";
import { DeployedDefinition, parseDefinition } from "../../../cli/definition";

export interface StackPipeline {
    readonly name: string;
    readonly roleArn: string;
    /** The definition JSON as CreatePipeline receives it. */
    readonly definitionJson: string;
    readonly definition: PipelineDefinition;
    /** The same, as the CLI reads a deployed definition. */
    readonly deployed: DeployedDefinition;
    readonly bucket: string;
}

let cached: Promise<StackPipeline> | undefined;

export function stackPipeline(): Promise<StackPipeline> {
    cached ??= (async () => {
        const stack = await runOfflineStack({ stack: "dev" });
        const pipeline = stack.resources.find((resource) => resource.type === "aws:sagemaker/pipeline:Pipeline");
        if (!pipeline) {
            throw new Error("the dev stack registers no aws:sagemaker/pipeline:Pipeline");
        }
        const definitionJson = String(pipeline.inputs.pipelineDefinition);
        return {
            name: String(pipeline.inputs.pipelineName),
            roleArn: String(pipeline.inputs.roleArn),
            definitionJson,
            definition: JSON.parse(definitionJson) as PipelineDefinition,
            deployed: parseDefinition(definitionJson, String(pipeline.inputs.pipelineName)),
            bucket: String(stack.outputs.bucketName),
        };
    })();
    return cached;
}

// The pipeline this checkout's program gives a stack, for checks that need no AWS: index.ts run in-process
// under Pulumi mocks (tools/offlineStack.ts), the same run `npm run plan` makes, and the Pipeline resource's
// definition as `pulumi up` would send it. Not build/pipeline-definition.<stack>.json: that file is as old as
// the last `npm run plan` and silently stale after a pull or an edit; the program is the truth. The price is
// the program's run, about 1.5 s (loading @pulumi/pulumi and @pulumi/aws, then the program), so only `start`
// asks for it, once per process.
import { DeployedDefinition, parseDefinition } from "./definition";
import { CliError } from "./errors";

export interface StackDefinition {
    readonly pipelineName: string;
    readonly definition: DeployedDefinition;
    /** The definition JSON as CreatePipeline/UpdatePipeline would receive it. */
    readonly definitionJson: string;
}

const PIPELINE_TYPE = "aws:sagemaker/pipeline:Pipeline";
const built = new Map<string, Promise<StackDefinition>>();

export function stackDefinition(stack: string): Promise<StackDefinition> {
    let definition = built.get(stack);
    if (definition === undefined) {
        definition = build(stack);
        built.set(stack, definition);
        // A failed run is not remembered: the next call tries again.
        definition.catch(() => built.delete(stack));
    }
    return definition;
}

async function build(stack: string): Promise<StackDefinition> {
    // Loaded here, not at the top: the other commands never pay for the Pulumi SDK.
    const { runOfflineStack } = await import("../tools/offlineStack");
    let resources;
    try {
        ({ resources } = await runOfflineStack({ stack }));
    } catch (error) {
        throw new CliError(`cannot build stack ${stack}'s pipeline definition from this checkout (npm run plan shows the same run): ${(error as Error).message}`);
    }
    const pipeline = resources.find((resource) => resource.type === PIPELINE_TYPE);
    if (pipeline === undefined || typeof pipeline.inputs.pipelineDefinition !== "string") {
        throw new CliError(`stack ${stack}'s program registers no ${PIPELINE_TYPE} with a known definition`);
    }
    const pipelineName = String(pipeline.inputs.pipelineName);
    const definitionJson = pipeline.inputs.pipelineDefinition;
    return { pipelineName, definitionJson, definition: parseDefinition(definitionJson, pipelineName) };
}

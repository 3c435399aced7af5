// Cost-allocation tags on every taggable resource, applied once by a stack-wide transform instead of by
// hand on each resource, and visible in each resource's own inputs (so previews, the policy pack and
// tests see them). Resource-specific tags such as `ml-persona` are kept; the cost tags always win.
import * as pulumi from "@pulumi/pulumi";
import { isTaggable } from "../policies/taggable";

export function costAllocationTags(tags: Readonly<Record<string, string>>): pulumi.ResourceTransform {
    return (args) => {
        if (!args.custom || !isTaggable(args.type)) {
            return undefined;
        }
        // Under the engine, inputs that were Outputs arrive as Outputs; merge without unwrapping them by hand.
        const merged = pulumi.output(args.props.tags ?? {}).apply((own: Record<string, string>) => ({ ...own, ...tags }));
        return { props: { ...args.props, tags: pulumi.Output.isInstance(args.props.tags) ? merged : { ...(args.props.tags ?? {}), ...tags } }, opts: args.opts };
    };
}

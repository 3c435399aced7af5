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
        return { props: { ...args.props, tags: { ...(args.props.tags ?? {}), ...tags } }, opts: args.opts };
    };
}

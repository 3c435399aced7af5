// Cost allocation: every resource that can carry tags carries the platform's cost-allocation tags. Which
// types take tags comes from the installed @pulumi/aws (taggable.ts), the same answer the stack's tagging
// transform uses.
import { ScopedResourcePolicy } from "./appliesTo";
import { REQUIRED_TAG_KEYS } from "./catalog";
import { knobs, listText, stringList } from "./knobs";
import { isTaggable } from "./taggable";
import { peek, UNKNOWN } from "./unknowns";

interface TagKnobs {
    requiredTags: string[];
}
const tagSchema = {
    properties: {
        requiredTags: stringList("Tag keys every taggable resource must carry with a non-empty value.", REQUIRED_TAG_KEYS),
    },
};

/** Tags the resource's provider adds to everything (`defaultTags`; provider inputs may arrive JSON-encoded). */
function providerDefaultTags(provider: { props: Record<string, any> } | undefined): Record<string, unknown> {
    const raw = peek(() => provider?.props.defaultTags);
    const value = typeof raw === "string" ? (JSON.parse(raw) as unknown) : raw;
    if (value === UNKNOWN || !value || typeof value !== "object") {
        return {};
    }
    const tags = (value as { tags?: unknown }).tags;
    return tags && typeof tags === "object" ? { ...(tags as Record<string, unknown>) } : {};
}

export const requiredCostAllocationTags: ScopedResourcePolicy = {
    appliesTo: isTaggable,
    name: "required-cost-allocation-tags",
    description: `Every AWS resource whose type takes tags carries the cost-allocation tags (${REQUIRED_TAG_KEYS.join(", ")} by default) with non-empty values in its own \`tags\` input (or its provider's defaultTags).`,
    enforcementLevel: "mandatory",
    configSchema: tagSchema,
    validateResource: (args, reportViolation) => {
        if (!isTaggable(args.type)) {
            args.notApplicable(`${args.type} takes no tags`);
        }
        const { requiredTags } = knobs<TagKnobs>(args, tagSchema);
        const fromProvider = providerDefaultTags(args.provider);
        const tags = args.props.tags ?? {};
        const missing = requiredTags.filter((key) => {
            const value = fromProvider[key] ?? tags[key];
            return typeof value !== "string" || value.trim().length === 0;
        });
        if (missing.length > 0) {
            reportViolation(`${args.name} (${args.type}) lacks the cost-allocation tag${missing.length > 1 ? "s" : ""} ${listText(missing)}; add ${missing.length > 1 ? "them" : "it"} to its tags.`);
        }
    },
};

export const taggingPolicies = [requiredCostAllocationTags];

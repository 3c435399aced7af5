// Deployment guard rails: the AWS providers a stack deploys with.
import { StackValidationPolicy } from "@pulumi/policy";
import { DEFAULT_ALLOWED_PROFILES } from "./catalog";
import { knobs, listText, stringList } from "./knobs";
import { eachKnown } from "./unknowns";

const AWS_PROVIDER_TYPE = "pulumi:providers:aws";

interface ProfileKnobs {
    allowedProfiles: string[];
}
const profileSchema = {
    properties: {
        allowedProfiles: stringList("AWS CLI/SDK profiles an aws provider may use.", DEFAULT_ALLOWED_PROFILES),
    },
};

export const awsProviderAllowedProfile: StackValidationPolicy = {
    name: "aws-provider-allowed-profile",
    description:
        "Every AWS provider of the stack (explicit or default, `pulumi:providers:aws`) sets `profile` to one of allowedProfiles, so the stack cannot be deployed with whatever credentials happen to be in the environment.",
    enforcementLevel: "mandatory",
    configSchema: profileSchema,
    validateStack: async (args, reportViolation) => {
        const { allowedProfiles } = knobs<ProfileKnobs>(args, profileSchema);
        const providers = args.resources.filter((resource) => resource.type === AWS_PROVIDER_TYPE);
        if (providers.length === 0) {
            args.notApplicable("the stack has no AWS provider");
        }
        await eachKnown(providers, (provider) => {
            const profile = provider.props.profile;
            if (typeof profile !== "string" || profile.length === 0) {
                reportViolation(
                    `AWS provider ${provider.name} sets no profile; set profile (or aws:profile for the default provider) to ${listText(allowedProfiles)}.`,
                    provider.urn,
                );
            } else if (!allowedProfiles.includes(profile)) {
                reportViolation(
                    `AWS provider ${provider.name} uses profile "${profile}", which is not in allowedProfiles (${listText(allowedProfiles)}); use an allowed profile.`,
                    provider.urn,
                );
            }
        });
    },
};

export const providerPolicies = [awsProviderAllowedProfile];

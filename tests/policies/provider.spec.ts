// The AWS providers a stack deploys with.
import { assertHasViolation, assertNoViolations, resource, violationsOf } from "./helpers";

describe("aws-provider-allowed-profile", () => {
    const policy = "aws-provider-allowed-profile";
    const provider = (props: Record<string, unknown>, name = "aws") => resource("pulumi:providers:aws", { region: "us-east-1", ...props }, name);

    it("accepts providers with an allowed profile", async () => {
        assertNoViolations(await violationsOf([provider({ profile: "ab" }), provider({ profile: "ab" }, "default_7_48_0")]), policy);
    });

    it("reports a provider without a profile or with another profile, naming the provider", async () => {
        const violations = await violationsOf([provider({}, "no-profile"), provider({ profile: "personal" }, "personal")]);
        assertHasViolation(violations, policy, "AWS provider no-profile sets no profile", "no-profile");
        assertHasViolation(violations, policy, 'AWS provider personal uses profile "personal", which is not in allowedProfiles (ab)', "personal");
    });

    it("uses the configured profiles", async () => {
        assertNoViolations(await violationsOf([provider({ profile: "ab-ci" })], { [policy]: { allowedProfiles: ["ab", "ab-ci"] } }), policy);
    });
});

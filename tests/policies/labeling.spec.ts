// Ground Truth labeling under the pack: who may be shown the imagery (the work team in the IAM condition that
// allows CreateLabelingJob), that labels are written with the stack's key, and what the labeling role can reach.
import { expect } from "chai";
import { ACCOUNT, assertHasViolation, assertNoViolations, COST_TAGS, document, KEY_ARN, resource, role, rolePolicy, run, UNKNOWN_INPUT, violationsOf } from "./helpers";

const WORKFORCE = "sagemaker-labeling-workforce-private";
const ROLE_RULE = "sagemaker-labeling-role-scoped";
const PRIVATE_TEAM = `arn:aws:sagemaker:us-east-1:${ACCOUNT}:workteam/private-crowd/drone-labelers`;
const PUBLIC_TEAM = "arn:aws:sagemaker:us-east-1:394669845002:workteam/public-crowd/default";
const JOBS = `arn:aws:sagemaker:us-east-1:${ACCOUNT}:labeling-job/drone-dev-*`;
const BUCKET = "arn:aws:s3:::drone-data-bucket";

function createJobs(condition?: Record<string, Record<string, unknown>>, action: string | string[] = "sagemaker:CreateLabelingJob") {
    return document({ Sid: "StartLabeling", Effect: "Allow", Action: action, Resource: JOBS, ...(condition ? { Condition: condition } : {}) });
}
const confined = (team: string | string[] = PRIVATE_TEAM) => ({ StringEquals: { "sagemaker:WorkteamArn": team, "sagemaker:OutputKmsKeyArn": KEY_ARN } });
const dataScientist = () => role("drone-dev-data-scientist", { tags: { ...COST_TAGS, "ml-persona": "data-scientist" } });
const ALIAS = "alias/drone-dev-data";
const ALIAS_ARN = `arn:aws:kms:us-east-1:${ACCOUNT}:${ALIAS}`;
const FOREIGN_KEY = "arn:aws:kms:us-east-1:999999999999:key/11111111-2222-3333-4444-555555555555";
/** The stack's key and its alias; `arn` unknown as in a preview of a new stack. */
const stackKey = (arn: unknown = KEY_ARN) => [
    resource("aws:kms/key:Key", { arn, keyId: arn === KEY_ARN ? "11111111-2222-3333-4444-555555555555" : arn, enableKeyRotation: true, rotationPeriodInDays: 365, tags: COST_TAGS }, "data-key"),
    resource("aws:kms/alias:Alias", { name: ALIAS, targetKeyId: "11111111-2222-3333-4444-555555555555" }, "data-key-alias"),
];
const withKey = (key: string) => ({ StringEquals: { "sagemaker:WorkteamArn": PRIVATE_TEAM, "sagemaker:OutputKmsKeyArn": key } });

describe("sagemaker-labeling-workforce-private", () => {
    it("accepts jobs confined to a private work team (by ARN or by type) with the stack's output key", async () => {
        const byType = { StringEquals: { "sagemaker:WorkteamType": "private-crowd", "sagemaker:OutputKmsKeyArn": KEY_ARN } };
        const violations = await violationsOf([...stackKey(), dataScientist(), rolePolicy(createJobs(confined()), "drone-dev-data-scientist"), rolePolicy(createJobs(byType), "drone-dev-data-scientist")]);
        assertNoViolations(violations, WORKFORCE);
    });

    it("refuses a job the public Mechanical Turk crowd could take, or whose work team is not confined at all", async () => {
        const violations = await violationsOf([
            ...stackKey(),
            dataScientist(),
            rolePolicy(createJobs(confined(PUBLIC_TEAM)), "drone-dev-data-scientist", "public"),
            rolePolicy(createJobs({ StringEquals: { "sagemaker:OutputKmsKeyArn": KEY_ARN } }), "drone-dev-data-scientist", "open"),
            rolePolicy(createJobs({ StringLike: { "sagemaker:WorkteamArn": "arn:aws:sagemaker:*:*:workteam/*", "sagemaker:OutputKmsKeyArn": KEY_ARN } }), "drone-dev-data-scientist", "wildcard"),
            rolePolicy(createJobs(confined(), "sagemaker:Create*"), "drone-dev-data-scientist", "pattern"),
        ]);
        const found = assertHasViolation(violations, WORKFORCE, ["allows sagemaker:CreateLabelingJob but names", "public-crowd", "allowed: private-crowd and vendor-crowd"], "public");
        expect(found.enforcementLevel).to.equal("mandatory");
        assertHasViolation(violations, WORKFORCE, ["does not confine the work team"], "open");
        assertHasViolation(violations, WORKFORCE, ["does not confine the work team"], "wildcard");
        // A pattern covering CreateLabelingJob counts; this one is confined, so only the compliant message set applies.
        expect(violations.filter((v) => v.policy === WORKFORCE && v.resource === "pattern")).to.deep.equal([]);
    });

    it("refuses labels written without the stack's output key", async () => {
        const violations = await violationsOf([dataScientist(), rolePolicy(createJobs({ StringEquals: { "sagemaker:WorkteamArn": PRIVATE_TEAM } }), "drone-dev-data-scientist", "no-key")]);
        assertHasViolation(violations, WORKFORCE, ["without a sagemaker:OutputKmsKeyArn condition"], "no-key");
    });

    it("accepts the stack's key by alias name or alias ARN in the jobs' account, in preview too (alias and key ARNs unknown)", async () => {
        for (const arn of [KEY_ARN, UNKNOWN_INPUT]) {
            const evaluation = await run([...stackKey(arn), dataScientist(), rolePolicy(createJobs(withKey(ALIAS_ARN)), "drone-dev-data-scientist", "alias-arn"), rolePolicy(createJobs(withKey(ALIAS)), "drone-dev-data-scientist", "alias")]);
            assertNoViolations(evaluation.violations, WORKFORCE);
            expect(evaluation.skipped.filter((skip) => skip.policy === WORKFORCE), JSON.stringify(arn)).to.deep.equal([]);
        }
    });

    it("refuses an output key that is not the stack's: another account's key, the stack's alias name in another account, an alias the stack lacks", async () => {
        const violations = await violationsOf([
            ...stackKey(),
            dataScientist(),
            rolePolicy(createJobs(withKey(FOREIGN_KEY)), "drone-dev-data-scientist", "foreign-key"),
            rolePolicy(createJobs(withKey(`arn:aws:kms:us-east-1:999999999999:${ALIAS}`)), "drone-dev-data-scientist", "foreign-alias"),
            rolePolicy(createJobs(withKey(`arn:aws:kms:eu-west-1:${ACCOUNT}:${ALIAS}`)), "drone-dev-data-scientist", "other-region"),
            rolePolicy(createJobs(withKey(`arn:aws:kms:us-east-1:${ACCOUNT}:alias/someone-elses`)), "drone-dev-data-scientist", "other-alias"),
        ]);
        const found = assertHasViolation(violations, WORKFORCE, [`sagemaker:OutputKmsKeyArn ${FOREIGN_KEY}, which is not a key of the stack`], "foreign-key");
        expect(found.enforcementLevel).to.equal("mandatory");
        assertHasViolation(violations, WORKFORCE, ["arn:aws:kms:us-east-1:999999999999:alias/drone-dev-data, which is not a key of the stack"], "foreign-alias");
        assertHasViolation(violations, WORKFORCE, ["which is not a key of the stack"], "other-region");
        assertHasViolation(violations, WORKFORCE, ["alias/someone-elses, which is not a key of the stack"], "other-alias");
        // A stack without any key of its own has nothing a statement could name.
        assertHasViolation(await violationsOf([dataScientist(), rolePolicy(createJobs(confined()), "drone-dev-data-scientist", "keyless")]), WORKFORCE, ["which is not a key of the stack"], "keyless");
    });

    it("waits for deployment when a key ARN matches no key while the stack's key ARN is unknown (preview)", async () => {
        const evaluation = await run([...stackKey(UNKNOWN_INPUT), dataScientist(), rolePolicy(createJobs(withKey(FOREIGN_KEY)), "drone-dev-data-scientist", "later")]);
        expect(evaluation.violations.filter((v) => v.policy === WORKFORCE)).to.deep.equal([]);
        expect(evaluation.skipped.map((skip) => skip.policy)).to.include(WORKFORCE);
    });

    it("accepts the public crowd, and refuses vendors, when the pack config says so", async () => {
        const config = { [WORKFORCE]: { allowPublicWorkforce: true, allowVendorWorkforce: false } };
        const vendor = `arn:aws:sagemaker:us-east-1:${ACCOUNT}:workteam/vendor-crowd/acme`;
        const violations = await violationsOf(
            [...stackKey(), dataScientist(), rolePolicy(createJobs(confined(PUBLIC_TEAM)), "drone-dev-data-scientist", "public"), rolePolicy(createJobs(confined(vendor)), "drone-dev-data-scientist", "vendor")],
            config,
        );
        expect(violations.filter((v) => v.policy === WORKFORCE && v.resource === "public")).to.deep.equal([]);
        assertHasViolation(violations, WORKFORCE, ["vendor-crowd"], "vendor");
    });
});

describe("sagemaker-labeling-role-scoped", () => {
    const labelingRole = (name = "drone-dev-labeling") => role(name, { tags: { ...COST_TAGS, "ml-service": "ground-truth-labeling" } }, "labeling-role");
    const viaS3 = { StringEquals: { "kms:ViaService": "s3.us-east-1.amazonaws.com" } };
    const good = document(
        { Sid: "Read", Effect: "Allow", Action: ["s3:GetObject"], Resource: [`${BUCKET}/datasets/*`, `${BUCKET}/labeling/*`] },
        { Sid: "Write", Effect: "Allow", Action: ["s3:PutObject"], Resource: `${BUCKET}/labeling/*` },
        { Sid: "Key", Effect: "Allow", Action: ["kms:Decrypt", "kms:GenerateDataKey"], Resource: KEY_ARN, Condition: viaS3 },
    );

    it("accepts reads of images, writes under labeling/ and the key through S3", async () => {
        assertNoViolations(await violationsOf([labelingRole(), rolePolicy(good, "drone-dev-labeling")]), ROLE_RULE);
    });

    it("refuses writes outside labeling/, wildcards, other services and the key outside S3", async () => {
        const bad = document(
            { Sid: "WriteData", Effect: "Allow", Action: ["s3:PutObject"], Resource: `${BUCKET}/datasets/*` },
            { Sid: "Everything", Effect: "Allow", Action: ["s3:*"], Resource: `${BUCKET}/labeling/*` },
            { Sid: "Invoke", Effect: "Allow", Action: ["lambda:InvokeFunction"], Resource: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:x` },
            { Sid: "Key", Effect: "Allow", Action: ["kms:Decrypt"], Resource: KEY_ARN },
        );
        const violations = await violationsOf([labelingRole(), rolePolicy(bad, "drone-dev-labeling", "bad")]);
        assertHasViolation(violations, ROLE_RULE, ['statement "WriteData"', "s3:PutObject", "outside labeling/"], "bad");
        assertHasViolation(violations, ROLE_RULE, ['statement "Everything"', 'wildcard action "s3:*"'], "bad");
        assertHasViolation(violations, ROLE_RULE, ['statement "Invoke"', "lambda:InvokeFunction, which the labeling role may not hold"], "bad");
        assertHasViolation(violations, ROLE_RULE, ['statement "Key"', "kms:ViaService"], "bad");
    });
});

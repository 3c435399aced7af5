import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { PROJECT_ROOT } from "../../tools/stackConfig";

function plan(...args: string[]) {
    return spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", path.join(PROJECT_ROOT, "tools", "plan.ts"), ...args], {
        cwd: PROJECT_ROOT,
        encoding: "utf8",
    });
}

describe("npm run plan", () => {
    it("--json prints one document with the resources, the definition and a clean policy verdict, and writes the definition file", () => {
        const run = plan("--json");
        expect(run.status, run.stderr).to.equal(0);
        const document = JSON.parse(run.stdout);
        expect(document.violations).to.deep.equal([]);
        expect(document.pipelineDefinition.Steps.map((s: { Name: string }) => s.Name)).to.deep.equal(["TrainYOLO11", "EvaluateYOLO11"]);
        expect(document.resources.map((r: { type: string }) => r.type)).to.include.members(["aws:sagemaker/pipeline:Pipeline", "aws:iam/role:Role", "aws:kms/key:Key"]);
        const written = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, "build", "pipeline-definition.dev.json"), "utf8"));
        expect(written).to.deep.equal(document.pipelineDefinition);
    });

    it("refuses a stack without valid configuration with exit 2 and the problems, not a stack trace", () => {
        const run = plan("--stack", "nosuchstack");
        expect(run.status).to.equal(2);
        expect(run.stderr).to.contain("Invalid stack configuration").and.contain("aws:profile").and.not.contain("    at ");
    });

    it("refuses an unknown argument with exit 2", () => {
        const run = plan("--jsn");
        expect(run.status).to.equal(2);
        expect(run.stderr).to.contain('unknown argument "--jsn"');
    });
});

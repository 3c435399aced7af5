// The supported Node (package.json engines) and how the project holds to it: npm install puts the pinned
// Node in node_modules/.bin, npm scripts refuse an older one with a line naming the version (tools/
// nodeVersion.js), and the CLI warns once in its own words instead of the AWS SDK's notice. An old Node is
// faked with a --require preload that sets process.version (tests/cli/support/oldNode.js).
import { expect } from "chai";
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { devDependencies, engines, version } from "../../package.json";
import { EXIT } from "../../cli/errors";
import { nodeVersionProblem, requiredMajor } from "../../tools/nodeVersion";
import { PROJECT_ROOT } from "../../tools/stackConfig";
import { runCliProcess } from "./support/cli";
import { freePort } from "./support/moto";

const OLD_NODE = path.join(__dirname, "support", "oldNode.js");

describe("node version", () => {
    it("package.json, policies/package.json, the pinned Node and @types/node agree on one supported LTS major", () => {
        const policies = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, "policies", "package.json"), "utf8"));
        expect(engines.node).to.equal(`>=${requiredMajor}`);
        expect(policies.engines?.node).to.equal(engines.node);
        expect([22, 24], "an LTS line the AWS SDK supports after January 2027").to.include(requiredMajor);
        for (const version of [devDependencies.node, devDependencies["@types/node"], policies.devDependencies["@types/node"]]) {
            expect(version, "an exact pin of the same major").to.match(new RegExp(`^${requiredMajor}\\.\\d+\\.\\d+$`));
        }
    });

    it(`the suite runs on the supported Node (this is ${process.version}), and node_modules/.bin/node is the pinned one`, () => {
        expect(Number(process.versions.node.split(".")[0])).to.be.at.least(requiredMajor);
        const pinned = execFileSync(path.join(PROJECT_ROOT, "node_modules", ".bin", "node"), ["--version"], { encoding: "utf8" }).trim();
        expect(pinned).to.equal(`v${devDependencies.node}`);
    });

    it("names the version needed and the fix on an older Node, and says nothing on a supported one", () => {
        expect(nodeVersionProblem(`v${requiredMajor}.0.0`)).to.equal(undefined);
        expect(nodeVersionProblem("v26.1.0")).to.equal(undefined);
        expect(nodeVersionProblem("v20.20.2")).to.equal(
            `this project needs Node.js >=${requiredMajor} (package.json engines); this is Node v20.20.2 (${process.execPath}). ` +
                "`npm install` puts the supported Node in node_modules/.bin, which npm scripts and npx use first: run `npm install` (without --omit=dev or --ignore-scripts), then the npm scripts.",
        );
    });

    it("`node tools/nodeVersion.js` (first in the plan, bench and typecheck scripts) exits 1 with that line on an older Node, 0 on this one", () => {
        const script = path.join(PROJECT_ROOT, "tools", "nodeVersion.js");
        expect(execFileSync(process.execPath, [script], { encoding: "utf8" })).to.equal("");
        let failure: { status?: number; stderr?: string } = {};
        try {
            execFileSync(process.execPath, ["--require", OLD_NODE, script], { encoding: "utf8", stdio: "pipe" });
        } catch (error) {
            failure = error as typeof failure;
        }
        expect(failure.status).to.equal(1);
        expect(failure.stderr).to.equal(`error: ${nodeVersionProblem("v20.20.2")}\n`);
    });

    it("the CLI on an older Node (subprocess) keeps working and warns once in one line, without the SDK's NodeVersionSupportWarning", async () => {
        const home = fs.mkdtempSync(path.join(os.tmpdir(), "yolo-pipeline-home-"));
        try {
            fs.mkdirSync(path.join(home, ".aws"));
            fs.writeFileSync(path.join(home, ".aws", "config"), "[profile ab]\nregion = us-east-1\n");
            fs.writeFileSync(path.join(home, ".aws", "credentials"), "[ab]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = x\n");
            const endpoint = `http://127.0.0.1:${await freePort()}`;
            // `list` builds the clients (where the SDK would warn) and fails on the closed port.
            const result = await runCliProcess(["list"], { PATH: process.env.PATH ?? "", HOME: home, AWS_ENDPOINT_URL: endpoint, NODE_OPTIONS: `--require ${OLD_NODE}` });
            expect(result.code).to.equal(EXIT.error);
            expect(result.stderr.trim().split("\n")).to.deep.equal([
                `warning: ${nodeVersionProblem("v20.20.2")}`,
                `error: cannot reach the AWS endpoint ${endpoint} from AWS_ENDPOINT_URL (ECONNREFUSED, 6 attempts). Start the emulator or service there, or unset AWS_ENDPOINT_URL to use AWS.`,
            ]);
        } finally {
            fs.rmSync(home, { recursive: true, force: true });
        }
    });

    it("`npm run -s pipeline --` (what the READMEs recommend) on an older Node prints the CLI's output and its own one-line warning, nothing of npm's", () => {
        const npm = spawnSync("npm", ["run", "-s", "pipeline", "--", "--version"], {
            cwd: PROJECT_ROOT,
            encoding: "utf8",
            env: { ...process.env, NODE_OPTIONS: `--require ${OLD_NODE}` },
        });
        expect(npm.status, npm.stderr).to.equal(0);
        expect(npm.stdout).to.equal(`${version}\n`);
        // One line, the CLI's own (it names the node binary npm ran it with), and nothing else: no `npm warn EBADENGINE`.
        expect(npm.stderr).to.match(new RegExp(`^warning: this project needs Node\\.js >=${requiredMajor} \\(package\\.json engines\\); this is Node v20\\.20\\.2 \\([^)]+\\)\\. [^\\n]*\\n$`));
    });

    it("the READMEs run the CLI as `npm run -s pipeline --`: not `npx yolo-pipeline` (its first run per clone prints npm's EBADENGINE block), not `npm run pipeline --` (npm's banner on stdout)", () => {
        for (const readme of ["README.md", path.join("cli", "README.md")]) {
            const text = fs.readFileSync(path.join(PROJECT_ROOT, readme), "utf8");
            const commands = [...text.matchAll(/```(?:bash|sh)\n([\s\S]*?)```/g)].flatMap((block) => block[1].split("\n"));
            const cli = commands.filter((line) => /yolo-pipeline|npm run\b.*\bpipeline\b/.test(line) && !line.trimStart().startsWith("#"));
            expect(cli, readme).to.not.be.empty;
            for (const line of cli) {
                expect(line, readme).to.not.match(/\bnpx yolo-pipeline\b/);
                expect(line, readme).to.not.match(/npm run pipeline\b/);
            }
        }
    });

    it("the notebooks and the commands they print run the CLI the same way", () => {
        for (const file of ["ml_engineer_example.ipynb", "data_scientist_example.ipynb", "notebook_support.py"]) {
            const text = fs.readFileSync(path.join(PROJECT_ROOT, "notebooks", file), "utf8");
            expect(text, file).to.match(/npm run -s pipeline --/);
            expect(text, file).to.not.match(/\bnpx yolo-pipeline\b/);
        }
    });
});

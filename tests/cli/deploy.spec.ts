// `yolo-pipeline deploy <model-version>`: the version's state comes from moto's model registry (ListModelPackages
// and DescribeModelPackage are implemented there, ModelMetrics included), the stack file is a throwaway copy
// beside the repository's Pulumi.yaml, and what deploy wrote is read back with the program's own parseConfig.
import { CreateModelPackageCommand, CreateModelPackageGroupCommand, SageMakerClient, UpdateModelPackageCommand } from "@aws-sdk/client-sagemaker";
import { expect } from "chai";
import * as fs from "fs";
import * as yaml from "js-yaml";
import { parseConfig } from "../../components/config";
import { resourceNames } from "../../components/naming";
import { EXIT } from "../../cli/errors";
import { editStackFile, formatStackFileDiff, StackFileEditError, yamlScalar } from "../../cli/stackFile";
import { rawStackConfig } from "../../tools/stackConfig";
import { AwsSandbox, createAwsSandbox, useSandboxInProcess } from "./support/aws";
import { runCliInProcess } from "./support/cli";
import { Moto, startMoto } from "./support/moto";
import { projectRoot, ProjectRoot } from "./support/projectRoot";

const STACK = "staging";
const BUCKET = "lucaskle-ab3-project-pv";
const GROUP = resourceNames("drone", STACK).modelPackageGroup;
const baseline = (run: string, bucket = BUCKET) => `s3://${bucket}/monitoring/baseline/${run}/`;

// A stack file as a team writes it: comments, a trailing comment on a value, a nested list, keys in its own order.
const STAGING = `# Staging: the endpoint on and monitored. Comments here must survive \`yolo-pipeline deploy\`.
config:
  aws:profile: ab
  aws:region: us-east-1
  pulumi:disable-default-providers:
    - aws
  sagemaker-yolo:bucketMode: adopt  # the drone imagery bucket exists already
  # Serve the approved model; the endpoint bills by the hour.
  sagemaker-yolo:deployment: true
  sagemaker-yolo:deployModelVersion: 1   # approved after the June run
  sagemaker-yolo:deployBaselineUri: ${baseline("run00001")}
  sagemaker-yolo:users:
    - name: ml-engineer
      role: ml-engineer
`;

/** The same stack before anything was deployed: deploy must add the keys. */
const FRESH = `config:
  aws:profile: ab
  aws:region: us-east-1
  sagemaker-yolo:bucketMode: adopt
  sagemaker-yolo:deployment: true
  sagemaker-yolo:endpointMonitoring: false
  sagemaker-yolo:users:
    - name: ml-engineer
      role: ml-engineer
`;

const DEV_OFF = `config:
  aws:profile: ab
  aws:region: us-east-1
  sagemaker-yolo:bucketMode: adopt
  sagemaker-yolo:users:
    - name: ml-engineer
      role: ml-engineer
`;

const configOf = (root: ProjectRoot) => parseConfig(rawStackConfig(STACK, {}, root.dir));

describe("cli deploy: local checks (no AWS client is built)", () => {
    let root: ProjectRoot;
    before(() => (root = projectRoot(STACK, STAGING)));
    after(() => root.remove());

    for (const version of ["0", "-1", "1.5", "three", "1000001"]) {
        it(`refuses the version ${JSON.stringify(version)} (exit 2)`, async () => {
            const result = await runCliInProcess(["--stack", STACK, "deploy", version, "--dry-run"], { projectRoot: root.dir });
            expect(result.code).to.equal(EXIT.usage);
            expect(result.clientsCreated).to.equal(0);
            expect(result.stderr).to.include(`<model-version>: ${JSON.stringify(version)} is not allowed`);
            expect(root.read()).to.equal(STAGING);
        });
    }

    it("refuses a stack with deployment: false, saying how to turn it on", async () => {
        const off = projectRoot("dev", DEV_OFF);
        try {
            const result = await runCliInProcess(["deploy", "3", "--dry-run"], { projectRoot: off.dir });
            expect(result.code).to.equal(EXIT.usage);
            expect(result.clientsCreated).to.equal(0);
            expect(result.stderr).to.include("stack dev has deployment: false").and.include("sagemaker-yolo:deployment: true in Pulumi.dev.yaml");
        } finally {
            off.remove();
        }
    });

    it("refuses a profile the stack does not allow", async () => {
        const result = await runCliInProcess(["--stack", STACK, "--profile", "admin", "deploy", "3"], { projectRoot: root.dir });
        expect(result.code).to.equal(EXIT.usage);
        expect(result.clientsCreated).to.equal(0);
        expect(result.stderr).to.include('--profile "admin" is not allowed');
    });

    it("refuses to write without a terminal unless --yes is given", async () => {
        const result = await runCliInProcess(["--stack", STACK, "deploy", "3"], { projectRoot: root.dir });
        expect(result.code).to.equal(EXIT.usage);
        expect(result.clientsCreated).to.equal(0);
        expect(result.stderr).to.include("deploy: refusing to write version 3 into Pulumi.staging.yaml without confirmation").and.include("--yes");
    });
});

describe("cli deploy against moto's model registry", () => {
    let moto: Moto;
    let sandbox: AwsSandbox;
    let restoreEnv: () => void;
    let sagemaker: SageMakerClient;
    let root: ProjectRoot;

    before(async () => {
        moto = await startMoto();
        sandbox = createAwsSandbox(moto.endpoint);
        restoreEnv = useSandboxInProcess(sandbox);
        sagemaker = new SageMakerClient({ profile: "ab" });
    });
    after(async () => {
        restoreEnv?.();
        sandbox?.remove();
        await moto?.stop();
    });

    interface Version {
        status?: "Approved" | "PendingManualApproval" | "Rejected";
        reason?: string;
        /** The baseline prefix, or explicit file URIs, or none. */
        baseline?: string | { statistics?: string; constraints?: string };
        instanceTypes?: string[];
    }

    async function register(version: Version): Promise<void> {
        const files =
            typeof version.baseline === "string" ? { statistics: `${version.baseline}statistics.json`, constraints: `${version.baseline}constraints.json` } : version.baseline;
        const created = await sagemaker.send(
            new CreateModelPackageCommand({
                ModelPackageGroupName: GROUP,
                ...(version.status ? { ModelApprovalStatus: version.status } : {}),
                InferenceSpecification: {
                    Containers: [{ Image: "763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-inference:2.6.0-cpu-py312", ModelDataUrl: `s3://${BUCKET}/models/model.tar.gz` }],
                    SupportedContentTypes: ["image/jpeg", "image/png", "application/x-image"],
                    SupportedResponseMIMETypes: ["application/json"],
                    SupportedRealtimeInferenceInstanceTypes: (version.instanceTypes ?? ["ml.m5.large", "ml.m5.xlarge", "ml.g4dn.xlarge"]) as never,
                },
                ModelMetrics: {
                    ModelQuality: { Statistics: { ContentType: "application/json", S3Uri: `s3://${BUCKET}/evaluation/x/evaluation.json` } },
                    ...(files
                        ? {
                              ModelDataQuality: {
                                  ...(files.statistics ? { Statistics: { ContentType: "application/json", S3Uri: files.statistics } } : {}),
                                  ...(files.constraints ? { Constraints: { ContentType: "application/json", S3Uri: files.constraints } } : {}),
                              },
                          }
                        : {}),
                },
            }),
        );
        if (version.reason) {
            await sagemaker.send(new UpdateModelPackageCommand({ ModelPackageArn: created.ModelPackageArn, ModelApprovalStatus: version.status, ApprovalDescription: version.reason }));
        }
    }

    const VERSIONS: Version[] = [
        /* 1 */ { status: "Approved", baseline: baseline("run00001") },
        /* 2 */ { status: "PendingManualApproval", baseline: baseline("run00002") },
        /* 3 */ { status: "Rejected", reason: "misses small vehicles at night", baseline: baseline("run00003") },
        /* 4 */ { status: "Approved" },
        /* 5 */ { status: "Approved", baseline: baseline("run00005", "someone-elses-bucket") },
        /* 6 */ { status: "Approved", baseline: baseline("run00006"), instanceTypes: ["ml.g5.xlarge"] },
        /* 7 */ { status: "Approved", baseline: { statistics: `${baseline("run00007")}statistics.json`, constraints: `${baseline("other")}constraints.json` } },
        /* 8 */ { status: "Approved", baseline: baseline("run00008") },
        /* 9 */ {},
    ];

    beforeEach(async () => {
        await moto.reset();
        await sagemaker.send(new CreateModelPackageGroupCommand({ ModelPackageGroupName: GROUP }));
        for (const version of VERSIONS) {
            await register(version);
        }
        root = projectRoot(STACK, STAGING);
    });
    afterEach(() => root.remove());

    const deploy = (...args: string[]) => runCliInProcess(["--stack", STACK, "deploy", ...args], { projectRoot: root.dir });
    const untouched = () => {
        expect(root.read()).to.equal(STAGING);
        expect(fs.readdirSync(root.dir).sort()).to.deep.equal(["Pulumi.staging.yaml", "Pulumi.yaml"]);
    };

    for (const [version, status, extra] of [
        [2, "PendingManualApproval", ""],
        [3, "Rejected", ' ("misses small vehicles at night")'],
        // Registered without a status: moto leaves it unset, AWS would say PendingManualApproval.
        [9, "PendingManualApproval", ""],
    ] as const) {
        it(`refuses version ${version}, which is ${status}, naming its status and the approve command (exit 2, file untouched)`, async () => {
            const result = await deploy(String(version), "--yes");
            expect(result.code, result.stderr).to.equal(EXIT.usage);
            expect(result.stderr).to.include(`version ${version} of ${GROUP} is ${status}${extra}, not Approved`);
            expect(result.stderr).to.include(`yolo-pipeline --stack ${STACK} approve ${version}`);
            expect(result.stdout).to.equal("");
            untouched();
        });
    }

    it("refuses a version without a Model Monitor baseline while endpointMonitoring is on (exit 2, file untouched)", async () => {
        const result = await deploy("4", "--yes");
        expect(result.code).to.equal(EXIT.usage);
        expect(result.stderr).to.include(`version 4 of ${GROUP} has no Model Monitor baseline (ModelMetrics.ModelDataQuality`);
        expect(result.stderr).to.include("endpointMonitoring is on in stack staging").and.include("sagemaker-yolo:endpointMonitoring: false");
        untouched();
    });

    it("refuses a baseline whose statistics and constraints are not side by side", async () => {
        const result = await deploy("7", "--yes");
        expect(result.code).to.equal(EXIT.usage);
        expect(result.stderr).to.include("has an unusable Model Monitor baseline").and.include("under one prefix");
        untouched();
    });

    it("refuses a version not registered for the stack's endpoint instance type", async () => {
        const result = await deploy("6", "--yes");
        expect(result.code).to.equal(EXIT.usage);
        expect(result.stderr).to.include("does not support the stack's endpointInstanceType ml.m5.xlarge (it supports ml.g5.xlarge)");
        untouched();
    });

    it("refuses a version the group does not have, naming its newest", async () => {
        const result = await deploy("42", "--dry-run");
        expect(result.code).to.equal(EXIT.usage);
        expect(result.stderr).to.include(`<model-version>: model package group ${GROUP} has no version 42; its newest is 9`);
        untouched();
    });

    it("changes nothing when the stack's config would refuse the result (a baseline outside the stack's bucket): parseConfig decides before writing", async () => {
        const result = await deploy("5", "--yes");
        expect(result.code).to.equal(EXIT.usage);
        expect(result.stderr).to.include("Pulumi.staging.yaml would be refused after the change, so it was not changed: sagemaker-yolo:deployBaselineUri:");
        expect(result.stderr).to.include("is outside the stack's bucket lucaskle-ab3-project-pv");
        untouched();
    });

    it("--dry-run prints the change as old → new and as a diff of the file's lines, and writes nothing", async () => {
        const result = await deploy("8", "--dry-run");
        expect(result.code, result.stderr).to.equal(EXIT.ok);
        expect(result.stdout).to.equal(
            [
                "sagemaker-yolo:deployModelVersion: 1 → 8",
                `sagemaker-yolo:deployBaselineUri: ${baseline("run00001")} → ${baseline("run00008")}`,
                "--- Pulumi.staging.yaml",
                "+++ Pulumi.staging.yaml",
                "@@ line 10 @@",
                "-  sagemaker-yolo:deployModelVersion: 1   # approved after the June run",
                "+  sagemaker-yolo:deployModelVersion: 8   # approved after the June run",
                "@@ line 11 @@",
                `-  sagemaker-yolo:deployBaselineUri: ${baseline("run00001")}`,
                `+  sagemaker-yolo:deployBaselineUri: ${baseline("run00008")}`,
                "",
            ].join("\n"),
        );
        expect(result.stderr).to.include(`version 8 of ${GROUP}: Approved`).and.include(`baseline ${baseline("run00008")}`);
        expect(result.stderr).to.include("dry run: Pulumi.staging.yaml was not changed.");
        untouched();
    });

    it("writes the version and its baseline, keeping every comment and other key, and the result passes parseConfig; then says to run pulumi up and why", async () => {
        const before = configOf(root);
        const result = await deploy("8", "--yes");
        expect(result.code, result.stderr).to.equal(EXIT.ok);
        const written = root.read();
        expect(written).to.equal(
            STAGING.replace("deployModelVersion: 1   #", "deployModelVersion: 8   #").replace(`deployBaselineUri: ${baseline("run00001")}`, `deployBaselineUri: ${baseline("run00008")}`),
        );
        const after = configOf(root);
        expect(after.deployment).to.deep.equal({ ...before.deployment, modelVersion: 8, baselineUri: baseline("run00008") });
        expect({ ...after, deployment: null }).to.deep.equal({ ...before, deployment: null });
        expect(result.stdout).to.include(`Pulumi.staging.yaml now deploys version 8 of ${GROUP}.`);
        expect(result.stderr).to.include("next: pulumi up --stack staging (the stack decides what is deployed: its preview shows the endpoint's change and the policy pack checks it");
        expect(fs.readdirSync(root.dir).sort()).to.deep.equal(["Pulumi.staging.yaml", "Pulumi.yaml"]);

        const again = await deploy("8", "--yes");
        expect(again.code).to.equal(EXIT.ok);
        expect(again.stderr).to.include("Pulumi.staging.yaml already deploys version 8 with its baseline; nothing to change.");
        expect(root.read()).to.equal(written);
    });

    it("adds the keys after deployment: when the stack file has none, and deploys without a baseline where endpointMonitoring is off", async () => {
        root.remove();
        root = projectRoot(STACK, FRESH);
        const result = await deploy("4", "--yes", "--json");
        expect(result.code, result.stderr).to.equal(EXIT.ok);
        expect(root.read()).to.equal(FRESH.replace("deployment: true\n", 'deployment: true\n  sagemaker-yolo:deployModelVersion: 4\n  sagemaker-yolo:deployBaselineUri: ""\n'));
        expect(configOf(root).deployment).to.include({ modelVersion: 4, baselineUri: "", monitoring: false });
        const report = JSON.parse(result.stdout);
        expect(report).to.deep.include({ stack: STACK, version: 4, baselineUri: "", written: true, dryRun: false, nextStep: "pulumi up --stack staging" });
        expect(report.changes).to.deep.equal([
            { key: "sagemaker-yolo:deployModelVersion", before: null, after: 4 },
            { key: "sagemaker-yolo:deployBaselineUri", before: null, after: "" },
        ]);
    });

    it("asks on a terminal, and an answer other than y writes nothing (exit 5)", async () => {
        const result = await runCliInProcess(["--stack", STACK, "deploy", "8"], { projectRoot: root.dir, typed: "n\n" });
        expect(result.code).to.equal(EXIT.declined);
        expect(result.stderr).to.include(`Write version 8 of ${GROUP} into Pulumi.staging.yaml? [y/N]`).and.include("Pulumi.staging.yaml was not changed");
        untouched();
    });
});

describe("cli stack file edits (cli/stackFile.ts)", () => {
    const P = "sagemaker-yolo";

    it("keeps Windows line endings, quoted keys and the key spelled without its namespace", () => {
        const text = 'config:\r\n  "sagemaker-yolo:deployModelVersion": 2 # v2\r\n  deployBaselineUri: \'\'\r\n';
        const edit = editStackFile(text, P, { deployModelVersion: 3, deployBaselineUri: baseline("r3") });
        expect(edit.text).to.equal(`config:\r\n  "sagemaker-yolo:deployModelVersion": 3 # v2\r\n  deployBaselineUri: ${baseline("r3")}\r\n`);
        expect(edit.changes.map((change) => change.line)).to.deep.equal([2, 3]);
    });

    it("adds a config block to a file without one", () => {
        expect(editStackFile("# nothing yet\n", P, { deployModelVersion: 3 }).text).to.equal("# nothing yet\nconfig:\n  sagemaker-yolo:deployModelVersion: 3\n");
    });

    it("refuses layouts it cannot edit line by line rather than guess", () => {
        expect(() => editStackFile("config: {a: 1}\n", P, { deployModelVersion: 3 })).to.throw(StackFileEditError, "not a block");
        expect(() => editStackFile("config:\n  sagemaker-yolo:deployBaselineUri: >\n    s3://x/\n", P, { deployBaselineUri: "s3://y/" })).to.throw(StackFileEditError, "not a one-line value");
        expect(() => editStackFile("config:\n  a: [\n", P, { deployModelVersion: 3 })).to.throw(StackFileEditError, "not valid YAML");
    });

    it("quotes only what YAML would read differently, so the file reads back as the value written", () => {
        for (const value of ["", "s3://b/monitoring/baseline/x/", "yes", "123", "a #b", "*x", " lead"]) {
            const written = yamlScalar(value);
            expect((yaml.load(`k: ${written}`) as { k: unknown }).k, written).to.equal(value);
        }
        expect(yamlScalar("s3://b/monitoring/baseline/x/")).to.equal("s3://b/monitoring/baseline/x/");
        expect(yamlScalar("yes")).to.equal('"yes"');
    });

    it("reports no change, and the text unchanged, when the file already says it", () => {
        const edit = editStackFile(STAGING, P, { deployModelVersion: 1, deployBaselineUri: baseline("run00001") });
        expect(edit.changes).to.deep.equal([]);
        expect(edit.text).to.equal(STAGING);
        expect(formatStackFileDiff("f", editStackFile(STAGING, P, { deployModelVersion: 2 }))).to.equal(
            "--- f\n+++ f\n@@ line 10 @@\n-  sagemaker-yolo:deployModelVersion: 1   # approved after the June run\n+  sagemaker-yolo:deployModelVersion: 2   # approved after the June run",
        );
    });
});

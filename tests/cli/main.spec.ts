// Argument parsing, global options and error reporting of the CLI (cli/main.ts, cli/context.ts,
// cli/errors.ts, cli/clients.ts), in-process. Clients point at a closed port: these paths must end before
// any AWS call.
import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { version } from "../../package.json";
import { createClients, RETRY } from "../../cli/clients";
import { loadStack } from "../../cli/context";
import { accessDeniedCode, awsErrorCode, CliError, deniedPrincipal, describeError, EXIT, isAccessDenied, UsageError } from "../../cli/errors";
import { PROJECT_ROOT } from "../../tools/stackConfig";
import { offlineClients, runCliInProcess } from "./support/cli";

const EXECUTION_ARN = "arn:aws:sagemaker:us-east-1:123456789012:pipeline/drone-dev-yolo11-training/execution/abc123";
const cli = (...args: string[]) => runCliInProcess(args, { clients: offlineClients() });

describe("cli arguments", () => {
    it("--version prints package.json's version", async () => {
        const result = await cli("--version");
        expect(result).to.include({ code: EXIT.ok, stdout: `${version}\n` });
    });

    for (const command of ["list", "start", "watch", "executions", "stop", "models", "approve", "reject"]) {
        it(`${command} --help exits 0 and shows the global options too`, async () => {
            const result = await cli(command, "--help");
            expect(result.code).to.equal(EXIT.ok);
            expect(result.stdout).to.include(`Usage: yolo-pipeline ${command}`).and.include("--profile <name>").and.include("--json");
        });
    }

    it("start --help lists a flag for each pipeline parameter", async () => {
        const { stdout } = await cli("start", "--help");
        for (const flag of ["--epochs", "--batch-size", "--learning-rate", "--image-size", "--instance-type", "--instance-count", "--model-variant", "--input-data", "--output-path", "--evaluation-instance-type", "--patience", "--seed", "--min-map50-95", "--min-map50", "--min-precision", "--min-recall", "--model-approval-status", "--param", "--dry-run", "--client-request-token", "--policy-pack-config"]) {
            expect(stdout).to.include(`${flag} `);
        }
    });

    it("an unknown option or command, or a missing argument, exits 2", async () => {
        for (const args of [["list", "--bogus"], ["deploy"], ["watch"], []]) {
            const result = await cli(...args);
            expect(result.code, args.join(" ")).to.equal(EXIT.usage);
        }
        expect((await cli("list", "--bogus")).stderr).to.include("unknown option '--bogus'");
    });

    it("refuses a profile outside the stack's allowedProfiles with exit 2, naming the allowed ones", async () => {
        const { allowedProfiles } = loadStack("dev", PROJECT_ROOT);
        const result = await cli("--profile", "prod-admin", "list");
        expect(result.code).to.equal(EXIT.usage);
        expect(result.stderr).to.equal(
            `error: --profile "prod-admin" is not allowed; stack dev allows ${allowedProfiles.join(", ")} (allowedProfiles in Pulumi.yaml or Pulumi.dev.yaml).\n`,
        );
    });

    it("takes the profile from AWS_PROFILE when --profile is not given, under the same rule, and names AWS_PROFILE when refusing it", async () => {
        const result = await runCliInProcess(["list"], { clients: offlineClients(), env: { AWS_PROFILE: "someone-else" } });
        expect(result.code).to.equal(EXIT.usage);
        expect(result.stderr).to.include('error: AWS_PROFILE "someone-else" is not allowed').and.not.include("--profile \"someone-else\"");
        const flagWins = await runCliInProcess(["--profile", "prod-admin", "list"], { clients: offlineClients(), env: { AWS_PROFILE: "ab" } });
        expect(flagWins.stderr).to.match(/^error: --profile "prod-admin" is not allowed/);
    });

    it("refuses a stack without a Pulumi.<stack>.yaml", async () => {
        const result = await cli("--stack", "nosuchstack", "executions");
        expect(result.code).to.equal(EXIT.usage);
        expect(result.stderr).to.include('--stack "nosuchstack": there is no Pulumi.nosuchstack.yaml');
    });

    it("stop refuses without a terminal and without --yes, before any AWS call", async () => {
        const result = await cli("stop", EXECUTION_ARN);
        expect(result.code).to.equal(EXIT.usage);
        expect(result.stderr).to.include("stdin is not a terminal. Pass --yes");
    });

    it("refuses a malformed execution ARN, --max-results and --interval with exit 2", async () => {
        for (const args of [["watch", "arn:aws:sagemaker:us-east-1:123456789012:pipeline/p"], ["stop", "--yes", "abc123"], ["executions", "--max-results", "0"], ["executions", "--max-results", "101"], ["watch", "latest", "--interval", "0"]]) {
            const result = await cli(...args);
            expect(result.code, args.join(" ")).to.equal(EXIT.usage);
            expect(result.stderr, args.join(" ")).to.match(/^error: /);
        }
    });

    it("models refuses a bad --status or --limit with exit 2 before any AWS call, naming what is allowed", async () => {
        const result = await cli("models", "--status", "approved", "--limit", "0");
        expect(result.code).to.equal(EXIT.usage);
        expect(result.stderr).to.equal(
            'error: --status: "approved" is not allowed; expected one of Approved, Rejected, PendingManualApproval.\nerror: --limit: "0" is not allowed; expected an integer from 1 to 1000.\n',
        );
    });

    it("approve and reject refuse a target that is neither a version number nor a versioned model package ARN, before any AWS call", async () => {
        const cases: [string[], string][] = [
            [["approve", "--yes", "v3"], '<version-or-arn>: "v3" is neither a version number (1, 2, ...) of the model package group nor a model package ARN'],
            [["approve", "--yes", "0"], '<version-or-arn>: "0" is neither a version number'],
            [["reject", "--yes", "--reason", "x", "1.5"], '<version-or-arn>: "1.5" is neither a version number'],
            [["approve", "--yes", "arn:aws:sagemaker:us-east-1:123456789012:model-package/drone-dev-yolo11-detector"], "is not a versioned model package ARN; expected arn:aws:sagemaker:<region>:<account>:model-package/<group>/<version>"],
            [["approve", "--yes", "arn:aws:sagemaker:us-east-1:123456789012:pipeline/drone-dev-yolo11-training/execution/abc123"], "is not a versioned model package ARN"],
        ];
        for (const [args, message] of cases) {
            const result = await cli(...args);
            expect(result.code, args.join(" ")).to.equal(EXIT.usage);
            expect(result.stderr, args.join(" ")).to.match(/^error: <version-or-arn>: /).and.include(message);
        }
    });

    it("reject requires --reason (a blank one too), and approve and reject refuse a description over 1024 characters", async () => {
        for (const args of [["reject", "--yes", "3"], ["reject", "--yes", "3", "--reason", "  "]]) {
            const result = await cli(...args);
            expect(result.code, args.join(" ")).to.equal(EXIT.usage);
            expect(result.stderr).to.equal("error: reject: --reason <text> is required; say why the version is rejected (it is kept as the version's ApprovalDescription).\n");
        }
        const long = await cli("approve", "--yes", "3", "--description", "x".repeat(1025));
        expect(long).to.include({ code: EXIT.usage, stderr: "error: approve: --description is 1025 characters long; at most 1024 are allowed.\n" });
    });

    it("approve and reject refuse without a terminal and without --yes, before any AWS call", async () => {
        const approve = await cli("approve", "3");
        expect(approve).to.include({ code: EXIT.usage, stderr: "error: approve: refusing to approve model version 3 without confirmation: stdin is not a terminal. Pass --yes to approve it.\n" });
        const reject = await cli("reject", "3", "--reason", "worse than v2");
        expect(reject.code).to.equal(EXIT.usage);
        expect(reject.stderr).to.include("refusing to reject model version 3 without confirmation").and.include("Pass --yes to reject it.");
    });

    it("start refuses a malformed --param or --client-request-token before any AWS call", async () => {
        const result = await cli("start", "--param", "Epochs", "--client-request-token", "too-short");
        expect(result.code).to.equal(EXIT.usage);
        expect(result.stderr).to.include("--param \"Epochs\": expected Name=Value");
    });
});

describe("cli start --policy-pack-config", () => {
    it("refuses an unreadable file, from the flag or YOLO_POLICY_PACK_CONFIG, with exit 2 before any AWS call, naming where the name came from", async () => {
        const fromFlag = await cli("start", "--policy-pack-config", "/nonexistent/policy-config.json");
        expect(fromFlag).to.include({ code: EXIT.usage, stderr: 'error: --policy-pack-config "/nonexistent/policy-config.json": cannot be read (ENOENT).\n' });
        const fromEnv = await runCliInProcess(["start"], { clients: offlineClients(), env: { YOLO_POLICY_PACK_CONFIG: "/nonexistent/policy-config.json" } });
        expect(fromEnv).to.include({ code: EXIT.usage, stderr: 'error: YOLO_POLICY_PACK_CONFIG "/nonexistent/policy-config.json": cannot be read (ENOENT).\n', clientsCreated: 0 });
        // The flag wins over the variable, and is what is named then.
        const both = await runCliInProcess(["start", "--policy-pack-config", "/nonexistent/flag.json"], { clients: offlineClients(), env: { YOLO_POLICY_PACK_CONFIG: "/nonexistent/env.json" } });
        expect(both.stderr).to.equal('error: --policy-pack-config "/nonexistent/flag.json": cannot be read (ENOENT).\n');
    });

    it("refuses a file the pack would refuse with exit 2, in the pack's words", async () => {
        const folder = fs.mkdtempSync(path.join(os.tmpdir(), "pack-config-"));
        try {
            const config = path.join(folder, "policy-config.json");
            fs.writeFileSync(config, JSON.stringify({ "sagemaker-pipeline-instance-count": { maxInstanceCount: "4" } }));
            const result = await cli("start", "--policy-pack-config", config);
            expect(result.code).to.equal(EXIT.usage);
            expect(result.stderr).to.equal(
                `error: --policy-pack-config ${JSON.stringify(config)}: Invalid policy pack config for "sagemaker-pipeline-instance-count": knob "maxInstanceCount" must be integer (got "4").\n`,
            );
        } finally {
            fs.rmSync(folder, { recursive: true, force: true });
        }
    });
});

describe("cli errors and clients", () => {
    it("shows an AWS service error as one line with its code", () => {
        const error = Object.assign(new Error("Pipeline 'x' does not exist"), { name: "ResourceNotFound", $fault: "client", $metadata: { httpStatusCode: 400, attempts: 1 } });
        expect(describeError(error)).to.equal("error: ResourceNotFound: Pipeline 'x' does not exist");
    });

    it("explains a response that is not an AWS error by its HTTP status and the SDK's attempts", () => {
        const error = Object.assign(new SyntaxError("Unexpected token '<'\n  Deserialization error: ..."), { $metadata: { httpStatusCode: 500, attempts: 6 } });
        expect(describeError(error)).to.equal("error: SyntaxError: Unexpected token '<' (HTTP 500, not an AWS error response, after 6 attempts)");
    });

    it("reads the code and message of an XML error body a JSON client could not parse, e.g. an IAM denial", () => {
        const body = '<?xml version="1.0" encoding="utf-8"?>\n<ErrorResponse><Errors><Error><Code>AccessDenied</Code><Message>User: arn:aws:iam::123456789012:user/alice is not authorized to perform: sagemaker:UpdateModelPackage</Message><Type>Sender</Type></Error></Errors></ErrorResponse>';
        const error = Object.assign(new SyntaxError("Unexpected token '<'\n  Deserialization error: ..."), { $metadata: { httpStatusCode: 403, attempts: 1 }, $responseBodyText: body });
        expect(describeError(error)).to.equal(
            "error: AccessDenied: User: arn:aws:iam::123456789012:user/alice is not authorized to perform: sagemaker:UpdateModelPackage (HTTP 403, an XML error response)",
        );
        expect([awsErrorCode(error), isAccessDenied(error), deniedPrincipal(error)]).to.deep.equal(["AccessDenied", true, "arn:aws:iam::123456789012:user/alice"]);
        const modelled = Object.assign(new Error("User: arn:aws:sts::123456789012:assumed-role/drone-dev-data-scientist/alice is not authorized to perform: sagemaker:UpdateModelPackage"), {
            name: "AccessDeniedException",
            $fault: "client",
        });
        expect([isAccessDenied(modelled), deniedPrincipal(modelled)]).to.deep.equal([true, "arn:aws:sts::123456789012:assumed-role/drone-dev-data-scientist/alice"]);
        expect(isAccessDenied(Object.assign(new Error("x"), { name: "ValidationException", $fault: "client" }))).to.equal(false);
        // The SDK's buffer parser keeps no body: an unreadable 403 is still IAM's refusal, a 500 is not.
        const bare = (status: number) => Object.assign(new SyntaxError("Unexpected token '<'"), { $metadata: { httpStatusCode: status, attempts: 1 } });
        expect([accessDeniedCode(bare(403)), accessDeniedCode(bare(500))]).to.deep.equal(["AccessDenied (HTTP 403)", undefined]);
    });

    it("shows the CLI's own errors without a type prefix, one line per problem", () => {
        expect(describeError(new CliError("pipeline 'p' has no executions yet"))).to.equal("error: pipeline 'p' has no executions yet");
        expect(describeError(new UsageError(["--a: bad", "--b: bad"]))).to.equal("error: --a: bad\nerror: --b: bad");
    });

    it("builds clients on the standard provider chain with the profile and the SDK's adaptive retries", async () => {
        const { sagemaker, s3 } = createClients({ profile: "ab", region: "eu-west-1" });
        for (const client of [sagemaker, s3]) {
            expect(client.config.profile).to.equal("ab");
            expect(await client.config.region()).to.equal("eu-west-1");
            expect(await client.config.maxAttempts()).to.equal(RETRY.maxAttempts);
            expect(((await client.config.retryStrategy()) as { mode?: string }).mode).to.equal("adaptive");
        }
    });

    it("uses path-style S3 addressing only with a custom endpoint", () => {
        const saved = process.env.AWS_ENDPOINT_URL;
        try {
            delete process.env.AWS_ENDPOINT_URL;
            expect(createClients({ profile: "ab", region: "us-east-1" }).s3.config.forcePathStyle).to.equal(false);
            process.env.AWS_ENDPOINT_URL = "http://127.0.0.1:5000";
            expect(createClients({ profile: "ab", region: "us-east-1" }).s3.config.forcePathStyle).to.equal(true);
        } finally {
            if (saved === undefined) {
                delete process.env.AWS_ENDPOINT_URL;
            } else {
                process.env.AWS_ENDPOINT_URL = saved;
            }
        }
    });
});

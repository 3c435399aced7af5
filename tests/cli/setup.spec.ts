// A new user's first hour with the CLI: values refused before any AWS client exists, a dry run without AWS,
// and each broken AWS setup (no profile, no region, no or expired credentials, an endpoint that does not
// answer, a persona IAM refuses) explained in one line with the fix. Everything that can happen for real
// does: throwaway AWS config files, a closed port, a port that never answers, moto with IAM enforcement.
// Only what no emulator produces comes from aws-sdk-client-mock, and those test names say so.
import { CreatePipelineCommand, ListPipelineExecutionsCommand, ListPipelinesCommand, SageMakerClient } from "@aws-sdk/client-sagemaker";
import { mockClient } from "aws-sdk-client-mock";
import { expect } from "chai";
import { createHash, randomUUID } from "crypto";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { dataScientistPolicy, mlEngineerPolicy, PolicyDocument, Scope } from "../../components/iamDocuments";
import { resourceNames } from "../../components/naming";
import { PARAMETERS } from "../../components/pipelineDefinition";
import { loadStack } from "../../cli/context";
import { diagnose } from "../../cli/diagnosis";
import { EXIT } from "../../cli/errors";
import { runOfflineStack } from "../../tools/offlineStack";
import { PROJECT_ROOT } from "../../tools/stackConfig";
import { createAwsSandbox, subprocessEnv, TEST_REGION, useSandboxInProcess } from "./support/aws";
import { offlineClients, runCliInProcess, runCliProcess } from "./support/cli";
import { actionsOnAnyResource, createIamUser, credentialsFile, setIamAuthorization } from "./support/iam";
import { freePort, startMoto } from "./support/moto";
import { stackPipeline } from "./support/stack";

const stack = loadStack("dev", PROJECT_ROOT);
const names = resourceNames(stack.namePrefix, stack.stack);
const EXECUTION_ARN = `arn:aws:sagemaker:us-east-1:123456789012:pipeline/${names.pipeline}/execution/abc123`;
const OTHER_EXECUTION_ARN = "arn:aws:sagemaker:us-east-1:123456789012:pipeline/someone-elses/execution/abc123";

/** Every variable through which the developer's own AWS setup could reach a test. */
const AWS_VARIABLES = [
    "AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
    "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL_SAGEMAKER", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE",
];

/** A scratch HOME with the given ~/.aws files (none by default), and the environment of a machine that has only that. */
function machine(files: { config?: string; credentials?: string; sso?: Record<string, unknown> } = {}) {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), "yolo-pipeline-home-"));
    const aws = path.join(home, ".aws");
    fs.mkdirSync(path.join(aws, "sso", "cache"), { recursive: true });
    if (files.config !== undefined) {
        fs.writeFileSync(path.join(aws, "config"), files.config);
    }
    if (files.credentials !== undefined) {
        fs.writeFileSync(path.join(aws, "credentials"), files.credentials);
    }
    for (const [name, token] of Object.entries(files.sso ?? {})) {
        fs.writeFileSync(path.join(aws, "sso", "cache", `${name}.json`), JSON.stringify(token));
    }
    const env: Record<string, string | undefined> = {
        ...Object.fromEntries(AWS_VARIABLES.map((name) => [name, undefined])),
        HOME: home,
        // Not an EC2 instance: without this, the credential chain's last link waits for instance metadata.
        AWS_EC2_METADATA_DISABLED: "true",
    };
    return { home, env, remove: () => fs.rmSync(home, { recursive: true, force: true }) };
}

const KEYS = "aws_access_key_id = AKIAEXAMPLEEXAMPLE00\naws_secret_access_key = example-secret\n";
const oneErrorLine = (stderr: string) => stderr.split("\n").filter((line) => line.startsWith("error: "));
const noStackTrace = (stderr: string) => expect(stderr, "no stack trace").to.not.match(/^\s+at /m);

describe("cli checks what it can without AWS first", () => {
    it("start --epochs -3 --dry-run on a machine without any AWS setup (subprocess) exits 2 with the allowed range, not 'Region is missing'", async () => {
        const bare = machine();
        try {
            const result = await runCliProcess(["start", "--epochs", "-3", "--dry-run"], { PATH: process.env.PATH ?? "", HOME: bare.home });
            expect(result).to.include({ code: EXIT.usage, stdout: "" });
            expect(result.stderr).to.equal('error: --epochs: "-3" is not allowed for pipeline parameter Epochs; expected an integer from 1 to 1000.\n');
        } finally {
            bare.remove();
        }
    });

    const refused: [string, string[], string, Record<string, string>?][] = [
        // start: the stack's ranges, the pack's allow-lists and cost ceiling, the checkout's parameter names, request shapes
        ["start", ["start", "--epochs", "-3"], '--epochs: "-3" is not allowed for pipeline parameter Epochs; expected an integer from 1 to 1000.'],
        ["start", ["start", "--instance-type", "ml.p3.2xlarge"], '--instance-type: "ml.p3.2xlarge" is not allowed for pipeline parameter TrainingInstanceType; expected one of ml.g4dn.xlarge'],
        ["start", ["start", "--instance-type", "ml.g5.12xlarge", "--instance-count", "4"], "above the policy pack's ceiling of $100.00 (maxRunCostUsd)"],
        ["start", ["start", "--input-data", "/data/drone"], '--input-data: "/data/drone" is not allowed for pipeline parameter InputData; expected an s3:// URI'],
        ["start", ["start", "--test-fraction", "0.95", "--dry-run"], "--test-fraction 0.95: the validation and test shares add up to 1.15, which leaves no images to train on"],
        ["start", ["start", "--val-fraction", "0.6", "--test-fraction", "0.5", "--dry-run"], "--val-fraction 0.6, --test-fraction 0.5: the validation and test shares add up to 1.1"],
        ["start", ["start", "--input-data", "s3://someone-else/data/", "--dry-run"], "which the stack's pipeline role cannot read; expected a URI under s3://"],
        ["start", ["start", "--input-data", "s3://lucaskle-ab3-project-pv/datasets/drone-detection", "--dry-run"], '(--input-data s3://lucaskle-ab3-project-pv/datasets/drone-detection/) or naming a _READY marker.'],
        ["start", ["start", "--param", "NoSuchParameter=1"], `--param NoSuchParameter: pipeline '${names.pipeline}' has no parameter "NoSuchParameter"`],
        ["start", ["start", "--min-recall", "2"], '--min-recall: "2" is not allowed for pipeline parameter MinRecall; expected a number from 0 to 1'],
        ["start", ["start", "--model-approval-status", "Rejected"], '--model-approval-status: "Rejected" is not allowed for pipeline parameter ModelApprovalStatus'],
        ["start", ["start", "--display-name", "my run"], '--display-name: "my run" is not allowed'],
        ["start", ["start", "--client-request-token", "short"], '--client-request-token: "short" is not allowed; expected 32-128 characters'],
        ["start", ["start", "--pipeline", "someone-elses", "--epochs", "0"], '--epochs: "0" is not allowed for pipeline parameter Epochs; expected an integer from 1 to 1000.'],
        ["start", ["start", "--pipeline", "not_a_pipeline!"], '--pipeline: "not_a_pipeline!" is not allowed; expected a SageMaker pipeline name'],
        // another pipeline (--pipeline): what each flag names is judged without its definition
        ["start", ["start", "--pipeline", "someone-elses", "--input-data", "http://x"], '--input-data: "http://x" is not allowed for pipeline parameter InputData; expected an s3:// URI'],
        ["start", ["start", "--pipeline", "someone-elses", "--output-path", "/tmp/out"], '--output-path: "/tmp/out" is not allowed for pipeline parameter OutputPath; expected an s3:// URI'],
        ["start", ["start", "--pipeline", "someone-elses", "--instance-type", "ml.p3.2xlarge"], '--instance-type: "ml.p3.2xlarge" is not allowed for pipeline parameter TrainingInstanceType; expected one of ml.g4dn.xlarge'],
        ["start", ["start", "--pipeline", "someone-elses", "--evaluation-instance-type", "ml.p3.2xlarge"], "(the policy pack's processing instance allow-list)"],
        ["start", ["start", "--pipeline", "someone-elses", "--instance-count", "99"], '--instance-count: "99" is not allowed for pipeline parameter TrainingInstanceCount; expected an integer from 1 to 4 (the policy pack\'s maxInstanceCount).'],
        // global options
        ["list", ["--region", "us-east1", "list"], '--region: "us-east1" is not allowed; expected an AWS region such as us-east-1.'],
        ["list", ["list"], 'AWS_REGION: "useast1" is not allowed; expected an AWS region such as us-east-1.', { AWS_REGION: "useast1" }],
        ["list", ["--profile", "admin", "list"], '--profile "admin" is not allowed; stack dev allows ab'],
        ["list", ["list"], 'AWS_PROFILE "default" is not allowed; stack dev allows ab (allowedProfiles in Pulumi.yaml or Pulumi.dev.yaml). Unset AWS_PROFILE or set it to an allowed profile, or pass --profile.', { AWS_PROFILE: "default" }],
        ["executions", ["--stack", "prod", "executions"], '--stack "prod": there is no Pulumi.prod.yaml'],
        // the other commands
        ["executions", ["executions", "--max-results", "0"], '--max-results: "0" is not allowed'],
        ["executions", ["executions", "--pipeline", "two words"], '--pipeline: "two words" is not allowed'],
        ["watch", ["watch", "abc123"], '<execution>: "abc123" is not a pipeline execution ARN'],
        ["watch", ["watch", "latest", "--interval", "0"], '--interval: "0" is not allowed'],
        ["watch", ["watch", OTHER_EXECUTION_ARN, "--pipeline", names.pipeline], "only `watch latest` uses it"],
        ["stop", ["stop", "--yes", "abc123"], '<execution-arn>: "abc123" is not a pipeline execution ARN'],
        ["stop", ["stop", EXECUTION_ARN], "stdin is not a terminal. Pass --yes"],
        ["models", ["models", "--status", "approved"], '--status: "approved" is not allowed'],
        ["models", ["models", "--group", "no_such group"], '--group: "no_such group" is not allowed; expected a model package group name'],
        ["approve", ["approve", "--yes", "v3"], '<version-or-arn>: "v3" is neither a version number'],
        ["approve", ["approve", "3"], "refusing to approve model version 3 without confirmation"],
        ["reject", ["reject", "--yes", "3"], "reject: --reason <text> is required"],
        // serving on a stack with deployment off (dev), refused like deploy is
        ["endpoint", ["endpoint"], "endpoint: stack dev has deployment: false, so it has no endpoint; set sagemaker-yolo:deployment: true in Pulumi.dev.yaml, deploy a version (yolo-pipeline --stack dev deploy <version>) and run pulumi up --stack dev"],
        ["invoke", ["invoke", "--image", "drone.png"], "invoke: stack dev has deployment: false, so it has no endpoint; set sagemaker-yolo:deployment: true in Pulumi.dev.yaml"],
        ["deploy", ["deploy", "--yes", "1"], "stack dev has deployment: false"],
    ];
    for (const [command, args, message, env] of refused) {
        it(`${command} ${args.filter((arg) => arg !== command).join(" ")}: exit 2 with the reason, and no AWS client was ever built`, async () => {
            const result = await runCliInProcess(args, { clients: offlineClients(), env });
            expect(result.code, result.stderr).to.equal(EXIT.usage);
            expect(result.stderr).to.match(/^error: /).and.include(message);
            expect(result.clientsCreated, "AWS clients built").to.equal(0);
        });
    }

    it("start --pipeline <another>: every problem a flag shows by itself at once, and the pack config's levels and lists apply as they do to the stack's own", async () => {
        const all = await runCliInProcess(["start", "--pipeline", "someone-elses", "--epochs", "0", "--input-data", "http://x", "--instance-type", "ml.p3.2xlarge"], { clients: offlineClients() });
        expect(all.code).to.equal(EXIT.usage);
        expect(all.stderr.trim().split("\n").map((line) => line.split(":")[1])).to.deep.equal([" --epochs", " --instance-type", " --input-data"]);
        expect(all.clientsCreated).to.equal(0);
        const folder = fs.mkdtempSync(path.join(os.tmpdir(), "pack-config-"));
        try {
            const config = path.join(folder, "policy-config.json");
            const nonNameable = ["start", "--pipeline", "someone-elses", "--instance-type", "ml.p3.2xlarge", "--policy-pack-config", config];
            for (const level of [{ "sagemaker-pipeline-instance-types-allowed": "advisory" }, { "sagemaker-pipeline-instance-types-allowed": { trainingInstanceTypes: ["ml.p3.2xlarge"] } }]) {
                fs.writeFileSync(config, JSON.stringify(level));
                // Not refused here: the start goes on to AWS (a closed port), which only the definition can settle.
                const result = await runCliInProcess(nonNameable, { clients: offlineClients() });
                expect(result.clientsCreated, `${JSON.stringify(level)}: ${result.stderr}`).to.equal(1);
                expect(result.code).to.equal(EXIT.error);
            }
        } finally {
            fs.rmSync(folder, { recursive: true, force: true });
        }
    });

    it("every command's --help works without AWS and builds no client", async () => {
        const bare = machine();
        try {
            for (const command of ["list", "start", "watch", "executions", "stop", "models", "approve", "reject"]) {
                const result = await runCliInProcess([command, "--help"], { clients: offlineClients(), env: bare.env });
                expect(result.code, command).to.equal(EXIT.ok);
                expect(result.clientsCreated, command).to.equal(0);
            }
        } finally {
            bare.remove();
        }
    });
});

describe("cli start --dry-run without reachable AWS", () => {
    it("on a machine without any AWS setup (subprocess) prints the request built from the checkout's definition, says it was not compared and why, exit 0", async () => {
        const bare = machine();
        const [result, pipeline] = await Promise.all([
            runCliProcess(["start", "--epochs", "100", "--instance-type", "ml.g5.xlarge", "--dry-run", "--client-request-token", "0123456789abcdef0123456789abcdef"], {
                PATH: process.env.PATH ?? "",
                HOME: bare.home,
            }),
            stackPipeline(),
        ]).finally(bare.remove);
        expect(result.code, result.stderr).to.equal(EXIT.ok);
        expect(JSON.parse(result.stdout)).to.deep.equal({
            PipelineName: pipeline.name,
            PipelineParameters: [
                { Name: PARAMETERS.epochs, Value: "100" },
                { Name: PARAMETERS.trainingInstanceType, Value: "ml.g5.xlarge" },
            ],
            ClientRequestToken: "0123456789abcdef0123456789abcdef",
        });
        // $5.84: preparation ml.m5.large 30 min + training ml.g5.xlarge 4 h + evaluation ml.m5.xlarge 20 min + the two
        // baseline steps ml.m5.large 20 min each, on demand.
        expect(result.stderr.trim().split("\n")).to.deep.equal([
            `pipeline ${pipeline.name} (derived from stack dev, namePrefix drone; --pipeline overrides)`,
            'note: not compared with the deployed pipeline, AWS could not be asked: AWS profile "ab" is not set up: ~/.aws/config has no [profile ab] and ~/.aws/credentials no [ab]. Run `aws configure --profile ab` (access key, secret key, region us-east-1), or `aws configure sso --profile ab` for IAM Identity Center.',
            "dry run: checked against stack dev's definition in this checkout only; worst-case run cost $5.84 of the $100.00 ceiling; StartPipelineExecution was not called. The request:",
        ]);
    });

    it("with the endpoint on a closed port, prints the request the same way and names the endpoint", async () => {
        const port = await freePort();
        const home = machine({ config: `[profile ab]\nregion = ${TEST_REGION}\n`, credentials: `[ab]\n${KEYS}` });
        try {
            const result = await runCliInProcess(["start", "--seed", "7", "--dry-run"], { env: { ...home.env, AWS_ENDPOINT_URL: `http://127.0.0.1:${port}` } });
            expect(result.code, result.stderr).to.equal(EXIT.ok);
            expect(JSON.parse(result.stdout).PipelineParameters).to.deep.equal([{ Name: PARAMETERS.seed, Value: "7" }]);
            expect(result.stderr).to.include(
                `note: not compared with the deployed pipeline, AWS could not be asked: cannot reach the AWS endpoint http://127.0.0.1:${port} from AWS_ENDPOINT_URL (ECONNREFUSED, 6 attempts). Start the emulator or service there, or unset AWS_ENDPOINT_URL to use AWS.`,
            );
        } finally {
            home.remove();
        }
    });

    it("without --dry-run the same setup is an error: one line with the fix, exit 1, nothing printed on stdout", async () => {
        const home = machine({ config: "[profile ab]\n", credentials: `[ab]\n${KEYS}` });
        try {
            const result = await runCliInProcess(["start", "--epochs", "10"], { env: home.env });
            expect(result).to.include({ code: EXIT.error, stdout: "" });
            expect(oneErrorLine(result.stderr)).to.deep.equal([
                'error: no AWS region: --region is not given, AWS_REGION is not set and profile "ab" has no region. Pass --region us-east-1 (stack dev\'s region) or run `aws configure set region us-east-1 --profile ab`.',
            ]);
        } finally {
            home.remove();
        }
    });
});

describe("cli explains a broken AWS setup in one line with the fix", () => {
    /** `list` on a machine with these files: the first AWS call fails, and how it fails is the point. */
    async function listOn(files: Parameters<typeof machine>[0], env: Record<string, string> = {}, args: string[] = ["list"]) {
        const home = machine(files);
        try {
            const result = await runCliInProcess(args, { env: { ...home.env, ...env } });
            expect(result.code, result.stderr).to.equal(EXIT.error);
            noStackTrace(result.stderr);
            const errors = oneErrorLine(result.stderr);
            expect(errors, result.stderr).to.have.length(1);
            return { line: errors[0], home: home.home };
        } finally {
            home.remove();
        }
    }

    const missingProfile =
        'error: AWS profile "ab" is not set up: ~/.aws/config has no [profile ab] and ~/.aws/credentials no [ab]. Run `aws configure --profile ab` (access key, secret key, region us-east-1), or `aws configure sso --profile ab` for IAM Identity Center.';

    it("a machine without ~/.aws at all (the SDK says 'Region is missing')", async () => {
        expect((await listOn({})).line).to.equal(missingProfile);
    });

    it("files with other profiles only, with a region from AWS_REGION (the SDK says 'Could not load credentials from any providers')", async () => {
        const { line } = await listOn({ config: "[profile other]\nregion = eu-west-1\n", credentials: `[other]\n${KEYS}` }, { AWS_REGION: "us-east-1" });
        expect(line).to.equal(missingProfile);
    });

    it("files named by AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE without the profile are named as they are, and environment keys are said to be unused", async () => {
        const folder = fs.mkdtempSync(path.join(os.tmpdir(), "aws-files-"));
        try {
            const config = path.join(folder, "config");
            const credentials = path.join(folder, "credentials");
            fs.writeFileSync(config, "[default]\nregion = us-east-1\n");
            fs.writeFileSync(credentials, `[default]\n${KEYS}`);
            const env = { AWS_CONFIG_FILE: config, AWS_SHARED_CREDENTIALS_FILE: credentials, AWS_ACCESS_KEY_ID: "AKIAEXAMPLE", AWS_SECRET_ACCESS_KEY: "x" };
            const { line } = await listOn({}, env);
            expect(line).to.equal(
                `error: AWS profile "ab" is not set up: ${config} has no [profile ab] and ${credentials} no [ab]. Run \`aws configure --profile ab\` (access key, secret key, region us-east-1), or \`aws configure sso --profile ab\` for IAM Identity Center. (AWS_ACCESS_KEY_ID is set, but yolo-pipeline uses profile ab, not environment keys.)`,
            );
        } finally {
            fs.rmSync(folder, { recursive: true, force: true });
        }
    });

    it("a profile without a region and no --region or AWS_REGION", async () => {
        const { line } = await listOn({ config: "[profile ab]\noutput = json\n", credentials: `[ab]\n${KEYS}` });
        expect(line).to.equal(
            'error: no AWS region: --region is not given, AWS_REGION is not set and profile "ab" has no region. Pass --region us-east-1 (stack dev\'s region) or run `aws configure set region us-east-1 --profile ab`.',
        );
    });

    it("a profile with a region but no credentials", async () => {
        const { line } = await listOn({ config: "[profile ab]\nregion = us-east-1\n" });
        expect(line).to.equal(
            'error: profile "ab" has no credentials: it sets no access key, SSO, role_arn or credential_process in ~/.aws/config or ~/.aws/credentials. Run `aws configure --profile ab`.',
        );
    });

    const ROLE = "arn:aws:iam::123456789012:role/drone-dev-ml-engineer";
    const profiles: [string, string, string][] = [
        [
            "a role_arn profile whose source_profile is in neither file",
            `[profile ab]\nregion = us-east-1\nrole_arn = ${ROLE}\nsource_profile = base\n`,
            `error: profile "ab" assumes ${ROLE} with source_profile "base", but neither ~/.aws/config nor ~/.aws/credentials has a profile "base". Create it with the keys that may assume the role (\`aws configure --profile base\`), or point source_profile at one that exists.`,
        ],
        [
            "a role_arn profile whose source_profile has no credentials",
            `[profile ab]\nregion = us-east-1\nrole_arn = ${ROLE}\nsource_profile = base\n[profile base]\nregion = us-east-1\n`,
            `error: profile "ab" assumes ${ROLE} with source_profile "base", which has no credentials (no access key, SSO, role_arn or credential_process). Run \`aws configure --profile base\` with the keys that may assume the role.`,
        ],
        [
            "a role_arn profile with neither source_profile nor credential_source",
            `[profile ab]\nregion = us-east-1\nrole_arn = ${ROLE}\n`,
            `error: profile "ab" sets role_arn ${ROLE} but neither source_profile nor credential_source, so it has no credentials to assume the role with. Name the profile whose keys may assume it: \`aws configure set source_profile <profile> --profile ab\`.`,
        ],
        [
            "a role_arn profile whose credential_source gives nothing here (no instance metadata)",
            `[profile ab]\nregion = us-east-1\nrole_arn = ${ROLE}\ncredential_source = Ec2InstanceMetadata\n`,
            `error: profile "ab" assumes ${ROLE} with credential_source Ec2InstanceMetadata, which gave no credentials on this machine. Run where that source exists, or set source_profile to a profile with keys (\`aws configure set source_profile <profile> --profile ab\`).`,
        ],
        [
            "a credential_process that fails (/bin/false)",
            "[profile ab]\nregion = us-east-1\ncredential_process = /bin/false\n",
            "error: profile \"ab\" gets its credentials from credential_process `/bin/false`, which failed or printed no credentials. Run that command to see its error and fix it, or replace it with `aws configure --profile ab`.",
        ],
    ];
    for (const [name, config, expected] of profiles) {
        it(`${name} (the SDK says only 'Could not load credentials from any providers')`, async () => {
            expect((await listOn({ config })).line).to.equal(expected);
        });
    }

    const ssoLogin = 'error: the SSO session of profile "ab" has expired or was never started. Run `aws sso login --profile ab`, then try again.';
    const startUrl = "https://example.awsapps.com/start";
    const sha1 = (text: string) => createHash("sha1").update(text).digest("hex");

    it("an SSO profile whose cached token has expired (the SDK's own SSO provider, offline)", async () => {
        const config = `[profile ab]\nsso_start_url = ${startUrl}\nsso_region = us-east-1\nsso_account_id = 123456789012\nsso_role_name = MLEngineer\nregion = us-east-1\n`;
        const expired = { accessToken: "expired", expiresAt: "2020-01-01T00:00:00Z", region: "us-east-1", startUrl };
        expect((await listOn({ config, sso: { [sha1(startUrl)]: expired } })).line).to.equal(ssoLogin);
    });

    it("an sso-session profile never logged in (no cached token)", async () => {
        const config = `[profile ab]\nsso_session = corp\nsso_account_id = 123456789012\nsso_role_name = MLEngineer\nregion = us-east-1\n[sso-session corp]\nsso_start_url = ${startUrl}\nsso_region = us-east-1\n`;
        expect((await listOn({ config })).line).to.equal(ssoLogin);
    });

    it("expired session keys (ExpiredTokenException from a client mock: moto does not check a token's expiry)", async () => {
        const home = machine({ config: "[profile ab]\nregion = us-east-1\n", credentials: `[ab]\n${KEYS}aws_session_token = IQoJb3JpZ2luX2VjEXAMPLE\n` });
        const clients = offlineClients();
        const sagemaker = mockClient(clients.sagemaker);
        sagemaker.on(ListPipelinesCommand).rejects(
            Object.assign(new Error("The security token included in the request is expired"), { name: "ExpiredTokenException", $fault: "client", $metadata: { httpStatusCode: 400 } }),
        );
        try {
            const result = await runCliInProcess(["list"], { clients, env: home.env });
            expect(result.code).to.equal(EXIT.error);
            expect(oneErrorLine(result.stderr)).to.deep.equal([
                'error: ExpiredTokenException: the temporary credentials of profile "ab" have expired (aws_session_token in ~/.aws/credentials). Get new ones where they came from (e.g. your MFA or role login), or set long-term keys with `aws configure --profile ab`.',
            ]);
        } finally {
            sagemaker.restore();
            home.remove();
        }
    });

    it("keys AWS does not know (UnrecognizedClientException from a client mock: moto answers unknown keys with an unreadable 403)", async () => {
        const home = machine({ config: "[profile ab]\nregion = us-east-1\n", credentials: `[ab]\n${KEYS}` });
        const clients = offlineClients();
        const sagemaker = mockClient(clients.sagemaker);
        sagemaker.on(ListPipelinesCommand).rejects(
            Object.assign(new Error("The security token included in the request is invalid."), { name: "UnrecognizedClientException", $fault: "client", $metadata: { httpStatusCode: 400 } }),
        );
        try {
            const result = await runCliInProcess(["list"], { clients, env: home.env });
            expect(oneErrorLine(result.stderr)).to.deep.equal([
                'error: UnrecognizedClientException: AWS does not accept the keys of profile "ab" (The security token included in the request is invalid.). Check them with `aws configure --profile ab`.',
            ]);
        } finally {
            sagemaker.restore();
            home.remove();
        }
    });

    const withKeys = { config: `[profile ab]\nregion = ${TEST_REGION}\n`, credentials: `[ab]\n${KEYS}` };

    it("an endpoint on a closed port (ECONNREFUSED after the SDK's retries)", async () => {
        const port = await freePort();
        const { line } = await listOn(withKeys, { AWS_ENDPOINT_URL: `http://127.0.0.1:${port}` });
        expect(line).to.equal(
            `error: cannot reach the AWS endpoint http://127.0.0.1:${port} from AWS_ENDPOINT_URL (ECONNREFUSED, 6 attempts). Start the emulator or service there, or unset AWS_ENDPOINT_URL to use AWS.`,
        );
    });

    it("an endpoint whose host does not exist (.invalid never resolves)", async () => {
        const { line } = await listOn(withKeys, { AWS_ENDPOINT_URL_SAGEMAKER: "http://sagemaker.example.invalid" });
        expect(line).to.match(
            /^error: cannot reach the AWS endpoint http:\/\/sagemaker\.example\.invalid from AWS_ENDPOINT_URL_SAGEMAKER \((ENOTFOUND|EAI_AGAIN), 6 attempts\)\. Start the emulator or service there, or unset AWS_ENDPOINT_URL_SAGEMAKER to use AWS\.$/,
        );
    });

    it("an endpoint that accepts connections and never answers (the clients' idle timeout, shortened here)", async () => {
        const sockets: net.Socket[] = [];
        const silent = net.createServer((socket) => sockets.push(socket));
        await new Promise<void>((done) => silent.listen(0, "127.0.0.1", done));
        const endpoint = `http://127.0.0.1:${(silent.address() as net.AddressInfo).port}`;
        const home = machine(withKeys);
        try {
            const timeouts = { connectMs: 1000, idleMs: 200 };
            const result = await runCliInProcess(["list"], { clientOptions: { timeouts }, env: { ...home.env, AWS_ENDPOINT_URL: endpoint } });
            expect(result.code).to.equal(EXIT.error);
            expect(oneErrorLine(result.stderr)).to.deep.equal([
                `error: cannot reach the AWS endpoint ${endpoint} from AWS_ENDPOINT_URL (timed out, 6 attempts). Start the emulator or service there, or unset AWS_ENDPOINT_URL to use AWS.`,
            ]);
        } finally {
            sockets.forEach((socket) => socket.destroy());
            silent.close();
            home.remove();
        }
    });
});

describe("cli diagnosis of errors no test machine can be relied on to produce (constructed errors)", () => {
    const facts = { profile: "ab", stack, env: {} };
    const denied = (action: string) =>
        Object.assign(new Error(`User: arn:aws:iam::123456789012:user/carol is not authorized to perform: ${action} on resource: x`), { name: "AccessDeniedException", $fault: "client" });

    it("AWS itself unreachable (ENOTFOUND for the SDK's own host: a CI machine may well reach AWS) names the host and its region", async () => {
        const error = Object.assign(new Error("getaddrinfo ENOTFOUND api.sagemaker.eu-west-1.amazonaws.com"), {
            code: "ENOTFOUND",
            hostname: "api.sagemaker.eu-west-1.amazonaws.com",
            $metadata: { attempts: 6 },
        });
        expect(await diagnose(error, facts)).to.deep.equal({
            kind: "endpoint",
            message: "cannot reach api.sagemaker.eu-west-1.amazonaws.com (ENOTFOUND, 6 attempts). Check the network connection, and that eu-west-1 is the region you mean (--region).",
        });
    });

    it("an action both personas have, or neither, is said so (from the stack's own identity policies)", async () => {
        expect((await diagnose(denied("sagemaker:ListPipelines"), facts))?.message).to.equal(
            `AccessDeniedException: profile "ab" (arn:aws:iam::123456789012:user/carol) may not call sagemaker:ListPipelines: in stack dev the ml-engineer role (${names.roles["ml-engineer"]}) and the data-scientist role (${names.roles["data-scientist"]}) have it. Use a profile that assumes one of ${names.roles["ml-engineer"]}, ${names.roles["data-scientist"]}.`,
        );
        expect((await diagnose(denied("sagemaker:DeletePipeline"), facts))?.message).to.equal(
            `AccessDeniedException: profile "ab" (arn:aws:iam::123456789012:user/carol) may not call sagemaker:DeletePipeline: no persona role of stack dev has it (the ml-engineer role (${names.roles["ml-engineer"]}), the data-scientist role (${names.roles["data-scientist"]})); it is an administrator's action.`,
        );
    });

    it("on stack full, every action a persona gets from the program (its inline policies and the serving policy attached to it) is said to be that persona's", async () => {
        const full = loadStack("full", PROJECT_ROOT);
        const fullNames = resourceNames(full.namePrefix, full.stack);
        const offline = await runOfflineStack({ stack: "full" });
        const documentOf = (value: unknown) => JSON.parse(String(value)) as PolicyDocument;
        const actionsOf = (persona: "data-scientist" | "ml-engineer") => {
            const role = fullNames.roles[persona];
            const inline = offline.resources.filter((resource) => resource.type === "aws:iam/rolePolicy:RolePolicy" && resource.inputs.role === role);
            const attachedArns = offline.resources.filter((resource) => resource.type === "aws:iam/rolePolicyAttachment:RolePolicyAttachment" && resource.inputs.role === role).map((resource) => String(resource.inputs.policyArn));
            const managed = offline.resources.filter((resource) => resource.type === "aws:iam/policy:Policy" && attachedArns.some((arn) => arn.endsWith(`:policy/${String(resource.inputs.name)}`)));
            expect(inline.map((resource) => resource.inputs.name), `${persona}'s inline policies`).to.have.members([`${persona}-access`, "studio-apps"]);
            expect(managed, `${persona}'s serving policy`).to.have.length(1);
            return [...inline, ...managed].flatMap((resource) => documentOf(resource.inputs.policy).Statement.filter((statement) => statement.Effect === "Allow").flatMap((statement) => [statement.Action].flat()));
        };
        const scientist = actionsOf("data-scientist");
        expect(scientist).to.include.members(["sagemaker:InvokeEndpoint", "sagemaker:DescribeEndpoint", "sagemaker:CreateLabelingJob", "sagemaker:DescribeLabelingJob"]);
        for (const [persona, actions] of [["data-scientist", scientist], ["ml-engineer", actionsOf("ml-engineer")]] as const) {
            for (const action of new Set(actions)) {
                const message = (await diagnose(denied(action), { profile: "ab", stack: full, env: {} }))?.message ?? "";
                const holders = /: in stack full (.*?) ha(?:s|ve) it/.exec(message)?.[1] ?? "";
                expect(holders, `${action}: ${message}`).to.include(`the ${persona} role (${fullNames.roles[persona]})`);
            }
        }
        expect((await diagnose(denied("sagemaker:CreateLabelingJob"), { profile: "ab", stack: full, env: {} }))?.message).to.equal(
            `AccessDeniedException: profile "ab" (arn:aws:iam::123456789012:user/carol) may not call sagemaker:CreateLabelingJob: in stack full the data-scientist role (${fullNames.roles["data-scientist"]}) has it, the ml-engineer role (${fullNames.roles["ml-engineer"]}) does not. Use a profile that assumes ${fullNames.roles["data-scientist"]}.`,
        );
    });

    it("a missing resource in AWS's own shape (ResourceNotFound, with the call and input the clients record) names what is missing and the fix", async () => {
        const notFound = (message: string, action: string, input: Record<string, string>) =>
            Object.assign(new Error(message), { name: "ResourceNotFound", $fault: "client", $metadata: { httpStatusCode: 400 }, $action: action, $input: input });
        const where = { ...facts, region: "us-east-1" };
        expect(await diagnose(notFound(`Pipeline '${names.pipeline}' does not exist.`, "sagemaker:DescribePipeline", { PipelineName: names.pipeline }), where)).to.deep.equal({
            kind: "not-found",
            message: `pipeline ${names.pipeline} does not exist in us-east-1 for profile "ab": stack dev is not deployed there yet. Run \`pulumi up --stack dev\` (or use the profile and region it was deployed with).`,
        });
        expect((await diagnose(notFound("Pipeline execution does not exist.", "sagemaker:DescribePipelineExecution", { PipelineExecutionArn: EXECUTION_ARN }), where))?.message).to.equal(
            `execution ${EXECUTION_ARN} does not exist in us-east-1 for profile "ab". \`yolo-pipeline executions\` lists the executions there.`,
        );
        expect((await diagnose(notFound("Could not find requested job with name drone-dev-label-x", "sagemaker:DescribeLabelingJob", { LabelingJobName: "drone-dev-label-x" }), where))?.message).to.equal(
            'labeling job drone-dev-label-x does not exist in us-east-1 for profile "ab". `yolo-pipeline --stack dev label status` without a name shows the stack\'s latest.',
        );
    });

    it("leaves errors that are not about reaching AWS alone", async () => {
        const missing = Object.assign(new Error("Could not find pipeline"), { name: "ValidationException", $fault: "client", $metadata: { httpStatusCode: 400 } });
        expect(await diagnose(missing, facts)).to.equal(undefined);
    });
});

describe("cli against moto with IAM enforcement: an AccessDenied names the action and which persona has it", () => {
    let moto: Awaited<ReturnType<typeof startMoto>>;
    let sandbox: ReturnType<typeof createAwsSandbox>;
    let restoreEnv: () => void;
    let asDataScientist: Record<string, string>;
    let asMlEngineer: Record<string, string>;

    before(async () => {
        const [started, pipeline] = await Promise.all([startMoto(), stackPipeline()]);
        moto = started;
        sandbox = createAwsSandbox(moto.endpoint);
        restoreEnv = useSandboxInProcess(sandbox);
        const sagemaker = new SageMakerClient({ profile: "ab" });
        await sagemaker.send(
            new CreatePipelineCommand({ PipelineName: pipeline.name, PipelineDefinition: pipeline.definitionJson, RoleArn: pipeline.roleArn, ClientRequestToken: randomUUID() }),
        );
        const scope: Scope = { accountId: "123456789012", region: TEST_REGION, bucket: stack.bucket.name, names, features: { modelRegistry: true, experimentTracking: false } };
        const keyArn = `arn:aws:kms:${TEST_REGION}:123456789012:key/00000000-0000-0000-0000-000000000000`;
        // moto authorizes SageMaker requests against resource `*` only, so the personas' actions are widened to it.
        const alice = await createIamUser(moto.endpoint, "alice", actionsOnAnyResource(dataScientistPolicy(scope, keyArn)));
        const bob = await createIamUser(moto.endpoint, "bob", actionsOnAnyResource(mlEngineerPolicy(scope, keyArn, `arn:aws:iam::123456789012:role/${names.roles.pipeline}`)));
        asDataScientist = { AWS_SHARED_CREDENTIALS_FILE: credentialsFile(sandbox.dir, "alice", alice) };
        asMlEngineer = { AWS_SHARED_CREDENTIALS_FILE: credentialsFile(sandbox.dir, "bob", bob) };
        await setIamAuthorization(moto.endpoint, true);
    });

    after(async () => {
        if (moto) {
            await setIamAuthorization(moto.endpoint, false).catch(() => undefined);
        }
        restoreEnv?.();
        sandbox?.remove();
        await moto?.stop();
    });

    it("a data scientist's start is refused by IAM: one line naming sagemaker:StartPipelineExecution and the ml-engineer role, exit 1; an ML engineer's starts", async () => {
        const denied = await runCliInProcess(["start", "--epochs", "10"], { env: asDataScientist });
        expect(denied.code).to.equal(EXIT.error);
        noStackTrace(denied.stderr);
        // moto denies in XML, which the SDK cannot read for a JSON service: the CLI knows the denial by its HTTP 403 and the call by its own record.
        expect(oneErrorLine(denied.stderr)).to.deep.equal([
            `error: AccessDenied (HTTP 403): profile "ab" may not call sagemaker:StartPipelineExecution: in stack dev the ml-engineer role (${names.roles["ml-engineer"]}) has it, the data-scientist role (${names.roles["data-scientist"]}) does not. Use a profile that assumes ${names.roles["ml-engineer"]}.`,
        ]);
        const started = await runCliInProcess(["start", "--epochs", "10"], { env: asMlEngineer });
        expect(started.code, started.stderr).to.equal(EXIT.ok);
        await setIamAuthorization(moto.endpoint, false);
        const executions = await new SageMakerClient({ profile: "ab" }).send(new ListPipelineExecutionsCommand({ PipelineName: names.pipeline }));
        await setIamAuthorization(moto.endpoint, true);
        expect(executions.PipelineExecutionSummaries?.map((e) => e.PipelineExecutionArn)).to.deep.equal([started.stdout.trim()]);
    });

    it("keeps the SDK's 'Multiple credential sources' warning off the terminal when AWS_ACCESS_KEY_ID is set beside the profile (subprocess)", async () => {
        const result = await runCliProcess(["list"], subprocessEnv(sandbox, { ...asMlEngineer, AWS_ACCESS_KEY_ID: "AKIAOTHER", AWS_SECRET_ACCESS_KEY: "other" }));
        expect(result.code, result.stderr).to.equal(EXIT.ok);
        expect(result.stderr).to.equal("");
        expect(result.stdout).to.include(names.pipeline);
    });

    it("keeps the SDK's NodeVersionSupportWarning off the terminal on Node 20 (subprocess; process.version faked to v20.20.2 by a --require preload)", async () => {
        const preload = path.join(__dirname, "support", "oldNode.js");
        const result = await runCliProcess(["list"], subprocessEnv(sandbox, { ...asMlEngineer, NODE_OPTIONS: `--require ${preload}` }));
        expect(result.code, result.stderr).to.equal(EXIT.ok);
        expect(result.stderr).to.not.include("NodeVersionSupportWarning").and.not.include("will require node");
    });
});

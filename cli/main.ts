// yolo-pipeline: drive the stack's SageMaker training pipeline from a terminal. `run` is the whole CLI
// as a function of its arguments (and, for tests, of its terminal and clients); it returns the exit code.
import { Command, CommanderError, Option } from "commander";
import { version } from "../package.json";
import { registerApproval } from "./commands/approve";
import { registerDeploy } from "./commands/deploy";
import { registerEndpoint } from "./commands/endpoint";
import { registerExecutions } from "./commands/executions";
import { registerInvoke } from "./commands/invoke";
import { registerLabel } from "./commands/label";
import { registerList } from "./commands/list";
import { registerModels } from "./commands/models";
import { registerStart } from "./commands/start";
import { registerStop } from "./commands/stop";
import { registerWatch } from "./commands/watch";
import { nodeVersionProblem } from "../tools/nodeVersion";
import { ActionFactory, CommandContext, CommandHandler, createContext, defaultDeps, GlobalOptions, RunDeps, setupFacts } from "./context";
import { diagnose } from "./diagnosis";
import { CliError, describeError, EXIT } from "./errors";

export const DEFAULT_PROFILE = "ab";
export const DEFAULT_STACK = "dev";

export function buildProgram(deps: RunDeps, setExitCode: (code: number) => void): Command {
    const program = new Command("yolo-pipeline")
        .description(
            "Operate the YOLO11 training pipeline of the SageMaker platform stack, its model registry and its endpoint (AWS CLI conventions: --profile, --region, --json).",
        )
        .version(version, "--version", "print the CLI version")
        .addOption(
            new Option("--profile <name>", "AWS profile; must be one of the stack's allowedProfiles").env("AWS_PROFILE").default(DEFAULT_PROFILE),
        )
        .option("--region <region>", "AWS region (default: AWS_REGION, then the profile's region)")
        .option("--stack <stack>", "Pulumi stack whose config names the pipeline and the allowed profiles", DEFAULT_STACK)
        .option("--json", "machine-readable JSON output")
        .configureHelp({ showGlobalOptions: true })
        .configureOutput({
            writeOut: (text) => deps.io.stdout.write(text),
            writeErr: (text) => deps.io.stderr.write(text),
        })
        .showHelpAfterError("(add --help for usage)")
        // Commander would call process.exit; run() maps its errors to exit codes instead.
        .exitOverride();

    const action: ActionFactory =
        <A extends unknown[]>(handler: CommandHandler<A>) =>
        async (...args: unknown[]) => {
            // Commander passes the positional arguments, the command's options, then the command itself.
            const command = args[args.length - 1] as Command;
            const globals = command.optsWithGlobals() as GlobalOptions;
            const context = createContext({ ...globals, json: Boolean(globals.json), fromEnvironment: fromEnvironment(command) }, deps);
            try {
                setExitCode(await handler(context, ...(args.slice(0, -1) as A)));
            } catch (error) {
                throw await explained(error, context);
            }
        };
    registerList(program, action);
    registerStart(program, action);
    registerWatch(program, action);
    registerExecutions(program, action);
    registerStop(program, action);
    registerModels(program, action);
    registerApproval(program, action);
    registerLabel(program, action);
    registerDeploy(program, action);
    registerEndpoint(program, action);
    registerInvoke(program, action);
    return program;
}

/** The options of `command` and its parents whose value came from an environment variable, with the variable. */
function fromEnvironment(command: Command): Record<string, string> {
    const found: Record<string, string> = {};
    for (let current: Command | null = command; current !== null; current = current.parent) {
        for (const option of current.options) {
            const key = option.attributeName();
            if (option.envVar !== undefined && current.getOptionValueSource(key) === "env") {
                found[key] ??= option.envVar;
            }
        }
    }
    return found;
}

/** An error of the AWS setup (profile, region, credentials, endpoint, IAM) as one line with the fix; others as they are. */
async function explained(error: unknown, context: CommandContext): Promise<unknown> {
    if (error instanceof CliError) {
        return error;
    }
    const problem = await diagnose(error, setupFacts(context));
    return problem === undefined ? error : new CliError(problem.message);
}

/** Runs the CLI on `args` (without `node` and the script path) and returns the exit code. */
export async function run(args: readonly string[], deps: RunDeps = defaultDeps()): Promise<number> {
    // An operator keeps a working tool on an old Node, told once what it needs (npm scripts refuse instead).
    const oldNode = nodeVersionProblem();
    if (oldNode !== undefined) {
        deps.io.stderr.write(`warning: ${oldNode}\n`);
    }
    let exitCode: number = EXIT.ok;
    const program = buildProgram(deps, (code) => (exitCode = code));
    try {
        await program.parseAsync([...args], { from: "user" });
        return exitCode;
    } catch (error) {
        if (error instanceof CommanderError) {
            // Commander has printed the message or the help; --help and --version are successes.
            return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
        }
        deps.io.stderr.write(`${describeError(error)}\n`);
        if (process.env.YOLO_PIPELINE_DEBUG && error instanceof Error && !(error instanceof CliError)) {
            deps.io.stderr.write(`${error.stack}\n`);
        }
        return error instanceof CliError ? error.exitCode : EXIT.error;
    }
}

if (require.main === module) {
    // exitCode rather than exit(): stdout is flushed before the process ends.
    void run(process.argv.slice(2)).then((code) => (process.exitCode = code));
}

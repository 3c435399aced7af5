// `stop`: stops a running execution after a y/N confirmation (or --yes). SageMaker stops the current
// jobs; the execution passes through Stopping to Stopped.
import { DescribePipelineExecutionCommand, StopPipelineExecutionCommand } from "@aws-sdk/client-sagemaker";
import { Command } from "commander";
import { ActionFactory, CommandContext } from "../context";
import { confirm, requireConfirmable } from "../confirm";
import { EXIT } from "../errors";
import { formatTime } from "../format";
import { writeJson, writeLine } from "../io";
import { isFinal, parseExecutionArn } from "../sagemaker";

export interface StopCommandOptions {
    readonly yes?: boolean;
}

export async function stopCommand(context: CommandContext, executionArn: string, options: StopCommandOptions): Promise<number> {
    parseExecutionArn(executionArn);
    const { io } = context;
    // Without a terminal nobody can answer; a script has to say --yes explicitly.
    requireConfirmable(io, options.yes, "stop", `stop ${executionArn}`);
    const client = context.clients.sagemaker;
    const execution = await client.send(new DescribePipelineExecutionCommand({ PipelineExecutionArn: executionArn }));
    const status = execution.PipelineExecutionStatus ?? "Unknown";
    if (isFinal(status)) {
        writeLine(io.stderr, `execution already ${status}; nothing to stop`);
        if (context.options.json) {
            writeJson(io.stdout, { pipelineExecutionArn: executionArn, status, stopRequested: false });
        }
        return EXIT.ok;
    }
    if (!(await confirm(io, options.yes, `Stop ${executionArn} (${status}, started ${formatTime(execution.CreationTime)})?`, "not stopped"))) {
        return EXIT.declined;
    }
    // A fresh token per stop: the SDK resends it on its own retries, so one request stops once.
    await client.send(new StopPipelineExecutionCommand({ PipelineExecutionArn: executionArn, ClientRequestToken: context.newToken() }));
    if (context.options.json) {
        writeJson(io.stdout, { pipelineExecutionArn: executionArn, status, stopRequested: true });
    } else {
        writeLine(io.stdout, `stop requested for ${executionArn}`);
        writeLine(io.stderr, `it passes through Stopping to Stopped; follow it with: yolo-pipeline watch ${executionArn}`);
    }
    return EXIT.ok;
}

export function registerStop(program: Command, action: ActionFactory): void {
    program
        .command("stop")
        .summary("stop a running execution (asks first)")
        .description("Stop a running execution. Asks for confirmation on a terminal; without one, --yes is required.")
        .argument("<execution-arn>", "ARN of the execution to stop")
        .option("-y, --yes", "stop without asking")
        .addHelpText("after", "\nExit codes: 0 stop requested (or nothing to stop), 5 not confirmed, 2 no terminal and no --yes.\n\nExamples:\n  $ yolo-pipeline stop arn:aws:sagemaker:us-east-1:123456789012:pipeline/drone-dev-yolo11-training/execution/abc123\n  $ yolo-pipeline stop --yes \"$ARN\"")
        .action(action(stopCommand));
}

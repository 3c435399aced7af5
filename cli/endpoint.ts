// The stack's real-time endpoint as the CLI meets it: its name (components/naming.ts), and the answer AWS gives
// when it does not exist, turned into what to do about it. The endpoint exists only after a version was written
// into the stack (`deploy`) and `pulumi up` ran, so that is what a missing one says.
import { PlatformConfig, PROJECT } from "../components/config";
import { resourceNames } from "../components/naming";
import { CliError, EXIT, UsageError } from "./errors";

export function endpointNames(stack: PlatformConfig): { endpoint: string; monitoringSchedule: string } {
    const names = resourceNames(stack.namePrefix, stack.stack);
    return { endpoint: names.endpoint, monitoringSchedule: names.monitoringSchedule };
}

/**
 * DescribeEndpoint answers a missing endpoint with ValidationException "Could not find endpoint …", InvokeEndpoint
 * with ValidationError "Endpoint … of account … not found." (both HTTP 400; neither has an error code of its own).
 */
export function isMissingEndpoint(error: unknown): boolean {
    if (!(error instanceof Error) || !/^Validation(Exception|Error)$/.test(error.name)) {
        return false;
    }
    return /Could not find endpoint|Endpoint \S+ of account \S+ not found/i.test(error.message);
}

export function noEndpoint(stack: PlatformConfig, name: string): CliError {
    return new CliError(`no endpoint ${name}: deploy a version (yolo-pipeline --stack ${stack.stack} deploy <version>) and run pulumi up --stack ${stack.stack}.`, EXIT.error);
}

/**
 * A stack with deployment off has no endpoint and its personas no serving permissions, so `endpoint` and `invoke`
 * are refused before any AWS call (as `deploy` is), naming the key that turns serving on.
 */
export function requireDeployment(stack: PlatformConfig, command: string): void {
    if (!stack.deployment.enabled) {
        throw new UsageError([
            `${command}: stack ${stack.stack} has deployment: false, so it has no endpoint; set ${PROJECT}:deployment: true in Pulumi.${stack.stack}.yaml, ` +
                `deploy a version (yolo-pipeline --stack ${stack.stack} deploy <version>) and run pulumi up --stack ${stack.stack} (the endpoint bills by the hour while it exists).`,
        ]);
    }
}

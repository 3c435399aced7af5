// Requests checked against botocore's model of an AWS operation (the shapes and constraints AWS validates), for
// the calls the emulator does not implement. The Python test environment (.venv) has botocore.
import { spawnSync } from "child_process";
import * as path from "path";
import { PROJECT_ROOT } from "../../../tools/stackConfig";

/** botocore's validation report for `request` (empty when the operation's input shape accepts it). */
export function botocoreProblems(operation: string, request: unknown, service = "sagemaker"): string {
    const python = path.join(PROJECT_ROOT, ".venv", "bin", "python");
    const script = [
        "import json, sys, botocore.session, botocore.validate",
        "model = botocore.session.get_session().get_service_model(sys.argv[2]).operation_model(sys.argv[1])",
        "report = botocore.validate.ParamValidator().validate(json.load(sys.stdin), model.input_shape)",
        "print(report.generate_report())",
    ].join("\n");
    const result = spawnSync(python, ["-c", script, operation, service], { input: JSON.stringify(request), encoding: "utf8" });
    if (result.status !== 0) {
        throw new Error(`botocore validation did not run: ${result.stderr}`);
    }
    return result.stdout.trim();
}

// A throwaway project folder: the repository's own Pulumi.yaml (its defaults and key declarations) beside a
// stack file the test writes, for commands that read or change a stack file (deploy edits Pulumi.<stack>.yaml).
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PROJECT_ROOT } from "../../../tools/stackConfig";

export interface ProjectRoot {
    readonly dir: string;
    /** Path of Pulumi.<stack>.yaml in it. */
    readonly stackFile: string;
    read(): string;
    remove(): void;
}

export function projectRoot(stack: string, stackFileText: string): ProjectRoot {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "yolo-pipeline-project-"));
    fs.copyFileSync(path.join(PROJECT_ROOT, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
    const stackFile = path.join(dir, `Pulumi.${stack}.yaml`);
    fs.writeFileSync(stackFile, stackFileText);
    return {
        dir,
        stackFile,
        read: () => fs.readFileSync(stackFile, "utf8"),
        remove: () => fs.rmSync(dir, { recursive: true, force: true }),
    };
}

// The pipeline-scripts bundle (sourcedir.tar.gz) that the training toolkit and the evaluation step
// unpack. It is byte-for-byte reproducible (sorted entries, fixed mtime, no owners, normalised modes),
// so its SHA-256 changes exactly when a script changes; the S3 key and therefore the pipeline
// definition carry that hash, and nothing else moves when the scripts stay the same.
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as tar from "tar";

/** Paths inside the scripts folder that never belong in the bundle. */
const EXCLUDED = [/(^|\/)__pycache__(\/|$)/, /\.py[co]$/, /(^|\/)\.pytest_cache(\/|$)/, /(^|\/)\.DS_Store$/, /(^|\/)\.ipynb_checkpoints(\/|$)/];

export interface CodeBundle {
    /** Local path of the archive (what Pulumi uploads). */
    readonly path: string;
    readonly sha256: string;
    /** Files in the archive, relative to the scripts folder. */
    readonly files: readonly string[];
}

/** Files of `dir` that go into the bundle, relative and sorted. */
export function bundleFiles(dir: string): string[] {
    const files: string[] = [];
    const walk = (relative: string) => {
        for (const entry of fs.readdirSync(path.join(dir, relative), { withFileTypes: true })) {
            const child = relative ? `${relative}/${entry.name}` : entry.name;
            if (EXCLUDED.some((pattern) => pattern.test(child))) {
                continue;
            }
            if (entry.isDirectory()) {
                walk(child);
            } else if (entry.isFile()) {
                files.push(child);
            }
        }
    };
    walk("");
    return files.sort();
}

/** Builds the bundle of `scriptsDir` into `outDir` (a temp folder by default) and returns its hash. */
export function buildCodeBundle(scriptsDir: string, outDir = path.join(os.tmpdir(), "sagemaker-yolo-bundles")): CodeBundle {
    const files = bundleFiles(scriptsDir);
    if (files.length === 0) {
        throw new Error(`The pipeline scripts folder ${scriptsDir} has no files to bundle.`);
    }
    fs.mkdirSync(outDir, { recursive: true });
    const staging = path.join(outDir, `sourcedir-${process.pid}-${Date.now()}.tar.gz`);
    tar.create(
        {
            file: staging,
            cwd: scriptsDir,
            sync: true,
            gzip: { level: 9 },
            portable: true,
            mtime: new Date(0),
            onWriteEntry: (entry) => {
                // Checkouts differ in umask; only "executable or not" is meaningful.
                if (entry.stat) {
                    entry.stat.mode = (entry.stat.mode & 0o111) !== 0 ? 0o755 : 0o644;
                }
            },
        },
        files,
    );
    const sha256 = crypto.createHash("sha256").update(fs.readFileSync(staging)).digest("hex");
    const finalPath = path.join(outDir, `sourcedir-${sha256}.tar.gz`);
    fs.renameSync(staging, finalPath);
    return { path: finalPath, sha256, files };
}

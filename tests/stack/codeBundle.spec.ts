import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as tar from "tar";
import { buildCodeBundle, bundleFiles } from "../../components/codeBundle";

function scratchScripts(): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bundle-src-"));
    fs.writeFileSync(path.join(dir, "train.py"), "print('train')\n");
    fs.writeFileSync(path.join(dir, "requirements.txt"), "ultralytics\n");
    fs.mkdirSync(path.join(dir, "lib", "__pycache__"), { recursive: true });
    fs.writeFileSync(path.join(dir, "lib", "util.py"), "X = 1\n");
    fs.writeFileSync(path.join(dir, "lib", "__pycache__", "util.cpython-311.pyc"), "bytecode");
    return dir;
}

describe("code bundle", () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), "bundle-out-"));

    it("bundles the scripts without caches, sorted", () => {
        expect(bundleFiles(scratchScripts())).to.deep.equal(["lib/util.py", "requirements.txt", "train.py"]);
    });

    it("is byte-for-byte reproducible across checkouts with other mtimes and umasks", () => {
        const a = scratchScripts();
        const b = scratchScripts();
        const later = new Date(Date.now() + 86_400_000);
        fs.utimesSync(path.join(b, "train.py"), later, later);
        fs.chmodSync(path.join(b, "train.py"), 0o664);
        expect(buildCodeBundle(a, out).sha256).to.equal(buildCodeBundle(b, out).sha256);
    });

    it("changes its hash when a script changes", () => {
        const dir = scratchScripts();
        const before = buildCodeBundle(dir, out).sha256;
        fs.appendFileSync(path.join(dir, "lib", "util.py"), "Y = 2\n");
        expect(buildCodeBundle(dir, out).sha256).not.to.equal(before);
    });

    it("unpacks to the script folder layout the training toolkit expects", async () => {
        const bundle = buildCodeBundle(scratchScripts(), out);
        const entries: string[] = [];
        await tar.list({ file: bundle.path, onReadEntry: (entry) => entries.push(`${entry.path} ${(entry.mode ?? 0).toString(8)}`) });
        expect(entries).to.deep.equal(["lib/util.py 644", "requirements.txt 644", "train.py 644"]);
    });

    it("refuses an empty scripts folder", () => {
        expect(() => buildCodeBundle(fs.mkdtempSync(path.join(os.tmpdir(), "empty-")), out)).to.throw(/no files to bundle/);
    });
});

import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { CODE_BUNDLE_PLACEHOLDER, lifecycleConfigName, MAX_LIFECYCLE_CONTENT, renderLifecycleScript } from "../../components/studioLifecycle";
import { PROJECT_ROOT } from "../../tools/stackConfig";

const SCRIPT = fs.readFileSync(path.join(PROJECT_ROOT, "studio", "jupyterlab-on-start.sh"), "utf-8");
const BUNDLE = "s3://drone-data/code/pipeline-scripts/0123abcd/sourcedir.tar.gz";

describe("Studio lifecycle script rendering", () => {
    it("fills the code bundle URI into the repository's script, base64-encoded within SageMaker's limit", () => {
        const content = renderLifecycleScript(SCRIPT, BUNDLE);
        expect(content.length).to.be.at.most(MAX_LIFECYCLE_CONTENT);
        const script = Buffer.from(content, "base64").toString("utf-8");
        expect(script).to.equal(SCRIPT.replace(CODE_BUNDLE_PLACEHOLDER, BUNDLE));
        expect(script.startsWith("#!")).to.equal(true);
    });

    it("refuses a script without the placeholder, or with it twice", () => {
        expect(() => renderLifecycleScript("#!/bin/bash\necho hi\n", BUNDLE)).to.throw(/exactly once \(it has 0\)/);
        expect(() => renderLifecycleScript(`${CODE_BUNDLE_PLACEHOLDER} ${CODE_BUNDLE_PLACEHOLDER}`, BUNDLE)).to.throw(/it has 2/);
    });

    it("refuses a bundle URI that is not an s3:// object and a script above the size limit", () => {
        expect(() => renderLifecycleScript(SCRIPT, "https://example.com/x.tar.gz")).to.throw(/not an s3:\/\/ object URI/);
        const huge = `#!/bin/bash\n: "${CODE_BUNDLE_PLACEHOLDER}"\n${"#".repeat(MAX_LIFECYCLE_CONTENT)}\n`;
        expect(() => renderLifecycleScript(huge, BUNDLE)).to.throw(/above SageMaker's limit of 16384/);
    });

    it("names a configuration after its content, so a changed script gets a new name", () => {
        const a = lifecycleConfigName("drone-dev-yolo11-kernel", "a");
        expect(a).to.match(/^drone-dev-yolo11-kernel-[0-9a-f]{8}$/);
        expect(lifecycleConfigName("drone-dev-yolo11-kernel", "a")).to.equal(a);
        expect(lifecycleConfigName("drone-dev-yolo11-kernel", "b")).not.to.equal(a);
    });
});

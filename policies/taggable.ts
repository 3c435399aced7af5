// Which resource types accept a `tags` input. The stack's tagging transformation and the policy pack's
// cost-allocation rule both ask this, so neither keeps a hand-written list that falls behind the provider.
// The answer comes from the installed @pulumi/aws itself: each resource module assigns
// `resourceInputs["tags"]` exactly when the resource takes tags.
import * as fs from "fs";
import * as path from "path";

const cache = new Map<string, boolean>();
let awsPackageDir: string | undefined;

function awsDir(): string {
    awsPackageDir ??= path.dirname(require.resolve("@pulumi/aws/package.json"));
    return awsPackageDir;
}

/** Module file of a type token: `aws:s3/bucketPolicy:BucketPolicy` → `<@pulumi/aws>/s3/bucketPolicy.js`. */
function moduleFile(type: string): string | undefined {
    const match = /^aws:([A-Za-z0-9]+)\/([A-Za-z0-9]+):[A-Za-z0-9]+$/.exec(type);
    if (!match) {
        return undefined;
    }
    const [, module, file] = match;
    return path.join(awsDir(), module === "index" ? "" : module, `${file}.js`);
}

/** True when resources of this AWS type take a `tags` input (false for non-AWS and unknown types). */
export function isTaggable(type: string): boolean {
    const known = cache.get(type);
    if (known !== undefined) {
        return known;
    }
    const file = moduleFile(type);
    let taggable = false;
    if (file && fs.existsSync(file)) {
        taggable = fs.readFileSync(file, "utf8").includes('resourceInputs["tags"] = args');
    }
    cache.set(type, taggable);
    return taggable;
}

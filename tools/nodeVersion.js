// The Node.js this project supports, read from package.json's `engines` (the one place it is stated), and
// the check the npm scripts run before anything else: `node tools/nodeVersion.js && ...`. Plain JavaScript
// with no dependencies, so that it runs, and explains, on any Node.
//
// `npm install` installs that Node as the devDependency `node` (the npm package wrapping the official
// binaries), which puts it in node_modules/.bin; npm scripts put that folder first on PATH, so they run on it
// whatever Node the machine has. This check only fires when that did not happen (`--omit=dev`,
// `--ignore-scripts`, a platform without a binary package) or a script is run outside npm.
"use strict";
const { engines } = require("../package.json");

/** The lowest supported major version, from `engines.node` (`>=24`). */
const requiredMajor = Number(/(\d+)/.exec(engines.node)[1]);

/** Undefined on a supported Node; otherwise one line naming the version needed and how to get it. */
function nodeVersionProblem(version = process.version) {
    const major = Number(/^v?(\d+)/.exec(version)?.[1]);
    if (major >= requiredMajor) {
        return undefined;
    }
    return (
        `this project needs Node.js ${engines.node} (package.json engines); this is Node ${version} (${process.execPath}). ` +
        "`npm install` puts the supported Node in node_modules/.bin, which npm scripts and npx use first: " +
        "run `npm install` (without --omit=dev or --ignore-scripts), then the npm scripts."
    );
}

module.exports = { nodeVersionProblem, requiredMajor };

if (require.main === module) {
    const problem = nodeVersionProblem();
    if (problem !== undefined) {
        process.stderr.write(`error: ${problem}\n`);
        process.exit(1);
    }
}

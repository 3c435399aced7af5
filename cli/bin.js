#!/usr/bin/env node
// npm bin shim: runs the TypeScript CLI through ts-node without type-checking (`npm run typecheck`
// does that once), which keeps a command's start-up near a second.
"use strict";
const path = require("path");

require("ts-node").register({ transpileOnly: true, project: path.join(__dirname, "..", "tsconfig.json") });
const { run } = require("./main.ts");

run(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
});

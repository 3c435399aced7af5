// Preload (`node --require`) that makes a supported Node report itself as v20.20.2, the end-of-life Node these
// machines ship: what the CLI, tools/nodeVersion.js and the AWS SDK decide from process.version is then what
// they would decide on it. The SDK reads process.version when a client is constructed.
"use strict";
Object.defineProperty(process, "version", { value: "v20.20.2" });

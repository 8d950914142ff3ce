// Checks a Teams app manifest against the schema its $schema names, with Microsoft's own
// validator (@microsoft/app-manifest's AppManifestUtils.validateAgainstSchema), offline.
//
//   node validate.js path/to/manifest.json
//
// Valid: one line naming the validator and the schema, exit 0. Invalid: the schema's
// complaints, one a line, exit 1. Could not check (no such schema, unreadable file): exit 2.
"use strict";

const fs = require("fs");

// The validator reads the schema from the copies its package ships (build/json-schemas/)
// and fetches only a schema it does not ship. A check must not depend on reaching
// developer.microsoft.com (this machine cannot), so a fetch is an error naming the URL.
globalThis.fetch = async (url) => {
  throw new Error(`${url} is not among the schemas @microsoft/app-manifest ships; not fetched`);
};

const { AppManifestUtils } = require("@microsoft/app-manifest");
const { version } = require("@microsoft/app-manifest/package.json");

async function main(path) {
  let manifest;
  try {
    manifest = JSON.parse(fs.readFileSync(path, "utf8"));
  } catch (error) {
    console.error(`cannot read ${path}: ${error.message}`);
    return 2;
  }
  let errors;
  try {
    errors = await AppManifestUtils.validateAgainstSchema(manifest);
  } catch (error) {
    console.error(error.message);
    return 2;
  }
  if (errors.length > 0) {
    for (const error of errors) console.log(error);
    return 1;
  }
  console.log(`valid: @microsoft/app-manifest ${version}, schema ${manifest.$schema}`);
  return 0;
}

if (process.argv.length !== 3) {
  console.error("usage: node validate.js path/to/manifest.json");
  process.exit(2);
}
main(process.argv[2]).then((status) => process.exit(status));

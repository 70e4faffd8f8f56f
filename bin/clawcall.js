#!/usr/bin/env node
// The `clawcall` command. Code lives in dist/ (built by `npm install`).
import("../dist/cli/main.js")
  .then((m) => m.main(process.argv.slice(2)))
  .then((code) => {
    if (typeof code === "number") process.exitCode = code;
  })
  .catch((err) => {
    if (err?.code === "ERR_MODULE_NOT_FOUND" && String(err.message).includes("dist")) {
      process.stderr.write("clawcall is not built yet: run `npm install` (or `npm run build`) first.\n");
      process.exit(1);
    }
    process.stderr.write(`clawcall: ${err?.message ? err.message : String(err)}\n`);
    process.exit(1);
  });

#!/usr/bin/env node
// The ClawCall listener: long-polls the relay and answers callers. Code lives in dist/ (`npm run build`).
import("../dist/listener/main.js")
  .then((m) => m.main(process.argv.slice(2)))
  .then((code) => process.exit(typeof code === "number" ? code : 0))
  .catch((err) => {
    if (err?.code === "ERR_MODULE_NOT_FOUND" && String(err.message).includes("dist")) {
      process.stderr.write(
        "clawcall listener is not built yet: run `npm install` (or `npm run build`) first.\n",
      );
    } else {
      process.stderr.write(`clawcall listener: ${err?.message ? err.message : String(err)}\n`);
    }
    process.exit(1);
  });

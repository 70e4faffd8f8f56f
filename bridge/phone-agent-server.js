#!/usr/bin/env node
// The clawcall bridge: `node bridge/phone-agent-server.js [--replace]`. Code lives in src/bridge/ (built to dist/).
import("../dist/bridge/main.js")
  .then((m) => m.main(process.argv.slice(2)))
  .then((code) => process.exit(typeof code === "number" ? code : 0))
  .catch((err) => {
    if (err?.code === "ERR_MODULE_NOT_FOUND" && String(err.message).includes("dist")) {
      process.stderr.write(
        "clawcall bridge is not built yet: run `npm install` (or `npm run build`) first.\n",
      );
    } else {
      process.stderr.write(`clawcall bridge: ${err?.message ? err.message : String(err)}\n`);
    }
    process.exit(1);
  });

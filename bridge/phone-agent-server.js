#!/usr/bin/env node
// The clawcall bridge: `node bridge/phone-agent-server.js [--replace]`. Code lives in src/bridge/.
import { main } from "../dist/bridge/main.js";

main().catch((err) => {
  process.stderr.write(`clawcall bridge: ${err?.stack ?? err}\n`);
  process.exit(1);
});

// @ts-check
/**
 * A stand-in bridge: `POST /clawcall/message` answers "You said: <message>" after `delayMs`
 * (`node bench/lib/fake-bridge.js <delayMs>`; 0 answers at once, 2000 is the concurrency
 * benchmark's 2 s agent). Logs "listening on http://127.0.0.1:N" and, per turn at the end, nothing:
 * the benchmarks read the relay's event log instead.
 */
import { createServer } from "node:http";

const delayMs = Number(process.argv[2] ?? 0);

const server = createServer((req, res) => {
  /** @type {Buffer[]} */
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => {
    /** @type {{ message?: unknown }} */
    let j = {};
    try {
      j = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    } catch {}
    const answer = () => {
      const body = JSON.stringify({
        response: `You said: ${String(j.message ?? "")}`,
        end_call: false,
        intent: null,
        source: "fake",
        ms: delayMs,
      });
      res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
      res.end(body);
    };
    if (delayMs > 0) setTimeout(answer, delayMs);
    else answer();
  });
});
server.keepAliveTimeout = 5_000;
server.listen(0, "127.0.0.1", () => {
  const a = server.address();
  const port = a && typeof a === "object" ? a.port : 0;
  process.stdout.write(`listening on http://127.0.0.1:${port}\n`);
});
const stop = () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);

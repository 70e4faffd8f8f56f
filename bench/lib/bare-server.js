// @ts-check
/**
 * Baseline: a bare `node:http` server that reads the request body and answers a fixed JSON body the
 * size and shape of a bridge reply. No routing, no validation, no logging: the floor the bridge is
 * compared with. `node bench/lib/bare-server.js [port]` logs "listening on http://127.0.0.1:N".
 */
import { createServer } from "node:http";

const BODY = JSON.stringify({
  response: "I'm Benchy, Sam's AI assistant.",
  end_call: false,
  intent: "identity",
  source: "fast",
  ms: 0.01,
  kind: "caller",
});
const HEADERS = {
  "content-type": "application/json; charset=utf-8",
  "content-length": Buffer.byteLength(BODY),
};

const server = createServer((req, res) => {
  req.on("data", () => {});
  req.on("end", () => {
    res.writeHead(200, HEADERS);
    res.end(BODY);
  });
});
server.keepAliveTimeout = 5_000;
server.listen(Number(process.argv[2] ?? 0), "127.0.0.1", () => {
  const a = server.address();
  const port = a && typeof a === "object" ? a.port : 0;
  process.stdout.write(`listening on http://127.0.0.1:${port}\n`);
});
const stop = () => server.close(() => process.exit(0));
process.on("SIGTERM", stop);
process.on("SIGINT", stop);

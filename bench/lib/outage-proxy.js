// @ts-check
/**
 * A relay outage for the outage benchmark: an HTTP proxy on 127.0.0.1:0 in front of the sandbox.
 * `down()` makes every request fail — an nginx-style HTML 502 page or a reset, alternately, nothing
 * forwarded — and resets the client side of requests already forwarded (an open long poll), while the
 * relay goes on holding them, as a network outage does. `up()` ends it. Each request's arrival time
 * and path are kept, so the benchmark counts what a listener sends during the outage and when it polls
 * again after it.
 */
import { createServer, request } from "node:http";

const BAD_GATEWAY = "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>";

/**
 * @param {string} target relay base URL
 */
export async function startOutageProxy(target) {
  const t = new URL(target);
  /** @type {{ t: number, path: string, forwarded: boolean }[]} */
  const log = [];
  /** Client sockets of forwarded requests still waiting on the relay. */
  const open = new Set();
  let down = false;
  let n = 0;
  const server = createServer((req, res) => {
    const rec = { t: performance.now(), path: req.url ?? "/", forwarded: !down };
    log.push(rec);
    if (down) {
      req.resume();
      if (n++ % 2 === 0) {
        res.writeHead(502, { "content-type": "text/html" });
        res.end(BAD_GATEWAY);
      } else {
        req.socket.resetAndDestroy();
      }
      return;
    }
    const socket = req.socket;
    open.add(socket);
    const up = request(
      { host: t.hostname, port: t.port, method: req.method, path: req.url, headers: req.headers },
      (r) => {
        open.delete(socket);
        if (socket.destroyed) return void r.resume();
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      },
    );
    up.on("error", () => {
      open.delete(socket);
      if (!res.headersSent && !socket.destroyed) res.writeHead(502).end();
    });
    req.pipe(up);
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", () => r(undefined)));
  const addr = /** @type {import("node:net").AddressInfo} */ (server.address());
  return {
    url: `http://127.0.0.1:${addr.port}`,
    log,
    down() {
      down = true;
      for (const s of open) s.resetAndDestroy();
    },
    up() {
      down = false;
    },
    close() {
      server.closeAllConnections();
      return new Promise((r) => server.close(() => r(undefined)));
    },
  };
}

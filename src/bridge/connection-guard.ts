/**
 * Keeps misbehaving sockets from starving the bridge of descriptors. Node's request timeouts only
 * answer a stalled client; a peer that never reads keeps the socket (and its descriptor) open after
 * that answer, and nothing caps how many such peers there are.
 */
import type { Server } from "node:http";
import type { Socket } from "node:net";

export interface ConnectionLimits {
  /** Open connections at most; past it the oldest one that never sent a request is dropped. */
  maxConnections: number;
  /** A connection that has not sent a complete request head by then is destroyed. */
  firstRequestMs: number;
}

/** Far below the usual 1,024-descriptor limit, far above what a listener and a CLI ever open. */
export const DEFAULT_CONNECTION_LIMITS: ConnectionLimits = { maxConnections: 256, firstRequestMs: 3_000 };

interface Tracked {
  timer: NodeJS.Timeout | undefined;
}

/** Applies `limits` to every connection `server` accepts. */
export function guardConnections(server: Server, limits: ConnectionLimits = DEFAULT_CONNECTION_LIMITS): void {
  // Insertion order is age order, so the first idle entry is the oldest idle one.
  const open = new Map<Socket, Tracked>();
  const evictOldestIdle = (): boolean => {
    for (const [socket, t] of open) {
      if (t.timer !== undefined) {
        socket.destroy();
        return true;
      }
    }
    return false;
  };
  server.on("connection", (socket: Socket) => {
    if (open.size >= limits.maxConnections && !evictOldestIdle()) {
      socket.destroy();
      return;
    }
    const timer = setTimeout(() => socket.destroy(), limits.firstRequestMs);
    timer.unref();
    const tracked: Tracked = { timer };
    open.set(socket, tracked);
    socket.once("close", () => {
      clearTimeout(tracked.timer);
      open.delete(socket);
    });
  });
  server.on("request", (req) => {
    const tracked = open.get(req.socket);
    if (tracked?.timer === undefined) return;
    clearTimeout(tracked.timer);
    tracked.timer = undefined;
  });
}

/**
 * Answers a client error (when the socket can still take it) and then destroys the socket: a peer
 * that never reads would otherwise hold a half-closed socket forever.
 */
export function answerAndDestroy(socket: Socket, response: string | undefined, err?: Error): void {
  if (response === undefined || !socket.writable || socket.destroyed) {
    socket.destroy(err);
    return;
  }
  const done = () => socket.destroy();
  socket.end(response, done);
  setTimeout(done, 1_000).unref();
}

/**
 * Ctrl-C for every long-running entry point (bridge, listener, `clawcall up`): the first SIGINT or
 * SIGTERM starts a graceful stop, a second one means "now": last words, then exit at once.
 */
import { EXIT } from "../exit-codes.js";

export interface StopSignalOptions {
  /** The first signal: begin a graceful stop (the entry point then returns its exit code). */
  onFirst(signal: NodeJS.Signals): void;
  /** The second signal, just before exiting: say so, release locks, kill children. */
  onSecond?(signal: NodeJS.Signals): void;
  /** Exit code after a second signal. Default 1 (EXIT.FAILURE). */
  exitCode?: number;
  /** Injected in tests. */
  proc?: Pick<NodeJS.Process, "on" | "off">;
  exit?: (code: number) => void;
}

const STOP_SIGNALS: readonly NodeJS.Signals[] = ["SIGINT", "SIGTERM"];

/** Installs the handlers; returns their removal (call it once the stop is done). */
export function onStopSignals(o: StopSignalOptions): () => void {
  const proc = o.proc ?? process;
  const exit = o.exit ?? ((code: number) => process.exit(code));
  let signalled = false;
  const handler = (signal: NodeJS.Signals) => {
    if (signalled) {
      o.onSecond?.(signal);
      exit(o.exitCode ?? EXIT.FAILURE);
      return;
    }
    signalled = true;
    o.onFirst(signal);
  };
  for (const s of STOP_SIGNALS) proc.on(s, handler);
  return () => {
    for (const s of STOP_SIGNALS) proc.off(s, handler);
  };
}

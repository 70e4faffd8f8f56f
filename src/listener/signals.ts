import type { Clock } from "./clock.js";

/** An abort signal that fires after `ms` on the given clock, or when any of `links` aborts. */
export function deadlineSignal(
  clock: Clock,
  ms: number,
  links: AbortSignal[] = [],
): { signal: AbortSignal; cancel: () => void } {
  const ctl = new AbortController();
  const timerCtl = new AbortController();
  const onLink = (s: AbortSignal) => () => ctl.abort(s.reason);
  const handlers = links.map((s) => {
    const h = onLink(s);
    if (s.aborted) ctl.abort(s.reason);
    else s.addEventListener("abort", h, { once: true });
    return [s, h] as const;
  });
  if (ms <= 0) ctl.abort(new DOMException("deadline passed", "TimeoutError"));
  else
    void clock.sleep(ms, timerCtl.signal).then((fired) => {
      if (fired) ctl.abort(new DOMException("deadline passed", "TimeoutError"));
    });
  return {
    signal: ctl.signal,
    cancel: () => {
      timerCtl.abort();
      for (const [s, h] of handlers) s.removeEventListener("abort", h);
    },
  };
}

/** Rejects as soon as `signal` aborts, even if `p` (an agent ignoring its signal) never settles. */
export function raceSignal<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    p.catch(() => {});
    return Promise.reject(signal.reason ?? new Error("aborted"));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason ?? new Error("aborted"));
    signal.addEventListener("abort", onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener("abort", onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener("abort", onAbort);
        reject(e);
      },
    );
  });
}

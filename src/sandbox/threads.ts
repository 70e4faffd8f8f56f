/**
 * The relay's worker threads: gunicorn serves everything (API requests and Twilio webhooks) from one
 * pool of N threads. A request that finds all threads busy waits, in arrival order.
 */
export class ThreadPool {
  private busy = 0;
  private readonly queue: Array<() => void> = [];

  constructor(readonly size: number) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError("threads must be a whole number ≥ 1");
  }

  /** Waits for a free thread; call the returned function exactly once to give it back. */
  acquire(): Promise<() => void> {
    return new Promise((resolve) => {
      const grant = () => {
        this.busy += 1;
        let released = false;
        resolve(() => {
          if (released) return;
          released = true;
          this.busy -= 1;
          this.queue.shift()?.();
        });
      };
      if (this.busy < this.size) grant();
      else this.queue.push(grant);
    });
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    const release = await this.acquire();
    try {
      return await fn();
    } finally {
      release();
    }
  }

  stats(): { size: number; busy: number; waiting: number } {
    return { size: this.size, busy: this.busy, waiting: this.queue.length };
  }
}

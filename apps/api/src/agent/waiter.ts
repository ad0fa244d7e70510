// A sleep that a wake-up ends early; a wake-up that comes before the sleep is not lost. Waiting
// claims and diff requests sleep on it, woken by their lane's events.
export interface Waiter {
  wake(): void;
  /** Forgets earlier wake-ups: call before looking, then wait. */
  reset(): void;
  wait(ms: number, signal: AbortSignal): Promise<void>;
}

export function createWaiter(): Waiter {
  let woken = false;
  let release: (() => void) | undefined;
  return {
    wake: () => {
      woken = true;
      release?.();
    },
    reset: () => {
      woken = false;
    },
    wait(ms: number, signal: AbortSignal): Promise<void> {
      if (woken || signal.aborted) return Promise.resolve();
      return new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          signal.removeEventListener('abort', done);
          release = undefined;
          resolve();
        };
        const timer = setTimeout(done, ms);
        signal.addEventListener('abort', done, { once: true });
        release = done;
      });
    },
  };
}

// A @fastify/rate-limit store on a WindowCounter: one count per key across routes and, in multi-process mode, across processes.
import type { WindowCounter } from './window-counter';

type Callback = (err: Error | null, res: { current: number; ttl: number }) => void;

/** Share of the limit past which counts are reported to the other processes on every hit. */
const NEAR = 0.9;

/**
 * The plugin instantiates the store class itself (`new Store(params)`), so the counter is bound in a
 * class made here. `child` returns the same store: the limit is per API key over every protected
 * route, not per route (the plugin's own LocalStore keeps one count per route).
 */
export function windowCounterStore(counter: WindowCounter) {
  return class WindowCounterStore {
    incr(key: string, cb: Callback, _timeWindow?: number, max?: number): void {
      const current = counter.hit(key);
      // near the limit every hit is shared at once instead of on the next 50 ms tick, so other processes stop the key in time
      if (max !== undefined && current >= max * NEAR) counter.onNearLimit?.();
      cb(null, { current, ttl: counter.msLeft() });
    }
    read(key: string, cb: Callback): void {
      cb(null, { current: counter.count(key), ttl: counter.msLeft() });
    }
    child(): WindowCounterStore {
      return this;
    }
  };
}

// Fixed-window counters per key (rate limits, failed logins), shareable across the processes of one service.

/** Counts one process gathered in a window and has not reported yet. */
export interface CounterReport {
  window: number;
  counts: [string, number][];
}

/**
 * Counts per key in fixed windows aligned to multiples of `windowMs` since the epoch, so every process
 * of a service agrees on where a window starts without talking. `hit` and `count` are O(1) and do no
 * I/O. In a multi-process service each process reports what it counted (`takeReport`) and learns what
 * the others counted (`setOthers`); a limit then holds across processes up to what the others count
 * between two reports.
 */
export class WindowCounter {
  private window = -1;
  private local = new Map<string, number>();
  private unreported = new Map<string, number>();
  private others = new Map<string, number>();
  /** Called after every hit (multi-process mode: counters of rare events report at once instead of on the next tick). */
  onHit: (() => void) | undefined;
  /** Called by a limiter when a key nears its limit (multi-process mode: report now, so the others stop it in time). */
  onNearLimit: (() => void) | undefined;

  constructor(
    readonly windowMs: number,
    /** Most keys tracked per window; past it new keys count in one shared overflow bucket, so memory stays bounded. */
    private readonly maxKeys = 100_000,
  ) {}

  private roll(now: number): void {
    const w = Math.floor(now / this.windowMs);
    if (w === this.window) return;
    this.window = w;
    this.local.clear();
    this.unreported.clear();
    this.others.clear();
  }

  private slot(key: string): string {
    return this.local.has(key) || this.local.size < this.maxKeys ? key : '\u0000overflow';
  }

  /** Adds `n` for `key` and returns the key's count in this window across processes. */
  hit(key: string, n = 1, now = Date.now()): number {
    this.roll(now);
    const k = this.slot(key);
    const mine = (this.local.get(k) ?? 0) + n;
    this.local.set(k, mine);
    this.unreported.set(k, (this.unreported.get(k) ?? 0) + n);
    this.onHit?.();
    return mine + (this.others.get(k) ?? 0);
  }

  /** The key's count in this window across processes, without adding. */
  count(key: string, now = Date.now()): number {
    this.roll(now);
    const k = this.slot(key);
    return (this.local.get(k) ?? 0) + (this.others.get(k) ?? 0);
  }

  /** Milliseconds until the current window ends. */
  msLeft(now = Date.now()): number {
    return this.windowMs - (now % this.windowMs);
  }

  /** What this process counted since its last report (multi-process mode). */
  takeReport(now = Date.now()): CounterReport | undefined {
    this.roll(now);
    if (this.unreported.size === 0) return undefined;
    const counts = [...this.unreported];
    this.unreported.clear();
    return { window: this.window, counts };
  }

  /** The other processes' counts for this window, as the primary summed them. */
  setOthers(window: number, counts: readonly [string, number][], now = Date.now()): void {
    this.roll(now);
    if (window !== this.window) return;
    for (const [k, n] of counts) this.others.set(k, n);
  }
}

/**
 * The primary's side: sums the reports of every process per window and tells each process what the
 * others counted (its own counts left out, so nothing is counted twice).
 */
export class WindowCounterHub {
  private window = -1;
  /** key -> process id -> count */
  private byKey = new Map<string, Map<number, number>>();

  add(from: number, report: CounterReport): [string, number][] {
    if (report.window < this.window) return [];
    if (report.window > this.window) {
      this.window = report.window;
      this.byKey.clear();
    }
    const touched: [string, number][] = [];
    for (const [k, n] of report.counts) {
      let per = this.byKey.get(k);
      if (!per) this.byKey.set(k, (per = new Map<number, number>()));
      per.set(from, (per.get(from) ?? 0) + n);
      touched.push([k, n]);
    }
    return touched;
  }

  get currentWindow(): number {
    return this.window;
  }

  /** For process `to`: the sum of every other process's count of each key in `keys`. */
  othersFor(to: number, keys: Iterable<string>): [string, number][] {
    const out: [string, number][] = [];
    for (const k of keys) {
      const per = this.byKey.get(k);
      if (!per) continue;
      let sum = 0;
      for (const [id, n] of per) if (id !== to) sum += n;
      out.push([k, sum]);
    }
    return out;
  }
}

// Per-key usage (requests, rows, errors, last seen; per model too) counted in memory and saved whole to a store object (usage.json, or one per replica).
import type { FastifyBaseLogger } from 'fastify';
import { z } from 'zod';
import { CorruptObject, type ArtifactStore } from '../store';

const ModelCounts = z.object({
  requests: z.number().int().min(0),
  rows: z.number().int().min(0),
  errors: z.number().int().min(0),
});
const Counts = z.object({
  name: z.string(),
  requests: z.number().int().min(0),
  rows: z.number().int().min(0),
  errors: z.number().int().min(0),
  lastSeen: z.string().nullable(),
  /** The same counts per model, for prediction requests. */
  models: z.record(z.string(), ModelCounts).optional(),
});
export type ModelCounts = z.infer<typeof ModelCounts>;
const UsageFile = z.object({ version: z.literal(1), keys: z.record(z.string(), Counts) });
export type UsageCounts = z.infer<typeof Counts>;

interface Live {
  name: string;
  requests: number;
  rows: number;
  errors: number;
  lastSeenMs: number | null;
  models: Map<string, ModelCounts>;
}

/** Counts one process gathered since its last report, sent to the process that owns the file (multi-process mode). */
export interface UsageDelta {
  keyId: string;
  name: string;
  requests: number;
  rows: number;
  errors: number;
  lastSeenMs: number;
  models: Record<string, ModelCounts>;
}

type UsageFile = z.infer<typeof UsageFile>;

function emptyLive(name: string): Live {
  return { name, requests: 0, rows: 0, errors: 0, lastSeenMs: null, models: new Map() };
}

/** Adds `from` into `into` (counts summed, last seen the later, the name the newer one). */
function addInto(into: Map<string, Live>, from: ReadonlyMap<string, Live>): void {
  for (const [id, d] of from) {
    let u = into.get(id);
    if (!u) into.set(id, (u = emptyLive(d.name)));
    u.name = d.name;
    u.requests += d.requests;
    u.rows += d.rows;
    u.errors += d.errors;
    if (d.lastSeenMs !== null) u.lastSeenMs = Math.max(u.lastSeenMs ?? 0, d.lastSeenMs);
    for (const [model, c] of d.models) {
      const m = u.models.get(model) ?? { requests: 0, rows: 0, errors: 0 };
      u.models.set(model, { requests: m.requests + c.requests, rows: m.rows + c.rows, errors: m.errors + c.errors });
    }
  }
}

function fromFile(file: UsageFile): Map<string, Live> {
  const out = new Map<string, Live>();
  for (const [id, c] of Object.entries(file.keys)) {
    out.set(id, { name: c.name, requests: c.requests, rows: c.rows, errors: c.errors, lastSeenMs: c.lastSeen ? Date.parse(c.lastSeen) : null, models: new Map(Object.entries(c.models ?? {})) });
  }
  return out;
}

function toFile(byKey: ReadonlyMap<string, Live>): UsageFile {
  const keys: UsageFile['keys'] = {};
  for (const [id, u] of byKey) {
    keys[id] = {
      name: u.name,
      requests: u.requests,
      rows: u.rows,
      errors: u.errors,
      lastSeen: u.lastSeenMs === null ? null : new Date(u.lastSeenMs).toISOString(),
      ...(u.models.size > 0 ? { models: Object.fromEntries(u.models) } : {}),
    };
  }
  return { version: 1, keys };
}

/**
 * Counts are kept as what the store held at the last read or save plus what was counted since. A save adds
 * the counts since onto the stored object with compare-and-swap (never writes totals it did not read), so
 * a replica that started while the store was down, or lost a race with another writer, never resets the
 * history: at worst its own unsaved counts wait for the next save.
 */
export class UsageStore {
  /** The stored totals as last read or written. */
  private saved = new Map<string, Live>();
  /** Counted since the last successful save (all of it in a process that does not persist). */
  private pending = new Map<string, Live>();
  /** Counts of the save in progress: still shown by snapshot() until the store has them. */
  private inFlight = new Map<string, Live>();
  private timer: NodeJS.Timeout | undefined;
  private saving: Promise<void> | undefined;

  constructor(
    private readonly store: ArtifactStore,
    /** Store key this replica alone writes, e.g. `usage.json` or `usage/api-1.json`. */
    readonly file: string,
    private readonly flushMs: number,
    private readonly log: FastifyBaseLogger,
    /** false: count in memory only (a server process of a multi-process service; its primary owns the file). */
    private readonly persist = true,
  ) {}

  /** Loads saved counts (unreadable now: the first save merges onto what the store holds then) and starts periodic saves. */
  async start(): Promise<void> {
    if (!this.persist) return;
    try {
      const stored = await this.store.getJson(this.file, UsageFile);
      if (stored) this.saved = fromFile(stored);
    } catch (err) {
      this.log.warn({ err, file: this.file }, 'usage object unreadable; counts since start are added to it once it can be read');
    }
    this.timer = setInterval(() => void this.save(), this.flushMs);
    this.timer.unref();
  }

  private live(keyId: string, name: string): Live {
    let u = this.pending.get(keyId);
    if (!u) this.pending.set(keyId, (u = emptyLive(name)));
    return u;
  }

  /** O(1) on the request path; `model` is '' for requests that are not predictions. */
  record(keyId: string, name: string, rows: number, error: boolean, model = ''): void {
    const u = this.live(keyId, name);
    u.requests++;
    u.rows += rows;
    const e = error ? 1 : 0;
    u.errors += e;
    u.lastSeenMs = Date.now();
    if (model !== '') {
      let m = u.models.get(model);
      if (!m) u.models.set(model, (m = { requests: 0, rows: 0, errors: 0 }));
      m.requests++;
      m.rows += rows;
      m.errors += e;
    }
  }

  /** Adds counts another process gathered (the primary of a multi-process service owns the file). */
  merge(deltas: readonly UsageDelta[]): void {
    const from = new Map<string, Live>();
    for (const d of deltas) {
      const one = new Map([[d.keyId, { name: d.name, requests: d.requests, rows: d.rows, errors: d.errors, lastSeenMs: d.lastSeenMs, models: new Map(Object.entries(d.models)) }]]);
      addInto(from, one);
    }
    addInto(this.pending, from);
  }

  /** Everything counted so far as deltas, and counting restarts from zero (a worker process reporting to the primary). */
  drain(): UsageDelta[] {
    const out: UsageDelta[] = [];
    for (const [keyId, u] of this.pending) out.push({ keyId, name: u.name, requests: u.requests, rows: u.rows, errors: u.errors, lastSeenMs: u.lastSeenMs ?? 0, models: Object.fromEntries(u.models) });
    this.pending.clear();
    return out;
  }

  snapshot(): Record<string, UsageCounts> {
    const all = new Map<string, Live>();
    addInto(all, this.saved);
    addInto(all, this.inFlight);
    addInto(all, this.pending);
    return toFile(all).keys;
  }

  /** Adds the counts since the last save onto the stored object (compare-and-swap; a failed save keeps them for the next). */
  save(): Promise<void> {
    if (!this.persist) return Promise.resolve();
    if (this.saving) return this.saving.then(() => this.save());
    if (this.pending.size === 0) return Promise.resolve();
    const taken = this.pending;
    this.pending = new Map();
    this.inFlight = taken;
    this.saving = this.store
      .update(this.file, UsageFile, (current) => {
        const next = current ? fromFile(current) : new Map<string, Live>();
        addInto(next, taken);
        return toFile(next);
      })
      .then(({ value }) => {
        if (value) this.saved = fromFile(value);
        this.inFlight = new Map();
      })
      .catch(async (err: unknown) => {
        if (err instanceof CorruptObject) await this.setAside();
        // counted again on top of whatever arrived meanwhile: nothing is lost or counted twice
        const back = new Map<string, Live>();
        addInto(back, taken);
        addInto(back, this.pending);
        this.pending = back;
        this.inFlight = new Map();
        this.log.error({ err, file: this.file }, 'usage save failed');
      })
      .finally(() => {
        this.saving = undefined;
      });
    return this.saving;
  }

  /** A damaged object is copied aside (for a person to look at) and removed, so the next save starts it again. */
  private async setAside(): Promise<void> {
    try {
      const raw = await this.store.get(this.file);
      const aside = `${this.file}.damaged-${Date.now()}`;
      if (raw) await this.store.put(aside, raw);
      await this.store.backend.delete(this.file);
      this.saved = new Map();
      this.log.error({ file: this.file, aside }, 'usage object damaged; kept aside and started again');
    } catch (err) {
      this.log.error({ err, file: this.file }, 'usage object damaged and could not be set aside');
    }
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.save();
  }
}

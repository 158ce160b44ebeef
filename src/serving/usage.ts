// Per-key usage (requests, rows, errors, last seen; per model too) counted in memory and saved atomically to <VAR_DIR>/usage.json.
import { readFile } from 'node:fs/promises';
import type { FastifyBaseLogger } from 'fastify';
import { z } from 'zod';
import { writeJsonAtomic } from '../util/fs-atomic';

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

export class UsageStore {
  private byKey = new Map<string, Live>();
  private dirty = false;
  private timer: NodeJS.Timeout | undefined;
  private saving: Promise<void> | undefined;

  constructor(
    readonly file: string,
    private readonly flushMs: number,
    private readonly log: FastifyBaseLogger,
    /** false: count in memory only (a server process of a multi-process service; its primary owns the file). */
    private readonly persist = true,
  ) {}

  /** Loads saved counts (a damaged file is set aside in the log, not fatal) and starts periodic saves. */
  async start(): Promise<void> {
    if (!this.persist) return;
    try {
      const saved = UsageFile.parse(JSON.parse(await readFile(this.file, 'utf8')));
      for (const [id, c] of Object.entries(saved.keys)) {
        this.byKey.set(id, {
          name: c.name,
          requests: c.requests,
          rows: c.rows,
          errors: c.errors,
          lastSeenMs: c.lastSeen ? Date.parse(c.lastSeen) : null,
          models: new Map(Object.entries(c.models ?? {})),
        });
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.log.warn({ err, file: this.file }, 'usage file unreadable; counting from zero');
    }
    this.timer = setInterval(() => void this.save(), this.flushMs);
    this.timer.unref();
  }

  private live(keyId: string, name: string): Live {
    let u = this.byKey.get(keyId);
    if (!u) {
      u = { name, requests: 0, rows: 0, errors: 0, lastSeenMs: null, models: new Map() };
      this.byKey.set(keyId, u);
    }
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
    this.dirty = true;
  }

  /** Adds counts another process gathered (the primary of a multi-process service owns the file). */
  merge(deltas: readonly UsageDelta[]): void {
    for (const d of deltas) {
      const u = this.live(d.keyId, d.name);
      u.requests += d.requests;
      u.rows += d.rows;
      u.errors += d.errors;
      u.lastSeenMs = Math.max(u.lastSeenMs ?? 0, d.lastSeenMs);
      for (const [model, c] of Object.entries(d.models)) {
        const m = u.models.get(model) ?? { requests: 0, rows: 0, errors: 0 };
        m.requests += c.requests;
        m.rows += c.rows;
        m.errors += c.errors;
        u.models.set(model, m);
      }
    }
    if (deltas.length > 0) this.dirty = true;
  }

  /** Everything counted so far as deltas, and counting restarts from zero (a worker process reporting to the primary). */
  drain(): UsageDelta[] {
    const out: UsageDelta[] = [];
    for (const [keyId, u] of this.byKey) out.push({ keyId, name: u.name, requests: u.requests, rows: u.rows, errors: u.errors, lastSeenMs: u.lastSeenMs ?? 0, models: Object.fromEntries(u.models) });
    this.byKey.clear();
    this.dirty = false;
    return out;
  }

  snapshot(): Record<string, UsageCounts> {
    const out: Record<string, UsageCounts> = {};
    for (const [id, u] of this.byKey) {
      out[id] = {
        name: u.name,
        requests: u.requests,
        rows: u.rows,
        errors: u.errors,
        lastSeen: u.lastSeenMs === null ? null : new Date(u.lastSeenMs).toISOString(),
        ...(u.models.size > 0 ? { models: Object.fromEntries(u.models) } : {}),
      };
    }
    return out;
  }

  /** Writes the counts if they changed (temp file + rename, so a crash keeps the previous save). */
  save(): Promise<void> {
    if (!this.persist) return Promise.resolve();
    if (this.saving) return this.saving.then(() => this.save());
    if (!this.dirty) return Promise.resolve();
    this.dirty = false;
    this.saving = writeJsonAtomic(this.file, { version: 1, keys: this.snapshot() })
      .catch((err: unknown) => {
        this.dirty = true;
        this.log.error({ err, file: this.file }, 'usage save failed');
      })
      .finally(() => {
        this.saving = undefined;
      });
    return this.saving;
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.save();
  }
}

// Per-key usage (requests, rows, errors, last seen) counted in memory and saved whole to a store object (usage.json, or one per replica).
import type { FastifyBaseLogger } from 'fastify';
import { z } from 'zod';
import type { ArtifactStore } from '../store';

const Counts = z.object({
  name: z.string(),
  requests: z.number().int().min(0),
  rows: z.number().int().min(0),
  errors: z.number().int().min(0),
  lastSeen: z.string().nullable(),
});
const UsageFile = z.object({ version: z.literal(1), keys: z.record(z.string(), Counts) });
export type UsageCounts = z.infer<typeof Counts>;

interface Live {
  name: string;
  requests: number;
  rows: number;
  errors: number;
  lastSeenMs: number | null;
}

export class UsageStore {
  private byKey = new Map<string, Live>();
  private dirty = false;
  private timer: NodeJS.Timeout | undefined;
  private saving: Promise<void> | undefined;

  constructor(
    private readonly store: ArtifactStore,
    /** Store key this replica alone writes, e.g. `usage.json` or `usage/api-1.json`. */
    readonly file: string,
    private readonly flushMs: number,
    private readonly log: FastifyBaseLogger,
  ) {}

  /** Loads saved counts (a damaged file is set aside in the log, not fatal) and starts periodic saves. */
  async start(): Promise<void> {
    try {
      const saved = (await this.store.getJson(this.file, UsageFile)) ?? { version: 1, keys: {} };
      for (const [id, c] of Object.entries(saved.keys)) {
        this.byKey.set(id, { name: c.name, requests: c.requests, rows: c.rows, errors: c.errors, lastSeenMs: c.lastSeen ? Date.parse(c.lastSeen) : null });
      }
    } catch (err) {
      this.log.warn({ err, file: this.file }, 'usage object unreadable; counting from zero');
    }
    this.timer = setInterval(() => void this.save(), this.flushMs);
    this.timer.unref();
  }

  /** O(1) on the request path. */
  record(keyId: string, name: string, rows: number, error: boolean): void {
    let u = this.byKey.get(keyId);
    if (!u) {
      u = { name, requests: 0, rows: 0, errors: 0, lastSeenMs: null };
      this.byKey.set(keyId, u);
    }
    u.requests++;
    u.rows += rows;
    if (error) u.errors++;
    u.lastSeenMs = Date.now();
    this.dirty = true;
  }

  snapshot(): Record<string, UsageCounts> {
    const out: Record<string, UsageCounts> = {};
    for (const [id, u] of this.byKey) {
      out[id] = { name: u.name, requests: u.requests, rows: u.rows, errors: u.errors, lastSeen: u.lastSeenMs === null ? null : new Date(u.lastSeenMs).toISOString() };
    }
    return out;
  }

  /** Writes the counts if they changed (whole-object writes, so a crash keeps the previous save; a failed save is retried). */
  save(): Promise<void> {
    if (this.saving) return this.saving.then(() => this.save());
    if (!this.dirty) return Promise.resolve();
    this.dirty = false;
    this.saving = this.store
      .putJson(this.file, { version: 1, keys: this.snapshot() })
      .then(() => undefined)
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

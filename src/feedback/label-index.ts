// The feedback duplicate index: 63-bit keyed digests of (key id, inference id) with a number and a label digest each, in typed arrays capped in bytes, oldest generation dropped first.
import { createHmac, randomBytes } from 'node:crypto';

/** Entries a generation holds at most, as a share of its slots (open addressing stays fast below it). */
const MAX_LOAD = 0.7;
/** Slots of a generation to start with; it doubles up to the byte cap. */
const FIRST_SLOTS = 1024;
/** Bytes per slot: digest high and low words (Uint32 each), the number kept (Float64) and the label's digest (Float64). */
const SLOT_BYTES = 24;

class Generation {
  readonly hi: Uint32Array;
  readonly lo: Uint32Array;
  readonly value: Float64Array;
  readonly tag: Float64Array;
  size = 0;
  constructor(readonly slots: number) {
    this.hi = new Uint32Array(slots);
    this.lo = new Uint32Array(slots);
    this.value = new Float64Array(slots);
    this.tag = new Float64Array(slots);
  }

  get bytes(): number {
    return this.slots * SLOT_BYTES;
  }

  get full(): boolean {
    return this.size >= Math.floor(this.slots * MAX_LOAD);
  }

  /** The slot holding the digest, or the empty slot where it would go. lo is never 0, so lo === 0 marks an empty slot. */
  find(hi: number, lo: number): number {
    // any slot count (not only powers of two), so the cap is used whole; the digest is already uniform
    let i = (lo ^ Math.imul(hi, 0x9e3779b1)) >>> 0;
    i %= this.slots;
    while (this.lo[i] !== 0 && (this.lo[i] !== lo || this.hi[i] !== hi)) i = i + 1 === this.slots ? 0 : i + 1;
    return i;
  }

  /** The slot holding the digest, or -1. */
  at(hi: number, lo: number): number {
    const i = this.find(hi, lo);
    return this.lo[i] === 0 ? -1 : i;
  }

  set(hi: number, lo: number, value: number, tag: number): void {
    const i = this.find(hi, lo);
    if (this.lo[i] === 0) {
      this.hi[i] = hi;
      this.lo[i] = lo;
      this.size++;
    }
    this.value[i] = value;
    this.tag[i] = tag;
  }

  clear(): void {
    this.hi.fill(0);
    this.lo.fill(0);
    this.size = 0;
  }

  *entries(): Generator<[number, number, number, number]> {
    for (let i = 0; i < this.slots; i++) if (this.lo[i] !== 0) yield [this.hi[i], this.lo[i], this.value[i], this.tag[i]];
  }
}

/**
 * Per (key id, inference id), a number (the label writer keeps the latest label's time in ms) and a tag
 * (the writer keeps a digest of the latest label's value, so a regression number or a class is compared
 * without being stored: see `valueDigest`), under a 63-bit digest keyed with a per-process secret (so
 * nobody can make two ids collide on purpose; a chance collision among a million ids is about 1 in 10^7).
 * Ids and label values are never kept: memory is 24 bytes a slot, whatever the task, in two
 * generations whose slots together never exceed `maxBytes`. When the newer generation fills, the older one
 * is dropped and the newer takes its place: the ids labeled least recently are forgotten first (a repeat of
 * one is then written again, which readers collapse).
 */
export class LabelIndex {
  private current: Generation;
  private previous: Generation;
  private readonly secret = randomBytes(32);
  private readonly maxSlots: number;
  /** Generations dropped since start (ids forgotten), for /metrics. */
  dropped = 0;

  constructor(readonly maxBytes: number) {
    const max = Math.floor(maxBytes / (2 * SLOT_BYTES));
    if (max < FIRST_SLOTS) throw new Error(`a label index needs at least ${FIRST_SLOTS * 2 * SLOT_BYTES} bytes`);
    this.maxSlots = max;
    const first = Math.min(FIRST_SLOTS, max);
    this.current = new Generation(first);
    this.previous = new Generation(first);
  }

  private digest(scope: string, id: string): [number, number] {
    const d = createHmac('sha256', this.secret).update(scope).update('\u0000').update(id).digest();
    // lo is never 0: 0 marks an empty slot
    return [d.readUInt32LE(0), (d.readUInt32LE(4) | 1) >>> 0];
  }

  /**
   * A digest of a label value (53 bits, keyed with this index's secret, never 0) to keep as a tag: equal values
   * give equal digests; two different values share one about once in 10^15 comparisons, and nobody can choose
   * them to (the secret is never shown).
   */
  valueDigest(label: unknown): number {
    const d = createHmac('sha256', this.secret)
      .update('value\u0000')
      .update(JSON.stringify(label) ?? '')
      .digest();
    return (d.readUInt32LE(0) & 0x1fffff) * 0x100000000 + d.readUInt32LE(4) || 1;
  }

  /** The latest known value and tag for `id` labeled by `scope` (a key id). */
  entry(scope: string, id: string): { value: number; tag: number } | undefined {
    const [hi, lo] = this.digest(scope, id);
    for (const g of [this.current, this.previous]) {
      const i = g.at(hi, lo);
      if (i >= 0) return { value: g.value[i], tag: g.tag[i] };
    }
    return undefined;
  }

  /** The latest known value for `id` labeled by `scope` (a key id). */
  get(scope: string, id: string): number | undefined {
    return this.entry(scope, id)?.value;
  }

  set(scope: string, id: string, value: number, tag = 0): void {
    const [hi, lo] = this.digest(scope, id);
    if (this.current.full && this.current.at(hi, lo) < 0) this.makeRoom();
    this.current.set(hi, lo, value, tag);
  }

  /** Grows the newer generation while the cap allows, else drops the older one. */
  private makeRoom(): void {
    if (this.current.slots < this.maxSlots) {
      const bigger = new Generation(Math.min(this.current.slots * 2, this.maxSlots));
      for (const [hi, lo, v, t] of this.current.entries()) bigger.set(hi, lo, v, t);
      // before the cap is reached nothing was dropped yet: the older generation is still empty (and small)
      this.current = bigger;
      return;
    }
    if (this.previous.size > 0) this.dropped++;
    const recycled = this.previous.slots === this.current.slots ? this.previous : new Generation(this.current.slots);
    recycled.clear();
    this.previous = this.current;
    this.current = recycled;
  }

  /** Bytes the slots take now (at most maxBytes). */
  get bytes(): number {
    return this.current.bytes + this.previous.bytes;
  }

  /** Ids held (both generations; one id may be counted in both). */
  get entries(): number {
    return this.current.size + this.previous.size;
  }

  /** Entries held as a share of the most the cap allows (0-1); at 1 the oldest ids start to be forgotten. */
  get fullness(): number {
    return Math.min(1, this.entries / (2 * Math.floor(this.maxSlots * MAX_LOAD)));
  }
}

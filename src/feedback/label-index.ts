// The feedback duplicate index: 63-bit keyed digests of (key id, inference id) in typed arrays, capped in bytes, oldest generation dropped first.
import { createHmac, randomBytes } from 'node:crypto';

/** Entries a generation holds at most, as a share of its slots (open addressing stays fast below it). */
const MAX_LOAD = 0.7;
/** Slots of a generation to start with; it doubles up to the byte cap. */
const FIRST_SLOTS = 1024;
/** Bytes per slot: digest high and low words (Uint32 each) and the signed time (Float64). */
const SLOT_BYTES = 16;

class Generation {
  readonly hi: Uint32Array;
  readonly lo: Uint32Array;
  readonly value: Float64Array;
  size = 0;
  constructor(readonly slots: number) {
    this.hi = new Uint32Array(slots);
    this.lo = new Uint32Array(slots);
    this.value = new Float64Array(slots);
  }

  get bytes(): number {
    return this.slots * SLOT_BYTES;
  }

  get full(): boolean {
    return this.size >= Math.floor(this.slots * MAX_LOAD);
  }

  /** The slot holding the digest, or the empty slot where it would go. lo is never 0, so lo === 0 marks an empty slot. */
  find(hi: number, lo: number): number {
    const mask = this.slots - 1;
    let i = (lo ^ Math.imul(hi, 0x9e3779b1)) & mask;
    while (this.lo[i] !== 0 && (this.lo[i] !== lo || this.hi[i] !== hi)) i = (i + 1) & mask;
    return i;
  }

  get(hi: number, lo: number): number | undefined {
    const i = this.find(hi, lo);
    return this.lo[i] === 0 ? undefined : this.value[i];
  }

  set(hi: number, lo: number, value: number): void {
    const i = this.find(hi, lo);
    if (this.lo[i] === 0) {
      this.hi[i] = hi;
      this.lo[i] = lo;
      this.size++;
    }
    this.value[i] = value;
  }

  clear(): void {
    this.hi.fill(0);
    this.lo.fill(0);
    this.size = 0;
  }

  *entries(): Generator<[number, number, number]> {
    for (let i = 0; i < this.slots; i++) if (this.lo[i] !== 0) yield [this.hi[i], this.lo[i], this.value[i]];
  }
}

/**
 * Latest label time per (key id, inference id), as a number (the time in ms, negative for label 0) under a
 * 63-bit digest keyed with a per-process secret (so nobody can make two ids collide on purpose; a chance
 * collision among a million ids is about 1 in 10^7). Ids are never kept: memory is 16 bytes a slot in two
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
    let max = FIRST_SLOTS;
    while (max * 2 * 2 * SLOT_BYTES <= maxBytes) max *= 2;
    if (max * 2 * SLOT_BYTES > maxBytes) throw new Error(`a label index needs at least ${FIRST_SLOTS * 2 * SLOT_BYTES} bytes`);
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

  /** The latest known value for `id` labeled by `scope` (a key id). */
  get(scope: string, id: string): number | undefined {
    const [hi, lo] = this.digest(scope, id);
    return this.current.get(hi, lo) ?? this.previous.get(hi, lo);
  }

  set(scope: string, id: string, value: number): void {
    const [hi, lo] = this.digest(scope, id);
    if (this.current.full && this.current.get(hi, lo) === undefined) this.makeRoom();
    this.current.set(hi, lo, value);
  }

  /** Grows the newer generation while the cap allows, else drops the older one. */
  private makeRoom(): void {
    if (this.current.slots < this.maxSlots) {
      const bigger = new Generation(this.current.slots * 2);
      for (const [hi, lo, v] of this.current.entries()) bigger.set(hi, lo, v);
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

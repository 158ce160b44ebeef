// The trainer's generated WebAssembly row loops against plain reference loops written here, on random frames.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { addScore, allocateTrainingMemory, logLossGradients, type TrainingMemory } from '../../src/model/kernels';
import { mulberry32 } from '../../src/model/prng';
import { wasmKernels, type WasmKernels } from '../../src/model/wasm-kernels';

interface Setup {
  mem: TrainingMemory;
  k: WasmKernels;
  f: number;
  slots: number[];
  histSize: number;
}

/** A frame of n rows with `bins[j]` bins per feature, random bins, gradients and scores. */
function setup(n: number, binCounts: number[], seed: number): Setup {
  const f = binCounts.length;
  const slots = [0];
  for (const b of binCounts) slots.push(slots[slots.length - 1] + b);
  const histSize = slots[f] * 3;
  const mem = allocateTrainingMemory(n, f, histSize, 64);
  const rand = mulberry32(seed);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < f; j++) mem.bins[i * f + j] = Math.floor(rand() * binCounts[j]);
    mem.gh[2 * i] = rand() - 0.5;
    mem.gh[2 * i + 1] = rand() * 0.25;
    mem.label[i] = rand() < 0.3 ? 1 : 0;
    mem.scores[i] = (rand() - 0.5) * 6;
    mem.expNeg[i] = Math.exp(-mem.scores[i]);
  }
  const layout = {
    bins: mem.bins.byteOffset,
    gh: mem.gh.byteOffset,
    leafOf: mem.leafOf.byteOffset,
    leafValues: mem.leafValues.byteOffset,
    scores: mem.scores.byteOffset,
    expNeg: mem.expNeg.byteOffset,
    label: mem.label.byteOffset,
    f,
    slots: slots.slice(0, f),
  };
  return { mem, k: wasmKernels(layout, mem.memory, mem.pages), f, slots, histSize };
}

/** The reference: [g, h, count] per slot, rows added in the given order. */
function referenceHistogram(s: Setup, rows: ArrayLike<number>): Float64Array {
  const out = new Float64Array(s.histSize);
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i];
    for (let j = 0; j < s.f; j++) {
      const k = (s.slots[j] + s.mem.bins[row * s.f + j]) * 3;
      out[k] += s.mem.gh[2 * row];
      out[k + 1] += s.mem.gh[2 * row + 1];
      out[k + 2] += 1;
    }
  }
  return out;
}

const histogramAt = (s: Setup) => s.mem.table.parts.subarray(0, s.histSize);

describe('model/row kernels (WebAssembly)', function () {
  this.timeout(60_000);

  it('builds the same histogram as a plain loop over a row subset, to the last bit', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3000 }), fc.array(fc.integer({ min: 1, max: 255 }), { minLength: 1, maxLength: 7 }), fc.integer(), (n, binCounts, seed) => {
        const s = setup(n, binCounts, seed);
        const rows = Uint32Array.from({ length: n }, (_, i) => i).filter((i) => (i * 7 + seed) % 3 !== 0);
        s.mem.rows[0].set(rows);
        const out = histogramAt(s);
        out.fill(0);
        s.k.histogram(out.byteOffset, s.mem.rows[0].byteOffset, 0, rows.length);
        assert.deepEqual(Array.from(out), Array.from(referenceHistogram(s, rows)));
      }),
      { numRuns: 40 },
    );
  });

  it("partitions stably from both ends and builds the chosen side's histogram on the way", () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 3000 }), fc.integer({ min: 2, max: 60 }), fc.integer(), fc.constantFrom(-1, 0, 1), (n, bins, seed, sideLeft) => {
        const s = setup(n, [5, bins, 3], seed);
        const rand = mulberry32(seed ^ 0x55);
        const goLeft = s.mem.table.goLeft;
        for (let b = 0; b < 256; b++) goLeft[b] = rand() < 0.5 ? 1 : 0;
        const col = 1;
        const src = s.mem.rows[0];
        for (let i = 0; i < n; i++) src[i] = i;
        const isLeft = (row: number) => goLeft[s.mem.bins[row * s.f + col]] === 1;
        const all = Array.from(src.subarray(0, n));
        const lefts = all.filter(isLeft);
        const rights = all.filter((r) => !isLeft(r));
        const mid = n >>> 1;
        const dst = s.mem.rows[1];
        dst.fill(0xffffffff);
        const out = histogramAt(s);
        out.fill(0);
        const l0 = s.k.splitUp(col, goLeft.byteOffset, src.byteOffset, 0, mid, dst.byteOffset, 0, lefts.length, sideLeft, out.byteOffset);
        const part0 = Float64Array.from(out);
        out.fill(0);
        const l1 = s.k.splitDown(col, goLeft.byteOffset, src.byteOffset, mid, n, dst.byteOffset, lefts.length, n, sideLeft, out.byteOffset);
        assert.equal(l0 + l1, lefts.length);
        assert.deepEqual(Array.from(dst.subarray(0, n)), [...lefts, ...rights], 'lefts then rights, each in row order');
        const side = (part: number[]) => part.filter((r) => (sideLeft === 1 ? isLeft(r) : sideLeft === 0 ? !isLeft(r) : false));
        assert.deepEqual(Array.from(part0), Array.from(referenceHistogram(s, side(all.slice(0, mid)))));
        // Part 1 scans down, so its rows are added in descending order.
        assert.deepEqual(Array.from(out), Array.from(referenceHistogram(s, side(all.slice(mid)).reverse())));
      }),
      { numRuns: 40 },
    );
  });

  it('marks leaves, then the gradient pass adds their values exactly as addScore does and computes log-loss gradients', () => {
    const n = 2000;
    const s = setup(n, [4, 9], 5);
    const goLeft = s.mem.table.goLeft;
    for (let b = 0; b < 256; b++) goLeft[b] = b % 2;
    const rows = s.mem.rows[0];
    for (let i = 0; i < n; i++) rows[i] = i;
    // rows [0, 500): leaf 3; [500, n): leaves 5 (left) and 6 (right) by feature 1
    const values: Record<number, number> = { 3: 0.25, 5: -0.125, 6: 1e-3 };
    for (const [node, v] of Object.entries(values)) {
      s.mem.leafValues[2 * Number(node)] = v;
      s.mem.leafValues[2 * Number(node) + 1] = Math.exp(-v);
    }
    s.k.mark(rows.byteOffset, 0, 500, 3);
    const lefts = s.k.markSplit(1, goLeft.byteOffset, rows.byteOffset, 500, n, 5, 6);
    let expectLefts = 0;
    for (let i = 500; i < n; i++) expectLefts += goLeft[s.mem.bins[i * s.f + 1]];
    assert.equal(lefts, expectLefts);
    // Row 7's exp(-score) is out of range: the pass must recompute it from the score, not multiply.
    s.mem.expNeg[7] = 1e-310;
    const scores = Float64Array.from(s.mem.scores);
    const expNeg = Float64Array.from(s.mem.expNeg);
    for (let i = 0; i < n; i++) {
      const node = i < 500 ? 3 : goLeft[s.mem.bins[i * s.f + 1]] === 1 ? 5 : 6;
      addScore(scores, expNeg, i, values[node], Math.exp(-values[node]));
    }
    assert.equal(expNeg[7], Math.exp(-scores[7]));
    const sums = new Float64Array(2);
    logLossGradients(s.k, s.mem, 0, n, null, sums);
    assert.deepEqual(Array.from(s.mem.scores), Array.from(scores));
    assert.deepEqual(Array.from(s.mem.expNeg), Array.from(expNeg));
    assert.ok(
      s.mem.leafOf.every((v) => v === -1),
      'every mark is cleared',
    );
    for (let i = 0; i < n; i++) {
      const p = 1 / (1 + expNeg[i]);
      assert.equal(s.mem.gh[2 * i], Math.fround(p - s.mem.label[i]));
      assert.equal(s.mem.gh[2 * i + 1], Math.fround(Math.max(expNeg[i] * p * p, 1e-16)));
    }
    let loss = 0;
    let counted = 0;
    for (let i = 0; i < n; i += 64) {
      const p = 1 / (1 + expNeg[i]);
      loss -= s.mem.label[i] ? Math.log(p) : Math.log(1 - p);
      counted++;
    }
    assert.equal(sums[1], counted);
    assert.ok(Math.abs(sums[0] - loss) < 1e-9 * counted, `loss ${sums[0]} vs ${loss}`);
  });
});

// The trainer's row loops (histograms, partitions, leaf marks, gradients) as WebAssembly generated per frame layout:
// no bounds check per access and a vector add per histogram slot, 3x less time than the same loops in JavaScript.

/** Where the loops find the frame's arrays in the shared memory (byte offsets). */
export interface WasmLayout {
  /** Row-major bins, f bytes a row. */
  bins: number;
  /** Interleaved float32 gradient and hessian per row. */
  gh: number;
  /** int32 leaf mark per row, and [value, exp(-value)] per leaf (see TrainingMemory in kernels.ts). */
  leafOf: number;
  leafValues: number;
  /** float64 score and exp(-score) per row, and the uint8 label. */
  scores: number;
  expNeg: number;
  label: number;
  f: number;
  /** First histogram slot of each feature; a slot is [g, h, count] in float64. */
  slots: ArrayLike<number>;
}

/** The generated loops; every pointer is a byte offset into the shared memory, every row range [begin, end). */
export interface WasmKernels {
  /** Adds rows rows[begin..end) (rows: a Uint32 array at `rowsPtr`) into the histogram at `outPtr`. */
  histogram(outPtr: number, rowsPtr: number, begin: number, end: number): void;
  /**
   * Moves rows src[begin..end) by goLeft[bin of column col] (goLeft: 256 bytes at `goLeftPtr`, 0 or 1 per bin),
   * scanning up: lefts to dst from index `lpos` up, rights from `rpos` up, each row stored once at a position picked
   * by arithmetic (no branch on the split, a coin toss for the predictor). Rows whose goLeft equals `sideLeft` are
   * added to the histogram at `outPtr` on the way. Returns the number of lefts.
   */
  splitUp(col: number, goLeftPtr: number, srcPtr: number, begin: number, end: number, dstPtr: number, lpos: number, rpos: number, sideLeft: number, outPtr: number): number;
  /** The same scanning down: lefts to dst below `lpos`, rights below `rpos`, so both sides keep the row order. */
  splitDown(col: number, goLeftPtr: number, srcPtr: number, begin: number, end: number, dstPtr: number, lpos: number, rpos: number, sideLeft: number, outPtr: number): number;
  /** leafOf[rows[i]] = node for i in [begin, end). */
  mark(rowsPtr: number, begin: number, end: number, node: number): void;
  /** A split whose children are both leaves: marks each row with the left or right id, no rows moved. Returns the lefts. */
  markSplit(col: number, goLeftPtr: number, srcPtr: number, begin: number, end: number, leftId: number, rightId: number): number;
  /** Rows [begin, end): the marked leaf's value added (addScore in kernels.ts), then gradient and hessian. */
  gradients(begin: number, end: number): void;
}

/** Past this, exp(-score) is recomputed rather than multiplied (kernels.ts EXP_RANGE, the same number). */
export const WASM_EXP_RANGE = 1e300;

// TypeScript declares the WebAssembly global in its DOM lib only; this is the part used here.
declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace -- augments the global WebAssembly namespace, which only a namespace can do
  namespace WebAssembly {
    class Memory {
      constructor(descriptor: { initial: number; maximum?: number; shared?: boolean });
      readonly buffer: ArrayBuffer;
    }
    class Module {
      constructor(bytes: Uint8Array);
    }
    class Instance {
      constructor(module: Module, imports: Record<string, Record<string, unknown>>);
      readonly exports: Record<string, unknown>;
    }
  }
}

const I32 = 0x7f;
const F64 = 0x7c;
const V128 = 0x7b;

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n = Math.floor(n / 128);
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

const section = (id: number, body: number[]) => [id, ...uleb(body.length), ...body];
const vec = (items: number[][]) => [...uleb(items.length), ...items.flat()];
const name = (s: string) => vec([...Buffer.from(s, 'utf8')].map((b) => [b]));

/** A function body under construction: a few helpers over raw opcodes. */
class Body {
  readonly code: number[] = [];
  get(i: number): this {
    return this.op(0x20, ...uleb(i));
  }
  set(i: number): this {
    return this.op(0x21, ...uleb(i));
  }
  tee(i: number): this {
    return this.op(0x22, ...uleb(i));
  }
  i32(v: number): this {
    return this.op(0x41, ...sleb(v | 0));
  }
  f64(v: number): this {
    const b = Buffer.alloc(8);
    b.writeDoubleLE(v);
    return this.op(0x44, ...b);
  }
  /** A load or store with its alignment (log2 bytes) and constant offset. */
  mem(opcode: number, align: number, offset: number): this {
    return this.op(opcode, ...uleb(align), ...uleb(offset));
  }
  op(...bytes: number[]): this {
    for (const b of bytes) this.code.push(b);
    return this;
  }
}

const OP = {
  block: 0x02,
  loop: 0x03,
  if: 0x04,
  end: 0x0b,
  br_if: 0x0d,
  void: 0x40,
  i32_load: 0x28,
  f64_load: 0x2b,
  i32_load8_u: 0x2d,
  i32_store: 0x36,
  f32_store: 0x38,
  f64_store: 0x39,
  call: 0x10,
  select: 0x1b,
  i32_eqz: 0x45,
  i32_eq: 0x46,
  f64_lt: 0x63,
  f64_gt: 0x64,
  i32_and: 0x71,
  f64_neg: 0x9a,
  f64_sub: 0xa1,
  f64_mul: 0xa2,
  f64_div: 0xa3,
  f32_demote_f64: 0xb6,
  f64_convert_i32_u: 0xb8,
  i32_lt_s: 0x48,
  i32_ge_s: 0x4e,
  i32_add: 0x6a,
  i32_sub: 0x6b,
  i32_mul: 0x6c,
  i32_shl: 0x74,
  f64_add: 0xa0,
  f64_promote_f32: 0xbb,
  simd: 0xfd,
};
// SIMD opcodes (after the 0xfd prefix, as unsigned LEB128).
const V128_LOAD = [0x00];
const V128_STORE = [0x0b];
const V128_LOAD64_ZERO = [0x5d];
const F64X2_PROMOTE_LOW_F32X4 = [0x5f];
const F64X2_ADD = [0xf0, 0x01];

/**
 * Emits "add row `row` (a local) to the histogram at `out`" using locals gh (v128), base, addr. The row's float32
 * gradient and hessian become one pair of doubles added to a slot with one vector add (the same two IEEE additions
 * as the scalar code, so the sums are identical); the slot offset of each feature is a constant in the memory
 * instructions.
 */
function addRow(b: Body, layout: WasmLayout, L: { row: number; out: number; gh: number; base: number; addr: number }): void {
  b.get(L.row)
    .i32(3)
    .op(OP.i32_shl)
    .op(OP.simd, ...V128_LOAD64_ZERO, ...uleb(3), ...uleb(layout.gh))
    .op(OP.simd, ...F64X2_PROMOTE_LOW_F32X4)
    .set(L.gh);
  b.get(L.row).i32(layout.f).op(OP.i32_mul).set(L.base);
  for (let j = 0; j < layout.f; j++) {
    const at = layout.slots[j] * 24;
    b.get(L.base)
      .mem(OP.i32_load8_u, 0, layout.bins + j)
      .i32(24)
      .op(OP.i32_mul)
      .get(L.out)
      .op(OP.i32_add)
      .set(L.addr);
    b.get(L.addr)
      .get(L.addr)
      .op(OP.simd, ...V128_LOAD, ...uleb(3), ...uleb(at))
      .get(L.gh)
      .op(OP.simd, ...F64X2_ADD)
      .op(OP.simd, ...V128_STORE, ...uleb(3), ...uleb(at));
    b.get(L.addr)
      .get(L.addr)
      .mem(OP.f64_load, 3, at + 16)
      .f64(1)
      .op(OP.f64_add)
      .mem(OP.f64_store, 3, at + 16);
  }
}

function histogramBody(layout: WasmLayout): Body {
  // params: out 0, rows 1, begin 2, end 3; locals: i 4, row 5, base 6, addr 7 (i32), gh 8 (v128)
  const b = new Body();
  const L = { row: 5, out: 0, gh: 8, base: 6, addr: 7 };
  b.op(OP.block, OP.void).get(2).get(3).op(OP.i32_ge_s).op(OP.br_if, 0);
  b.get(2).set(4);
  b.op(OP.loop, OP.void);
  b.get(1).get(4).i32(2).op(OP.i32_shl).op(OP.i32_add).mem(OP.i32_load, 2, 0).set(5);
  addRow(b, layout, L);
  b.get(4).i32(1).op(OP.i32_add).tee(4).get(3).op(OP.i32_lt_s).op(OP.br_if, 0);
  b.op(OP.end, OP.end, OP.end);
  return b;
}

function splitBody(layout: WasmLayout, up: boolean): Body {
  // params: col 0, goLeft 1, src 2, begin 3, end 4, dst 5, lpos 6, rpos 7, sideLeft 8, out 9
  // locals: i 10, row 11, left 12, l 13, r 14, base 15, addr 16 (i32), gh 17 (v128)
  const b = new Body();
  const L = { row: 11, out: 9, gh: 17, base: 15, addr: 16 };
  b.get(6).set(13).get(7).set(14);
  b.op(OP.block, OP.void).get(3).get(4).op(OP.i32_ge_s).op(OP.br_if, 0);
  if (up) b.get(3).set(10);
  else b.get(4).i32(1).op(OP.i32_sub).set(10);
  b.op(OP.loop, OP.void);
  // row = src[i]; left = goLeft[bins[row * f + col]]
  b.get(2).get(10).i32(2).op(OP.i32_shl).op(OP.i32_add).mem(OP.i32_load, 2, 0).set(11);
  b.get(1).get(11).i32(layout.f).op(OP.i32_mul).get(0).op(OP.i32_add).mem(OP.i32_load8_u, 0, layout.bins).op(OP.i32_add).mem(OP.i32_load8_u, 0, 0).set(12);
  const store = () => {
    // dst[r + left * (l - r)] = row
    b.get(5).get(14).get(12).get(13).get(14).op(OP.i32_sub).op(OP.i32_mul).op(OP.i32_add).i32(2).op(OP.i32_shl).op(OP.i32_add).get(11).mem(OP.i32_store, 2, 0);
  };
  if (up) {
    store();
    b.get(13).get(12).op(OP.i32_add).set(13);
    b.get(14).i32(1).get(12).op(OP.i32_sub).op(OP.i32_add).set(14);
  } else {
    b.get(13).get(12).op(OP.i32_sub).set(13);
    b.get(14).i32(1).get(12).op(OP.i32_sub).op(OP.i32_sub).set(14);
    store();
  }
  b.get(12).get(8).op(OP.i32_eq).op(OP.if, OP.void);
  addRow(b, layout, L);
  b.op(OP.end);
  if (up) b.get(10).i32(1).op(OP.i32_add).tee(10).get(4).op(OP.i32_lt_s).op(OP.br_if, 0);
  else b.get(10).i32(1).op(OP.i32_sub).tee(10).get(3).op(OP.i32_ge_s).op(OP.br_if, 0);
  b.op(OP.end, OP.end);
  if (up) b.get(13).get(6).op(OP.i32_sub);
  else b.get(6).get(13).op(OP.i32_sub);
  b.op(OP.end);
  return b;
}

/** Function 0 of the module: the imported Math.exp, for the rare score whose exp(-score) left the range. */
const EXP_FUNC = 0;

function markBody(layout: WasmLayout): Body {
  // params: rows 0, begin 1, end 2, node 3; locals: i 4
  const b = new Body();
  b.op(OP.block, OP.void).get(1).get(2).op(OP.i32_ge_s).op(OP.br_if, 0);
  b.get(1).set(4);
  b.op(OP.loop, OP.void);
  b.get(0).get(4).i32(2).op(OP.i32_shl).op(OP.i32_add).mem(OP.i32_load, 2, 0).i32(2).op(OP.i32_shl).get(3).mem(OP.i32_store, 2, layout.leafOf);
  b.get(4).i32(1).op(OP.i32_add).tee(4).get(2).op(OP.i32_lt_s).op(OP.br_if, 0);
  b.op(OP.end, OP.end, OP.end);
  return b;
}

function markSplitBody(layout: WasmLayout): Body {
  // params: col 0, goLeft 1, src 2, begin 3, end 4, leftId 5, rightId 6; locals: i 7, row 8, left 9, lefts 10
  const b = new Body();
  b.op(OP.block, OP.void).get(3).get(4).op(OP.i32_ge_s).op(OP.br_if, 0);
  b.get(3).set(7);
  b.op(OP.loop, OP.void);
  b.get(2).get(7).i32(2).op(OP.i32_shl).op(OP.i32_add).mem(OP.i32_load, 2, 0).set(8);
  b.get(1).get(8).i32(layout.f).op(OP.i32_mul).get(0).op(OP.i32_add).mem(OP.i32_load8_u, 0, layout.bins).op(OP.i32_add).mem(OP.i32_load8_u, 0, 0).tee(9);
  b.get(10).op(OP.i32_add).set(10);
  // select, not if: which side a row takes is a coin toss for the branch predictor
  b.get(8).i32(2).op(OP.i32_shl).get(5).get(6).get(9).op(OP.select).mem(OP.i32_store, 2, layout.leafOf);
  b.get(7).i32(1).op(OP.i32_add).tee(7).get(4).op(OP.i32_lt_s).op(OP.br_if, 0);
  b.op(OP.end, OP.end);
  b.get(10).op(OP.end);
  return b;
}

function gradientsBody(layout: WasmLayout): Body {
  // params: begin 0, end 1; locals: i 2, addr 3, node 4, a4 5 (i32), e 6, p 7, h 8, s 9 (f64)
  const b = new Body();
  b.op(OP.block, OP.void).get(0).get(1).op(OP.i32_ge_s).op(OP.br_if, 0);
  b.get(0).set(2);
  b.op(OP.loop, OP.void);
  b.get(2).i32(3).op(OP.i32_shl).set(3);
  b.get(2).i32(2).op(OP.i32_shl).tee(5).mem(OP.i32_load, 2, layout.leafOf).tee(4).i32(0).op(OP.i32_ge_s);
  b.op(OP.if, OP.void);
  {
    // addScore(row, leafValues[node]), then clear the mark
    b.get(4).i32(4).op(OP.i32_shl).set(4);
    b.get(3).get(3).mem(OP.f64_load, 3, layout.scores).get(4).mem(OP.f64_load, 3, layout.leafValues).op(OP.f64_add).tee(9).mem(OP.f64_store, 3, layout.scores);
    b.get(3)
      .mem(OP.f64_load, 3, layout.expNeg)
      .get(4)
      .mem(OP.f64_load, 3, layout.leafValues + 8)
      .op(OP.f64_mul)
      .set(6);
    b.get(6)
      .f64(1 / WASM_EXP_RANGE)
      .op(OP.f64_gt)
      .get(6)
      .f64(WASM_EXP_RANGE)
      .op(OP.f64_lt)
      .op(OP.i32_and)
      .op(OP.i32_eqz);
    b.op(OP.if, OP.void).get(9).op(OP.f64_neg).op(OP.call, EXP_FUNC).set(6).op(OP.end);
    b.get(3).get(6).mem(OP.f64_store, 3, layout.expNeg);
    b.get(5).i32(-1).mem(OP.i32_store, 2, layout.leafOf);
  }
  b.op(OP.end);
  // p = 1 / (1 + e); g = p - y; h = e * p * p, at least 1e-16 (a NaN from an infinite e too)
  b.get(3).mem(OP.f64_load, 3, layout.expNeg).set(6);
  b.f64(1).f64(1).get(6).op(OP.f64_add).op(OP.f64_div).set(7);
  b.get(3).get(7).get(2).mem(OP.i32_load8_u, 0, layout.label).op(OP.f64_convert_i32_u).op(OP.f64_sub).op(OP.f32_demote_f64).mem(OP.f32_store, 2, layout.gh);
  b.get(6).get(7).op(OP.f64_mul).get(7).op(OP.f64_mul).set(8);
  b.get(3)
    .get(8)
    .f64(1e-16)
    .get(8)
    .f64(1e-16)
    .op(OP.f64_gt)
    .op(OP.select)
    .op(OP.f32_demote_f64)
    .mem(OP.f32_store, 2, layout.gh + 4);
  b.get(2).i32(1).op(OP.i32_add).tee(2).get(1).op(OP.i32_lt_s).op(OP.br_if, 0);
  b.op(OP.end, OP.end, OP.end);
  return b;
}

/** The module's bytes for `layout`, importing a shared memory of `pages` 64 KiB pages as env.memory. */
export function wasmModuleBytes(layout: WasmLayout, pages: number): Uint8Array {
  const type = (params: number[], results: number[]) => [0x60, ...vec(params.map((p) => [p])), ...vec(results.map((r) => [r]))];
  const types = [
    type([F64], [F64]), // 0: exp
    type([I32, I32, I32, I32], []), // 1: histogram
    type(
      Array.from({ length: 10 }, () => I32),
      [I32],
    ), // 2: splitUp, splitDown
    type([I32, I32, I32, I32], []), // 3: mark (same shape as histogram, kept apart for clarity)
    type([I32, I32, I32, I32, I32, I32, I32], [I32]), // 4: markSplit
    type([I32, I32], []), // 5: gradients
  ];
  const locals = (groups: [number, number][]) => vec(groups.map(([count, t]) => [...uleb(count), t]));
  const fn = (loc: number[], body: Body) => {
    const all = [...loc, ...body.code];
    return [...uleb(all.length), ...all];
  };
  // Function indices: the import (exp) is 0, then the bodies in this order.
  const bodies: [string, number, number[], Body][] = [
    [
      'histogram',
      1,
      locals([
        [4, I32],
        [1, V128],
      ]),
      histogramBody(layout),
    ],
    [
      'splitUp',
      2,
      locals([
        [7, I32],
        [1, V128],
      ]),
      splitBody(layout, true),
    ],
    [
      'splitDown',
      2,
      locals([
        [7, I32],
        [1, V128],
      ]),
      splitBody(layout, false),
    ],
    ['mark', 3, locals([[1, I32]]), markBody(layout)],
    ['markSplit', 4, locals([[4, I32]]), markSplitBody(layout)],
    [
      'gradients',
      5,
      locals([
        [4, I32],
        [4, F64],
      ]),
      gradientsBody(layout),
    ],
  ];
  const bytes = [
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    ...section(1, vec(types)),
    // env.exp, and the shared memory (min = max = pages)
    ...section(
      2,
      vec([
        [...name('env'), ...name('exp'), 0x00, 0],
        [...name('env'), ...name('memory'), 0x02, 0x03, ...uleb(pages), ...uleb(pages)],
      ]),
    ),
    ...section(3, vec(bodies.map(([, t]) => [t]))),
    ...section(7, vec(bodies.map(([n], i) => [...name(n), 0x00, ...uleb(i + 1)]))),
    ...section(10, [...uleb(bodies.length), ...bodies.flatMap(([, , loc, body]) => fn(loc, body))]),
  ];
  return Uint8Array.from(bytes);
}

/** Compiles the loops for `layout` against `memory` (synchronously: the module is a few KB). */
export function wasmKernels(layout: WasmLayout, memory: WebAssembly.Memory, pages: number): WasmKernels {
  const module = new WebAssembly.Module(wasmModuleBytes(layout, pages));
  const instance = new WebAssembly.Instance(module, { env: { memory, exp: Math.exp } });
  return instance.exports as unknown as WasmKernels;
}

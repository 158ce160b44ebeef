// The histogram and partition loops as WebAssembly generated per frame layout: no bounds check per access, which is
// most of what the same loops cost in JavaScript.

/** Where the loops find the frame's arrays in the shared memory (byte offsets). */
export interface WasmLayout {
  /** Row-major bins, f bytes a row. */
  bins: number;
  /** Interleaved float32 gradient and hessian per row. */
  gh: number;
  f: number;
  /** First histogram slot of each feature; a slot is [g, h, count] in float64. */
  slots: ArrayLike<number>;
}

/** Byte offsets into the memory, like the typed-array loops in kernels.ts but with pointers. */
export interface WasmKernels {
  /** Adds rows rows[begin..end) (rows: a Uint32 array at `rowsPtr`) into the histogram at `outPtr`. */
  histogram(outPtr: number, rowsPtr: number, begin: number, end: number): void;
  /** See LayoutKernels.splitUp in kernels.ts; goLeft is 256 bytes at `goLeftPtr`. Returns the number of lefts. */
  splitUp(col: number, goLeftPtr: number, srcPtr: number, begin: number, end: number, dstPtr: number, lpos: number, rpos: number, sideLeft: number, outPtr: number): number;
  splitDown(col: number, goLeftPtr: number, srcPtr: number, begin: number, end: number, dstPtr: number, lpos: number, rpos: number, sideLeft: number, outPtr: number): number;
}

// TypeScript declares the WebAssembly global in its DOM lib only; this is the part used here.
declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
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
  f64_store: 0x39,
  i32_eq: 0x46,
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
  b.get(L.row).i32(3).op(OP.i32_shl).op(OP.simd, ...V128_LOAD64_ZERO, ...uleb(3), ...uleb(layout.gh)).op(OP.simd, ...F64X2_PROMOTE_LOW_F32X4).set(L.gh);
  b.get(L.row).i32(layout.f).op(OP.i32_mul).set(L.base);
  for (let j = 0; j < layout.f; j++) {
    const at = layout.slots[j] * 24;
    b.get(L.base).mem(OP.i32_load8_u, 0, layout.bins + j).i32(24).op(OP.i32_mul).get(L.out).op(OP.i32_add).set(L.addr);
    b.get(L.addr).get(L.addr).op(OP.simd, ...V128_LOAD, ...uleb(3), ...uleb(at)).get(L.gh).op(OP.simd, ...F64X2_ADD).op(OP.simd, ...V128_STORE, ...uleb(3), ...uleb(at));
    b.get(L.addr).get(L.addr).mem(OP.f64_load, 3, at + 16).f64(1).op(OP.f64_add).mem(OP.f64_store, 3, at + 16);
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

/** The module's bytes for `layout`, importing a shared memory of `pages` 64 KiB pages as env.memory. */
export function wasmModuleBytes(layout: WasmLayout, pages: number): Uint8Array {
  const histType = [0x60, ...vec([[I32], [I32], [I32], [I32]]), ...vec([])];
  const splitType = [0x60, ...vec(Array.from({ length: 10 }, () => [I32])), ...vec([[I32]])];
  const locals = (i32s: number, v128s: number) => vec([[...uleb(i32s), I32], [...uleb(v128s), V128]]);
  const fn = (loc: number[], body: Body) => {
    const all = [...loc, ...body.code];
    return [...uleb(all.length), ...all];
  };
  const bytes = [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec([histType, splitType])),
    // shared memory, min = max = pages
    ...section(2, vec([[...name('env'), ...name('memory'), 0x02, 0x03, ...uleb(pages), ...uleb(pages)]])),
    ...section(3, vec([[0], [1], [1]])),
    ...section(7, vec([[...name('histogram'), 0x00, 0], [...name('splitUp'), 0x00, 1], [...name('splitDown'), 0x00, 2]])),
    ...section(10, [...uleb(3), ...fn(locals(4, 1), histogramBody(layout)), ...fn(locals(7, 1), splitBody(layout, true)), ...fn(locals(7, 1), splitBody(layout, false))]),
  ];
  return Uint8Array.from(bytes);
}

/** Compiles the loops for `layout` against `memory` (synchronously: the module is a few KB). */
export function wasmKernels(layout: WasmLayout, memory: WebAssembly.Memory, pages: number): WasmKernels {
  const module = new WebAssembly.Module(wasmModuleBytes(layout, pages));
  const instance = new WebAssembly.Instance(module, { env: { memory } });
  return instance.exports as unknown as WasmKernels;
}

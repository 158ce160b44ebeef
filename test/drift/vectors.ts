// Loads test/drift/vectors.json (written by scripts/drift-vectors.py) and rebuilds its generated samples.

import * as fs from 'node:fs';
import * as path from 'node:path';

export interface SampleSpec {
  values?: number[];
  lcg?: { seed: number; n: number; scale: number; shift: number };
}

interface Tails {
  count: number;
  sum: number;
}

export interface BinnedJson {
  counts: number[];
  below: Tails;
  above: Tails;
}

export interface Vectors {
  scipy: string;
  epsilon: number;
  kolmogorov: { n: number; x: number; sf: number }[];
  smirnov: { n: number; x: number; sf: number }[];
  ks: {
    name: string;
    a: SampleSpec;
    b: SampleSpec;
    results: Record<'auto' | 'asymp' | 'exact', { statistic: number; pvalue: number; scipyFellBack: boolean } | undefined>;
  }[];
  ksBinned: {
    name: string;
    edges: number[];
    reference: BinnedJson;
    current: BinnedJson;
    auto: { statistic: number; pvalue: number };
    asymp: { statistic: number; pvalue: number };
  }[];
  wasserstein: { name: string; u: number[]; v: number[]; uWeights?: number[]; vWeights?: number[]; distance: number; normed?: number }[];
  wassersteinBinned: {
    name: string;
    edges: number[];
    reference: BinnedJson;
    current: BinnedJson;
    distance: number;
    normedMidpointStd: number;
    normedGivenStd: number;
    referenceStd: number;
    sampleDistance: number;
  }[];
  counts: {
    name: string;
    reference: number[];
    current: number[];
    psi: number;
    jensenshannon: number;
    jensenshannonBase2: number;
    chisquare: { statistic: number; pvalue: number; dof: number };
  }[];
  binning: {
    edges: number[];
    values: (number | 'Infinity' | '-Infinity' | null)[];
    counts: number[];
    below: Tails;
    above: Tails;
    nulls: number;
  }[];
}

/** The committed vectors (the path works from both test/ and dist/test/). */
export function loadVectors(): Vectors {
  const candidates = [path.resolve(__dirname, 'vectors.json'), path.resolve(__dirname, '../../../test/drift/vectors.json')];
  const file = candidates.find((p) => fs.existsSync(p));
  if (!file) throw new Error(`vectors.json not found (looked in ${candidates.join(', ')})`);
  return JSON.parse(fs.readFileSync(file, 'utf8')) as Vectors;
}

/** The generator's LCG: s <- (1664525 s + 1013904223) mod 2^32, u = s / 2^32, x = u * scale + shift. */
export function lcg(seed: number, n: number, scale: number, shift: number): Float64Array {
  const out = new Float64Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(1664525, s) + 1013904223) >>> 0;
    out[i] = (s / 4294967296) * scale + shift;
  }
  return out;
}

export function sample(spec: SampleSpec): Float64Array {
  if (spec.values) return Float64Array.from(spec.values);
  if (spec.lcg) return lcg(spec.lcg.seed, spec.lcg.n, spec.lcg.scale, spec.lcg.shift);
  throw new Error('sample spec has neither values nor lcg');
}

/** Largest |ours - scipy| seen per statistic, printed after the run for the record. */
export class DeviationLog {
  private readonly max = new Map<string, { dev: number; where: string }>();

  record(stat: string, ours: number, expected: number, where: string): number {
    const dev = ours === expected ? 0 : Math.abs(ours - expected);
    const cur = this.max.get(stat);
    if (!cur || dev > cur.dev || Number.isNaN(dev)) this.max.set(stat, { dev, where });
    return dev;
  }

  report(): string {
    return [...this.max.entries()].map(([k, v]) => `  ${k.padEnd(28)} ${v.dev.toExponential(2)}  (${v.where})`).join('\n');
  }
}

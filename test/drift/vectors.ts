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
  fine: FineCase[];
  binning: {
    edges: number[];
    values: (number | 'Infinity' | '-Infinity' | null)[];
    counts: number[];
    below: Tails;
    above: Tails;
    nulls: number;
  }[];
}

/** A generated sample (scripts/drift-vectors.py shape_values): LCG uniforms through +, *, /, sqrt and floor only. */
export interface ShapeSpec {
  shape: 'discrete' | 'continuous' | 'heavy' | 'zipf';
  seed: number;
  n: number;
  power?: number;
  scale?: number;
  shift?: number;
  alpha?: number;
  a?: number;
  nulls?: number;
}

export interface FineCase {
  name: string;
  kind: 'numeric' | 'categorical';
  reference: ShapeSpec;
  current: ShapeSpec;
  referenceCount: number;
  currentCount: number;
  referenceMissingRate: number;
  currentMissingRate: number;
  buckets: 'values' | 'sturges';
  psi: number;
  jensenshannon: number;
  chisquare: { statistic: number; pvalue: number };
  ks?: { statistic: number; pvalue: number };
  wassersteinNormed?: number;
  unseenShare?: number;
  /** The generator found Evidently installed and its own stattests gave these values. */
  evidentlyChecked?: boolean;
}

/** The sample a ShapeSpec describes, NaN for missing (bit-identical to the generator's). */
export function shapeSample(p: ShapeSpec): Float64Array {
  const u = lcg(p.seed, p.n, 1, 0);
  const v = lcg(p.seed + 1000, p.n, 1, 0);
  const w = lcg(p.seed + 2000, p.n, 1, 0);
  const x = lcg(p.seed + 3000, p.n, 1, 0);
  const out = new Float64Array(p.n);
  for (let i = 0; i < p.n; i++) {
    switch (p.shape) {
      case 'discrete':
        out[i] = Math.floor(p.power === 1 ? 7 * u[i] : 7 * (u[i] * u[i]));
        break;
      case 'continuous':
        out[i] = (u[i] + v[i] + w[i] + x[i]) * (p.scale ?? 1) + (p.shift ?? 0);
        break;
      case 'heavy':
        out[i] = (p.alpha === 1 ? 1 / (1 - u[i]) : 1 / Math.sqrt(1 - u[i])) * (p.scale ?? 1);
        break;
      case 'zipf':
        out[i] = Math.floor((p.a ?? 1) / (1 - u[i]));
        break;
    }
  }
  if (p.nulls && p.nulls > 0) {
    const m = lcg(p.seed + 4000, p.n, 1, 0);
    for (let i = 0; i < p.n; i++) if (m[i] < p.nulls) out[i] = NaN;
  }
  return out;
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

// The LightGBM peer of the training bench: hands it our exact rows, split and hyper-parameters through files, runs it
// in the peers' venv (`make bench-peers`), and reads back its times and holdout predictions.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { z } from 'zod';
import type { Frame } from '../../src/data/frame';
import type { GbdtParams } from '../../src/spec/dataset';
import { CAT_L2, CAT_SMOOTH, MAX_CAT_THRESHOLD, MAX_CAT_TO_ONEHOT, MIN_DATA_PER_GROUP } from '../../src/model/categorical';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '..', '..', '..');
const SCRIPT = path.join(ROOT, 'bench', 'peers', 'lightgbm_peer.py');

export interface PeerRun {
  threads: number;
  /** Dataset construction (binning) and boosting, timed apart like our own create() and rounds. */
  constructSeconds: number;
  trainSeconds: number;
  /** CPU seconds of the process while boosting (all threads; OpenMP's spin-waits count too). */
  trainCpuSeconds: number;
  /** Per holdout, in the holdout frame's row order: P(label = 1), the predicted value, or K class probabilities per row. */
  predictions: Record<string, Float64Array>;
}

export type PeerOutcome = { ok: true; version: string; runs: PeerRun[] } | { ok: false; reason: string };

const PeerResult = z.object({
  version: z.string(),
  runs: z.array(z.object({ threads: z.number().int(), constructSeconds: z.number(), trainSeconds: z.number(), trainCpuSeconds: z.number() })),
});

/** The task the peer learns, as our trainer does (regression's loss comes from the params). */
export type PeerTask = { task: 'binary' } | { task: 'regression' } | { task: 'multiclass'; classes: number };

/** LightGBM's objective for the task: binary, regression (l2), regression_l1, huber (alpha = our delta) or multiclass. */
function objective(p: GbdtParams, task: PeerTask): Record<string, number | string> {
  if (task.task === 'multiclass') return { objective: 'multiclass', num_class: task.classes };
  if (task.task === 'binary') return { objective: 'binary' };
  const loss = p.loss ?? 'l2';
  return loss === 'l2' ? { objective: 'regression' } : loss === 'l1' ? { objective: 'regression_l1' } : { objective: 'huber', alpha: p.huberDelta ?? 1 };
}

/** LightGBM's names for our hyper-parameters; a depth-d tree has at most 2^d leaves, so num_leaves never binds first. */
export function lightGbmParams(p: GbdtParams, task: PeerTask = { task: 'binary' }): Record<string, number | string | boolean> {
  return {
    ...objective(p, task),
    learning_rate: p.learningRate,
    max_depth: p.maxDepth,
    num_leaves: Math.min(2 ** p.maxDepth, 131072),
    max_bin: p.maxBins,
    min_data_in_leaf: p.minDataInLeaf,
    min_sum_hessian_in_leaf: 1e-3,
    lambda_l2: p.l2,
    bagging_fraction: p.subsample,
    bagging_freq: p.subsample < 1 ? 1 : 0,
    cat_smooth: CAT_SMOOTH,
    cat_l2: CAT_L2,
    max_cat_threshold: MAX_CAT_THRESHOLD,
    max_cat_to_onehot: MAX_CAT_TO_ONEHOT,
    min_data_per_group: MIN_DATA_PER_GROUP,
    seed: p.seed,
    deterministic: true,
    verbose: -1,
  };
}

/** The Python to use: $BENCH_PYTHON, else the venv `make bench-peers` makes; undefined when neither has lightgbm. */
export async function peerPython(): Promise<{ python?: string; reason: string }> {
  const candidates = [process.env.BENCH_PYTHON, path.join(ROOT, '.tools-venv', 'bin', 'python')].filter((p): p is string => !!p);
  for (const python of candidates) {
    if (!path.isAbsolute(python) || !existsSync(python)) continue;
    try {
      await run(python, ['-c', 'import lightgbm, numpy'], { timeout: 60_000 });
      return { python, reason: '' };
    } catch {
      // try the next one
    }
  }
  return { reason: 'no Python with lightgbm and numpy (run `make bench-peers`, or set BENCH_PYTHON)' };
}

/** Trains LightGBM on `train` once per thread count and predicts each holdout; skips with a reason without Python. */
export async function runLightGbm(job: { train: Frame; holdouts: { name: string; frame: Frame }[]; params: GbdtParams; threads: number[]; task?: PeerTask }): Promise<PeerOutcome> {
  const task = job.task ?? { task: 'binary' };
  const { python, reason } = await peerPython();
  if (!python) return { ok: false, reason };
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mlp-lightgbm-'));
  try {
    await writeFile(path.join(dir, 'train.x'), columnMajor(job.train, job.train));
    // Regression targets as float64, class indices and 0/1 labels as uint8.
    const target = job.train.target;
    if (task.task === 'regression' && !target) throw new Error('a regression peer run needs frame.target');
    await writeFile(path.join(dir, 'train.y'), task.task === 'regression' && target ? new Uint8Array(target.buffer, target.byteOffset, target.byteLength) : job.train.label);
    for (const h of job.holdouts) await writeFile(path.join(dir, `${h.name}.x`), columnMajor(h.frame, job.train));
    const spec = {
      features: job.train.features.map((c) => ({ name: c.name, type: c.kind })),
      trainRows: job.train.rows,
      holdouts: job.holdouts.map((h) => ({ name: h.name, rows: h.frame.rows })),
      rounds: job.params.rounds,
      labelType: task.task === 'regression' ? 'float64' : 'uint8',
      params: lightGbmParams(job.params, task),
      threads: job.threads,
    };
    await writeFile(path.join(dir, 'job.json'), JSON.stringify(spec));
    await run(python, [SCRIPT, dir], { timeout: 30 * 60_000, maxBuffer: 16 << 20 });
    const result = PeerResult.parse(JSON.parse(await readFile(path.join(dir, 'result.json'), 'utf8')));
    const runs: PeerRun[] = [];
    for (const r of result.runs) {
      const predictions: Record<string, Float64Array> = {};
      for (const h of job.holdouts) {
        const bytes = await readFile(path.join(dir, `${h.name}.${r.threads}.p`));
        predictions[h.name] = new Float64Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
      }
      runs.push({ ...r, predictions });
    }
    return { ok: true, version: result.version, runs };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * float32 column-major matrix of `frame`. Categorical columns become codes of `reference`'s dictionary (the
 * training frame's), so train and holdout agree; values training never saw get fresh codes past it, which
 * LightGBM, like our trainer, sends down the "not in the set" side. NULL becomes NaN.
 */
function columnMajor(frame: Frame, reference: Frame): Uint8Array {
  const out = new Float32Array(frame.rows * frame.features.length);
  frame.features.forEach((col, j) => {
    const base = j * frame.rows;
    if (col.kind === 'numeric') {
      out.set(col.values, base);
      return;
    }
    const ref = reference.features[j];
    if (ref.kind !== 'categorical' || ref.name !== col.name) throw new Error(`feature ${j} differs between frames`);
    const codeOf = new Map(ref.dictionary.map((v, i) => [v, i]));
    const extra = new Map<string, number>();
    const remap = col.dictionary.map((v) => {
      const known = codeOf.get(v);
      if (known !== undefined) return known;
      if (!extra.has(v)) extra.set(v, ref.dictionary.length + extra.size);
      return extra.get(v) as number;
    });
    for (let i = 0; i < frame.rows; i++) {
      const c = col.codes[i];
      out[base + i] = c < 0 ? NaN : remap[c];
    }
  });
  return new Uint8Array(out.buffer);
}

// A small flights-like model trained on synthetic rows and registered as a version, for tests and the bench (test-only: kept out of src/).
import type { Frame } from '../../src/data/frame';
import { trainGbdt } from '../../src/model/gbdt';
import { exportOnnx } from '../../src/model/onnx-export';
import { mulberry32 } from '../../src/model/prng';
import type { Registry } from '../../src/registry/registry';
import type { ClassValue, TaskKind } from '../../src/task/task';

/** The classes of the synthetic multiclass model: the delay-like signal cut in three. */
export const SYNTHETIC_CLASSES = ['early', 'on-time', 'late'] as const satisfies readonly ClassValue[];

export const SYNTHETIC_FEATURES = [
  { name: 'distance', type: 'numeric' },
  { name: 'dep_hour', type: 'numeric' },
  { name: 'carrier', type: 'categorical' },
  { name: 'origin', type: 'categorical' },
] as const satisfies ReadonlyArray<{ name: string; type: 'numeric' | 'categorical' }>;

const CARRIERS = ['AA', 'DL', 'UA', 'WN', 'B6', 'AS'];
const ORIGINS = ['ATL', 'ORD', 'DFW', 'DEN', 'LAX', 'SFO', 'SEA', 'JFK'];

/** Delay-like label: later hours, some carriers and long distances raise the odds; `shift` moves the signal. */
export function syntheticFlights(rows: number, seed = 1, shift = 0): Frame {
  const rand = mulberry32(seed);
  const distance = new Float32Array(rows);
  const hour = new Float32Array(rows);
  const carrier = new Int32Array(rows);
  const origin = new Int32Array(rows);
  const label = new Uint8Array(rows);
  const target = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    distance[i] = rand() < 0.03 ? NaN : Math.round(100 + rand() * 2400);
    hour[i] = Math.floor(rand() * 24);
    carrier[i] = rand() < 0.02 ? -1 : Math.floor(rand() * CARRIERS.length);
    origin[i] = Math.floor(rand() * ORIGINS.length);
    const logit = -1 + 0.12 * (hour[i] - 12) + (carrier[i] % 3 === 0 ? 0.8 : -0.3) + (Number.isNaN(distance[i]) ? 0.5 : distance[i] / 2000) + shift;
    label[i] = rand() < 1 / (1 + Math.exp(-logit)) ? 1 : 0;
    // minutes of delay for the regression model (the same signal, with noise)
    target[i] = 20 * logit + 8 * (rand() - 0.5);
  }
  return {
    rows,
    label,
    target,
    features: [
      { name: 'distance', kind: 'numeric', values: distance },
      { name: 'dep_hour', kind: 'numeric', values: hour },
      { name: 'carrier', kind: 'categorical', codes: carrier, dictionary: CARRIERS },
      { name: 'origin', kind: 'categorical', codes: origin, dictionary: ORIGINS },
    ],
  };
}

/** The synthetic flights with a multiclass label: the regression target cut at -10 and +10 minutes into SYNTHETIC_CLASSES. */
function withClasses(frame: Frame): Frame {
  const label = new Uint8Array(frame.rows);
  const t = frame.target ?? new Float64Array(frame.rows);
  for (let i = 0; i < frame.rows; i++) label[i] = t[i] < -10 ? 0 : t[i] < 10 ? 1 : 2;
  return { ...frame, label };
}

/** ONNX bytes of a GBDT trained on synthetic flights (a second of CPU for the defaults); `task` default binary. */
export function syntheticModelBytes(opts: { rows?: number; rounds?: number; seed?: number; shift?: number; task?: TaskKind } = {}): Uint8Array {
  const frame = syntheticFlights(opts.rows ?? 3000, opts.seed ?? 1, opts.shift ?? 0);
  const params = { rounds: opts.rounds ?? 30, maxDepth: 4, learningRate: 0.2 };
  const task = opts.task ?? 'binary';
  if (task === 'binary') return exportOnnx(trainGbdt(frame, params), { modelName: 'synthetic' });
  if (task === 'regression') return exportOnnx(trainGbdt(frame, params, undefined, { task: { task } }), { modelName: 'synthetic' });
  return exportOnnx(trainGbdt(withClasses(frame), params, undefined, { task: { task, classes: [...SYNTHETIC_CLASSES] } }), { modelName: 'synthetic' });
}

/** Registers `bytes` as a new version of `name` (optionally promoting it to champion); returns the version. */
export async function registerSynthetic(registry: Registry, name: string, bytes: Uint8Array, opts: { promote?: boolean; runKey?: string; profile?: unknown; task?: TaskKind } = {}): Promise<number> {
  const task = opts.task ?? 'binary';
  const files: Record<string, Uint8Array | string> = { 'model.onnx': bytes };
  if (opts.profile !== undefined) files['profile.json'] = JSON.stringify(opts.profile);
  const meta = await registry.register({
    name,
    runKey: opts.runKey ?? `synthetic-${Date.now()}-${Math.random()}`,
    files,
    metadata: {
      features: SYNTHETIC_FEATURES.map((f) => ({ ...f })),
      metrics: { auc: 0.7 },
      extra: task === 'binary' ? {} : { task, ...(task === 'multiclass' ? { classes: [...SYNTHETIC_CLASSES] } : {}) },
    },
  });
  if (opts.promote ?? true) await registry.setAlias(name, meta.version, 'synthetic model for tests');
  return meta.version;
}

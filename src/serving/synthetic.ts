// A small flights-like model trained on synthetic rows and registered as a version, for tests, the bench and smoke checks.
import type { Frame } from '../data/frame';
import { trainGbdt } from '../model/gbdt';
import { exportOnnx } from '../model/onnx-export';
import { mulberry32 } from '../model/prng';
import type { Registry } from '../registry/registry';

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
  for (let i = 0; i < rows; i++) {
    distance[i] = rand() < 0.03 ? NaN : Math.round(100 + rand() * 2400);
    hour[i] = Math.floor(rand() * 24);
    carrier[i] = rand() < 0.02 ? -1 : Math.floor(rand() * CARRIERS.length);
    origin[i] = Math.floor(rand() * ORIGINS.length);
    const logit = -1 + 0.12 * (hour[i] - 12) + (carrier[i] % 3 === 0 ? 0.8 : -0.3) + (Number.isNaN(distance[i]) ? 0.5 : distance[i] / 2000) + shift;
    label[i] = rand() < 1 / (1 + Math.exp(-logit)) ? 1 : 0;
  }
  return {
    rows,
    label,
    features: [
      { name: 'distance', kind: 'numeric', values: distance },
      { name: 'dep_hour', kind: 'numeric', values: hour },
      { name: 'carrier', kind: 'categorical', codes: carrier, dictionary: CARRIERS },
      { name: 'origin', kind: 'categorical', codes: origin, dictionary: ORIGINS },
    ],
  };
}

/** ONNX bytes of a GBDT trained on synthetic flights (a second of CPU for the defaults). */
export function syntheticModelBytes(opts: { rows?: number; rounds?: number; seed?: number; shift?: number } = {}): Uint8Array {
  const frame = syntheticFlights(opts.rows ?? 3000, opts.seed ?? 1, opts.shift ?? 0);
  const model = trainGbdt(frame, { rounds: opts.rounds ?? 30, maxDepth: 4, learningRate: 0.2 });
  return exportOnnx(model, { modelName: 'synthetic' });
}

/** Registers `bytes` as a new version of `name` (optionally promoting it to champion); returns the version. */
export async function registerSynthetic(
  registry: Registry,
  name: string,
  bytes: Uint8Array,
  opts: { promote?: boolean; runKey?: string; profile?: unknown } = {},
): Promise<number> {
  const files: Record<string, Uint8Array | string> = { 'model.onnx': bytes };
  if (opts.profile !== undefined) files['profile.json'] = JSON.stringify(opts.profile);
  const meta = await registry.register({
    name,
    runKey: opts.runKey ?? `synthetic-${Date.now()}-${Math.random()}`,
    files,
    metadata: { features: SYNTHETIC_FEATURES.map((f) => ({ ...f })), metrics: { auc: 0.7 }, extra: {} },
  });
  if (opts.promote ?? true) await registry.setAlias(name, meta.version, 'synthetic model for tests');
  return meta.version;
}

// Shared fixtures for the drift-monitor tests: the real flights-small training profile, hand-written capture lines.
import { appendFile, mkdir, mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ingestSnapshot } from '../../src/data/ingest';
import { monitorSettingsFromSpec, type MonitorSettings, type MonitoredFeature } from '../../src/drift/monitor';
import { profileSnapshot } from '../../src/profile';
import type { DatasetProfile } from '../../src/profile/schema';
import { loadSpec, type DatasetSpec } from '../../src/spec/dataset';
import { flightsParquetPath } from '../../src/traffic/flights';

export const projectRoot = path.resolve(__dirname, '..', '..', '..');
export const parquet = flightsParquetPath(projectRoot);

export interface TrainingFixture {
  spec: DatasetSpec;
  specFile: string;
  profile: DatasetProfile;
  /** The same data profiled as before fine profiles existed (version 1). */
  coarseProfile: DatasetProfile;
  features: MonitoredFeature[];
  settings: MonitorSettings;
}

let fixture: Promise<TrainingFixture> | undefined;
/**
 * The profile trainingPipeline stores beside a flights-small model: the same spec, ingested and
 * profiled by the same code (100k sampled Jan-Apr rows). Made once per test process.
 */
export function flightsSmallTraining(): Promise<TrainingFixture> {
  fixture ??= (async () => {
    const { spec, file } = await loadSpec('datasets/flights-small.json', projectRoot);
    const dir = await mkdtemp(path.join(os.tmpdir(), 'drift-profile-'));
    const manifest = await ingestSnapshot({ spec, specFile: file, outDir: dir, runKey: 'drift-test' });
    const profile = await profileSnapshot(manifest.path, spec.features);
    const coarseProfile = await profileSnapshot(manifest.path, spec.features, { fine: false });
    return { spec, specFile: file, profile, coarseProfile, features: spec.features.map((f) => ({ name: f.name, type: f.type })), settings: monitorSettingsFromSpec(spec) };
  })();
  return fixture;
}

export async function tempDir(prefix: string): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), prefix));
}

export type Features = Record<string, string | number | null>;

/** One capture line as the prediction service writes it. */
export function captureLine(ts: number, features: Features, extra: { model?: string; version?: number; probability?: number } = {}): string {
  const p = extra.probability ?? 0.2;
  return `${JSON.stringify({
    ts: new Date(ts).toISOString(),
    model: extra.model ?? 'flights-small',
    version: extra.version ?? 1,
    api: 'v1',
    request_id: 'req',
    key_id: 'key',
    row: 0,
    probability: p,
    label: p >= 0.5 ? 1 : 0,
    features,
  })}\n`;
}

export async function appendLines(file: string, lines: string[]): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await appendFile(file, lines.join(''));
}

export const ROW: Features = { hour: 13, day_of_week: 2, distance: 500, origin: 'SFO', destination: 'LAX' };

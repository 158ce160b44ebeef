// Test fixtures for the prediction service: temp var dirs with a registered synthetic model, keys, and an app.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { Registry } from '../../src/registry/registry';
import { buildApp } from '../../src/serving/app';
import type { ServingConfigInput } from '../../src/config/serving';
import { createKey, devKeyPath } from '../../src/serving/keys';
import { registerSynthetic, syntheticModelBytes } from '../support/synthetic-model';
import { localStore } from '../../src/store';

export const MODEL = 'flights';

let bytesA: Uint8Array | undefined;
let bytesB: Uint8Array | undefined;
/** Two different trained models, made once per test process. */
export function modelA(): Uint8Array {
  bytesA ??= syntheticModelBytes({ seed: 1 });
  return bytesA;
}
export function modelB(): Uint8Array {
  bytesB ??= syntheticModelBytes({ seed: 7, shift: 1.5, rounds: 20 });
  return bytesB;
}

export const ROW = { distance: 800, dep_hour: 17, carrier: 'AA', origin: 'ORD' };

export interface Harness {
  app: FastifyInstance;
  varDir: string;
  registry: Registry;
  adminKey: string;
  userKey: string;
  userKeyId: string;
  close(): Promise<void>;
}

const tempDirs: string[] = [];
export async function tempVarDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'serving-test-'));
  tempDirs.push(dir);
  return dir;
}
// a root-level hook (registered once, when the first test file loads this module): no temp folder outlives the run
after(async () => {
  await Promise.all(tempDirs.map((d) => rm(d, { recursive: true, force: true })));
});

/** Quiet, fast-polling settings for tests; override per test. */
export const TEST_CONFIG: ServingConfigInput = {
  MODEL_POLL_MS: 100,
  API_KEYS_POLL_MS: 100,
  USAGE_FLUSH_MS: 200,
  CAPTURE_FLUSH_MS: 50,
};

export async function harness(opts: { config?: ServingConfigInput; promote?: boolean; varDir?: string; registerModel?: boolean; logger?: FastifyBaseLogger } = {}): Promise<Harness> {
  const varDir = opts.varDir ?? (await tempVarDir());
  const registry = new Registry(localStore(varDir));
  if ((opts.registerModel ?? true) && (await registry.versions(MODEL)).length === 0) {
    await registerSynthetic(registry, MODEL, modelA(), { promote: opts.promote ?? true, runKey: 'model-a' });
  }
  const app = await buildApp({ registry, varDir, modelName: MODEL, config: { ...TEST_CONFIG, ...opts.config }, defaultMetrics: false, logger: opts.logger });
  await app.ready();
  const adminKey = (await readFile(devKeyPath(varDir), 'utf8')).trim();
  const user = await createKey(localStore(varDir), 'alice', 'user');
  await app.serving.reloadKeys();
  return {
    app,
    varDir,
    registry,
    adminKey,
    userKey: user.key,
    userKeyId: user.info.id,
    close: () => app.close(),
  };
}

export function auth(key: string): Record<string, string> {
  return { authorization: `Bearer ${key}` };
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls `fn` until it returns true or `ms` pass. */
export async function eventually(fn: () => boolean | Promise<boolean>, ms = 5000, step = 25): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await fn()) return;
    await sleep(step);
  }
  throw new Error(`condition not met within ${ms} ms`);
}

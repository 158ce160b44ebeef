// Recorded workflow histories as test fixtures: sanitized of machine paths on the way in, replayed against today's code.
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import type { temporal } from '@temporalio/proto';
import { projectRoot, temporalCli } from './temporal';

export const historiesDir = path.join(projectRoot, 'test', 'fixtures', 'histories');

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Rewrites every string (and every base64 JSON payload) so no absolute path of this machine is committed. */
function scrub(value: Json, replace: (s: string) => string): Json {
  if (typeof value === 'string') return replace(value);
  if (Array.isArray(value)) return value.map((v) => scrub(v, replace));
  if (value && typeof value === 'object') {
    const out: { [k: string]: Json } = {};
    for (const [k, v] of Object.entries(value)) {
      if (k === 'data' && typeof v === 'string') {
        const text = Buffer.from(v, 'base64').toString('utf8');
        out[k] = Buffer.from(replace(text), 'utf8').toString('base64');
      } else out[k] = scrub(v, replace);
    }
    return out;
  }
  return value;
}

/** RECORD_HISTORIES=1 (scripts/record-histories.sh) makes the tests that run each workflow type refresh the fixtures. */
export const recording = process.env.RECORD_HISTORIES === '1';

/** Writes a run's history (as `temporal workflow show --output json` prints it) to the fixtures, without machine paths. */
export async function recordHistory(name: string, run: { address: string; namespace: string; workflowId: string; runId?: string }, varDir: string): Promise<void> {
  const text = execFileSync(
    temporalCli(),
    ['workflow', 'show', '--address', run.address, '--namespace', run.namespace, '--workflow-id', run.workflowId, ...(run.runId ? ['--run-id', run.runId] : []), '--output', 'json'],
    { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  const replace = (s: string) => s.split(varDir).join('<var>').split(projectRoot).join('<project>');
  const json = scrub(JSON.parse(text) as Json, replace);
  await writeFile(path.join(historiesDir, `${name}.json`), `${JSON.stringify(json, null, 1)}\n`);
}

export async function recordedHistories(): Promise<{ name: string; history: temporal.api.history.v1.IHistory }[]> {
  const files = (await readdir(historiesDir)).filter((f) => f.endsWith('.json')).sort();
  return Promise.all(files.map(async (f) => ({ name: f.replace(/\.json$/, ''), history: historyFromJSON(JSON.parse(await readFile(path.join(historiesDir, f), 'utf8'))) })));
}

/** recordHistory when recording, else nothing: the hook the workflow tests call after each run worth keeping. */
export async function maybeRecord(name: string, env: { address: string; namespace?: string | undefined }, run: { workflowId: string; runId?: string }, varDir: string): Promise<void> {
  if (!recording) return;
  await recordHistory(name, { address: env.address, namespace: env.namespace ?? 'default', ...run }, varDir);
}

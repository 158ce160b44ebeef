// `mlp` as a command: npx mlp, -o json, train --wait against a real dev server and worker, spec validate, exit codes.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { projectRoot, tempVarDir, withWorker } from '../support/temporal';

const run = promisify(execFile);
const bin = path.join(projectRoot, 'bin', 'mlp');

interface Exit {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs bin/mlp (what `npx mlp` runs) and returns its exit code and output instead of throwing on non-zero. */
async function mlp(env: Record<string, string>, ...args: string[]): Promise<Exit> {
  try {
    const r = await run(bin, args, { cwd: projectRoot, env: { ...process.env, ...env }, maxBuffer: 16 << 20 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    if (typeof e.code !== 'number') throw err;
    return { code: e.code, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

const NO_TEMPORAL = { TEMPORAL_ADDRESS: '127.0.0.1:9', TEMPORAL_CONNECT_TIMEOUT_MS: '1000' };

describe('mlp command', function () {
  this.timeout(300_000);

  it('npx mlp runs the bin entry; keys create prints only the key on stdout', async () => {
    const varDir = tempVarDir();
    const viaNpx = await run('npx', ['--no-install', 'mlp', '--help'], { cwd: projectRoot, env: process.env });
    assert.match(viaNpx.stdout, /Usage: mlp/);
    assert.match(viaNpx.stdout, /Exit codes: 0 ok, 1 .*2 bad input.*3 a service is unavailable/);
    const key = await mlp({ VAR_DIR: varDir }, 'keys', 'create', 'bot');
    assert.equal(key.code, 0);
    assert.match(key.stdout, /^mlk_[a-f0-9]{12}_\S+\n$/, 'KEY=$(mlp keys create x) gets the key and nothing else');
    const listed = JSON.parse((await mlp({ VAR_DIR: varDir }, 'keys', 'list', '-o', 'json')).stdout) as { name: string; role: string }[];
    assert.deepEqual(
      listed.map((k) => [k.name, k.role]),
      [['bot', 'user']],
    );
  });

  it('spec validate: 0 for a good spec, 2 naming the field for a broken one, with the same message as train', async () => {
    const good = await mlp({}, 'spec', 'validate', 'datasets/flights-small.json', '-o', 'json');
    assert.equal(good.code, 0, good.stderr);
    assert.equal((JSON.parse(good.stdout) as { valid: boolean; task: string }).task, 'binary');
    const dir = tempVarDir('mlp-spec-');
    const broken = path.join(dir, 'broken.json');
    writeFileSync(
      broken,
      JSON.stringify({ name: 'broken', source: { path: 'x.csv' }, target: { column: 'y', task: 'regression', positive: { op: '>', value: 1 } }, features: [{ name: 'a', type: 'numeric' }] }),
    );
    const v = await mlp({}, 'spec', 'validate', broken);
    assert.equal(v.code, 2);
    assert.match(v.stderr, /target\.positive: "positive" is for binary targets only/);
    const t = await mlp(NO_TEMPORAL, 'train', broken, '--wait', '-o', 'json');
    assert.equal(t.code, 2, 'the spec is checked before any server is contacted');
    const err = JSON.parse(t.stdout) as { error: string; exitCode: number; issues: string[] };
    assert.equal(err.exitCode, 2);
    assert.deepEqual(err.issues, ['target.positive: "positive" is for binary targets only; a regression target takes the column\'s values as they are']);
    const missing = await mlp({}, 'spec', 'validate', path.join(dir, 'nope.json'));
    assert.equal(missing.code, 2);
  });

  it('train --wait -o json prints the run result and exits 0; an unreachable server exits 3', async () => {
    const down = await mlp(NO_TEMPORAL, 'train', 'datasets/flights-small.json', '--wait');
    assert.equal(down.code, 3);
    assert.match(down.stderr, /cannot reach the Temporal server at 127\.0\.0\.1:9/);
    await withWorker(async ({ env, taskQueue, context }) => {
      const server = { TEMPORAL_ADDRESS: env.address, TEMPORAL_NAMESPACE: env.namespace ?? 'default', TASK_QUEUE: taskQueue, VAR_DIR: context.varDir };
      const r = await mlp(server, 'train', 'datasets/flights-small.json', '--wait', '--no-promote', '-o', 'json');
      assert.equal(r.code, 0, r.stderr);
      const out = JSON.parse(r.stdout) as { status: string; workflowId: string; result: { model: string; version: number; promoted: boolean } };
      assert.equal(out.status, 'completed');
      assert.equal(out.result.model, 'flights-small');
      assert.equal(out.result.version, 1);
      assert.equal(out.result.promoted, false);
      const models = JSON.parse((await mlp(server, 'models', 'list', '-o', 'json')).stdout) as { name: string; champion: number | null; versions: unknown[] }[];
      assert.deepEqual(
        models.map((m) => [m.name, m.champion, m.versions.length]),
        [['flights-small', null, 1]],
      );
      const reports = await mlp(server, 'reports', 'list', '-o', 'json');
      assert.equal(reports.code, 0);
      assert.deepEqual(JSON.parse(reports.stdout), []);
    });
  });
});

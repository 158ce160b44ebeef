// `mlp quality check`: starts modelQualityMonitor on a real dev server and prints the verdict; bad options exit 2.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { projectRoot, tempVarDir, withWorker } from '../support/temporal';
import { scenario, writeScenario } from '../model-quality/vectors';
import { registerQm } from '../model-quality/helpers';

const run = promisify(execFile);
const cliMain = path.join(projectRoot, 'dist/src/cli/main.js');

describe('project CLI: quality check', function () {
  this.timeout(300_000);

  it('runs the monitor over a window and prints verdict, counts and report link', async () => {
    const varDir = tempVarDir('quality-cli-');
    await registerQm(varDir);
    const s = scenario('clean');
    await writeScenario(varDir, 'qm', s);
    await withWorker(
      async ({ env, taskQueue }) => {
        const { stdout, stderr } = await run(process.execPath, [cliMain, 'quality', 'check', 'qm', '--start', s.window.start, '--end', s.window.end], {
          env: { ...process.env, VAR_DIR: varDir, TEMPORAL_ADDRESS: env.address, TASK_QUEUE: taskQueue },
        });
        // progress goes to stderr, so stdout is only the result
        assert.match(stderr, /^started quality-qm-cli-/m);
        assert.match(stdout, /^ok: ok on \d+ labeled predictions/m);
        assert.match(
          stdout,
          new RegExp(`^predictions ${s.expected.counts.predictions}, labeled ${s.expected.counts.labeled}, unmatched labels ${s.expected.counts.unmatchedLabels}; alert none$`, 'm'),
        );
        assert.match(stdout, /^report: http:\/\/[^ ]+\/v1\/reports\/quality\/[A-Za-z0-9_-]+\.html$/m, 'the link the worker builds from its API_HOST:API_PORT');
      },
      { varDir },
    );
  });

  it('a degraded verdict exits 1 (documented exit codes), with the verdict as JSON under -o json', async () => {
    const varDir = tempVarDir('quality-cli-degraded-');
    await registerQm(varDir);
    const s = scenario('degraded');
    await writeScenario(varDir, 'qm', s);
    await withWorker(
      async ({ env, taskQueue }) => {
        await assert.rejects(
          run(process.execPath, [cliMain, '-o', 'json', 'quality', 'check', 'qm', '--start', s.window.start, '--end', s.window.end], {
            env: { ...process.env, VAR_DIR: varDir, TEMPORAL_ADDRESS: env.address, TASK_QUEUE: taskQueue },
          }),
          (err: { code?: number; stdout?: string }) => err.code === 1 && (JSON.parse(err.stdout ?? '{}') as { verdict?: string }).verdict === 'degraded',
        );
      },
      { varDir },
    );
  });

  it('bad options exit 2 naming the problem, before reaching Temporal', async () => {
    const varDir = tempVarDir('quality-cli-bad-');
    for (const [args, message] of [
      [['--last-minutes', '-5'], /--last-minutes must be positive/],
      [['--start', 'yesterday'], /window\.start/],
      [['--min-labels', '0'], /--min-labels/],
    ] as const) {
      await assert.rejects(
        run(process.execPath, [cliMain, 'quality', 'check', 'qm', ...args], { env: { ...process.env, VAR_DIR: varDir, TEMPORAL_ADDRESS: '127.0.0.1:1' } }),
        (err: { code?: number; stderr?: string }) => err.code === 2 && message.test(err.stderr ?? ''),
      );
    }
  });
});

// Replays committed trainingPipeline histories against today's workflow code: a non-deterministic change fails here first.
import assert from 'node:assert/strict';
import { Worker } from '@temporalio/worker';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { historiesDir, recordedHistories } from '../support/histories';
import { workflowBundle } from '../support/temporal';

describe('recorded workflow histories replay on the current code', function () {
  this.timeout(120_000);

  it('replays every committed history without a non-determinism error', async () => {
    const histories = await recordedHistories();
    assert.ok(histories.length >= 2, 'the promoted and the gate-failed training histories are committed');
    const bundle = await workflowBundle();
    for (const { name, history } of histories) {
      await Worker.runReplayHistory({ workflowBundle: bundle }, history, name);
    }
  });

  it('hand activities store keys only: no recorded history names a path in the worker\'s var folder', async () => {
    // recordHistory replaced the worker's var folder with <var>; every payload is base64 JSON
    const texts: string[] = [];
    const walk = (v: unknown): void => {
      if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === 'object') {
        for (const [k, x] of Object.entries(v)) (k === 'data' && typeof x === 'string' ? texts.push(Buffer.from(x, 'base64').toString('utf8')) : walk(x));
      } else if (typeof v === 'string') texts.push(v);
    };
    const files = (await readdir(historiesDir)).filter((f) => f.endsWith('.json'));
    for (const f of files) walk(JSON.parse(await readFile(path.join(historiesDir, f), 'utf8')));
    const all = texts.join('\n');
    assert.ok(all.includes('runs/'), 'the histories carry run keys');
    assert.ok(!all.includes('<var>'), 'a path inside var/ crossed an activity boundary');
  });
});

// Replays the committed histories (every workflow type the worker registers) against today's code: a change that would
// break a running workflow fails here first. scripts/record-histories.sh re-records them; docs/workflow-changes.md says how to change safely.
import assert from 'node:assert/strict';
import { cp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DeterminismViolationError } from '@temporalio/workflow';
import { bundleWorkflowCode, Worker, type WorkflowBundleOption } from '@temporalio/worker';
import { historiesDir, recordedHistories } from '../support/histories';
import { projectRoot, workflowBundle } from '../support/temporal';
import { workflowsPath } from '../../src/worker/worker';

type Recorded = Awaited<ReturnType<typeof recordedHistories>>[number];

const startedType = (h: Recorded) => h.history.events?.[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name ?? '';

/** The workflow types the worker registers: the names workflows/index.ts exports. */
async function registeredTypes(): Promise<string[]> {
  const source = await readFile(path.join(projectRoot, 'workflows', 'index.ts'), 'utf8');
  return [...source.matchAll(/export\s*\{([^}]*)\}/g)]
    .flatMap((m) =>
      (m[1] ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    )
    .sort();
}

/**
 * Bundles a copy of the compiled workflows with one file changed. The copy sits beside dist/workflows, so its
 * `../src` and `../activities` imports resolve to the same modules as the real bundle's.
 */
async function bundleChanged(file: string, change: (js: string) => string): Promise<WorkflowBundleOption> {
  const real = path.dirname(workflowsPath);
  const copy = `${real}-changed-${process.pid}`;
  await cp(real, copy, { recursive: true });
  try {
    const js = await readFile(path.join(copy, file), 'utf8');
    const changed = change(js);
    assert.notEqual(changed, js, `the change applies to ${file}`);
    await writeFile(path.join(copy, file), changed);
    const { code } = await bundleWorkflowCode({
      workflowsPath: path.join(copy, 'index.js'),
      workflowInterceptorModules: [path.join(copy, 'interceptors.js')],
      logger: { trace() {}, debug() {}, info() {}, warn() {}, error() {}, log() {} },
    });
    return { code };
  } finally {
    await rm(copy, { recursive: true, force: true });
  }
}

describe('recorded workflow histories replay on the current code', function () {
  this.timeout(240_000);

  it('replays every committed history without a non-determinism error', async () => {
    const histories = await recordedHistories();
    const bundle = await workflowBundle();
    for (const { name, history } of histories) {
      await Worker.runReplayHistory({ workflowBundle: bundle }, history, name);
    }
  });

  it('holds a history for every workflow type the worker registers, and the alert router across continue-as-new', async () => {
    const histories = await recordedHistories();
    const covered = new Set(histories.map(startedType));
    const types = await registeredTypes();
    assert.ok(types.length >= 6, `workflows/index.ts exports ${types.join(', ')}`);
    assert.deepEqual(
      types.filter((t) => !covered.has(t)),
      [],
      'a workflow type without a recorded history (run scripts/record-histories.sh)',
    );

    const router = histories.filter((h) => startedType(h) === 'alertRouter');
    assert.ok(
      router.some((h) => h.history.events?.at(-1)?.workflowExecutionContinuedAsNewEventAttributes),
      'an alertRouter run that ended in continue-as-new',
    );
    assert.ok(
      router.some((h) => h.history.events?.[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId),
      'an alertRouter run that started from the state a previous run carried',
    );
  });

  it('fails a deliberately changed workflow (one more activity), and passes the same change behind patched()', async () => {
    const histories = await recordedHistories();
    const check = histories.find((h) => startedType(h) === 'systemCheck');
    assert.ok(check, 'the systemCheck history');
    const original = 'const worker = await describeWorker();';

    const unguarded = await bundleChanged('system-check.js', (js) => js.replace(original, `await describeWorker();\n    ${original}`));
    await assert.rejects(Worker.runReplayHistory({ workflowBundle: unguarded }, check.history, check.name), DeterminismViolationError);

    const guarded = await bundleChanged('system-check.js', (js) => js.replace(original, `if ((0, workflow_1.patched)('describe-twice')) await describeWorker();\n    ${original}`));
    await Worker.runReplayHistory({ workflowBundle: guarded }, check.history, check.name);
  });

  it("hand activities store keys only: no recorded history names a path in the worker's var folder", async () => {
    // recordHistory replaced the worker's var folder with <var>; every payload is base64 JSON
    const texts: string[] = [];
    const walk = (v: unknown): void => {
      if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === 'object') {
        for (const [k, x] of Object.entries(v)) {
          if (k === 'data' && typeof x === 'string') texts.push(Buffer.from(x, 'base64').toString('utf8'));
          else walk(x);
        }
      } else if (typeof v === 'string') texts.push(v);
    };
    // systemCheck's one activity reports the worker's own folders to a person, by design: no step hands them on
    const files = (await readdir(historiesDir)).filter((f) => f.endsWith('.json') && !f.startsWith('systemCheck'));
    for (const f of files) walk(JSON.parse(await readFile(path.join(historiesDir, f), 'utf8')));
    const all = texts.join('\n');
    assert.ok(all.includes('runs/'), 'the histories carry run keys');
    assert.ok(!all.includes('<var>'), 'a path inside var/ crossed an activity boundary');
  });
});

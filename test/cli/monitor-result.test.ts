// The CLI reads monitor results of runs completed before reportPath became reportKey: the committed histories hold such results.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { MonitorResult } from '../../src/cli/monitor-result';
import { historiesDir } from '../support/histories';

interface HistoryJson {
  events: { workflowExecutionCompletedEventAttributes?: { result?: { payloads?: { data?: string }[] } } }[];
}

/** The value a recorded run returned (its completion event's JSON payload). */
async function recordedResult(file: string): Promise<Record<string, unknown>> {
  const history = JSON.parse(await readFile(path.join(historiesDir, file), 'utf8')) as HistoryJson;
  const data = history.events.at(-1)?.workflowExecutionCompletedEventAttributes?.result?.payloads?.[0]?.data;
  assert.ok(data, `${file} ends with a completed run`);
  return JSON.parse(Buffer.from(data, 'base64').toString('utf8')) as Record<string, unknown>;
}

describe('CLI monitor results', () => {
  for (const file of ['driftMonitor-no-drift-resolved.json', 'modelQualityMonitor-degraded-alerted.json']) {
    it(`reads the report key of an old run under its new name (${file})`, async () => {
      const old = await recordedResult(file);
      assert.equal(typeof old.reportPath, 'string', 'the recorded run predates the rename');
      const r = MonitorResult.parse(old);
      assert.equal(r.reportKey, old.reportPath);
      assert.match(r.reportKey ?? '', /^reports\/.+\.json$/);
      assert.equal('reportPath' in r, false, '-o json prints one name');
      // Fields the CLI does not name pass through to -o json.
      assert.deepEqual(r.violations ?? r.drifted, old.violations ?? old.drifted);
    });
  }

  it('keeps a new run’s reportKey and rejects a result of the wrong shape', () => {
    assert.equal(MonitorResult.parse({ model: 'm', reportKey: 'reports/drift/a.json', reportPath: 'stale' }).reportKey, 'reports/drift/a.json');
    assert.throws(() => MonitorResult.parse({ model: 'm', reportPath: 42 }), /reportKey/);
    assert.throws(() => MonitorResult.parse('not an object'));
  });
});

// Windows, file pruning, report ids and the run state: the small rules that decide which rows a run judges.
import * as assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { captureFileName, listCaptureFiles, readMonitorState, recordMonitorRun, reportIdFor, resolveWindow, ReportId, WindowError } from '../../src/drift/monitor';
import { tempDir } from './monitor-helpers';
import { localStore } from '../../src/store';

const NOW = Date.UTC(2025, 2, 10, 12, 0, 0);
const iso = (ms: number) => new Date(ms).toISOString();

describe('drift monitor: windows, files, ids, state', () => {
  it('the default window runs from the last run end (else the registration) to now minus the lag', () => {
    const first = resolveWindow(undefined, { now: NOW, lagSeconds: 30, firstStart: iso(NOW - 86_400_000) });
    assert.deepEqual(first, { start: iso(NOW - 86_400_000), end: iso(NOW - 30_000) });
    const next = resolveWindow({}, { now: NOW + 900_000, lagSeconds: 30, lastEnd: first.end, firstStart: iso(0) });
    assert.deepEqual(next, { start: first.end, end: iso(NOW + 900_000 - 30_000) });
  });

  it('explicit windows: start/end, lastMinutes; a start after the end is refused, an empty default window is not', () => {
    assert.deepEqual(resolveWindow({ start: '2025-03-10T10:00:00Z', end: '2025-03-10T11:00:00+01:00' }, { now: NOW, lagSeconds: 0, firstStart: iso(0) }), {
      start: '2025-03-10T10:00:00.000Z',
      end: '2025-03-10T10:00:00.000Z',
    });
    assert.deepEqual(resolveWindow({ lastMinutes: 15 }, { now: NOW, lagSeconds: 0, firstStart: iso(0) }), { start: iso(NOW - 900_000), end: iso(NOW) });
    assert.throws(() => resolveWindow({ start: '2025-03-10T13:00:00Z' }, { now: NOW, lagSeconds: 0, firstStart: iso(0) }), WindowError);
    // Two runs within the lag: the second window is empty, not an error.
    const w = resolveWindow(undefined, { now: NOW, lagSeconds: 30, lastEnd: iso(NOW), firstStart: iso(0) });
    assert.equal(w.start, w.end);
  });

  it('capture files are pruned by their hour stamp with an hour of slack; unstamped .jsonl files are always read', async () => {
    const dir = await tempDir('drift-files-');
    const names = [0, 1, 2, 3, 5].map((h) => captureFileName(Date.UTC(2025, 0, 1, h, 30), 'abc', 1));
    for (const n of [...names, 'manual.jsonl', 'notes.txt']) await writeFile(path.join(dir, n), '');
    const window = { start: iso(Date.UTC(2025, 0, 1, 2, 10)), end: iso(Date.UTC(2025, 0, 1, 2, 50)) };
    const got = (await listCaptureFiles(dir, window)).map((f) => path.basename(f));
    assert.deepEqual(got, ['20250101T01-abc-000001.jsonl', '20250101T02-abc-000001.jsonl', '20250101T03-abc-000001.jsonl', 'manual.jsonl']);
    assert.equal((await listCaptureFiles(dir)).length, 6);
    assert.deepEqual(await listCaptureFiles(path.join(dir, 'missing')), []);
  });

  it('report ids sort by window end, are stable per run and are plain names', () => {
    const id = reportIdFor('flights', { start: iso(0), end: '2025-03-10T11:59:30.000Z' }, '0193f1c2-7a1b-7c3d-8e4f-a1b2c3d4e5f6');
    assert.equal(id, '20250310T115930Z-flights-a1b2c3d4e5f6');
    // UUIDv7 run ids started within the same minute share their first characters: the id must still differ
    const sibling = reportIdFor('flights', { start: iso(0), end: '2025-03-10T11:59:30.000Z' }, '0193f1c2-7a1b-7c3d-8e4f-0f9e8d7c6b5a');
    assert.notEqual(sibling, id);
    assert.equal(ReportId.safeParse(id).success, true);
    for (const bad of ['../x', 'a/b', '.hidden', 'a.html', '']) assert.equal(ReportId.safeParse(bad).success, false, bad);
  });

  it('the recorded window end only moves forward; insufficient data keeps it', async () => {
    const varDir = await tempDir('drift-state-');
    const base = { model: 'm', verdict: 'no drift' as const, reportId: 'r', alertOpen: false, workflowId: 'w', runId: 'r1', at: iso(NOW) };
    const store = localStore(varDir);
    assert.equal(await readMonitorState(store, 'm'), null);
    await recordMonitorRun(store, { ...base, windowEnd: iso(NOW) });
    await recordMonitorRun(store, { ...base, windowEnd: iso(NOW - 3_600_000) });
    assert.equal((await readMonitorState(store, 'm'))?.lastWindowEnd, iso(NOW));
    await recordMonitorRun(store, { ...base, verdict: 'insufficient data', alertOpen: true });
    const s = await readMonitorState(store, 'm');
    assert.equal(s?.lastWindowEnd, iso(NOW));
    assert.equal(s?.alertOpen, true);
    assert.equal(s?.lastVerdict, 'insufficient data');
    // A corrupt state file is treated as none.
    await mkdir(path.join(varDir, 'drift', 'm'), { recursive: true });
    await writeFile(path.join(varDir, 'drift', 'm', 'state.json'), '{not json');
    assert.equal(await readMonitorState(store, 'm'), null);
    // and a run recorded over it replaces it
    await recordMonitorRun(store, { ...base, windowEnd: iso(NOW) });
    assert.equal((await readMonitorState(store, 'm'))?.lastWindowEnd, iso(NOW));
  });
});

// The capture uploader on MinIO: each pass PUTs only the bytes the spool file gained (O(new rows)), a restarted
// uploader resumes after what is already stored, and the monitors' readers find every row in the segments.
import * as assert from 'node:assert/strict';
import { appendFile, mkdtemp, readdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { captureFileName, listCaptureKeys } from '../../src/drift/monitor/capture-files';
import { joinPredictionsWithLabels } from '../../src/model-quality/join';
import { CaptureUploader } from '../../src/serving/capture-upload';
import type { ArtifactStore } from '../../src/store';
import { s3TestStore } from '../support/minio';

const MODEL = 'flights';
const HOUR = 3_600_000;

/** `n` capture lines with ids `<tag>-<i>`, stamped at `ts`. */
function lines(tag: string, n: number, ts: number): string {
  let text = '';
  for (let i = 0; i < n; i++)
    text += `${JSON.stringify({ ts: new Date(ts + i).toISOString(), model: MODEL, version: 1, id: `${tag}-${i}`, key_id: 'k', probability: 0.25, label: 0, features: { distance: i } })}\n`;
  return text;
}

/** The store with every PUT's byte count recorded. */
function countingPuts(store: ArtifactStore): { store: ArtifactStore; puts: number[] } {
  const puts: number[] = [];
  const counting = Object.create(store) as ArtifactStore;
  counting.put = async (key, data, opts) => {
    puts.push(typeof data === 'string' ? Buffer.byteLength(data) : data.length);
    return store.put(key, data, opts);
  };
  return { store: counting, puts };
}

describe('capture uploader: incremental segments', function () {
  this.timeout(120_000);

  it('PUTs only the new bytes on each pass, resumes after a restart, and readers find every row', async () => {
    const { store } = await s3TestStore();
    const folder = await mkdtemp(path.join(os.tmpdir(), 'capture-upload-'));
    const now = Date.now();
    const file = path.join(folder, captureFileName(now, 'abcdef', 1));
    let open: string | undefined = file;
    const counted = countingPuts(store);
    const log = pino({ level: 'silent' });
    const uploader = () => new CaptureUploader({ store: counted.store, folder, prefix: `capture/${MODEL}/`, intervalMs: 60_000, openFile: () => open, log });

    const first = uploader();
    let rows = 0;
    for (let round = 0; round < 5; round++) {
      const text = lines(`r${round}`, 300, now);
      rows += 300 + (round > 0 ? 1 : 0); // and the cut line of the round before, completed
      counted.puts.length = 0;
      await appendFile(file, text);
      // a line still being written is not shipped until it is whole
      await appendFile(file, '{"ts":"cut');
      await first.tick();
      assert.deepEqual(counted.puts, [Buffer.byteLength(text) + (round === 0 ? 0 : Buffer.byteLength('{"ts":"cut"}\n'))], `round ${round}: one PUT of the new whole lines only`);
      await appendFile(file, '"}\n');
    }
    // a restarted uploader (empty memory) ships only what the store does not have yet
    const second = uploader();
    counted.puts.length = 0;
    await appendFile(file, lines('after', 100, now));
    rows += 101; // and the last round's cut line (no id: the quality reader skips it)
    await second.tick();
    assert.deepEqual(counted.puts, [Buffer.byteLength('{"ts":"cut"}\n') + Buffer.byteLength(lines('after', 100, now))], 'the restart re-PUT nothing already stored');
    // closed: the rest is shipped and the spool file removed
    open = undefined;
    await second.close();
    assert.deepEqual(await readdir(folder), []);

    const window = { start: new Date(now - HOUR).toISOString(), end: new Date(now + HOUR).toISOString() };
    const keys = await listCaptureKeys(store, MODEL, window);
    assert.equal(keys.length, 6, 'one segment per pass with new bytes');
    const stored = (await Promise.all(keys.map(async (k) => (await store.getRequired(k)).toString('utf8')))).join('');
    assert.equal(stored.split('\n').filter((l) => l.length > 0).length, rows, 'every line once, in order');
    const joined = await joinPredictionsWithLabels({ captureFiles: keys, labelFiles: [], window, version: 1, open: (k) => store.fetchFile(k) });
    assert.equal(joined.counts.predictions, 5 * 300 + 100, 'the quality reader finds every prediction');
  });
});

// The label writer's duplicate index holds regression numbers and class values as well as 0/1: repeats and relabels are told apart, live and after a restart.
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import pino from 'pino';
import { LabelWriter } from '../../src/feedback/label-writer';
import { tempVarDir } from '../support/temporal';

const writer = (dir: string) => new LabelWriter({ dir, model: 'm', flushMs: 60_000, bufferRecords: 100_000, maxFileBytes: 1 << 30, indexMaxBytes: 1 << 20, log: pino({ level: 'silent' }) });

describe('feedback: label writer index per task', () => {
  it('dedupes and relabels numbers, classes and 0/1 per key, and keeps doing so from the files after a restart', async () => {
    const dir = tempVarDir('label-writer-');
    try {
      const w = writer(dir);
      await w.ready();
      const first = [
        { id: 'r1', label: 12.5 },
        { id: 'r2', label: -3 },
        { id: 'c1', label: 'Gentoo' },
        { id: 'c2', label: 3 },
        { id: 'c3', label: true },
        { id: 'b1', label: 0 },
      ];
      assert.deepEqual(await w.submit(first, 'alice'), { accepted: 6, duplicates: 0, relabeled: 0 });
      const second = [
        { id: 'r1', label: 12.5 }, // same number: duplicate
        { id: 'r2', label: -3.0001 }, // another number: relabel
        { id: 'c1', label: 'Adelie' }, // another class: relabel
        { id: 'c2', label: '3' }, // the string "3" is not the class 3
        { id: 'c3', label: true }, // same boolean class: duplicate
        { id: 'b1', label: 1 }, // 0 -> 1: relabel
      ];
      assert.deepEqual(await w.submit(second, 'alice'), { accepted: 4, duplicates: 2, relabeled: 4 });
      // another key's labels are its own: nothing is a duplicate of alice's
      assert.deepEqual(await w.submit([{ id: 'r1', label: 12.5 }], 'bob'), { accepted: 1, duplicates: 0, relabeled: 0 });
      assert.equal(w.index.entries, 7);
      await w.close();

      const again = writer(dir);
      await again.ready();
      const latest = [
        { id: 'r1', label: 12.5 },
        { id: 'r2', label: -3.0001 },
        { id: 'c1', label: 'Adelie' },
        { id: 'c2', label: '3' },
        { id: 'c3', label: true },
        { id: 'b1', label: 1 },
      ];
      assert.deepEqual(await again.submit(latest, 'alice'), { accepted: 0, duplicates: 6, relabeled: 0 });
      assert.deepEqual(await again.submit([{ id: 'c1', label: 'Gentoo' }], 'alice'), { accepted: 1, duplicates: 0, relabeled: 1 });
      await again.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

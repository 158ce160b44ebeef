// The append-only JSONL log under capture and labels: lines copied into reused byte chunks keep their order and bytes across chunk edges and flushes.
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { AppendLog } from '../../src/util/append-log';

async function written(folder: string): Promise<string> {
  const files = (await readdir(folder)).filter((f) => f.endsWith('.jsonl')).sort();
  return (await Promise.all(files.map((f) => readFile(path.join(folder, f), 'utf8')))).join('');
}

describe('serving: append log', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'append-log-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const open = (bufferRecords = 1_000_000) => new AppendLog({ folder: dir, flushMs: 60_000, bufferRecords, maxFileBytes: 1 << 30, log: pino({ level: 'silent' }), what: 'test' });

  it('writes every line in order, byte for byte, across chunk edges, multi-byte characters, long lines and flushes', async () => {
    const log = open();
    await log.start();
    const expected: string[] = [];
    // about 3 MB: dozens of 64 KiB chunks, lines that straddle where a chunk would end, one line longer than a chunk
    for (let i = 0; i < 20_000; i++) {
      const text = i % 997 === 0 ? 'ü€😀'.repeat(i % 7) + 'x'.repeat(70_000) : `{"n":${i},"s":"${'é'.repeat(i % 50)}${'a'.repeat(i % 113)}"}`;
      const line = `${text}\n`;
      assert.equal(log.enqueue(line, 1), true);
      expected.push(line);
      if (i === 12_345) await log.flush();
    }
    assert.equal(log.enqueue('', 0), true, 'nothing to write is accepted and writes nothing');
    await log.close();
    assert.equal(await written(dir), expected.join(''));
  });

  it('refuses lines past the row bound without writing any part of them, then takes more after a flush', async () => {
    const log = open(3);
    await log.start();
    assert.equal(log.enqueue('a\nb\n', 2), true);
    assert.equal(log.enqueue('c\nd\n', 2), false, 'two more rows would exceed the bound of 3');
    assert.equal(log.pendingRows, 2);
    await log.flush();
    assert.equal(log.enqueue('c\nd\n', 2), true);
    await log.close();
    assert.equal(await written(dir), 'a\nb\nc\nd\n');
    assert.equal(log.enqueue('e\n', 1), false, 'a closed log takes nothing');
  });
});

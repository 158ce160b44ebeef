// The shipped flights specs: they parse, the sampled real data passes the suite, the broken variant is stopped.
import * as assert from 'node:assert/strict';
import path from 'node:path';
import { ingestSnapshot } from '../../src/data/ingest';
import { loadSplitFrames } from '../../src/data/load-frame';
import { describeExpectation, runQualitySuite } from '../../src/quality';
import { loadSpec } from '../../src/spec/dataset';
import { PROJECT_ROOT, tempDir } from './helpers';

describe('datasets/flights*.json', function () {
  let dir: string;
  let cleanup: () => Promise<void>;

  before(async () => ({ dir, cleanup } = await tempDir()));
  after(() => cleanup());

  it('flights.json and flights-small.json parse and differ only in name, description and sampleRows', async () => {
    const full = await loadSpec('datasets/flights.json', PROJECT_ROOT);
    const small = await loadSpec('datasets/flights-small.json', PROJECT_ROOT);
    assert.equal(full.spec.source.sampleRows, undefined);
    assert.ok((small.spec.source.sampleRows ?? 0) >= 10000, 'enough rows for the suite and a model');
    const strip = (s: typeof full.spec): unknown => ({ ...s, name: '', description: '', source: { ...s.source, sampleRows: undefined } });
    assert.deepEqual(strip(small.spec), strip(full.spec));
    assert.equal(full.spec.split.kind, 'time');
  });

  it('the flights suite passes on flights-small (sampled real rows, Jan-Apr), in one pass', async () => {
    const { spec, file } = await loadSpec('datasets/flights-small.json', PROJECT_ROOT);
    const m = await ingestSnapshot({ spec, specFile: file, outDir: dir, runKey: 'small' });
    assert.equal(m.rows, spec.source.sampleRows);
    const full = await loadSpec('datasets/flights.json', PROJECT_ROOT);
    const report = await runQualitySuite({ parquetFile: m.path }, full.spec.expectations);
    const failed = report.results.filter((r) => !r.success).map((r) => describeExpectation(r.expectation));
    assert.deepEqual(failed, []);
    assert.equal(report.passes, 1);
    const split = await loadSplitFrames(m.path, spec);
    assert.ok(split.holdout.rows > 3000 && split.train.rows > 10000, `${split.train.rows}/${split.holdout.rows}`);
  });

  it('the broken variant fails the flights suite, naming the broken rules and rows', async () => {
    const { spec, file } = await loadSpec('datasets/flights-broken.json', PROJECT_ROOT);
    assert.equal(path.relative(PROJECT_ROOT, path.resolve(path.dirname(file), spec.source.path)), path.join('datasets', 'data', 'flights-broken.csv'));
    const m = await ingestSnapshot({ spec, specFile: file, outDir: dir, runKey: 'broken' });
    const flights = await loadSpec('datasets/flights.json', PROJECT_ROOT);
    const withSmallCount = flights.spec.expectations.map((e) => (e.type === 'row_count_between' ? { ...e, min: 100 } : e));
    for (const suite of [spec.expectations, withSmallCount]) {
      const report = await runQualitySuite({ parquetFile: m.path }, suite);
      assert.equal(report.success, false);
      const failed = report.results.filter((r) => !r.success);
      assert.deepEqual(
        failed.map((r) => describeExpectation(r.expectation)),
        ['not_null(origin)', 'between(hour, 0..23)', 'between(distance, 1..6000)', 'matches_regex(origin, /^[A-Z]{3}$/)', 'matches_regex(destination, /^[A-Z]{3}$/)'],
      );
      const hour = failed[1];
      assert.ok(hour.failingRows.length > 0 && hour.failingRows.every((r) => r.value === 27));
    }
    const original = await runQualitySuite({ parquetFile: m.path }, flights.spec.expectations);
    assert.ok(
      original.results.some((r) => r.expectation.type === 'row_count_between' && !r.success),
      '300 rows are below the real minimum',
    );
  });
});

// The store's key layout: every key byte-identical to what earlier versions wrote, and no other src/ module spelling one.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import * as layout from '../../src/store/layout';
import { projectRoot } from '../support/temporal';

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return tsFiles(full);
    return name.endsWith('.ts') ? [full] : [];
  });
}

describe('store key layout', () => {
  it('builds the keys stored data already lives under, byte for byte', () => {
    assert.equal(layout.capturePrefix('flights'), 'capture/flights/');
    assert.equal(layout.labelsPrefix('flights'), 'labels/flights/');
    assert.equal(layout.appendLogFileName(layout.hourStamp(Date.UTC(2025, 0, 31, 9, 59)), 'api-1', 7), '20250131T09-api-1-000007.jsonl');
    assert.deepEqual(layout.reportObjectKeys(layout.DRIFT_REPORTS_PREFIX, 'r1'), { jsonKey: 'reports/drift/r1.json', htmlKey: 'reports/drift/r1.html' });
    assert.deepEqual(layout.reportObjectKeys(layout.QUALITY_REPORTS_PREFIX, 'r1'), { jsonKey: 'reports/model-quality/r1.json', htmlKey: 'reports/model-quality/r1.html' });
    assert.equal(layout.driftStateKey('flights'), 'drift/flights/state.json');
    assert.equal(layout.driftRetrainSpecKey('flights', 3), 'drift/flights/retrain-spec-v3.json');
    assert.equal(layout.qualityStateKey('flights'), 'model-quality/flights/state.json');
    assert.equal(layout.qualityRetrainPrefix('flights', 'r1'), 'model-quality/flights/retrain/r1/');
    assert.equal(layout.runPrefix('train/flights', 'abc'), 'runs/train_flights__abc');
    const run = layout.runKeys('runs/train-flights__abc');
    assert.equal(run.snapshot, 'runs/train-flights__abc/snapshot.parquet');
    assert.equal(run.onnx, 'runs/train-flights__abc/model.onnx');
    assert.equal(run.qualityReport, 'reports/quality/train-flights__abc.json');
  });

  it('is the only src/ module that spells a capture/, labels/, reports/ or runs/ key', () => {
    const spelled = /[`'"](capture|labels|reports|runs)\/|(drift|model-quality)\/\$\{/;
    const offenders = tsFiles(path.join(projectRoot, 'src'))
      .filter((file) => !file.endsWith(path.join('store', 'layout.ts')))
      .flatMap((file) =>
        readFileSync(file, 'utf8')
          .split('\n')
          .map((line, i) => ({ line, where: `${path.relative(projectRoot, file)}:${i + 1}` }))
          .filter(({ line }) => !/^\s*(\/\/|\*|\/\*\*)/.test(line) && spelled.test(line))
          .map(({ where, line }) => `${where}: ${line.trim()}`),
      );
    assert.deepEqual(offenders, []);
  });
});

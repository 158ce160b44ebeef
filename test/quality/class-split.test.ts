// Multiclass gate report: rows per class on each side of the split, and the classes too rare to be on both sides named.
import * as assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ingestSnapshot } from '../../src/data/ingest';
import { isRandomHoldout } from '../../src/data/load-frame';
import { runQualitySuite } from '../../src/quality';
import { parseSpec } from '../../src/spec/dataset';
import { tempDir } from '../data/helpers';

// Rows 0..19; Macaroni only before 2001-01-15 (training), Emperor only from it (holdout), the others on both sides.
const species = [
  'Adelie',
  'Gentoo',
  'Chinstrap',
  'Macaroni',
  'Adelie',
  'Gentoo',
  'Chinstrap',
  'Adelie',
  'Gentoo',
  'Chinstrap',
  'Adelie',
  'Gentoo',
  'Chinstrap',
  'Adelie',
  'Gentoo',
  'Emperor',
  'Adelie',
  'Chinstrap',
  'Emperor',
  'Gentoo',
];
const CSV = ['species,flipper,day', ...species.map((s, i) => `${s},${180 + i},2001-01-${String(i + 1).padStart(2, '0')}`)].join('\n');

describe('quality: classes on one side of the split (multiclass)', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  before(async () => {
    ({ dir, cleanup } = await tempDir('mlp-class-split-'));
    await writeFile(path.join(dir, 'birds.csv'), `${CSV}\n`);
  });
  after(() => cleanup());

  const spec = (split: Record<string, unknown>) =>
    parseSpec({
      name: 'birds',
      source: { path: 'birds.csv' },
      target: { column: 'species', task: 'multiclass' },
      features: [{ name: 'flipper', type: 'numeric' }],
      split,
      expectations: [{ type: 'not_null', column: 'flipper' }],
    });

  it('time split: counts per side, names the class only in training and the class only in the holdout, and stays a warning', async () => {
    const s = spec({ kind: 'time', column: 'day', holdoutFrom: '2001-01-15' });
    const m = await ingestSnapshot({ spec: s, specFile: path.join(dir, 'spec.json'), outDir: path.join(dir, 'out'), runKey: 'time' });
    assert.deepEqual(m.classes, ['Adelie', 'Chinstrap', 'Emperor', 'Gentoo', 'Macaroni']);
    const report = await runQualitySuite({ parquetFile: m.path }, s.expectations, { classSplit: { split: s.split, classes: m.classes } });
    assert.equal(report.success, true);
    assert.deepEqual(report.classSplit, {
      classes: ['Adelie', 'Chinstrap', 'Emperor', 'Gentoo', 'Macaroni'],
      train: [5, 4, 0, 4, 1],
      holdout: [1, 1, 2, 2, 0],
      onlyInTraining: ['Macaroni'],
      onlyInHoldout: ['Emperor'],
    });
    assert.equal(report.warnings?.length, 2);
    assert.match(report.warnings[0], /class "Macaroni" has 1 training rows and none in the holdout/);
    assert.match(report.warnings[1], /class "Emperor" has 2 holdout rows and none in training, so the model cannot learn it/);
  });

  it('random split: the same membership as the trainer’s split (row number and seed)', async () => {
    const s = spec({ kind: 'random', holdout: 0.3, seed: 11 });
    const m = await ingestSnapshot({ spec: s, specFile: path.join(dir, 'spec.json'), outDir: path.join(dir, 'out'), runKey: 'random' });
    const report = await runQualitySuite({ parquetFile: m.path }, s.expectations, { classSplit: { split: s.split, classes: m.classes! } });
    const expectHoldout = m.classes!.map(() => 0);
    const expectTrain = m.classes!.map(() => 0);
    species.forEach((name, row) => {
      const c = m.classes!.indexOf(name);
      if (isRandomHoldout(row, 11, 0.3)) expectHoldout[c]++;
      else expectTrain[c]++;
    });
    assert.deepEqual(report.classSplit?.holdout, expectHoldout);
    assert.deepEqual(report.classSplit?.train, expectTrain);
    const one = m.classes!.filter((_, c) => (expectHoldout[c] === 0) !== (expectTrain[c] === 0));
    assert.deepEqual([...report.classSplit.onlyInTraining, ...report.classSplit.onlyInHoldout].sort(), one.sort());
  });

  it('binary runs (no classSplit option) keep the report as it was', async () => {
    const s = parseSpec({
      name: 'birds',
      source: { path: 'birds.csv' },
      target: { column: 'species', positive: { op: '=', value: 'Adelie' } },
      features: [{ name: 'flipper', type: 'numeric' }],
    });
    const m = await ingestSnapshot({ spec: s, specFile: path.join(dir, 'spec.json'), outDir: path.join(dir, 'out'), runKey: 'binary' });
    const report = await runQualitySuite({ parquetFile: m.path }, [{ type: 'not_null', column: 'flipper' }]);
    assert.equal('classSplit' in report, false);
    assert.equal('warnings' in report, false);
  });
});

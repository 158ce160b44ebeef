// JSON array files, format detection by content, and column names as the source writes them through every SQL path.
import * as assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { DuckDb, quoteString } from '../../src/data/duckdb';
import { formatFromContent, resolveFormat } from '../../src/data/format';
import { ingestSnapshot } from '../../src/data/ingest';
import { loadFrame } from '../../src/data/load-frame';
import { checkSource, DataError } from '../../src/data/source';
import { profileRelation } from '../../src/profile/profile';
import { describeExpectation } from '../../src/quality/report';
import { runQualitySuite } from '../../src/quality/run';
import { parseSpec, SpecError, type DatasetSpec } from '../../src/spec/dataset';
import { tempDir } from './helpers';

/** Penguin-like rows with the names vega-datasets' penguins.json uses, one NULL mass. */
const ROWS = [
  { Species: 'Adelie', Island: 'Torgersen', 'Beak Length (mm)': 39.1, 'Body Mass (g)': 3750 },
  { Species: 'Gentoo', Island: 'Biscoe', 'Beak Length (mm)': 46.1, 'Body Mass (g)': 4500 },
  { Species: 'Adelie', Island: 'Dream', 'Beak Length (mm)': 37.8, 'Body Mass (g)': null },
  { Species: 'Chinstrap', Island: 'Dream', 'Beak Length (mm)': 46.5, 'Body Mass (g)': 3500 },
  { Species: 'Adelie', Island: 'Biscoe', 'Beak Length (mm)': 38.2, 'Body Mass (g)': 3950 },
  { Species: 'Gentoo', Island: 'Biscoe', 'Beak Length (mm)': 50, 'Body Mass (g)': 5700 },
];

function penguinSpec(sourcePath: string, extra: Record<string, unknown> = {}): DatasetSpec {
  return parseSpec({
    name: 'penguins-test',
    source: { path: sourcePath },
    target: { column: 'Species', positive: { op: '=', value: 'Adelie' } },
    features: [
      { name: 'Body Mass (g)', type: 'numeric' },
      { name: 'Beak Length (mm)', type: 'numeric' },
      { name: 'Island', type: 'categorical' },
    ],
    ...extra,
  });
}

describe('data: JSON arrays and column names as they are', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let specFile: string;

  before(async () => {
    ({ dir, cleanup } = await tempDir());
    specFile = path.join(dir, 'spec.json');
    await writeFile(path.join(dir, 'rows.json'), JSON.stringify(ROWS, null, 2));
    await writeFile(path.join(dir, 'rows.jsonl'), ROWS.map((r) => JSON.stringify(r)).join('\n') + '\n');
    // The same rows with the measurements nested one level down, as API exports often are.
    const nested = ROWS.map(({ Species, Island, ...size }) => ({ Species, Island, size }));
    await writeFile(path.join(dir, 'nested.json'), JSON.stringify(nested));
  });
  after(() => cleanup());

  it('tells a JSON array from newline-delimited JSON by the first bytes, whatever the extension says', async () => {
    const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
    assert.equal(formatFromContent(enc('\uFEFF \n [{"a":1}]')), 'json');
    assert.equal(formatFromContent(enc('{"a":1}\n{"a":2}\n')), 'jsonl');
    assert.equal(formatFromContent(enc('PAR1....')), 'parquet');
    assert.equal(formatFromContent(enc('a,b\n1,2\n')), null);
    assert.equal(formatFromContent(enc('')), null);

    const cases: [string, string, string][] = [
      ['array.jsonl', JSON.stringify(ROWS), 'json'],
      ['lines.json', ROWS.map((r) => JSON.stringify(r)).join('\n'), 'jsonl'],
      ['no-extension', JSON.stringify(ROWS), 'json'],
    ];
    for (const [name, text, want] of cases) {
      const file = path.join(dir, name);
      await writeFile(file, text);
      assert.equal(await resolveFormat(file, file), want, name);
    }
    const gz = path.join(dir, 'array.json.gz');
    await writeFile(gz, gzipSync(JSON.stringify(ROWS)));
    assert.equal(await resolveFormat(gz, gz), 'json');
    // A declared format wins, and a .csv stays CSV even if its header starts with '['.
    assert.equal(await resolveFormat(path.join(dir, 'rows.json'), path.join(dir, 'rows.json'), 'jsonl'), 'jsonl');
    const csv = path.join(dir, 'bracket.csv');
    await writeFile(csv, '[id],x\n1,2\n');
    assert.equal(await resolveFormat(csv, csv), 'csv');
  });

  it('a JSON array file and a JSONL file with the same rows give the same snapshot (same content hash)', async () => {
    const outDir = path.join(dir, 'out');
    const fromArray = await ingestSnapshot({ spec: penguinSpec('rows.json'), specFile, outDir, runKey: 'array' });
    const fromLines = await ingestSnapshot({ spec: penguinSpec('rows.jsonl'), specFile, outDir, runKey: 'lines' });
    // A .jsonl name holding an array is read by content, not refused as malformed.
    await writeFile(path.join(dir, 'misnamed.jsonl'), JSON.stringify(ROWS));
    const misnamed = await ingestSnapshot({ spec: penguinSpec('misnamed.jsonl'), specFile, outDir, runKey: 'misnamed' });
    assert.equal(fromArray.source.format, 'json');
    assert.equal(fromLines.source.format, 'jsonl');
    assert.equal(misnamed.source.format, 'json');
    assert.equal(fromArray.rows, ROWS.length);
    assert.equal(fromArray.positives, 3);
    assert.equal(fromArray.contentHash, fromLines.contentHash);
    assert.equal(misnamed.contentHash, fromLines.contentHash);
    assert.deepEqual(
      fromArray.columns.map((c) => `${c.name}:${c.role}`),
      ['__row:row', 'Body Mass (g):feature', 'Beak Length (mm):feature', 'Island:feature', '__label:label'],
    );
  });

  it('reaches nested objects in source.select, giving the same snapshot as the flat file', async () => {
    const spec = penguinSpec('nested.json', {
      source: {
        path: 'nested.json',
        select: `Species, Island, size."Body Mass (g)" AS "Body Mass (g)", size['Beak Length (mm)'] AS "Beak Length (mm)"`,
      },
    });
    const outDir = path.join(dir, 'out');
    const nested = await ingestSnapshot({ spec, specFile, outDir, runKey: 'nested' });
    const flat = await ingestSnapshot({ spec: penguinSpec('rows.json'), specFile, outDir, runKey: 'array' });
    assert.equal(nested.contentHash, flat.contentHash);
  });

  it('quotes odd names in the quality suite, the profile and the frame loader', async () => {
    const spec = penguinSpec('rows.json', {
      expectations: [
        { type: 'not_null', column: 'Body Mass (g)' },
        { type: 'between', column: 'Body Mass (g)', min: 3000, max: 5000 },
        { type: 'in_set', column: 'Island', values: ['Torgersen', 'Biscoe', 'Dream'] },
        { type: 'quantile_between', column: 'Beak Length (mm)', quantile: 0.5, min: 30, max: 50 },
        { type: 'mean_between', column: '__label', min: 0.1, max: 0.9 },
      ],
    });
    const m = await ingestSnapshot({ spec, specFile, outDir: path.join(dir, 'out'), runKey: 'suite' });
    const report = await runQualitySuite({ parquetFile: m.path }, spec.expectations);
    const byType = new Map(report.results.map((r) => [r.expectation.type, r]));
    assert.equal(byType.get('not_null')?.success, false);
    assert.deepEqual(
      byType.get('not_null')?.failingRows.map((r) => r.row),
      [2],
    );
    assert.equal(byType.get('between')?.success, false);
    assert.deepEqual(
      byType.get('between')?.failingRows.map((r) => [r.row, r.value]),
      [[5, 5700]],
    );
    assert.equal(byType.get('in_set')?.success, true);
    assert.equal(byType.get('quantile_between')?.success, true);
    assert.equal(describeExpectation(spec.expectations[0]), 'not_null("Body Mass (g)")');

    const profile = await profileRelation(`SELECT * FROM read_parquet(${quoteString(m.path)})`, spec.features);
    const mass = profile.features.find((f) => f.name === 'Body Mass (g)');
    assert.ok(mass && mass.kind === 'numeric');
    assert.equal(mass.nulls, 1);
    assert.equal(mass.count, ROWS.length);

    const { frame } = await loadFrame(m.path, spec.features);
    assert.deepEqual(
      frame.features.map((f) => f.name),
      ['Body Mass (g)', 'Beak Length (mm)', 'Island'],
    );
    const values = frame.features[0].kind === 'numeric' ? Array.from(frame.features[0].values) : [];
    assert.deepEqual(
      values.map((v) => (Number.isNaN(v) ? null : v)),
      [3750, 4500, null, 3500, 3950, 5700],
    );
  });

  it('names a column written in another case, suggesting the source spelling', async () => {
    const db = await DuckDb.open({ threads: 1 });
    try {
      const spec = parseSpec({
        name: 'case',
        source: { path: 'rows.json' },
        target: { column: 'Species', positive: { op: '=', value: 'Adelie' } },
        features: [{ name: 'body mass (g)', type: 'numeric' }],
      });
      await assert.rejects(checkSource(db, spec, specFile), (e: unknown) => {
        assert.ok(e instanceof DataError && e.type === 'DataColumnMissing', String(e));
        assert.match(e.message, /no column "body mass \(g\)" \(feature \(numeric\), did you mean "Body Mass \(g\)"\?\)/);
        assert.match(e.message, /available columns: Species, Island, "Beak Length \(mm\)", "Body Mass \(g\)"/);
        return true;
      });
    } finally {
      db.close();
    }
  });

  it('rejects names that cannot be used, saying why', () => {
    const base = {
      name: 'bad',
      source: { path: 'rows.json' },
      target: { column: 'Species', positive: { op: '=', value: 'Adelie' } },
    };
    const issues = (features: unknown[], target = 'Species'): string => {
      try {
        parseSpec({ ...base, target: { ...base.target, column: target }, features });
      } catch (err) {
        assert.ok(err instanceof SpecError, String(err));
        return err.issues.join('\n');
      }
      return assert.fail('the spec must be rejected');
    };
    assert.match(issues([{ name: '__row', type: 'numeric' }]), /features\.0\.name: must not start with "__" \(reserved for the pipeline's own columns/);
    assert.match(issues([{ name: 'a\nb', type: 'numeric' }]), /features\.0\.name: must not contain control characters/);
    assert.match(issues([{ name: '', type: 'numeric' }]), /features\.0\.name: must not be empty/);
    assert.match(
      issues([
        { name: 'Mass', type: 'numeric' },
        { name: 'mass', type: 'numeric' },
      ]),
      /features "?Mass"? and "?mass"? differ only in case/,
    );
    assert.match(issues([{ name: 'species', type: 'categorical' }]), /target\.column: Species and feature species differ only in case/);
    assert.match(issues([{ name: 'x', type: 'numeric' }], '__label'), /target\.column: must not start with "__"/);
    // the model's own name: "current" would be shadowed by GET /v1/models/current, upper case is not a store folder name
    for (const name of ['current', 'Flights', 'a/b']) {
      assert.throws(
        () => parseSpec({ ...base, name, features: [{ name: 'x', type: 'numeric' }] }),
        (err: unknown) => err instanceof SpecError && /name: .*not "current"/.test(err.issues.join('\n')),
        name,
      );
    }
    assert.equal(parseSpec({ ...base, name: 'current-model', features: [{ name: 'x', type: 'numeric' }] }).name, 'current-model');
  });

  it('DuckDB matches identifiers without regard to case, which is why names differing only in case are refused', async () => {
    const db = await DuckDb.open({ threads: 1 });
    try {
      assert.deepEqual(await db.one(`SELECT "body mass (g)" AS v FROM (SELECT 1 AS "Body Mass (g)")`), { v: 1 });
    } finally {
      db.close();
    }
  });
});

// Profiles: hand-computed statistics, identical SQL/JS binning (property test), merging, and suggested constraints.
import * as assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import fc from 'fast-check';
import { DuckDb, sqlLiteral } from '../../src/data/duckdb';
import { ingestSnapshot } from '../../src/data/ingest';
import { DataError } from '../../src/data/source';
import {
  binIndex,
  binSql,
  DatasetProfile,
  histogramCounts,
  mergeProfiles,
  profileRelation,
  profileSnapshot,
  readProfile,
  suggestConstraints,
  writeProfile,
  writeSuggestedConstraints,
} from '../../src/profile';
import { runQualitySuite } from '../../src/quality';
import { ExpectationSuite } from '../../src/spec/expectations';
import { smallSpec, tempDir, writeSmallFiles } from '../data/helpers';

const close = (a: number | null, b: number, eps = 1e-9): void => assert.ok(a !== null && Math.abs(a - b) < eps, `${a} vs ${b}`);

// v = 1..10 plus one NULL; c = a x5, b x3, c x1, NULL x1, (one more row has c = 'a') -> 11 rows.
const TABLE = `SELECT * FROM (VALUES
  (1.0, 'a', 1), (2.0, 'a', 0), (3.0, 'b', 0), (4.0, 'a', 1), (5.0, 'b', 0), (6.0, 'c', 0),
  (7.0, 'a', 0), (8.0, 'b', 1), (9.0, NULL, 0), (10.0, 'a', 0), (NULL, 'a', 1)
) AS t(v, c, __label)`;
const FEATURES = [
  { name: 'v', type: 'numeric' as const },
  { name: 'c', type: 'categorical' as const },
];

describe('profile', () => {
  let dir: string;
  let cleanup: () => Promise<void>;

  before(async () => ({ dir, cleanup } = await tempDir('mlp-profile-')));
  after(() => cleanup());

  it('computes counts, moments, quantiles, fixed-edge histogram, top values and label rate as hand-computed', async () => {
    const p = await profileRelation(TABLE, FEATURES, { bins: 4, topK: 2 });
    assert.equal(p.rows, 11);
    assert.equal(p.passes, 1);
    assert.deepEqual(p.label, { positives: 4, positiveRate: 4 / 11 });
    const [v, c] = p.features;
    assert.ok(v.kind === 'numeric' && c.kind === 'categorical');
    assert.equal(v.count, 11);
    assert.equal(v.nulls, 1);
    assert.equal(v.min, 1);
    assert.equal(v.max, 10);
    close(v.mean, 5.5);
    close(v.stddev, Math.sqrt(82.5 / 9));
    // quantile_cont on 1..10: position q * 9, linear between neighbours.
    const q = (f: number): number => 1 + f * 9;
    close(v.quantiles.p01, q(0.01));
    close(v.quantiles.p05, q(0.05));
    close(v.quantiles.p25, 3.25);
    close(v.quantiles.p50, 5.5);
    close(v.quantiles.p75, 7.75);
    close(v.quantiles.p95, q(0.95));
    close(v.quantiles.p99, q(0.99));
    assert.deepEqual(v.histogram, { edges: [1, 3.25, 5.5, 7.75, 10], counts: [3, 2, 2, 3], underflow: 0, overflow: 0 });
    // The fine distribution: every distinct value with its count (version 2 profiles).
    assert.equal(p.version, 2);
    assert.deepEqual(v.distribution, { kind: 'exact', values: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], counts: new Array(10).fill(1) });
    assert.deepEqual(c, {
      name: 'c',
      kind: 'categorical',
      count: 11,
      nulls: 1,
      distinct: 3,
      distinctExact: true,
      topK: 2,
      top: [
        { value: 'a', count: 6 },
        { value: 'b', count: 3 },
      ],
      otherCount: 1,
      // every category, beyond the top K
      distribution: {
        categories: [
          { value: 'a', count: 6 },
          { value: 'b', count: 3 },
          { value: 'c', count: 1 },
        ],
        otherCount: 0,
        complete: true,
      },
    });
    DatasetProfile.parse(JSON.parse(JSON.stringify(p)));
  });

  it('past the caps: equal-frequency bins with exact edges and a stated rank error; the top categories plus other', async () => {
    // 5,000 distinct values (0..4999, value 7 repeated 600 more times) with a cap of 1,000 and 100 bins.
    const p = await profileRelation(`SELECT range::DOUBLE AS v, 'k' || (range % 1500)::VARCHAR AS c FROM range(5000) UNION ALL SELECT 7.0, 'k0' FROM range(600)`, FEATURES, {
      fine: { numericCap: 1000, categoricalCap: 1000, bins: 100 },
    });
    const [v, c] = p.features;
    assert.ok(v.kind === 'numeric' && c.kind === 'categorical' && v.distribution?.kind === 'bins' && c.distribution);
    const d = v.distribution;
    assert.equal(
      d.counts.reduce((a, b) => a + b, 0),
      5600,
    );
    assert.equal(d.distinct, 5000);
    // Ascending, disjoint, exact edges: lo and hi are values that occur; sums hold every value once.
    for (let i = 0; i < d.lo.length; i++) {
      assert.ok(Number.isInteger(d.lo[i]) && Number.isInteger(d.hi[i]) && d.lo[i] <= d.hi[i]);
      if (i > 0) assert.ok(d.lo[i] > d.hi[i - 1]);
    }
    close(
      d.sums.reduce((a, b) => a + b, 0),
      (4999 * 5000) / 2 + 7 * 600,
      1e-6,
    );
    // The heavy value 7 (601 of 5600 rows, above a bin's share of 56) is a bin of its own.
    const seven = d.lo.indexOf(7);
    assert.ok(seven >= 0 && d.hi[seven] === 7 && d.counts[seven] === 601);
    assert.ok(d.rankError <= 56 / 5600 + 1e-12 && d.rankError > 0, `rank error ${d.rankError}`);
    assert.ok(d.lo.length <= 300);
    // Categories: 1,500 distinct, cap 1,000: the 1,000 most frequent, the rest counted as other.
    const cd = c.distribution;
    assert.equal(cd.complete, false);
    assert.equal(cd.categories.length, 1000);
    assert.equal(cd.categories[0].value, 'k0');
    assert.equal(cd.categories[0].count, 604);
    assert.equal(cd.categories.reduce((a, b) => a + b.count, 0) + cd.otherCount, 5600);
  });

  it('fine: false writes a coarse version 1 profile as before fine distributions existed', async () => {
    const p = await profileRelation(TABLE, FEATURES, { fine: false });
    assert.equal(p.version, 1);
    assert.equal(p.fine, undefined);
    assert.ok(p.features.every((f) => f.distribution === undefined));
  });

  it('collapses repeated cut points and gives a constant column one bin [v, v]', async () => {
    const p = await profileRelation(
      `SELECT CASE WHEN range < 7 THEN 0 ELSE range END AS v, 5 AS k FROM range(10)`,
      [
        { name: 'v', type: 'numeric' },
        { name: 'k', type: 'numeric' },
      ],
      { bins: 5 },
    );
    const [v, k] = p.features;
    assert.ok(v.kind === 'numeric' && k.kind === 'numeric');
    // Cut points at 0, .2, .4, .6 are all 0; at .8 position 7.2 lies between 7 and 8.
    assert.deepEqual(v.histogram?.edges, [0, 7.2, 9]);
    assert.deepEqual(v.histogram?.counts, [8, 2]);
    assert.deepEqual(k.histogram, { edges: [5, 5], counts: [10], underflow: 0, overflow: 0 });
  });

  it('bins a value in SQL exactly as binIndex does in JS (property test)', async () => {
    const db = await DuckDb.open({ threads: 1 });
    try {
      const edgesArb = fc
        .uniqueArray(fc.double({ min: -1e6, max: 1e6, noNaN: true, noDefaultInfinity: true }), { minLength: 1, maxLength: 12 })
        .map((a) => a.map((x) => (Object.is(x, -0) ? 0 : x)).sort((x, y) => x - y))
        .filter((a) => new Set(a).size === a.length)
        .map((a) => (a.length === 1 ? [a[0], a[0]] : a));
      await fc.assert(
        fc.asyncProperty(edgesArb, fc.array(fc.double({ min: -2e6, max: 2e6, noNaN: true, noDefaultInfinity: true }), { minLength: 1, maxLength: 20 }), async (edges, extra) => {
          const values = [...edges, ...extra].map((x) => (Object.is(x, -0) ? 0 : x));
          const sql = `SELECT ${binSql('x', edges)} AS b FROM (VALUES ${values.map((x) => `(${sqlLiteral(x)}::DOUBLE)`).join(', ')}) AS t(x)`;
          const got = (await db.rows(sql)).map((r) => r.b);
          assert.deepEqual(
            got,
            values.map((x) => binIndex(edges, x)),
          );
        }),
        { numRuns: 60, seed: 1234 },
      );
    } finally {
      db.close();
    }
    assert.deepEqual(histogramCounts([0, 1, 2], [-1, 0, 0.5, 1, 2, 3, NaN]), { counts: [2, 2], underflow: 1, overflow: 1, missing: 1 });
  });

  it('profiles later data against a reference: same edges, the reference categories, under/overflow counted', async () => {
    const ref = await profileRelation(TABLE, FEATURES, { bins: 4, topK: 2 });
    const live = await profileRelation(`SELECT * FROM (VALUES (0.0, 'b'), (2.0, 'z'), (50.0, 'a'), (NULL, NULL)) AS t(v, c)`, FEATURES, { reference: ref });
    const [v, c] = live.features;
    assert.ok(v.kind === 'numeric' && c.kind === 'categorical');
    assert.deepEqual(v.histogram, { edges: [1, 3.25, 5.5, 7.75, 10], counts: [1, 0, 0, 0], underflow: 1, overflow: 1 });
    assert.deepEqual(c.top, [
      { value: 'a', count: 1 },
      { value: 'b', count: 1 },
    ]);
    assert.equal(c.otherCount, 1);
    assert.equal(c.nulls, 1);
    assert.equal(live.label, null);
  });

  it('merges profiles of disjoint parts into the whole (counts, moments, histogram exact)', async () => {
    const whole = await profileRelation(TABLE, FEATURES, { bins: 4, topK: 5 });
    const a = await profileRelation(`SELECT * FROM (${TABLE}) WHERE v <= 4`, FEATURES, { reference: whole });
    const b = await profileRelation(`SELECT * FROM (${TABLE}) WHERE v > 4 OR v IS NULL`, FEATURES, { reference: whole });
    const m = mergeProfiles([a, b]);
    const [mv, mc] = m.features;
    const [wv, wc] = whole.features;
    assert.ok(mv.kind === 'numeric' && wv.kind === 'numeric' && mc.kind === 'categorical' && wc.kind === 'categorical');
    assert.equal(m.rows, whole.rows);
    assert.deepEqual(m.label, whole.label);
    assert.equal(mv.nulls, wv.nulls);
    assert.equal(mv.min, wv.min);
    assert.equal(mv.max, wv.max);
    close(mv.mean, wv.mean ?? NaN);
    close(mv.stddev, wv.stddev ?? NaN);
    assert.deepEqual(mv.histogram, wv.histogram);
    assert.equal(mv.quantilesExact, false);
    close(mv.quantiles.p50, 5.5, 1.5);
    assert.deepEqual(mc.top, wc.top);
    assert.equal(mc.otherCount, wc.otherCount);
    // Fine distributions merge exactly (value counts add; categories add).
    assert.deepEqual(mv.distribution, wv.distribution);
    assert.deepEqual(mc.distribution, wc.distribution);
    assert.equal(m.version, 2);
    // With a coarse profile the merge is coarse.
    const coarse = await profileRelation(`SELECT * FROM (${TABLE}) WHERE v > 4 OR v IS NULL`, FEATURES, { reference: whole, fine: false });
    const mixed = mergeProfiles([a, coarse]);
    assert.equal(mixed.version, 1);
    assert.ok(mixed.features.every((f) => f.distribution === undefined));
    assert.throws(() => mergeProfiles([whole, { ...a, features: [a.features[0]] }]), DataError);
  });

  it('profiles a snapshot, stores it, and suggests constraints that pass on the same data', async () => {
    await writeSmallFiles(dir);
    const spec = smallSpec('small.csv', {
      features: [
        { name: 'x', type: 'numeric' },
        { name: 'cat', type: 'categorical' },
        { name: 'code', type: 'categorical' },
      ],
    });
    const m = await ingestSnapshot({ spec, specFile: path.join(dir, 'spec.json'), outDir: path.join(dir, 'out'), runKey: 'p' });
    const profile = await profileSnapshot(m.path, spec.features, { topK: 4 });
    const file = path.join(dir, 'profile.json');
    await writeProfile(profile, file);
    assert.deepEqual(await readProfile(file), profile);

    const suite = suggestConstraints(profile, { inSetMaxValues: 4 });
    ExpectationSuite.parse(suite);
    assert.deepEqual(suite.slice(0, 3), [
      { type: 'row_count_between', min: 5, max: 20 },
      { type: 'not_null', column: 'x', mostly: 0.9 },
      { type: 'between', column: 'x', min: 0, max: 109.9, mostly: 1 },
    ]);
    assert.deepEqual(suite[4], { type: 'in_set', column: 'cat', values: ['a', 'b', 'c', 'd'], mostly: 1 });
    const code = suite[6];
    assert.equal(code.type, 'unseen_categories_at_most');
    const report = await runQualitySuite({ parquetFile: m.path }, suite);
    assert.equal(report.success, true, JSON.stringify(report.results.filter((r) => !r.success)));

    const out = path.join(dir, 'suggested.json');
    const written = await writeSuggestedConstraints(profile, out, { inSetMaxValues: 4 });
    assert.deepEqual(ExpectationSuite.parse(JSON.parse(await readFile(out, 'utf8'))), written);
  });

  it('names missing or non-numeric feature columns with typed errors', async () => {
    await assert.rejects(profileRelation(TABLE, [{ name: 'w', type: 'numeric' }]), (e: unknown) => e instanceof DataError && e.type === 'DataColumnMissing' && /no column w/.test(e.message));
    await assert.rejects(profileRelation(TABLE, [{ name: 'c', type: 'numeric' }]), (e: unknown) => e instanceof DataError && e.type === 'DataColumnWrongType' && /c \(VARCHAR\)/.test(e.message));
  });
});

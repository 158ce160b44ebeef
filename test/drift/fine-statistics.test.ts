// Statistics from fine profiles (the real profile code on DuckDB) against SciPy / Evidently on the raw samples.
import * as assert from 'node:assert/strict';
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DuckDb, quoteString } from '../../src/data/duckdb';
import { fineStatistics, ksPValue, type FineFeatureInput, type FineStatistics } from '../../src/drift/stats';
import { profileRelation, type DatasetProfile } from '../../src/profile';
import { tempDir } from './monitor-helpers';
import { DeviationLog, loadVectors, shapeSample, type FineCase } from './vectors';

const REL = 0.01;
const ABS = 1e-4;
const v = loadVectors();
const log = new DeviationLog();

function within(stat: string, ours: number | undefined, expected: number, where: string): void {
  assert.ok(ours !== undefined, `${stat} ${where}: missing`);
  log.record(stat, ours, expected, where);
  const dev = Math.abs(ours - expected);
  assert.ok(dev <= ABS || dev <= REL * Math.abs(expected), `${stat} ${where}: ours ${ours} vs scipy ${expected} (|diff| ${dev})`);
}

describe(`drift statistics from fine profiles vs SciPy ${v.scipy} on the raw samples (1% or 1e-4)`, function () {
  this.timeout(120_000);
  let db: DuckDb;
  let dir: string;
  before(async () => {
    db = await DuckDb.open({ threads: 2 });
    dir = await tempDir('drift-fine-');
  });
  after(async () => {
    db.close();
    await rm(dir, { recursive: true, force: true });
    console.log(`    max |ours - scipy| per statistic:\n${log.report()}`);
  });

  /** The sample as a one-column CSV (empty = missing), profiled by the profile code the training pipeline runs. */
  async function profile(c: FineCase, side: 'reference' | 'current'): Promise<DatasetProfile> {
    const values = shapeSample(c[side]);
    const file = path.join(dir, `${c.name.replace(/\W+/g, '-')}-${side}.csv`);
    const text = Array.from(values, (x) => (Number.isNaN(x) ? '' : String(x))).join('\n');
    await writeFile(file, `x\n${text}\n`);
    const type = c.kind === 'numeric' ? 'DOUBLE' : 'VARCHAR';
    return profileRelation(`SELECT * FROM read_csv(${quoteString(file)}, header = true, columns = {'x': '${type}'})`, [{ name: 'x', type: c.kind }], { db });
  }

  function input(c: FineCase, ref: DatasetProfile, cur: DatasetProfile): FineFeatureInput {
    const r = ref.features[0];
    const k = cur.features[0];
    if (r.kind === 'numeric' && k.kind === 'numeric' && r.distribution && k.distribution) {
      const n = r.count - r.nulls;
      const std = r.stddev !== null ? r.stddev * Math.sqrt((n - 1) / n) : undefined;
      return {
        feature: c.name,
        kind: 'numeric',
        reference: { distribution: r.distribution, nulls: r.nulls, ...(std !== undefined ? { std } : {}) },
        current: { distribution: k.distribution, nulls: k.nulls },
      };
    }
    if (r.kind === 'categorical' && k.kind === 'categorical' && r.distribution && k.distribution) {
      return { feature: c.name, kind: 'categorical', reference: { ...r.distribution, nulls: r.nulls }, current: { ...k.distribution, nulls: k.nulls } };
    }
    throw new Error('profiles without fine distributions');
  }

  for (const c of v.fine) {
    it(`${c.kind}: ${c.name}`, async () => {
      const ref = await profile(c, 'reference');
      const cur = await profile(c, 'current');
      const rf = ref.features[0];
      const summary = rf.kind === 'numeric' ? rf.distribution?.kind : `${rf.kind === 'categorical' ? rf.distribution?.categories.length : 0} categories`;
      const s: FineStatistics = fineStatistics(input(c, ref, cur));
      const where = `${c.name} (${summary})`;
      assert.equal(s.referenceCount, c.referenceCount);
      assert.equal(s.currentCount, c.currentCount);
      assert.equal(s.buckets, c.buckets, 'the same bucket rule as Evidently');
      within('missing rate (reference)', s.referenceMissingRate, c.referenceMissingRate, where);
      within('missing rate (current)', s.currentMissingRate, c.currentMissingRate, where);
      within('psi', s.psi, c.psi, where);
      within('jensen-shannon (base e)', s.jensenShannon, c.jensenshannon, where);
      if (c.buckets === 'values') {
        within('chi-square statistic', s.chiSquare?.statistic, c.chisquare.statistic, where);
        within('chi-square p-value', s.chiSquare?.pValue, c.chisquare.pvalue, where);
      } else assert.equal(s.chiSquare, undefined, 'no chi-square on Sturges bins');
      if (c.ks) {
        within('ks statistic', s.ks?.statistic, c.ks.statistic, where);
        const cf = cur.features[0];
        const rankError = [rf, cf].reduce((e, f) => e + (f.kind === 'numeric' && f.distribution?.kind === 'bins' ? f.distribution.rankError : 0), 0);
        if (rankError === 0) within('ks p-value', s.ks?.pValue, c.ks.pvalue, where);
        else {
          // Past the cap D is known within the summaries' stated rank errors, and the p-value within what that allows
          // (near p = 0.05 a D error of 5e-5 moves p by 3%).
          const d = s.ks?.statistic ?? NaN;
          assert.ok(Math.abs(d - c.ks.statistic) <= rankError, `ks statistic ${d} vs ${c.ks.statistic}: beyond the rank error ${rankError}`);
          const hi = ksPValue(Math.max(0, c.ks.statistic - rankError), c.referenceCount, c.currentCount).pValue;
          const lo = ksPValue(c.ks.statistic + rankError, c.referenceCount, c.currentCount).pValue;
          const p = s.ks?.pValue ?? NaN;
          log.record('ks p-value (bins)', p, c.ks.pvalue, where);
          assert.ok(p >= lo && p <= hi, `ks p-value ${p} outside [${lo}, ${hi}] (scipy ${c.ks.pvalue})`);
        }
      }
      if (c.wassersteinNormed !== undefined) within('wasserstein (normed)', s.wassersteinNormed, c.wassersteinNormed, where);
      if (c.unseenShare !== undefined) within('unseen share', s.unseenShare, c.unseenShare, where);
    });
  }

  it('the vectors cover exact counts and bins on both sides, Sturges and per-value buckets, nulls and unseen categories', () => {
    const kinds = new Set(v.fine.map((c) => `${c.kind}/${c.buckets}`));
    assert.deepEqual([...kinds].sort(), ['categorical/values', 'numeric/sturges', 'numeric/values']);
    assert.ok(
      v.fine.some((c) => c.reference.n > 10_000 && c.current.n > 10_000),
      'a case past the 10,000 cap on both sides',
    );
    assert.ok(v.fine.some((c) => (c.reference.nulls ?? 0) > 0 && c.kind === 'numeric'));
    assert.ok(v.fine.some((c) => (c.unseenShare ?? 0) > 0));
  });
});

// The open quality-report list over HTTP costs O(limit) store reads: a model filter that matches nothing reads no report.
import * as assert from 'node:assert/strict';
import Fastify from 'fastify';
import { qualityReportsPlugin } from '../../src/model-quality/reports-plugin';
import { localStore, type ArtifactStore } from '../../src/store';
import { qualityReport, storeReports } from '../console/fixtures';
import { tempVarDir } from '../support/temporal';

/** The store with every object read counted. */
function counting(store: ArtifactStore): { store: ArtifactStore; reads: () => number } {
  let n = 0;
  const get = store.get.bind(store);
  store.get = async (key: string) => {
    n++;
    return get(key);
  };
  return { store, reads: () => n };
}

describe('quality report list: bounded reads', function () {
  it('GET /v1/reports/quality reads at most `limit` reports, none for a model that matches nothing', async () => {
    const varDir = tempVarDir();
    await storeReports(
      localStore(varDir),
      'many',
      [],
      Array.from({ length: 60 }, () => 0.8),
    );
    await storeReports(localStore(varDir), 'few', [], [0.8, 0.6, 0.9]);
    const c = counting(localStore(varDir));
    const app = Fastify();
    await app.register(qualityReportsPlugin, { store: c.store });
    try {
      const none = await app.inject({ url: '/v1/reports/quality?model=nothing-matches&limit=500' });
      assert.equal(none.statusCode, 200, none.body);
      assert.equal(c.reads(), 0, 'no report read for a filter that matches none');
      const few = await app.inject({ url: '/v1/reports/quality?model=few&limit=500' });
      assert.deepEqual(
        few.json<{ reports: { id: string }[] }>().reports.map((r) => r.id),
        [2, 1, 0].map((i) => qualityReport('few', i, 0).id),
      );
      assert.equal(c.reads(), 3, 'only the three reports of that model');
      const before = c.reads();
      const page = await app.inject({ url: '/v1/reports/quality?limit=5' });
      assert.equal(page.json<{ reports: unknown[] }>().reports.length, 5);
      assert.equal(c.reads() - before, 5, 'five reads for five of 63 reports');
    } finally {
      await app.close();
    }
  });
});

// The registry: idempotent registration, atomic version claims, aliases with history and rollback.
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { Registry, RegistryError } from '../../src/registry/registry';
import { tempVarDir } from '../support/temporal';
import { localStore } from '../../src/store';
import { s3TestStore } from '../support/minio';

const features = [{ name: 'x', type: 'numeric' as const }];
const input = (runKey: string, body = 'onnx-bytes') => ({ name: 'demo', runKey, files: { 'model.onnx': body }, metadata: { features, metrics: { auc: 0.7 }, extra: {} } });

describe('registry', () => {
  it('makes one version per run key, however often a run registers', async () => {
    const reg = new Registry(localStore(tempVarDir()));
    const a = await reg.register(input('wf-1/run-1'));
    const again = await reg.register(input('wf-1/run-1', 'different bytes from a retry'));
    const b = await reg.register(input('wf-2/run-1'));
    assert.equal(a.version, 1);
    assert.equal(again.version, 1);
    assert.equal(b.version, 2);
    assert.deepEqual(await reg.versions('demo'), [1, 2]);
    assert.equal((await reg.readFile('demo', 1, 'model.onnx')).toString(), 'onnx-bytes');
  });

  it('gives concurrent registrations distinct versions and leaves no staging folders', async () => {
    const root = tempVarDir();
    const regs = [new Registry(localStore(root)), new Registry(localStore(root)), new Registry(localStore(root))];
    const made = await Promise.all(Array.from({ length: 9 }, (_, i) => regs[i % 3].register(input(`wf-${i}/r`))));
    assert.deepEqual(
      made.map((m) => m.version).sort((a, b) => a - b),
      [1, 2, 3, 4, 5, 6, 7, 8, 9],
    );
    const claims = readdirSync(path.join(root, 'registry', 'demo', 'claims')).sort();
    assert.equal(claims.length, 9, 'one claim per version, none wasted');
    assert.ok(!existsSync(path.join(root, 'registry', 'demo', 'staging')));
  });

  it('moves the champion, keeps its history and rolls back', async () => {
    const reg = new Registry(localStore(tempVarDir()));
    await reg.register(input('a/1'));
    await reg.register(input('b/1'));
    assert.equal(await reg.alias('demo'), undefined);
    await reg.setAlias('demo', 1, 'first');
    await reg.setAlias('demo', 2, 'better');
    assert.equal(await reg.alias('demo'), 2);
    assert.equal(await reg.rollback('demo'), 1);
    assert.equal(await reg.alias('demo'), 1);
    assert.deepEqual(
      (await reg.aliasHistory('demo')).map((e) => e.version),
      [1, 2, 1],
    );
  });

  it('refuses unknown versions and names that could escape its folder', async () => {
    const reg = new Registry(localStore(tempVarDir()));
    await assert.rejects(reg.setAlias('demo', 7, 'x'), (e: unknown) => e instanceof RegistryError && e.type === 'VersionNotFound');
    await assert.rejects(reg.metadata('../etc', 1), RegistryError);
    await reg.register(input('a/1'));
    await assert.rejects(reg.readFile('demo', 1, '../../x'), /bad registry file name/);
    await assert.rejects(reg.rollback('demo'), (e: unknown) => e instanceof RegistryError && e.type === 'AliasNotSet');
  });
});

for (const backend of ['local folder', 'S3 on MinIO'] as const) {
  describe(`registry on ${backend}`, function () {
    this.timeout(120_000);
    const open = async () => (backend === 'S3 on MinIO' ? (await s3TestStore()).store : localStore(tempVarDir()));

    it('gives concurrent registrations from separate clients distinct versions, one per run key', async () => {
      const store = await open();
      const regs = [new Registry(store), new Registry(store), new Registry(store)];
      const made = await Promise.all(Array.from({ length: 9 }, (_, i) => regs[i % 3].register(input(`wf-${i % 6}/r`))));
      const byRun = new Map(made.map((m) => [m.runKey, m.version]));
      assert.equal(byRun.size, 6);
      // six runs, six versions (a number claimed by a losing client of the same run is freed, so gaps can appear)
      const versions = [...new Set(made.map((m) => m.version))].sort((a, b) => a - b);
      assert.equal(versions.length, 6);
      for (const m of made) assert.equal(m.version, byRun.get(m.runKey), 'a run key always maps to its one version');
      assert.deepEqual(await regs[0].versions('demo'), versions);
    });

    it('lets exactly one of two promotions decided against the same champion win, and keeps every move in the history', async () => {
      const reg = new Registry(await open());
      for (const run of ['a/1', 'b/1', 'c/1']) await reg.register(input(run));
      await reg.setAlias('demo', 1, 'first', 'champion', null);
      const outcomes = await Promise.allSettled([reg.setAlias('demo', 2, 'run b', 'champion', 1), reg.setAlias('demo', 3, 'run c', 'champion', 1)]);
      const won = outcomes.filter((o) => o.status === 'fulfilled').length;
      assert.equal(won, 1);
      const lost = outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult;
      assert.ok(lost.reason instanceof RegistryError && lost.reason.type === 'AliasMoved', String(lost.reason));
      const champion = await reg.alias('demo');
      assert.ok(champion === 2 || champion === 3);
      assert.deepEqual(
        (await reg.aliasHistory('demo')).map((e) => e.version),
        [1, champion],
      );
      // unconditional moves (the CLI's promote) from many clients at once all land in the history
      await Promise.all([1, 2, 3, 1].map((v, i) => new Registry(reg.store).setAlias('demo', v, `manual ${i}`)));
      assert.ok((await reg.aliasHistory('demo')).length >= 3);
    });
  });
}

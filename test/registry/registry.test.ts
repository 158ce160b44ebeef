// The registry: idempotent registration, atomic version claims, aliases with history and rollback.
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { Registry, RegistryError } from '../../src/registry/registry';
import { tempVarDir } from '../support/temporal';
import { localStore } from '../../src/store';

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
    assert.deepEqual(made.map((m) => m.version).sort((a, b) => a - b), [1, 2, 3, 4, 5, 6, 7, 8, 9]);
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
    assert.deepEqual((await reg.aliasHistory('demo')).map((e) => e.version), [1, 2, 1]);
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

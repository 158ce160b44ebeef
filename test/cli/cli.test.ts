// The project CLI against real files: registry listing, promotion, rollback, and API keys that are stored hashed.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { Registry } from '../../src/registry/registry';
import { projectRoot, tempVarDir } from '../support/temporal';

const run = promisify(execFile);
const cliMain = path.join(projectRoot, 'dist/src/cli/main.js');
const cli = (varDir: string, ...args: string[]) => run(process.execPath, [cliMain, ...args], { env: { ...process.env, VAR_DIR: varDir } });

describe('project CLI', () => {
  it('lists versions with metrics, promotes and rolls back the champion', async () => {
    const varDir = tempVarDir();
    const reg = new Registry(path.join(varDir, 'registry'));
    for (const [i, auc] of [0.61, 0.66].entries()) {
      await reg.register({
        name: 'flights',
        runKey: `run-${i}`,
        files: { 'model.onnx': 'x' },
        metadata: { features: [{ name: 'x', type: 'numeric' }], metrics: { candidate: { auc, prAuc: 0.4, logLoss: 0.5 }, logistic: { auc: 0.6 } }, extra: {} },
      });
    }
    await cli(varDir, 'models', 'promote', 'flights', '1');
    let { stdout } = await cli(varDir, 'models', 'list');
    assert.match(stdout, /^\s+1\* .* 0\.6100/m);
    assert.match(stdout, /^\s+2  .* 0\.6600/m);
    ({ stdout } = await cli(varDir, 'models', 'promote', 'flights', '2', '--reason', 'better AUC'));
    assert.match(stdout, /champion is now version 2/);
    ({ stdout } = await cli(varDir, 'models', 'rollback', 'flights'));
    assert.match(stdout, /rolled back to version 1/);
    assert.equal(await reg.alias('flights'), 1);
    ({ stdout } = await cli(varDir, 'models', 'show', 'flights'));
    assert.equal((JSON.parse(stdout) as { version: number; champion: boolean }).version, 1);
    assert.equal((JSON.parse(stdout) as { modelCard: string | null }).modelCard, null, 'no card: registered without one');
    await reg.attach('flights', 2, 'card.html', '<!doctype html>');
    ({ stdout } = await cli(varDir, 'models', 'show', 'flights', '2'));
    assert.match(String((JSON.parse(stdout) as { modelCard: string | null }).modelCard), /^http.*\/v1\/models\/flights\/versions\/2\/card\.html$/);
    await assert.rejects(cli(varDir, 'models', 'promote', 'flights', 'two'), /version must be a positive whole number/);
  });

  it('creates a key shown once, stores only its hash, lists and revokes it', async () => {
    const varDir = tempVarDir();
    const { stdout: key } = await cli(varDir, 'keys', 'create', 'ci-bot');
    const raw = key.trim();
    assert.ok(raw.length >= 32);
    const stored = await readFile(path.join(varDir, 'api-keys.json'), 'utf8');
    assert.ok(!stored.includes(raw), 'the raw key is never stored');
    let { stdout } = await cli(varDir, 'keys', 'list');
    assert.match(stdout, /active\s+ci-bot/);
    assert.ok(!stdout.includes(raw));
    await cli(varDir, 'keys', 'revoke', 'ci-bot');
    ({ stdout } = await cli(varDir, 'keys', 'list'));
    assert.match(stdout, /revoked .* ci-bot/);
  });
});

// scripts/node-runtime.sh: which Node every make target runs on (22+ on PATH wins, else the project's node@24).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, realpathSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { projectRoot } from '../support/temporal';

const script = path.join(projectRoot, 'scripts', 'node-runtime.sh');

/**
 * A folder whose `node` reports the given major version when asked for it and forwards everything else
 * to the Node running the tests, so npm (whose shebang finds this `node` first) still works through it.
 */
function fakeNode(major: number): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), `fake-node-${major}-`));
  const file = path.join(dir, 'node');
  writeFileSync(file, `#!/bin/sh\ncase "$*" in *process.versions.node*) echo ${major}; exit 0;; esac\nexec '${process.execPath}' "$@"\n`);
  chmodSync(file, 0o755);
  return dir;
}

function runtimeFor(pathDirs: string[]): string {
  const PATH = [...pathDirs, '/usr/bin', '/bin'].join(':');
  // the rest of the environment stays: npm needs the machine's registry and certificate settings
  return execFileSync(script, { env: { ...process.env, PATH }, encoding: 'utf8' }).trim();
}

describe('Node runtime selection', () => {
  it('runs the tests themselves on Node 22 or newer', () => {
    assert.ok(Number(process.versions.node.split('.')[0]) >= 22, `tests run on ${process.version}`);
  });

  it('uses a Node 22+ that is first on PATH', () => {
    const dir = fakeNode(22);
    assert.equal(runtimeFor([dir]), dir);
  });

  it('skips an older Node on PATH for the project-local node@24', function () {
    this.timeout(300_000);
    const dir = fakeNode(20);
    const chosen = runtimeFor([dir]);
    assert.notEqual(chosen, dir);
    assert.equal(realpathSync(chosen), realpathSync(path.join(projectRoot, '.tools', 'node', 'node_modules', 'node', 'bin')));
    const version = execFileSync(path.join(chosen, 'node'), ['--version'], { encoding: 'utf8' }).trim();
    assert.match(version, /^v24\./);
  });
});

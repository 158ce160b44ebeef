// `make cluster` after its supervisor was SIGKILLed: the next start stops what the last one left running and comes up.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { processStartTicks } from '../../src/up/pid-files';
import { projectRoot } from '../support/temporal';
import { testClusterSettings } from './helpers';

interface Started {
  child: ChildProcess;
  output: string[];
}

/** `node dist/src/cluster/main.js` (what `make cluster` runs), resolved once it prints its summary. */
function startCluster(env: NodeJS.ProcessEnv, timeoutMs: number): Promise<Started> {
  const child = spawn(process.execPath, [path.join(projectRoot, 'dist/src/cluster/main.js')], { env, cwd: projectRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no summary within ${timeoutMs / 1000} s:\n${output.slice(-40).join('')}`)), timeoutMs);
    const onData = (b: Buffer) => {
      output.push(b.toString());
      if (output.join('').includes('Ctrl-C stops everything')) {
        clearTimeout(timer);
        resolve({ child, output });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`make cluster exited (code ${code}) before it was up:\n${output.slice(-40).join('')}`));
    });
  });
}

/** Every live descendant of `pid`, with its start time (so a reused pid is not mistaken for it later). */
function descendants(pid: number): { pid: number; ticks: string; name: string }[] {
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parentOf.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // exited meanwhile
    }
  }
  const out: { pid: number; ticks: string; name: string }[] = [];
  for (const [p] of parentOf) {
    for (let q = parentOf.get(p); q !== undefined && q > 1; q = parentOf.get(q)) {
      if (q !== pid) continue;
      const ticks = processStartTicks(p);
      const name = (() => {
        try {
          return readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0').slice(0, 2).join(' ');
        } catch {
          return '?';
        }
      })();
      if (ticks) out.push({ pid: p, ticks, name });
      break;
    }
  }
  return out;
}

describe('make cluster: a SIGKILLed supervisor', function () {
  this.timeout(20 * 60_000);
  let second: Started | undefined;
  let dir: string | undefined;

  after(async function () {
    this.timeout(120_000);
    if (second?.child.exitCode === null) {
      second.child.kill('SIGTERM');
      await new Promise((r) => second?.child.once('exit', r));
    }
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('leaves nothing running once `make cluster` starts again: the new supervisor stops the old children and comes up on the same ports', async () => {
    const s = await testClusterSettings({});
    dir = s.dir;
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      PROJECT_ROOT: projectRoot,
      CLUSTER_DIR: s.dir,
      CLUSTER_POSTGRES_PORT: String(s.postgresPort),
      TEMPORAL_PORT: String(s.temporalPort),
      TEMPORAL_UI_PORT: String(s.temporalUiPort),
      CLUSTER_TEMPORAL_INTERNAL_PORTS: s.temporalInternalPorts.join(','),
      MINIO_PORT: String(s.minioPort),
      MINIO_CONSOLE_PORT: String(s.minioConsolePort),
      CLUSTER_API_PORTS: String(s.apiPorts[0]),
      CLUSTER_WORKERS: '1',
      TRAIN_ON_FIRST_START: 'false',
      MODEL_NAME: 'flights-small',
      LOG_LEVEL: 'warn',
    };
    const first = await startCluster(env, 10 * 60_000);
    const pid = first.child.pid ?? 0;
    const children = descendants(pid);
    assert.ok(children.length >= 6, `postgres, temporal, ui, minio, a worker and an API replica run: ${children.map((c) => c.name).join('; ')}`);
    first.child.kill('SIGKILL');
    await new Promise((r) => first.child.once('exit', r));
    // Nothing stopped them: they still hold the ports.
    assert.ok(
      children.some((c) => processStartTicks(c.pid) === c.ticks),
      'the children outlive a SIGKILLed supervisor',
    );

    second = await startCluster(env, 10 * 60_000);
    const left = children.filter((c) => processStartTicks(c.pid) === c.ticks);
    assert.deepEqual(
      left.map((c) => c.name),
      [],
      'a process of the first supervisor still runs',
    );
    assert.match(second.output.join(''), /stopped what a previous make cluster left running: .*postgres/);
  });
});

// Test helper: runs the real API process (node dist/src/serving/main.js) on a free loopback port.
import { spawn, type ChildProcess } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import { devKeyPath } from '../../src/serving/keys';

export const MAIN = path.resolve(__dirname, '..', '..', 'src', 'serving', 'main.js');

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

export interface ServerProcess {
  url: string;
  key: string;
  child: ChildProcess;
  /** stdout and stderr lines so far (pino JSON), for failure messages. */
  output: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts main.js with VAR_DIR=varDir and waits until /readyz answers 200 (or `ready: false` to wait for /healthz only). */
export async function spawnServer(varDir: string, env: Record<string, string> = {}, opts: { ready?: boolean } = {}): Promise<ServerProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, [MAIN], {
    env: { ...process.env, VAR_DIR: varDir, API_HOST: '127.0.0.1', API_PORT: String(port), MODEL_NAME: 'flights', LOG_LEVEL: 'warn', SERVING_PROCESSES: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  child.stdout.on('data', (d: Buffer) => output.push(...d.toString('utf8').split('\n').filter(Boolean)));
  child.stderr.on('data', (d: Buffer) => output.push(...d.toString('utf8').split('\n').filter(Boolean)));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const url = `http://127.0.0.1:${port}`;
  const probe = opts.ready === false ? '/healthz' : '/readyz';
  const deadline = Date.now() + 30_000;
  let done = false;
  void exited.then(() => (done = true));
  while (!done) {
    try {
      if ((await fetch(url + probe)).status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`server did not become ready: ${output.join('\n')}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  if (done) throw new Error(`server exited early: ${output.join('\n')}`);
  const key = (await readFile(devKeyPath(varDir), 'utf8')).trim();
  return {
    url,
    key,
    child,
    output,
    exited,
    kill: (signal) => {
      child.kill(signal);
      return exited;
    },
  };
}

/** Every capture line of the model's folder; a cut last line of a file (SIGKILL mid-write) is returned in `cut`. */
export async function readCapture(varDir: string): Promise<{ lines: Record<string, unknown>[]; cut: number }> {
  const dir = path.join(varDir, 'capture', 'flights');
  let files: string[];
  try {
    files = (await readdir(dir)).filter((f) => f.endsWith('.jsonl'));
  } catch {
    return { lines: [], cut: 0 };
  }
  const lines: Record<string, unknown>[] = [];
  let cut = 0;
  for (const f of files) {
    const text = await readFile(path.join(dir, f), 'utf8');
    const parts = text.split('\n');
    const last = parts.pop();
    if (last !== undefined && last !== '') cut++;
    for (const p of parts) lines.push(JSON.parse(p) as Record<string, unknown>);
  }
  return { lines, cut };
}

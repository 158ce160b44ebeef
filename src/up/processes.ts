// Child-process supervision for `make up`: prefixed logs, graceful stop with a bound, and exit tracking.
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import readline from 'node:readline';

export interface Supervised {
  name: string;
  child: ChildProcess;
  exited: Promise<number | null>;
}

export function startProcess(name: string, command: string, args: string[], env: NodeJS.ProcessEnv, cwd: string): Supervised {
  const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const prefix = `[${name}] `;
  for (const stream of [child.stdout, child.stderr]) {
    if (!stream) continue;
    readline.createInterface({ input: stream }).on('line', (line) => process.stdout.write(prefix + line + '\n'));
  }
  const exited = new Promise<number | null>((resolve) => {
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : null)));
    child.on('error', (err) => {
      process.stdout.write(`${prefix}could not start: ${err.message}\n`);
      resolve(127);
    });
  });
  return { name, child, exited };
}

/** SIGTERM, then SIGKILL if the process has not exited within `graceMs`. */
export async function stopProcess(p: Supervised, graceMs: number): Promise<void> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return;
  p.child.kill('SIGTERM');
  const timer = setTimeout(() => {
    process.stdout.write(`[${p.name}] did not stop within ${graceMs / 1000} s, killing it\n`);
    p.child.kill('SIGKILL');
  }, graceMs);
  await p.exited;
  clearTimeout(timer);
}

/** True when nothing listens on host:port. */
export function portIsFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

export async function waitForHttp(url: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url);
      if (res.status < 500) return true;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  return false;
}

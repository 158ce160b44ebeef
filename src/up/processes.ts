// Child-process supervision for `make up` and `make cluster`: prefixed logs, restart with backoff, graceful stop with a bound.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import path from 'node:path';
import net from 'node:net';
import readline from 'node:readline';
import { removePidFile, writePidFile } from './pid-files';

export interface Supervised {
  name: string;
  child: ChildProcess;
  exited: Promise<number | null>;
}

export interface StartOptions {
  /** Run as another user (PostgreSQL refuses to run as root). */
  uid?: number;
  gid?: number;
  /** Where prefixed output lines go; stdout by default. */
  write?: (line: string) => void;
}

const toStdout = (line: string): void => void process.stdout.write(line + '\n');

export function startProcess(name: string, command: string, args: string[], env: NodeJS.ProcessEnv, cwd: string, opts: StartOptions = {}): Supervised {
  const write = opts.write ?? toStdout;
  const child = spawn(command, args, {
    cwd,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(opts.uid !== undefined ? { uid: opts.uid } : {}),
    ...(opts.gid !== undefined ? { gid: opts.gid } : {}),
  });
  const prefix = `[${name}] `;
  for (const stream of [child.stdout, child.stderr]) {
    if (!stream) continue;
    readline.createInterface({ input: stream }).on('line', (line) => write(prefix + line));
  }
  const exited = new Promise<number | null>((resolve) => {
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : null)));
    child.on('error', (err) => {
      write(`${prefix}could not start: ${err.message}`);
      resolve(127);
    });
  });
  return { name, child, exited };
}

/** SIGTERM, then SIGKILL if the process has not exited within `graceMs`. */
export async function stopProcess(p: Supervised, graceMs: number, write: (line: string) => void = toStdout): Promise<void> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return;
  p.child.kill('SIGTERM');
  const timer = setTimeout(() => {
    write(`[${p.name}] did not stop within ${graceMs / 1000} s, killing it`);
    p.child.kill('SIGKILL');
  }, graceMs);
  await p.exited;
  clearTimeout(timer);
}

export interface ChildSpec {
  name: string;
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  cwd: string;
  uid?: number;
  gid?: number;
  /** How long a graceful stop may take before SIGKILL. */
  stopGraceMs?: number;
  /** Append the component's output to this file instead of the terminal (chatty servers). */
  logFile?: string;
}

export interface RestartPolicy {
  /** Wait before the first restart; doubles with each crash in a row. */
  initialDelayMs: number;
  maxDelayMs: number;
  /** A child that ran this long before crashing starts again from the initial delay. */
  stableAfterMs: number;
}

export const defaultRestartPolicy: RestartPolicy = { initialDelayMs: 1000, maxDelayMs: 30_000, stableAfterMs: 60_000 };

/** One supervised component: restarted with backoff when it exits on its own, until `stop()` or `hold()`. */
export class ManagedChild {
  current: Supervised;
  /** Restarts so far (after crashes, not after `release()`). */
  restarts = 0;
  private crashesInARow = 0;
  private startedAt = Date.now();
  private stopping = false;
  private held = false;
  private pending: NodeJS.Timeout | undefined;
  private startListeners: ((pid: number | undefined) => void)[] = [];

  constructor(
    readonly spec: ChildSpec,
    private readonly policy: RestartPolicy,
    private readonly say: (line: string) => void,
    private readonly write: (line: string) => void,
    /** Where this child's pid file goes, so a start after a SIGKILLed supervisor can stop it (see stopLeftovers). */
    private readonly pidDir?: string,
  ) {
    this.current = this.launch();
  }

  get name(): string {
    return this.spec.name;
  }

  get pid(): number | undefined {
    return this.running ? this.current.child.pid : undefined;
  }

  get running(): boolean {
    return this.current.child.exitCode === null && this.current.child.signalCode === null && this.current.child.pid !== undefined;
  }

  /** Resolves with the pid of the next (re)start. */
  nextStart(): Promise<number | undefined> {
    return new Promise((resolve) => this.startListeners.push(resolve));
  }

  /** Sends a signal to the running process (tests use SIGKILL to stand for a crash); supervision stays on. */
  signal(sig: NodeJS.Signals): void {
    if (this.running) this.current.child.kill(sig);
  }

  /** Keeps the component down after its next exit (a host that stays dead) until `release()`. */
  hold(): void {
    this.held = true;
  }

  /** Lets a held component run again: starts it now if it is down. */
  release(): void {
    this.held = false;
    if (!this.running && !this.stopping && this.pending === undefined) this.current = this.launch();
  }

  /** From now on an exit is expected: no restart (a Ctrl-C reaches every child of the terminal at once). */
  markStopping(): void {
    this.stopping = true;
    if (this.pending) clearTimeout(this.pending);
    this.pending = undefined;
  }

  async stop(): Promise<void> {
    this.markStopping();
    await stopProcess(this.current, this.spec.stopGraceMs ?? 20_000, this.write);
  }

  private launch(): Supervised {
    const s = this.spec;
    const p = startProcess(s.name, s.command, s.args, s.env, s.cwd, { uid: s.uid, gid: s.gid, write: this.write });
    this.startedAt = Date.now();
    const pid = p.child.pid;
    if (this.pidDir && pid !== undefined) {
      const dir = this.pidDir;
      writePidFile(dir, s.name, pid, s.command);
      void p.exited.then(() => removePidFile(dir, s.name, pid));
    }
    const listeners = this.startListeners.splice(0);
    for (const l of listeners) l(p.child.pid);
    void p.exited.then((code) => this.exited(p, code));
    return p;
  }

  private exited(p: Supervised, code: number | null): void {
    if (this.stopping || p !== this.current) return;
    const ranMs = Date.now() - this.startedAt;
    this.crashesInARow = ranMs >= this.policy.stableAfterMs ? 1 : this.crashesInARow + 1;
    if (this.held) {
      this.say(`${this.name} exited (code ${code}); held down until released`);
      return;
    }
    const delay = Math.min(this.policy.maxDelayMs, this.policy.initialDelayMs * 2 ** (this.crashesInARow - 1));
    this.say(`${this.name} exited unexpectedly (code ${code}) after ${(ranMs / 1000).toFixed(1)} s; restarting in ${(delay / 1000).toFixed(1)} s (crash ${this.crashesInARow} in a row)`);
    this.pending = setTimeout(() => {
      this.pending = undefined;
      if (this.stopping || this.held) return;
      this.restarts++;
      this.current = this.launch();
      this.say(`${this.name} restarted (pid ${this.current.child.pid ?? '?'}, restart ${this.restarts})`);
    }, delay);
  }
}

/** A set of supervised components, stopped in the reverse order of their layers. */
export class Supervisor {
  private readonly children: ManagedChild[] = [];

  constructor(
    private readonly say: (line: string) => void,
    private readonly policy: RestartPolicy = defaultRestartPolicy,
    private readonly write: (line: string) => void = toStdout,
    /** Each child's pid file goes here (see stopLeftovers): `make cluster` passes <state>/pids. */
    private readonly pidDir?: string,
  ) {
    // Last resort when the orchestrator itself exits without stopping (a thrown error, a test's process.exit):
    // no child outlives it.
    process.once('exit', () => {
      for (const c of this.children) if (c.running) c.current.child.kill('SIGKILL');
    });
  }

  start(spec: ChildSpec): ManagedChild {
    let write = this.write;
    if (spec.logFile) {
      mkdirSync(path.dirname(spec.logFile), { recursive: true });
      const file = createWriteStream(spec.logFile, { flags: 'a' });
      write = (line) => void file.write(line + '\n');
    }
    const child = new ManagedChild(spec, this.policy, this.say, write, this.pidDir);
    this.children.push(child);
    return child;
  }

  get(name: string): ManagedChild {
    const c = this.children.find((x) => x.name === name);
    if (!c) throw new Error(`no component named ${name}`);
    return c;
  }

  get all(): readonly ManagedChild[] {
    return this.children;
  }

  /** Stops layer by layer: each group in parallel, groups in the given order; anything not named goes first. */
  async stopAll(layers: string[][] = []): Promise<void> {
    for (const c of this.children) c.markStopping();
    const named = new Set(layers.flat());
    const groups = [this.children.filter((c) => !named.has(c.name)), ...layers.map((names) => this.children.filter((c) => names.includes(c.name)))];
    for (const group of groups) await Promise.all(group.map((c) => c.stop()));
  }
}

/** True when nothing listens on host:port. */
export function portIsFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

/** A port nothing listens on now (the OS picks it). */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
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

/** Waits until something accepts TCP connections on host:port. */
export async function waitForPort(port: number, timeoutMs: number, host = '127.0.0.1'): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect({ port, host });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return true;
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}

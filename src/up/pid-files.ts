// Pid files of supervised children: a start after a SIGKILLed supervisor stops what the last one left running.
import { readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

const PidRecord = z.object({ name: z.string(), pid: z.number().int().positive(), startTicks: z.string(), command: z.string() });
type PidRecord = z.infer<typeof PidRecord>;

/** The kernel's start time of a process (field 22 of /proc/<pid>/stat): with the pid, it names one process, never a reused pid. */
export function processStartTicks(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // the command name (field 2) may hold spaces and parentheses: count fields after its closing ')'
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // a zombie has exited; only its parent's wait() is missing
    return fields[0] === 'Z' ? undefined : fields[19];
  } catch {
    return undefined;
  }
}

const fileOf = (dir: string, name: string) => path.join(dir, `${name}.pid`);

export function writePidFile(dir: string, name: string, pid: number, command: string): void {
  const startTicks = processStartTicks(pid);
  if (startTicks === undefined) return; // already gone
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  writeFileSync(fileOf(dir, name), JSON.stringify({ name, pid, startTicks, command } satisfies PidRecord));
}

/** Removes the component's pid file if it still names this process (a restart may have written a newer one). */
export function removePidFile(dir: string, name: string, pid: number): void {
  try {
    const rec = PidRecord.parse(JSON.parse(readFileSync(fileOf(dir, name), 'utf8')));
    if (rec.pid === pid) rmSync(fileOf(dir, name), { force: true });
  } catch {
    // none, or unreadable: nothing to remove
  }
}

const alive = (r: PidRecord) => processStartTicks(r.pid) === r.startTicks;

/**
 * Stops every process the pid files in `dir` name that still runs (SIGTERM, then SIGKILL after `graceMs`), removes
 * the files, and returns the names stopped. A pid now used by another process is left alone.
 */
export async function stopLeftovers(dir: string, graceMs = 30_000): Promise<string[]> {
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.pid'));
  } catch {
    return [];
  }
  const left: PidRecord[] = [];
  for (const f of files) {
    try {
      const rec = PidRecord.parse(JSON.parse(readFileSync(path.join(dir, f), 'utf8')));
      if (alive(rec)) left.push(rec);
    } catch {
      // a torn or foreign file: ignore it
    }
    rmSync(path.join(dir, f), { force: true });
  }
  const signal = (r: PidRecord, sig: NodeJS.Signals) => {
    try {
      if (alive(r)) process.kill(r.pid, sig);
    } catch {
      // gone meanwhile
    }
  };
  for (const r of left) signal(r, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (left.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  for (const r of left) signal(r, 'SIGKILL');
  const killDeadline = Date.now() + 10_000;
  while (left.some(alive) && Date.now() < killDeadline) await new Promise((r) => setTimeout(r, 100));
  return left.map((r) => `${r.name} (pid ${r.pid})`);
}

// PostgreSQL for the cluster: a private instance (initdb once, then `postgres` in the foreground) as the postgres user.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chown, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ChildSpec } from '../up/processes';
import { ownerOnlyFolder } from './private-folder';
import { runTool } from './run-tool';

/** The folder with initdb, postgres and pg_isready, found (or installed with apt-get) by scripts/postgres.sh. */
export function postgresBinDir(projectRoot: string): string {
  return execFileSync(path.join(projectRoot, 'scripts', 'postgres.sh'), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
}

/** PostgreSQL refuses to run as root: when we are root, its processes run as the `postgres` user the package creates. */
export function postgresIdentity(): { uid?: number; gid?: number } {
  if (process.getuid?.() !== 0) return {};
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
  return { uid, gid };
}

export interface PostgresPlan {
  spec: ChildSpec;
  bin: string;
  port: number;
}

/** Creates the data folder with initdb on first use (superuser and password from the cluster secrets) and returns how to run it. */
export async function preparePostgres(opts: { dir: string; port: number; user: string; password: string; projectRoot: string }): Promise<PostgresPlan> {
  const bin = postgresBinDir(opts.projectRoot);
  const who = postgresIdentity();
  const base = path.join(opts.dir, 'postgres');
  const data = path.join(base, 'data');
  const sockets = path.join(base, 'run');
  // Owner-only: the data, and the socket folder, which no other local user can even enter.
  await ownerOnlyFolder(base, who);
  await ownerOnlyFolder(sockets, who);
  if (!existsSync(path.join(data, 'PG_VERSION'))) {
    await rm(data, { recursive: true, force: true });
    const pwfile = path.join(base, 'initdb-password');
    await writeFile(pwfile, opts.password + '\n', { mode: 0o600 });
    if (who.uid !== undefined && who.gid !== undefined) await chown(pwfile, who.uid, who.gid);
    try {
      await runTool(path.join(bin, 'initdb'), ['-D', data, '-U', opts.user, `--pwfile=${pwfile}`, '--auth-local=scram-sha-256', '--auth-host=scram-sha-256', '-E', 'UTF8', '--locale=C'], {
        ...who,
        cwd: base,
      });
    } finally {
      await rm(pwfile, { force: true });
    }
  }
  await requirePasswordsLocally(path.join(data, 'pg_hba.conf'));
  return {
    bin,
    port: opts.port,
    spec: {
      name: 'postgres',
      command: path.join(bin, 'postgres'),
      args: ['-D', data, '-p', String(opts.port), '-k', sockets, '-c', 'unix_socket_permissions=0700', '-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200'],
      env: { ...process.env, LC_ALL: 'C' },
      cwd: base,
      ...who,
      stopGraceMs: 30_000,
      logFile: path.join(opts.dir, 'logs', 'postgres.log'),
    },
  };
}

/**
 * Data folders made before passwords were required on the socket (initdb --auth-local=trust): every `trust` line of
 * pg_hba.conf becomes scram-sha-256, so a local user cannot connect as the superuser without the password.
 */
async function requirePasswordsLocally(hba: string): Promise<void> {
  const text = await readFile(hba, 'utf8');
  const lines = text.split('\n').map((line) => (/^\s*#/.test(line) ? line : line.replace(/\btrust\s*$/, 'scram-sha-256')));
  const changed = lines.join('\n');
  // in place: the file keeps its owner (postgres) and mode (0600)
  if (changed !== text) await writeFile(hba, changed);
}

/** Waits until the instance accepts connections (not just TCP: recovery after a crash answers "starting up"). */
export async function waitForPostgres(plan: PostgresPlan, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await runTool(path.join(plan.bin, 'pg_isready'), ['-h', '127.0.0.1', '-p', String(plan.port), '-t', '2'], { timeoutMs: 5000 });
      return;
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`PostgreSQL did not accept connections on port ${plan.port} within ${timeoutMs / 1000} s: ${(err as Error).message}`, { cause: err });
      await new Promise((r) => setTimeout(r, 300));
    }
  }
}

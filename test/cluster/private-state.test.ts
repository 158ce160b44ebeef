// `make cluster`'s PostgreSQL and secrets, closed to other local users: a password on the socket, 0700 folders, 0600 secret files from birth.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { preparePostgres, postgresIdentity, waitForPostgres } from '../../src/cluster/postgres';
import { clusterSecrets } from '../../src/cluster/secrets';
import { writeTemporalConfig } from '../../src/cluster/temporal-server';
import { freePort, Supervisor } from '../../src/up/processes';
import { projectRoot } from '../support/temporal';

const run = promisify(execFile);
const mode = (file: string) => (statSync(file).mode & 0o777).toString(8);

// The module object the cluster code calls chmod through (CommonJS reads the property at each call).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const fsPromises = require('node:fs/promises') as { chmod: (file: string, mode: number) => Promise<void> };

describe('make cluster: PostgreSQL and secrets closed to other local users', function () {
  this.timeout(180_000);

  it('asks for the password on the socket, keeps its folders 0700 and writes every secret file 0600 from the start', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mlp-private-'));
    chmodSync(dir, 0o755); // PostgreSQL runs as the postgres user when the tests run as root: it must pass through
    const port = await freePort();
    const chmodded: string[] = [];
    const realChmod = fsPromises.chmod;
    fsPromises.chmod = async (file, m) => {
      chmodded.push(String(file));
      return realChmod(file, m);
    };
    // With no umask, a file written without an explicit mode would be world-readable: the modes below are the code's own.
    const umask = process.umask(0);
    let secrets: Awaited<ReturnType<typeof clusterSecrets>>;
    let plan: Awaited<ReturnType<typeof preparePostgres>>;
    try {
      secrets = await clusterSecrets(dir);
      plan = await preparePostgres({ dir, port, user: secrets.postgresUser, password: secrets.postgresPassword, projectRoot });
      await writeTemporalConfig({
        dir,
        serverBin: 'unused',
        sqlBin: 'unused',
        postgresPort: port,
        user: secrets.postgresUser,
        password: secrets.postgresPassword,
        frontendPort: 1,
        internalPorts: [2, 3, 4, 5, 6, 7, 8, 9],
        logLevel: 'warn',
      });
    } finally {
      process.umask(umask);
      fsPromises.chmod = realChmod;
    }

    const secretFiles = [path.join(dir, 'secrets', 'secrets.json'), path.join(dir, 'temporal', 'config', 'development.yaml')];
    for (const f of secretFiles) {
      assert.equal(mode(f), '600', f);
      assert.ok((await readFile(f, 'utf8')).includes(secrets.postgresPassword), `${f} holds the password`);
      assert.ok(!chmodded.includes(f), `${f} was written first and narrowed after`);
    }
    for (const d of ['secrets', 'postgres', 'postgres/run', 'postgres/data', 'temporal']) assert.equal(mode(path.join(dir, d)), '700', d);

    const supervisor = new Supervisor(
      () => undefined,
      undefined,
      () => undefined,
    );
    try {
      supervisor.start(plan.spec);
      await waitForPostgres(plan, 60_000);
      const socketDir = path.join(dir, 'postgres', 'run');
      const psql = path.join(plan.bin, 'psql');
      const query = ['-h', socketDir, '-p', String(port), '-U', secrets.postgresUser, '-d', 'postgres', '-w', '-tAc', 'select 1'];
      const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PG')));
      // no password over the socket: refused (it was `trust`: any local user got in as the superuser)
      await assert.rejects(run(psql, query, { env }), (err: Error & { stderr?: string }) => /password/.test(err.stderr ?? err.message));
      await assert.rejects(run(psql, query, { env: { ...env, PGPASSWORD: 'wrong-password' } }), /password authentication failed/);
      assert.equal((await run(psql, query, { env: { ...env, PGPASSWORD: secrets.postgresPassword } })).stdout.trim(), '1');
      // another local user cannot even reach the socket
      if (postgresIdentity().uid !== undefined) {
        const nobody = Number((await run('id', ['-u', 'nobody'])).stdout.trim());
        await assert.rejects(run(psql, query, { env, uid: nobody, gid: nobody, cwd: '/' }), /Permission denied|password/);
      }
    } finally {
      await supervisor.stopAll();
    }
  });
});

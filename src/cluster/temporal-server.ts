// The Temporal server of the cluster: schema on PostgreSQL with the SQL tool, a generated config, then `server start`.
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import type { ChildSpec } from '../up/processes';
import { connectClient } from '../temporal/connect';
import type { TemporalTarget } from '../temporal/target';
import { ensureSearchAttributes } from '../temporal/ensure-search-attributes';
import { writeFileAtomic } from '../util/fs-atomic';
import { ownerOnlyFolder } from './private-folder';
import { runTool } from './run-tool';

/** The schemas the SQL tool carries inside its binary, per database. */
const databases = [
  { name: 'temporal', schema: 'postgresql/v12/temporal' },
  { name: 'temporal_visibility', schema: 'postgresql/v12/visibility' },
] as const;

export interface TemporalServerOptions {
  dir: string;
  serverBin: string;
  sqlBin: string;
  postgresPort: number;
  user: string;
  password: string;
  frontendPort: number;
  /** frontend membership, frontend HTTP, history gRPC/membership, matching gRPC/membership, worker gRPC/membership */
  internalPorts: number[];
  logLevel: string;
}

/**
 * Creates both databases and their schemas on first use (setup-schema at 0.0, then update-schema to the newest
 * embedded version); later starts only run update-schema, which is a no-op at the current version.
 */
export async function setupTemporalSchema(o: TemporalServerOptions, say: (line: string) => void): Promise<void> {
  const base = path.join(o.dir, 'temporal');
  await ownerOnlyFolder(base);
  for (const db of databases) {
    // Connection settings through the tool's environment variables: the password stays off the command line,
    // and the database name cannot land after the subcommand (where the tool ignores it).
    const env = { ...process.env, SQL_HOST: '127.0.0.1', SQL_PORT: String(o.postgresPort), SQL_USER: o.user, SQL_PASSWORD: o.password, SQL_DATABASE: db.name };
    const sql = (args: string[]) => runTool(o.sqlBin, ['--plugin', 'postgres12', '--quiet', ...args], { env, cwd: base });
    const marker = path.join(base, `schema-${db.name}.created`);
    if (!existsSync(marker)) {
      say(`creating database ${db.name} and its schema`);
      await sql(['create-database']).catch((err: Error) => {
        if (!/already exists/.test(err.message)) throw err;
      });
      await sql(['setup-schema', '-v', '0.0']);
      await writeFile(marker, new Date().toISOString() + '\n');
    }
    await sql(['update-schema', '--schema-name', db.schema]);
  }
}

/** Writes <dir>/temporal/config/development.yaml (JSON is YAML) and the dynamic config it points at. */
export async function writeTemporalConfig(o: TemporalServerOptions): Promise<string> {
  const root = path.join(o.dir, 'temporal');
  await ownerOnlyFolder(root);
  const [frontendMembership, frontendHttp, historyGrpc, historyMembership, matchingGrpc, matchingMembership, workerGrpc, workerMembership] = o.internalPorts;
  const datastore = (database: string, maxConns: number) => ({
    sql: {
      pluginName: 'postgres12',
      databaseName: database,
      connectAddr: `127.0.0.1:${o.postgresPort}`,
      connectProtocol: 'tcp',
      user: o.user,
      password: o.password,
      maxConns,
      maxIdleConns: maxConns,
      maxConnLifetime: '1h',
    },
  });
  const service = (grpcPort: number, membershipPort: number, extra: Record<string, unknown> = {}) => ({
    rpc: { grpcPort, membershipPort, bindOnLocalHost: true, ...extra },
  });
  const dynamicConfigFile = path.join(root, 'dynamicconfig.yaml');
  const config = {
    log: { stdout: true, level: o.logLevel === 'debug' || o.logLevel === 'trace' ? 'info' : 'warn' },
    persistence: {
      defaultStore: 'postgres-default',
      visibilityStore: 'postgres-visibility',
      numHistoryShards: 4,
      datastores: { 'postgres-default': datastore('temporal', 20), 'postgres-visibility': datastore('temporal_visibility', 5) },
    },
    global: { membership: { maxJoinDuration: '30s', broadcastAddress: '127.0.0.1' } },
    services: {
      frontend: service(o.frontendPort, frontendMembership, { httpPort: frontendHttp }),
      history: service(historyGrpc, historyMembership),
      matching: service(matchingGrpc, matchingMembership),
      worker: service(workerGrpc, workerMembership),
    },
    clusterMetadata: {
      enableGlobalNamespace: false,
      failoverVersionIncrement: 10,
      masterClusterName: 'active',
      currentClusterName: 'active',
      clusterInformation: { active: { enabled: true, initialFailoverVersion: 1, rpcName: 'frontend', rpcAddress: `127.0.0.1:${o.frontendPort}` } },
    },
    dcRedirectionPolicy: { policy: 'noop' },
    dynamicConfigClient: { filepath: dynamicConfigFile, pollInterval: '10s' },
  };
  const dynamic = {
    // Search attributes registered at start take effect at once, as on the dev server.
    'system.forceSearchAttributesCacheRefreshOnRead': [{ value: true, constraints: {} }],
    'limit.maxIDLength': [{ value: 255, constraints: {} }],
  };
  await writeFileAtomic(dynamicConfigFile, JSON.stringify(dynamic, null, 2) + '\n');
  // The file carries the database password: owner-only.
  const file = path.join(root, 'config', 'development.yaml');
  await writeFileAtomic(file, JSON.stringify(config, null, 2) + '\n', { mode: 0o600 });
  return root;
}

export function temporalServerSpec(o: TemporalServerOptions, root: string): ChildSpec {
  return {
    name: 'temporal',
    command: o.serverBin,
    args: ['--root', root, '--config', 'config', '--env', 'development', '--allow-no-auth', 'start'],
    env: process.env,
    cwd: root,
    stopGraceMs: 20_000,
    logFile: path.join(o.dir, 'logs', 'temporal.log'),
  };
}

/** Waits for the frontend, then makes sure the namespace exists and the project's search attributes are registered. */
export async function bootstrapNamespace(address: TemporalTarget | string, namespace: string, timeoutMs: number, say: (line: string) => void): Promise<Connection> {
  const connection = await connectClient(address, timeoutMs);
  const deadline = Date.now() + timeoutMs;
  try {
    await connection.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs('3 days') });
    say(`namespace ${namespace} created`);
  } catch (err) {
    if (!/already exists|AlreadyExists/i.test((err as Error).message)) throw err;
  }
  // A new namespace reaches every service's cache within seconds; until then its calls fail with NotFound.
  for (;;) {
    try {
      const added = await ensureSearchAttributes(connection, namespace);
      if (added.length) say(`registered search attributes ${added.join(', ')}`);
      return connection;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

// A real Temporal server (the pinned `server` binary of `make cluster-deps`) that accepts only mTLS, with an
// openssl-made CA, server and client certificates, on in-memory SQLite; one per test file that asks.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MAX_MEMBERSHIP_PORT, TEMPORAL_INTERNAL_PORTS } from '../../src/cluster/settings';
import { freePort, portIsFree } from '../../src/up/processes';
import { projectRoot } from './temporal';

export interface Pki {
  dir: string;
  ca: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  /** A CA that signed nothing the server uses. */
  otherCa: string;
  /** A client certificate signed by otherCa, which the server must refuse. */
  strangerCert: string;
  strangerKey: string;
}

const openssl = (dir: string, args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });

function makeCa(dir: string, name: string): void {
  openssl(dir, [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '2',
    '-subj',
    `/CN=${name}`,
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.pem`,
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
}

function makeLeaf(dir: string, ca: string, name: string, ext: string): void {
  openssl(dir, ['req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${name}`, '-keyout', `${name}.key`, '-out', `${name}.csr`]);
  writeFileSync(path.join(dir, `${name}.ext`), ext);
  openssl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.pem`, '-CAkey', `${ca}.key`, '-CAcreateserial', '-days', '2', '-extfile', `${name}.ext`, '-out', `${name}.pem`]);
}

/** A CA, a server certificate for localhost/127.0.0.1, a client certificate, and a second CA with its own client. */
export function makePki(): Pki {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mlp-pki-'));
  makeCa(dir, 'ca');
  makeCa(dir, 'other-ca');
  makeLeaf(dir, 'ca', 'server', 'subjectAltName=DNS:localhost,DNS:temporal.test,IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n');
  makeLeaf(dir, 'ca', 'client', 'extendedKeyUsage=clientAuth\n');
  makeLeaf(dir, 'other-ca', 'stranger', 'extendedKeyUsage=clientAuth\n');
  const f = (name: string) => path.join(dir, name);
  return {
    dir,
    ca: f('ca.pem'),
    serverCert: f('server.pem'),
    serverKey: f('server.key'),
    clientCert: f('client.pem'),
    clientKey: f('client.key'),
    otherCa: f('other-ca.pem'),
    strangerCert: f('stranger.pem'),
    strangerKey: f('stranger.key'),
  };
}

export interface MtlsServer {
  address: string;
  pki: Pki;
  stop(): Promise<void>;
  log(): string;
}

async function internalPorts(): Promise<number[]> {
  const ports: number[] = [];
  while (ports.length < TEMPORAL_INTERNAL_PORTS) {
    const p = 20_000 + Math.floor(Math.random() * (MAX_MEMBERSHIP_PORT - 20_000));
    if (!ports.includes(p) && (await portIsFree(p))) ports.push(p);
  }
  return ports;
}

/** Starts the server; the frontend takes only TLS clients with a certificate from `pki.ca` (requireClientAuth). */
export async function startMtlsServer(pki: Pki = makePki()): Promise<MtlsServer> {
  const bin = execFileSync(path.join(projectRoot, 'scripts', 'go-tool.sh'), ['temporal-server'], { encoding: 'utf8' }).trim();
  const root = mkdtempSync(path.join(os.tmpdir(), 'mlp-mtls-temporal-'));
  mkdirSync(path.join(root, 'config'));
  const frontend = await freePort();
  const [fm, fh, hg, hm, mg, mm, wg, wm] = await internalPorts();
  const sqlite = {
    sql: {
      pluginName: 'sqlite',
      databaseName: 'default',
      connectAddr: 'localhost',
      connectProtocol: 'tcp',
      connectAttributes: { mode: 'memory', cache: 'private' },
      maxConns: 1,
      maxIdleConns: 1,
      maxConnLifetime: '1h',
    },
  };
  const service = (grpcPort: number, membershipPort: number, extra: Record<string, unknown> = {}) => ({ rpc: { grpcPort, membershipPort, bindOnLocalHost: true, ...extra } });
  const config = {
    log: { stdout: true, level: 'warn' },
    persistence: { defaultStore: 'db', visibilityStore: 'vis', numHistoryShards: 1, datastores: { db: sqlite, vis: sqlite } },
    global: {
      membership: { maxJoinDuration: '30s', broadcastAddress: '127.0.0.1' },
      tls: {
        // External clients: TLS with a client certificate signed by the test CA, nothing else.
        frontend: {
          server: { certFile: pki.serverCert, keyFile: pki.serverKey, clientCaFiles: [pki.ca], requireClientAuth: true },
          client: { serverName: 'localhost', rootCaFiles: [pki.ca] },
        },
        // The server's own system workers reach the frontend like any client.
        systemWorker: { certFile: pki.clientCert, keyFile: pki.clientKey, client: { serverName: 'localhost', rootCaFiles: [pki.ca] } },
      },
    },
    services: {
      frontend: service(frontend, fm, { httpPort: fh }),
      history: service(hg, hm),
      matching: service(mg, mm),
      worker: service(wg, wm),
    },
    clusterMetadata: {
      enableGlobalNamespace: false,
      failoverVersionIncrement: 10,
      masterClusterName: 'active',
      currentClusterName: 'active',
      clusterInformation: { active: { enabled: true, initialFailoverVersion: 1, rpcName: 'frontend', rpcAddress: `localhost:${frontend}` } },
    },
    dcRedirectionPolicy: { policy: 'noop' },
    dynamicConfigClient: { filepath: path.join(root, 'dynamicconfig.yaml'), pollInterval: '10s' },
  };
  writeFileSync(path.join(root, 'dynamicconfig.yaml'), JSON.stringify({ 'system.forceSearchAttributesCacheRefreshOnRead': [{ value: true, constraints: {} }] }));
  writeFileSync(path.join(root, 'config', 'development.yaml'), JSON.stringify(config, null, 2));
  let output = '';
  const child: ChildProcess = spawn(bin, ['--root', root, '--config', 'config', '--env', 'development', '--allow-no-auth', 'start'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  return {
    address: `127.0.0.1:${frontend}`,
    pki,
    log: () => output,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
        child.once('exit', () => {
          clearTimeout(kill);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}

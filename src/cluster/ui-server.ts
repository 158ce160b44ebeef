// The Temporal Web UI server of the cluster, pointed at the cluster's frontend.
import path from 'node:path';
import type { ChildSpec } from '../up/processes';
import { writeFileAtomic } from '../util/fs-atomic';

export async function prepareUiServer(o: { dir: string; uiBin: string; frontendAddress: string; port: number; namespace: string }): Promise<ChildSpec> {
  const root = path.join(o.dir, 'ui');
  const config = {
    temporalGrpcAddress: o.frontendAddress,
    host: '127.0.0.1',
    port: o.port,
    enableUi: true,
    defaultNamespace: o.namespace,
    refreshInterval: '1m',
    cors: { allowOrigins: [], cookieInsecure: true },
    auth: { enabled: false },
  };
  await writeFileAtomic(path.join(root, 'config', 'development.yaml'), JSON.stringify(config, null, 2) + '\n');
  return {
    name: 'ui',
    command: o.uiBin,
    args: ['--root', root, '--config', 'config', '--env', 'development', 'start'],
    env: process.env,
    cwd: root,
    stopGraceMs: 5000,
    logFile: path.join(o.dir, 'logs', 'ui.log'),
  };
}

// One Temporal client per server and namespace for the worker process, for activities that signal or start workflows.
import { Client, Connection } from '@temporalio/client';
import { connectionOptions, type TemporalTarget } from '../src/temporal/target';
import type { ActivityContext } from './context';

const clients = new Map<string, Promise<Client>>();

/** `target` is an address (plain text) or the worker's connection settings (TLS, API key). */
export function clientFor(target: TemporalTarget | string, namespace: string): Promise<Client> {
  const key = `${typeof target === 'string' ? target : target.address}|${namespace}`;
  let client = clients.get(key);
  if (!client) {
    client = connectionOptions(target)
      .then((options) => Connection.connect({ ...options, connectTimeout: 5_000 }))
      .then((connection) => new Client({ connection, namespace }));
    // a failed connect is not cached, so the next activity attempt tries again
    client.catch(() => clients.delete(key));
    clients.set(key, client);
  }
  return client;
}

export function temporalClient(ctx: Pick<ActivityContext, 'temporalAddress' | 'namespace' | 'temporal'>): Promise<Client> {
  return clientFor(ctx.temporal ?? ctx.temporalAddress, ctx.namespace);
}

/** Closes every cached client (tests, orderly shutdown). */
export async function closeTemporalClients(): Promise<void> {
  const all = [...clients.values()];
  clients.clear();
  await Promise.all(all.map((c) => c.then((client) => client.connection.close()).catch(() => undefined)));
}

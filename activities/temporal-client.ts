// One Temporal client per server and namespace for the worker process, for activities that signal or start workflows.
import { Client, Connection } from '@temporalio/client';
import type { ActivityContext } from './context';

const clients = new Map<string, Promise<Client>>();

export function clientFor(address: string, namespace: string): Promise<Client> {
  const key = `${address}|${namespace}`;
  let client = clients.get(key);
  if (!client) {
    client = Connection.connect({ address, connectTimeout: 5_000 }).then((connection) => new Client({ connection, namespace }));
    // a failed connect is not cached, so the next activity attempt tries again
    client.catch(() => clients.delete(key));
    clients.set(key, client);
  }
  return client;
}

export function temporalClient(ctx: Pick<ActivityContext, 'temporalAddress' | 'namespace'>): Promise<Client> {
  return clientFor(ctx.temporalAddress, ctx.namespace);
}

/** Closes every cached client (tests, orderly shutdown). */
export async function closeTemporalClients(): Promise<void> {
  const all = [...clients.values()];
  clients.clear();
  await Promise.all(all.map((c) => c.then((client) => client.connection.close()).catch(() => undefined)));
}

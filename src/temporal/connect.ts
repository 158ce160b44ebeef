// Connects to the Temporal frontend within a bound, turning "cannot connect" into one clear message.
import { Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';

export class TemporalUnreachable extends Error {
  constructor(address: string, timeoutMs: number, cause: unknown) {
    const text = cause instanceof Error ? cause.message : String(cause);
    // tonic's errors nest the OS reason deep inside; show just that when it is there
    const reason = /message: "([^"]+)"/.exec(text)?.[1] ?? text.split('\n')[0];
    super(
      `cannot reach the Temporal server at ${address} within ${Math.round(timeoutMs / 1000)} s (${reason}). ` +
        'Start it with `make up`, or set TEMPORAL_ADDRESS to a running server.',
    );
    this.name = 'TemporalUnreachable';
  }
}

/** Retries `connect` until it succeeds or `timeoutMs` passes. */
async function withinBound<T>(address: string, timeoutMs: number, connect: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      return await connect();
    } catch (err) {
      last = err;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  throw new TemporalUnreachable(address, timeoutMs, last);
}

export function connectClient(address: string, timeoutMs: number): Promise<Connection> {
  return withinBound(address, timeoutMs, async () => {
    const connection = await Connection.connect({ address, connectTimeout: Math.min(timeoutMs, 5000) });
    try {
      await connection.healthService.check({});
    } catch (err) {
      await connection.close();
      throw err;
    }
    return connection;
  });
}

export function connectWorker(address: string, timeoutMs: number): Promise<NativeConnection> {
  return withinBound(address, timeoutMs, () => NativeConnection.connect({ address }));
}

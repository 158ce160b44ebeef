// Connects to the Temporal frontend within a bound, turning "cannot connect" into one clear message.
import { checkServerIdentity as checkName, connect as tlsConnect } from 'node:tls';
import { Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { connectionOptions, describeTarget, TemporalCredentialsError, type TemporalTarget } from './target';

export class TemporalUnreachable extends Error {
  constructor(address: string, timeoutMs: number, cause: unknown) {
    const text = cause instanceof Error ? cause.message : String(cause);
    // tonic's errors nest the OS reason deep inside; show just that when it is there
    const reason = /message: "([^"]+)"/.exec(text)?.[1] ?? text.split('\n')[0];
    super(`cannot reach the Temporal server at ${address} within ${Math.round(timeoutMs / 1000)} s (${reason}). ` + 'Start it with `make up`, or set TEMPORAL_ADDRESS to a running server.');
    this.name = 'TemporalUnreachable';
  }
}

/**
 * The server was reached but the TLS handshake or the credentials were refused: retrying cannot help, so this
 * fails at once, naming the setting to look at.
 */
export class TemporalTlsError extends Error {
  constructor(
    target: TemporalTarget | string,
    readonly reason: string,
    hint: string,
  ) {
    const address = typeof target === 'string' ? target : target.address;
    super(`the Temporal server at ${address} refused the connection (${describeTarget(target)}): ${reason}. ${hint}`);
    this.name = 'TemporalTlsError';
  }
}

// What the two transports (grpc-js for clients, tonic/rustls for workers) say, and what a person should check.
const tlsFailures: { pattern: RegExp; reason: string; hint: string }[] = [
  {
    pattern: /UnknownIssuer|unable to get (local )?issuer|self[- ]signed certificate|unable to verify the first certificate|certificate verify failed|BadSignature/i,
    reason: "the server's certificate is not signed by a trusted CA",
    hint: 'Set TEMPORAL_TLS_CA to the PEM of the CA that signed the server certificate.',
  },
  {
    pattern: /NotValidForName|Hostname\/IP does not match|does not match certificate|ERR_TLS_CERT_ALTNAME_INVALID|CertNotValidForName/i,
    reason: "the server's certificate is not valid for the name connected to",
    hint: 'Set TEMPORAL_TLS_SERVER_NAME to a name in the server certificate.',
  },
  {
    pattern: /CertificateRequired|certificate required|bad certificate|BadCertificate|alert.*(certificate|handshake)|tlsv1 alert|UnknownCA|unknown ca/i,
    reason: 'the server did not accept the client certificate (mTLS)',
    hint: 'Set TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY to a client certificate signed by a CA the server trusts.',
  },
  {
    pattern: /wrong version number|InvalidContentType|CorruptMessage|packet length too long|http2 .*protocol error|frame with invalid size/i,
    reason: 'TLS and plain text do not match on the two sides',
    hint: 'The server may not use TLS: unset the TEMPORAL_TLS_* settings, or point TEMPORAL_ADDRESS at its TLS port.',
  },
  {
    pattern: /UNAUTHENTICATED|Unauthenticated|PERMISSION_DENIED|PermissionDenied|Request unauthorized|invalid api key/i,
    reason: 'the credentials were rejected',
    hint: 'Check TEMPORAL_API_KEY (or the client certificate) and the namespace it is valid for.',
  },
];

const usesTls = (target: TemporalTarget | string): target is TemporalTarget & { tls: object } => typeof target !== 'string' && target.tls !== false;

/** gRPC's `details` is a string, or absent; anything else is shown as JSON rather than [object Object]. */
function detailsText(details: unknown): string {
  return details === undefined || details === null ? '' : typeof details === 'string' ? details : JSON.stringify(details);
}

function classify(target: TemporalTarget | string, err: unknown): TemporalTlsError | undefined {
  const text = err instanceof Error ? `${err.message} ${detailsText((err as { details?: unknown }).details)}` : String(err);
  if (!usesTls(target) && !/UNAUTHENTICATED|PERMISSION_DENIED|Request unauthorized/i.test(text)) return undefined;
  const found = tlsFailures.find((f) => f.pattern.test(text));
  return found ? new TemporalTlsError(target, found.reason, found.hint) : undefined;
}

/**
 * grpc-js reports a failed handshake only as "Failed to connect before the deadline": one TLS handshake of our own,
 * with the same CA, certificate and server name, finds the reason. Undefined when the handshake works (or no one answers).
 */
async function probeTls(target: TemporalTarget & { tls: object }): Promise<Error | undefined> {
  const options = await connectionOptions(target);
  const tls = options.tls || {};
  const at = target.address.lastIndexOf(':');
  const host = target.address.slice(0, at).replace(/^\[|\]$/g, '');
  return new Promise((resolve) => {
    const socket = tlsConnect({
      host,
      port: Number(target.address.slice(at + 1)),
      ALPNProtocols: ['h2'],
      servername: tls.serverNameOverride ?? (/^[\d.]+$|:/.test(host) ? undefined : host),
      ...(tls.serverRootCACertificate ? { ca: Buffer.from(tls.serverRootCACertificate) } : {}),
      ...(tls.clientCertPair ? { cert: Buffer.from(tls.clientCertPair.crt), key: Buffer.from(tls.clientCertPair.key) } : {}),
      ...(tls.serverNameOverride ? { checkServerIdentity: (_name: string, cert: Parameters<typeof checkName>[1]) => checkName(tls.serverNameOverride ?? '', cert) } : {}),
    });
    const done = (err: Error | undefined) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(err);
    };
    // With TLS 1.3 the server refuses a client certificate after the handshake: wait briefly for its alert.
    socket.once('secureConnect', () => setTimeout(() => done(undefined), 1000));
    socket.once('error', (err: Error) => done(err));
    socket.once('close', () => done(undefined));
    const timer = setTimeout(() => done(undefined), 5000);
  });
}

/** Retries `connect` until it succeeds or `timeoutMs` passes; a refused handshake or credential fails at once. */
async function withinBound<T>(target: TemporalTarget | string, timeoutMs: number, connect: () => Promise<T>): Promise<T> {
  const address = typeof target === 'string' ? target : target.address;
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      return await connect();
    } catch (err) {
      if (err instanceof TemporalCredentialsError) throw err;
      const refused = classify(target, err) ?? (usesTls(target) ? classify(target, await probeTls(target).catch(() => undefined)) : undefined);
      if (refused) throw refused;
      last = err;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  throw new TemporalUnreachable(address, timeoutMs, last);
}

/** A client connection; `target` is an address (plain text) or the settings' `temporal` (TLS, API key). */
export function connectClient(target: TemporalTarget | string, timeoutMs: number): Promise<Connection> {
  return withinBound(target, timeoutMs, async () => {
    const options = await connectionOptions(target);
    const connection = await Connection.connect({ ...options, connectTimeout: Math.min(timeoutMs, 5000) });
    try {
      await connection.healthService.check({});
    } catch (err) {
      await connection.close();
      throw err;
    }
    return connection;
  });
}

export function connectWorker(target: TemporalTarget | string, timeoutMs: number): Promise<NativeConnection> {
  return withinBound(target, timeoutMs, async () => NativeConnection.connect(await connectionOptions(target)));
}

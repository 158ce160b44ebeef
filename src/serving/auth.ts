// API-key authentication hooks and the key-file watcher that makes revocations take effect while running.
import type { FastifyBaseLogger, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { HttpError } from '../http/errors';
import type { ArtifactStore } from '../store';
import { pollSignature, type FilePoller } from './file-poller';
import { InvalidKeyFile, KEYS_KEY, readKeyFile, type KeyRing } from './keys';
import type { ServingMetrics } from './metrics';
import type { WindowCounter } from './window-counter';

const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i;
/** Longer values cannot be keys; refusing them early keeps hashing bounded. */
const MAX_KEY_LENGTH = 256;

/** The presented key: `Authorization: Bearer <key>` or `x-api-key: <key>`. */
export function presentedKey(request: FastifyRequest): string | undefined {
  const auth = request.headers.authorization;
  if (typeof auth === 'string' && auth.length > 0) return BEARER.exec(auth)?.[1] ?? '';
  const x = request.headers['x-api-key'];
  return typeof x === 'string' && x.length > 0 ? x.trim() : undefined;
}

const challenge = { 'www-authenticate': 'Bearer realm="predictions"' };

/** Brute-force guard: failed authentications counted per client address in fixed windows. */
export interface AuthFailureLimit {
  failures: WindowCounter;
  /** Failed attempts per address per window; past it, further wrong keys from that address get 429 until the window ends. */
  max: number;
  metrics?: ServingMetrics;
}

/**
 * onRequest hook: 401 unless a valid, unrevoked key is presented; sets request.principal. A valid key is
 * always served (its own rate limit applies after this hook): only failures are limited, so clients that
 * share an address with a guesser (behind one proxy or NAT, or in the counter's shared overflow bucket)
 * are never locked out. An address that presented `max` wrong keys in the window gets 429 instead of 401
 * for its next wrong keys until the window ends. Requests without a key are not guesses and do not count.
 * The client address is the socket's, or the one TRUST_PROXY lets fastify read from X-Forwarded-For.
 */
export function authenticate(ring: KeyRing, limit?: AuthFailureLimit) {
  return function auth(request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction): void {
    const raw = presentedKey(request);
    if (raw === undefined) return done(new HttpError(401, 'missing API key: send "Authorization: Bearer <key>" or "x-api-key: <key>"', undefined, challenge));
    const principal = raw.length > 0 && raw.length <= MAX_KEY_LENGTH ? ring.verify(raw) : undefined;
    if (principal) {
      request.principal = principal;
      return done();
    }
    if (limit) {
      if (limit.failures.count(request.ip) >= limit.max) {
        const seconds = Math.ceil(limit.failures.msLeft() / 1000);
        limit.metrics?.authBlocked.inc();
        return done(new HttpError(429, `too many failed authentications from this address; retry in ${seconds} s`, undefined, { 'retry-after': String(seconds) }));
      }
      limit.failures.hit(request.ip);
      limit.metrics?.authFailures.inc();
    }
    done(new HttpError(401, 'invalid or revoked API key', undefined, challenge));
  };
}

/** onRequest hook after `authenticate`: 403 unless the key has the admin role. */
export function requireAdmin(request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction): void {
  if (request.principal?.role !== 'admin') return done(new HttpError(403, 'this endpoint needs an admin key'));
  done();
}

/**
 * Loads the keys object into the ring now and again whenever it changes. A bad object keeps the last good
 * keys until it changes again; a read that failed transiently (store unreachable, 5xx) is retried on every
 * poll until it succeeds, so a revocation made meanwhile still takes effect within the poll interval after
 * the store answers again.
 */
export async function watchKeyFile(store: ArtifactStore, ring: KeyRing, intervalMs: number, log: FastifyBaseLogger, metrics: ServingMetrics): Promise<FilePoller> {
  const file = `${store.url}/${KEYS_KEY}`;
  let last = 'missing';
  let failing = false;
  const signature = async () => {
    try {
      last = (await store.head(KEYS_KEY))?.etag ?? 'missing';
    } catch {
      // an unreachable store reads as "unchanged": the keys loaded before stay in force
    }
    return last;
  };
  const poller = pollSignature(signature, intervalMs, async () => {
    try {
      const data = await readKeyFile(store);
      ring.setFileKeys(data.keys);
      metrics.apiKeys.set(ring.size);
      if (failing) log.info({ file }, 'API key file readable again');
      failing = false;
      log.info({ file, active: ring.size }, 'API keys loaded');
    } catch (err) {
      if (err instanceof InvalidKeyFile) {
        // a bad file is kept out until it changes again; logged once per change, not every poll
        log.error({ err: { message: err.message }, file }, 'API key file unreadable; keeping the keys loaded before');
        return;
      }
      if (!failing) log.error({ err: { message: (err as Error).message }, file }, 'API key file could not be read; keeping the keys loaded before and retrying every poll');
      failing = true;
      // thrown: the poller does not record this version as seen, so the next poll reads it again
      throw err;
    }
  });
  await poller.check();
  return poller;
}

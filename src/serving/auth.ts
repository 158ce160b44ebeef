// API-key authentication hooks and the key-file watcher that makes revocations take effect while running.
import type { FastifyBaseLogger, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { HttpError } from './errors';
import { pollFile, type FilePoller } from './file-poller';
import { readKeyFile, type KeyRing } from './keys';
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
  /** Failed attempts per address per window; the next request with a key from that address gets 429 until the window ends. */
  max: number;
  metrics?: ServingMetrics;
}

/**
 * onRequest hook: 401 unless a valid, unrevoked key is presented; sets request.principal. An address
 * that presented `max` wrong keys in the window gets 429 for every key it presents (right ones too, so
 * a guesser learns nothing) until the window ends. Requests without a key are not guesses and do not count.
 */
export function authenticate(ring: KeyRing, limit?: AuthFailureLimit) {
  return function auth(request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction): void {
    const raw = presentedKey(request);
    if (raw === undefined) return done(new HttpError(401, 'missing API key: send "Authorization: Bearer <key>" or "x-api-key: <key>"', undefined, challenge));
    if (limit && limit.failures.count(request.ip) >= limit.max) {
      const seconds = Math.ceil(limit.failures.msLeft() / 1000);
      limit.metrics?.authBlocked.inc();
      return done(new HttpError(429, `too many failed authentications from this address; retry in ${seconds} s`, undefined, { 'retry-after': String(seconds) }));
    }
    const principal = raw.length > 0 && raw.length <= MAX_KEY_LENGTH ? ring.verify(raw) : undefined;
    if (!principal) {
      if (limit) {
        limit.failures.hit(request.ip);
        limit.metrics?.authFailures.inc();
      }
      return done(new HttpError(401, 'invalid or revoked API key', undefined, challenge));
    }
    request.principal = principal;
    done();
  };
}

/** onRequest hook after `authenticate`: 403 unless the key has the admin role. */
export function requireAdmin(request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction): void {
  if (request.principal?.role !== 'admin') return done(new HttpError(403, 'this endpoint needs an admin key'));
  done();
}

/** Loads the key file into the ring now and again whenever it changes; a bad file keeps the last good keys. */
export async function watchKeyFile(file: string, ring: KeyRing, intervalMs: number, log: FastifyBaseLogger, metrics: ServingMetrics): Promise<FilePoller> {
  const poller = pollFile(file, intervalMs, async () => {
    try {
      const data = await readKeyFile(file);
      ring.setFileKeys(data.keys);
      metrics.apiKeys.set(ring.size);
      log.info({ file, active: ring.size }, 'API keys loaded');
    } catch (err) {
      // logged once per change of the file, not every poll
      log.error({ err: { message: (err as Error).message }, file }, 'API key file unreadable; keeping the keys loaded before');
    }
  });
  await poller.check();
  return poller;
}

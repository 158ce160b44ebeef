// Route options shared by protected routes: the auth hook, the per-key rate limit and usage counting.
import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction, onRequestHookHandler, onResponseHookHandler } from 'fastify';
import { authenticate, requireAdmin } from '../auth';
import { rateLimitHook } from '../rate-limit';

export interface Guard {
  onRequest: onRequestHookHandler[];
  onResponse: onResponseHookHandler;
}

/** Options to spread into a protected route; `admin` adds the role check. */
export function guard(app: FastifyInstance, opts: { admin?: boolean } = {}): Guard {
  const { keys, usage, config, counters, metrics } = app.serving;
  const auth = authenticate(keys, { failures: counters.authFailures, max: config.SERVING_AUTH_FAIL_MAX, metrics }) as onRequestHookHandler;
  // the limit counts after authentication (and the role check), on the key id
  const limit = rateLimitHook(counters.requests, config.SERVING_RATE_LIMIT_MAX, config.SERVING_RATE_LIMIT_WINDOW_MS);
  const onRequest = opts.admin ? [auth, requireAdmin as onRequestHookHandler, limit] : [auth, limit];
  const onResponse = function countUsage(request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void {
    const p = request.principal;
    if (p) usage.record(p.id, p.name, request.scoredRows, reply.statusCode >= 400, request.servedModel);
    done();
  } as onResponseHookHandler;
  return {
    onRequest,
    onResponse,
  };
}

// Route options shared by protected routes: the auth hook, the per-key rate limit and usage counting.
import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction, onRequestHookHandler, onResponseHookHandler } from 'fastify';
import { authenticate, requireAdmin } from '../auth';

export interface Guard {
  onRequest: onRequestHookHandler[];
  onResponse: onResponseHookHandler;
  config: { rateLimit: { max: number; timeWindow: number } };
}

/** Options to spread into a protected route; `admin` adds the role check. */
export function guard(app: FastifyInstance, opts: { admin?: boolean } = {}): Guard {
  const { keys, usage, config, counters, metrics } = app.serving;
  const auth = authenticate(keys, { failures: counters.authFailures, max: config.SERVING_AUTH_FAIL_MAX, metrics }) as onRequestHookHandler;
  const onRequest = opts.admin ? [auth, requireAdmin as onRequestHookHandler] : [auth];
  const onResponse = function countUsage(request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void {
    const p = request.principal;
    if (p) usage.record(p.id, p.name, request.scoredRows, reply.statusCode >= 400, request.servedModel);
    done();
  } as onResponseHookHandler;
  return {
    onRequest,
    onResponse,
    // @fastify/rate-limit appends its hook after ours, so it runs on an authenticated key id
    config: { rateLimit: { max: config.SERVING_RATE_LIMIT_MAX, timeWindow: config.SERVING_RATE_LIMIT_WINDOW_MS } },
  };
}

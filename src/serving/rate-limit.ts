// The per-key request limit: one count per key over every protected route (and, in multi-process mode, across processes), on a WindowCounter.
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction, onRequestHookHandler } from 'fastify';
import { HttpError } from '../http/errors';
import type { WindowCounter } from './window-counter';

/** Share of the limit past which counts are reported to the other processes on every hit. */
const NEAR = 0.9;

/**
 * A synchronous onRequest hook, run after authentication so it counts the key id (else the address).
 * Why not @fastify/rate-limit: its async hook, store callback and result object cost about 3.7 KB of
 * garbage and several microtask turns per request, the largest share of a prediction's garbage after
 * onnxruntime. The headers are the plugin's: x-ratelimit-limit/-remaining/-reset, and retry-after on 429.
 */
export function rateLimitHook(counter: WindowCounter, max: number, windowMs: number): onRequestHookHandler {
  return function rateLimit(request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void {
    const current = counter.hit(request.principal?.id ?? request.ip);
    // near the limit every hit is shared at once instead of on the next 50 ms tick, so other processes stop the key in time
    if (current >= max * NEAR) counter.onNearLimit?.();
    const reset = Math.ceil(counter.msLeft() / 1000);
    reply.header('x-ratelimit-limit', max);
    reply.header('x-ratelimit-remaining', current <= max ? max - current : 0);
    reply.header('x-ratelimit-reset', reset);
    if (current <= max) return done();
    done(new HttpError(429, `rate limit exceeded: at most ${max} requests per ${windowMs} ms per key; retry in ${reset} s`, undefined, { 'retry-after': String(reset) }));
  };
}

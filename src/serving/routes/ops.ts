// Operations endpoints: /healthz (alive), /readyz (default model and capture writer; lists the others), /metrics (Prometheus), /v1/usage (admin).
import type { FastifyInstance } from 'fastify';
import { Health, Readiness, UsageResponse, errorResponses, jsonSchema } from '../schemas';
import type { Guard } from './guard';

// eslint-disable-next-line @typescript-eslint/require-await -- Fastify registers a plugin that returns a promise as an async plugin; this one needs no await
export async function opsRoutes(app: FastifyInstance): Promise<void> {
  const { models, capture, metrics, repository } = app.serving;

  // eslint-disable-next-line @typescript-eslint/require-await -- Fastify sends an async handler's resolved value as the reply
  app.get('/healthz', { schema: { tags: ['ops'], summary: 'The process is alive', response: { 200: jsonSchema(Health) } } }, async () => ({ status: 'ok' as const }));

  app.get(
    '/readyz',
    {
      schema: {
        tags: ['ops'],
        summary: 'Ready to serve: the default model is loaded and its capture writer works; lists every model and its state',
        response: { 200: jsonSchema(Readiness), 503: jsonSchema(Readiness) },
      },
    },
    async (_request, reply) => {
      const m = models.current;
      const body = {
        ready: m !== undefined && capture.healthy,
        model: m ? { name: m.name, version: m.version } : null,
        capture: { ok: capture.healthy, folder: capture.folder },
        models: repository.list().map((s) => ({ name: s.name, version: s.version, state: s.state })),
      };
      if (body.ready) return body;
      const why = [m ? undefined : `no champion model of "${models.name}" is loaded yet`, capture.healthy ? undefined : 'capture writer is not working'].filter(Boolean);
      return reply.code(503).send({ ...body, error: 'Service Unavailable', message: `not ready: ${why.join('; ')}` });
    },
  );

  app.get('/metrics', { schema: { tags: ['ops'], summary: 'Prometheus metrics', produces: ['text/plain'] } }, async (_request, reply) => {
    for (const c of repository.captures()) metrics.captureBuffered.set({ model: c.model }, c.pendingRows);
    const text = await metrics.registry.metrics();
    return reply.type(metrics.registry.contentType).send(text);
  });
}

// eslint-disable-next-line @typescript-eslint/require-await -- Fastify registers a plugin that returns a promise as an async plugin; this one needs no await
export async function usageRoutes(app: FastifyInstance, opts: { guard: Guard }): Promise<void> {
  const { usageSnapshot } = app.serving;
  app.get(
    '/v1/usage',
    {
      ...opts.guard,
      schema: {
        tags: ['ops'],
        summary: 'Requests, rows, errors and last use per API key id (admin key only)',
        security: [{ bearer: [] }, { apiKey: [] }],
        response: { 200: jsonSchema(UsageResponse), ...errorResponses(401, 403, 429) },
      },
    },
    async () => ({ keys: await usageSnapshot() }),
  );
}

// Fastify plugin: the model console at /console (models, one model, reports) and its admin actions (promote, roll back).
import { randomBytes } from 'node:crypto';
import type { FastifyPluginAsync, FastifyReply, RouteShorthandOptions } from 'fastify';
import { z } from 'zod';
import { modelNameSchema } from '../registry/model-name';
import { checkRange, isoTime } from '../reports/routes';
import { promoteByHand, rollbackChampion, type PromotionMonitoring } from '../training/hand-promotion';
import { RegistryError, type Registry } from '../registry/registry';
import { sendError, zodIssues } from '../http/errors';
import type { ArtifactStore } from '../store';
import { modelDetail, modelRows, reportPage } from './data';
import { page, pageHeaders } from './html';
import { adminScript, modelBody, modelsBody, reportsBody, type Links } from './pages';

export interface ConsoleOptions {
  registry: Registry;
  /** Where the drift and quality reports are (the API's store). */
  store: ArtifactStore;
  /** Route options of the admin actions: the service's admin guard (key check, rate limit, usage). */
  adminGuard: Pick<RouteShorthandOptions, 'onRequest' | 'onResponse'>;
  /** Temporal Web UI base and namespace for the runs links; default from TEMPORAL_UI_URL / TEMPORAL_NAMESPACE. */
  links?: Links;
  /**
   * Where a promotion makes the model's drift and quality schedules, as `mlp models promote` does (the API process
   * passes its settings); null or absent: the champion moves and no schedule is checked.
   */
  monitoring?: PromotionMonitoring | null;
}

const LinkEnv = z.object({
  TEMPORAL_UI_PORT: z.coerce.number().int().default(8233),
  TEMPORAL_UI_URL: z.string().optional(),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
});

function linksFromEnv(env: NodeJS.ProcessEnv): Links {
  const e = LinkEnv.parse({ TEMPORAL_UI_PORT: env.TEMPORAL_UI_PORT || undefined, TEMPORAL_UI_URL: env.TEMPORAL_UI_URL || undefined, TEMPORAL_NAMESPACE: env.TEMPORAL_NAMESPACE || undefined });
  return { temporalUiUrl: (e.TEMPORAL_UI_URL ?? `http://127.0.0.1:${e.TEMPORAL_UI_PORT}`).replace(/\/+$/, ''), namespace: e.TEMPORAL_NAMESPACE };
}

const NameParam = z.object({ name: modelNameSchema() });
const TIME_HINT = 'must be an ISO date or time, e.g. 2025-01-06T03:00';
const ReportsQuery = z
  .object({
    model: z.union([z.literal(''), modelNameSchema()]).optional(),
    kind: z.enum(['', 'drift', 'quality']).optional(),
    verdict: z.string().max(40).optional(),
    // an empty field of the filter form means no bound
    since: z.union([z.literal(''), isoTime()], { error: TIME_HINT }).optional(),
    until: z.union([z.literal(''), isoTime()], { error: TIME_HINT }).optional(),
    page: z.coerce.number().int('must be a whole number').min(1).max(1000).default(1),
    size: z.coerce.number().int('must be a whole number').min(1).max(100).default(25),
  })
  .strict()
  .transform(({ since, until, ...rest }) => ({ ...rest, ...(since !== '' && since !== undefined ? { since } : {}), ...(until !== '' && until !== undefined ? { until } : {}) }))
  .superRefine(checkRange);
const PromoteBody = z.object({ version: z.number().int().positive() }).strict();

const PAGE_SIZE_MODELS = 30;

function html(reply: FastifyReply, title: string, body: string, script?: (nonce: string) => string): FastifyReply {
  const nonce = randomBytes(16).toString('base64');
  return reply
    .headers(pageHeaders(nonce))
    .type('text/html; charset=utf-8')
    .send(page({ title, body, nonce, ...(script ? { script: script(nonce) } : {}) }));
}

function registryFailure(reply: FastifyReply, err: unknown): FastifyReply {
  if (err instanceof RegistryError) {
    const status = err.type === 'CorruptRegistry' ? 500 : err.type === 'AliasMoved' ? 409 : err.type === 'AliasNotSet' ? 409 : 404;
    return sendError(reply, status, err.message);
  }
  throw err;
}

// eslint-disable-next-line @typescript-eslint/require-await -- Fastify awaits a plugin; an async one registers its routes before ready()
export const consolePlugin: FastifyPluginAsync<ConsoleOptions> = async (app, opts) => {
  const { registry, store } = opts;
  const links = opts.links ?? linksFromEnv(process.env);
  const tags = ['console'];
  const hide = { hide: true };

  app.get('/console', { schema: { ...hide, tags } }, async (_request, reply) => html(reply, 'Models', modelsBody(await modelRows(registry, store), links)));

  app.get('/console/models/:name', { schema: { ...hide, tags } }, async (request, reply) => {
    const p = NameParam.safeParse(request.params);
    if (!p.success) return sendError(reply, 400, 'invalid params', zodIssues(p.error, ['params']));
    const d = await modelDetail(registry, store, p.data.name, PAGE_SIZE_MODELS);
    if (!d) return sendError(reply, 404, `no model ${p.data.name}`);
    return html(reply, `Model ${d.name}`, modelBody(d, links), () => adminScript(d.name));
  });

  app.get('/console/reports', { schema: { ...hide, tags } }, async (request, reply) => {
    const q = ReportsQuery.safeParse(request.query ?? {});
    if (!q.success) return sendError(reply, 400, 'invalid querystring', zodIssues(q.error, ['querystring']));
    const query = {
      page: q.data.page,
      size: q.data.size,
      ...(q.data.model ? { model: q.data.model } : {}),
      ...(q.data.kind ? { kind: q.data.kind } : {}),
      ...(q.data.verdict ? { verdict: q.data.verdict } : {}),
      ...(q.data.since !== undefined ? { since: q.data.since } : {}),
      ...(q.data.until !== undefined ? { until: q.data.until } : {}),
    };
    const { rows, hasNext } = await reportPage(store, query);
    return html(reply, 'Reports', reportsBody(query, rows, hasNext, await registry.models()));
  });

  // Admin actions: the same functions as `mlp models promote` / `mlp models rollback` (src/training/hand-promotion.ts).
  app.post('/console/api/models/:name/promote', { ...opts.adminGuard, schema: { tags, summary: 'Console: point the champion at a version (admin key)' } }, async (request, reply) => {
    const p = NameParam.safeParse(request.params);
    if (!p.success) return sendError(reply, 400, 'invalid params', zodIssues(p.error, ['params']));
    const b = PromoteBody.safeParse(request.body ?? {});
    if (!b.success) return sendError(reply, 400, 'invalid body', zodIssues(b.error, ['body']));
    try {
      return await promoteByHand(registry, {
        model: p.data.name,
        version: b.data.version,
        reason: `promoted from the console by ${request.principal?.name ?? 'admin'}`,
        monitoring: opts.monitoring ?? null,
      });
    } catch (err) {
      return registryFailure(reply, err);
    }
  });

  app.post('/console/api/models/:name/rollback', { ...opts.adminGuard, schema: { tags, summary: 'Console: move the champion back to its previous version (admin key)' } }, async (request, reply) => {
    const p = NameParam.safeParse(request.params);
    if (!p.success) return sendError(reply, 400, 'invalid params', zodIssues(p.error, ['params']));
    try {
      return await rollbackChampion(registry, p.data.name);
    } catch (err) {
      return registryFailure(reply, err);
    }
  });
};

// Fastify plugin serving drift reports: GET /v1/reports (list), /v1/reports/:id (JSON), /v1/reports/:id.html (page).
import type { FastifyPluginAsync, FastifyReply, RouteShorthandOptions } from 'fastify';
import { z } from 'zod';
import { sendError, zodIssues } from '../serving/errors';
import { REPORT_ID } from './monitor/report-model';
import type { ArtifactStore } from '../store';
import { listDriftReports, readDriftReport, readDriftReportHtml } from './report/store';

/** Route options to spread into each route, e.g. the service's guard(app) (auth, rate limit, usage). */
export type ReportsRouteGuard = Pick<RouteShorthandOptions, 'onRequest' | 'preHandler' | 'onResponse' | 'config'>;

export interface ReportsPluginOptions {
  /** Reports are read from reports/drift/ in this store. */
  store: ArtifactStore;
  /**
   * Applied to every route. Without one, reports are open: a browser can follow the link in a Slack
   * alert (which cannot send an API key); reports hold binned statistics, never raw rows.
   */
  guard?: ReportsRouteGuard;
}

const ListQuery = z
  .object({
    limit: z.coerce.number().int('must be a whole number').min(1, 'must be 1-500').max(500, 'must be 1-500').default(50),
    model: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'must be a registry model name').optional(),
  })
  .strict();

/** `<id>`, `<id>.json` or `<id>.html`; the id itself has no dot or slash, so it cannot leave the reports folder. */
const IdParam = z.object({
  id: z
    .string()
    .max(200)
    .transform((raw) => {
      const m = /^(.*)\.(json|html)$/.exec(raw);
      return m ? { id: m[1], format: m[2] as 'json' | 'html' } : { id: raw, format: 'json' as const };
    })
    .refine((v) => REPORT_ID.test(v.id), { message: 'a report id is letters, digits, - and _ (see GET /v1/reports)' }),
});

// The page is self-contained: no script, no external fetch; the policy makes sure of it.
const PAGE_HEADERS = {
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'",
  'x-content-type-options': 'nosniff',
  'cache-control': 'no-cache',
};

function badRequest(reply: FastifyReply, what: string, error: z.ZodError): FastifyReply {
  return sendError(reply, 400, `invalid ${what}`, zodIssues(error, [what]));
}

export const reportsPlugin: FastifyPluginAsync<ReportsPluginOptions> = async (app, opts) => {
  const dir = opts.store;
  const guard = opts.guard ?? {};

  app.get('/v1/reports', { ...guard, schema: { tags: ['reports'], summary: 'Drift reports, newest first (?limit=1-500, ?model=<name>)' } }, async (request, reply) => {
    const q = ListQuery.safeParse(request.query ?? {});
    if (!q.success) return badRequest(reply, 'querystring', q.error);
    const reports = await listDriftReports(dir, { limit: q.data.limit, ...(q.data.model ? { model: q.data.model } : {}) });
    return { reports: reports.map((r) => ({ ...r, links: { json: `/v1/reports/${r.id}`, html: `/v1/reports/${r.id}.html` } })) };
  });

  // One route for both forms: the router would take "<id>.html" as the id anyway.
  app.get('/v1/reports/:id', { ...guard, schema: { tags: ['reports'], summary: 'One drift report: JSON (/v1/reports/<id>) or its HTML page (/v1/reports/<id>.html)' } }, async (request, reply) => {
    const p = IdParam.safeParse(request.params);
    if (!p.success) return badRequest(reply, 'params', p.error);
    const { id, format } = p.data.id;
    if (format === 'html') return sendPage(id, reply);
    const report = await readDriftReport(dir, id);
    if (!report) return sendError(reply, 404, `no drift report ${id}`);
    return report;
  });

  async function sendPage(id: string, reply: FastifyReply): Promise<FastifyReply> {
    const html = await readDriftReportHtml(dir, id);
    if (html === null) return sendError(reply, 404, `no drift report ${id}`);
    return reply.headers(PAGE_HEADERS).type('text/html; charset=utf-8').send(html);
  }
};

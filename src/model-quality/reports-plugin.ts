// Fastify plugin serving model-quality reports beside the drift reports: GET /v1/reports/quality[/<id>[.html]].
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { z } from 'zod';
import { REPORT_ID } from '../drift/monitor/report-model';
import type { ReportsRouteGuard } from '../drift/reports-plugin';
import { sendError, zodIssues } from '../serving/errors';
import type { ArtifactStore } from '../store';
import { listQualityReports, readQualityReport, readQualityReportHtml } from './report';

export interface QualityReportsPluginOptions {
  /** Reports are read from reports/model-quality/ in this store. */
  store: ArtifactStore;
  /** Without one, reports are open like the drift reports (alert links open in a browser); they hold aggregates, never rows. */
  guard?: ReportsRouteGuard;
}

const ListQuery = z
  .object({
    limit: z.coerce.number().int('must be a whole number').min(1, 'must be 1-500').max(500, 'must be 1-500').default(50),
    model: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'must be a registry model name').optional(),
  })
  .strict();

const IdParam = z.object({
  id: z
    .string()
    .max(200)
    .transform((raw) => {
      const m = /^(.*)\.(json|html)$/.exec(raw);
      return m ? { id: m[1], format: m[2] as 'json' | 'html' } : { id: raw, format: 'json' as const };
    })
    .refine((v) => REPORT_ID.test(v.id), { message: 'a report id is letters, digits, - and _ (see GET /v1/reports/quality)' }),
});

// Self-contained page: no script, no external fetch; the policy makes sure of it.
const PAGE_HEADERS = {
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'",
  'x-content-type-options': 'nosniff',
  'cache-control': 'no-cache',
};

export const qualityReportsPlugin: FastifyPluginAsync<QualityReportsPluginOptions> = async (app, opts) => {
  const { store } = opts;
  const guard = opts.guard ?? {};
  const tags = ['reports'];

  app.get('/v1/reports/quality', { ...guard, schema: { tags, summary: 'Model-quality reports, newest first (?limit=1-500, ?model=<name>)' } }, async (request, reply) => {
    const q = ListQuery.safeParse(request.query ?? {});
    if (!q.success) return sendError(reply, 400, 'invalid querystring', zodIssues(q.error, ['querystring']));
    const reports = await listQualityReports(store, { limit: q.data.limit, ...(q.data.model ? { model: q.data.model } : {}) });
    return { reports: reports.map((r) => ({ ...r, links: { json: `/v1/reports/quality/${r.id}`, html: `/v1/reports/quality/${r.id}.html` } })) };
  });

  app.get('/v1/reports/quality/:id', { ...guard, schema: { tags, summary: 'One model-quality report: JSON, or its HTML page with a .html suffix' } }, async (request, reply) => {
    const p = IdParam.safeParse(request.params);
    if (!p.success) return sendError(reply, 400, 'invalid params', zodIssues(p.error, ['params']));
    const { id, format } = p.data.id;
    if (format === 'html') return sendPage(id, reply);
    const report = await readQualityReport(store, id);
    if (!report) return sendError(reply, 404, `no model-quality report ${id}`);
    return report;
  });

  async function sendPage(id: string, reply: FastifyReply): Promise<FastifyReply> {
    const html = await readQualityReportHtml(store, id);
    if (html === null) return sendError(reply, 404, `no model-quality report ${id}`);
    return reply.headers(PAGE_HEADERS).type('text/html; charset=utf-8').send(html);
  }
};

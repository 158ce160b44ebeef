// The API shape every report kind shares: a newest-first list, each report as JSON, and its self-contained HTML page.
import type { FastifyPluginAsync, FastifyReply, RouteShorthandOptions } from 'fastify';
import { z } from 'zod';
import { REPORT_ID } from '../util/report-id';
import { sendError, zodIssues } from '../http/errors';
import type { ArtifactStore } from '../store';
import { modelNameSchema } from '../registry/model-name';

/** Route options to spread into each route, e.g. the service's guard(app) (auth, rate limit, usage). */
export type ReportsRouteGuard = Pick<RouteShorthandOptions, 'onRequest' | 'preHandler' | 'onResponse' | 'config'>;

export interface ReportsPluginOptions {
  store: ArtifactStore;
  /**
   * Applied to every route. Without one, reports are open: a browser can follow the link in a Slack alert (which
   * cannot send an API key); reports hold binned statistics and aggregates, never raw rows.
   */
  guard?: ReportsRouteGuard;
}

/** Where one kind of report lives in the API and how it is read from the store. */
export interface ReportKind<Summary extends { id: string }> {
  /** In messages and summaries, e.g. "drift", "model-quality". */
  name: string;
  /** The list route, e.g. /v1/reports; each report is <base>/<id>[.json|.html]. */
  base: string;
  list(store: ArtifactStore, opts: { limit: number; model?: string; since?: number; until?: number }): Promise<Summary[]>;
  read(store: ArtifactStore, id: string): Promise<unknown>;
  readHtml(store: ArtifactStore, id: string): Promise<string | null>;
}

/**
 * A bound of a time filter: an ISO date or date-time; one without a zone (what a browser's datetime-local field
 * sends) is UTC. Parsed to epoch ms.
 */
export const isoTime = () =>
  z
    .union([z.iso.datetime({ offset: true, local: true }), z.iso.date()], { error: 'must be an ISO date or time, e.g. 2025-01-06 or 2025-01-06T03:00:00Z' })
    .transform((v) => Date.parse(/T[^Z+-]*$/.test(v) ? `${v}Z` : v));

/** `since` and `until` of a report list: the window end is at or after `since` and before `until`. */
export const timeFilter = {
  since: isoTime().optional(),
  until: isoTime().optional(),
};

/** Rejects a range that cannot hold a report, naming `until`. */
export function checkRange(q: { since?: number | undefined; until?: number | undefined }, ctx: z.RefinementCtx): void {
  if (q.since !== undefined && q.until !== undefined && q.until <= q.since) ctx.addIssue({ code: 'custom', path: ['until'], message: 'must be after since' });
}

const ListQuery = z
  .object({
    limit: z.coerce.number().int('must be a whole number').min(1, 'must be 1-500').max(500, 'must be 1-500').default(50),
    model: modelNameSchema().optional(),
    ...timeFilter,
  })
  .strict()
  .superRefine(checkRange);

/** `<id>`, `<id>.json` or `<id>.html`; the id itself has no dot or slash, so it cannot leave the reports folder. */
const idParam = (base: string) =>
  z.object({
    id: z
      .string()
      .max(200)
      .transform((raw) => {
        const m = /^(.*)\.(json|html)$/.exec(raw);
        return m ? { id: m[1], format: m[2] as 'json' | 'html' } : { id: raw, format: 'json' as const };
      })
      .refine((v) => REPORT_ID.test(v.id), { message: `a report id is letters, digits, - and _ (see GET ${base})` }),
  });

// The page is self-contained: no script, no external fetch; the policy makes sure of it.
export const PAGE_HEADERS = {
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'",
  'x-content-type-options': 'nosniff',
  'cache-control': 'no-cache',
};

function badRequest(reply: FastifyReply, what: string, error: z.ZodError): FastifyReply {
  return sendError(reply, 400, `invalid ${what}`, zodIssues(error, [what]));
}

/** A Fastify plugin serving one report kind: GET <base> (?limit=1-500, ?model=<name>, ?since, ?until) and GET <base>/<id>[.html]. */
export function reportsPluginFor<Summary extends { id: string }>(kind: ReportKind<Summary>): FastifyPluginAsync<ReportsPluginOptions> {
  const IdParam = idParam(kind.base);
  const title = kind.name[0].toUpperCase() + kind.name.slice(1);
  // eslint-disable-next-line @typescript-eslint/require-await -- Fastify registers a plugin that returns a promise as an async plugin; this one needs no await
  return async (app, opts) => {
    const { store } = opts;
    const guard = opts.guard ?? {};
    const tags = ['reports'];

    app.get(
      kind.base,
      { ...guard, schema: { tags, summary: `${title} reports, newest first (?limit=1-500, ?model=<name>, ?since=<ISO time>, ?until=<ISO time>: window end in [since, until))` } },
      async (request, reply) => {
        const q = ListQuery.safeParse(request.query ?? {});
        if (!q.success) return badRequest(reply, 'querystring', q.error);
        const { limit, model, since, until } = q.data;
        const reports = await kind.list(store, { limit, ...(model ? { model } : {}), ...(since !== undefined ? { since } : {}), ...(until !== undefined ? { until } : {}) });
        return { reports: reports.map((r) => ({ ...r, links: { json: `${kind.base}/${r.id}`, html: `${kind.base}/${r.id}.html` } })) };
      },
    );

    // One route for both forms: the router would take "<id>.html" as the id anyway.
    app.get(`${kind.base}/:id`, { ...guard, schema: { tags, summary: `One ${kind.name} report: JSON (${kind.base}/<id>) or its HTML page (${kind.base}/<id>.html)` } }, async (request, reply) => {
      const p = IdParam.safeParse(request.params);
      if (!p.success) return badRequest(reply, 'params', p.error);
      const { id, format } = p.data.id;
      if (format === 'html') {
        const html = await kind.readHtml(store, id);
        if (html === null) return sendError(reply, 404, `no ${kind.name} report ${id}`);
        return reply.headers(PAGE_HEADERS).type('text/html; charset=utf-8').send(html);
      }
      const report = await kind.read(store, id);
      if (!report) return sendError(reply, 404, `no ${kind.name} report ${id}`);
      return report;
    });
  };
}

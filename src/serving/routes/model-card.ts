// GET /v1/models/:name/versions/:version/card.html (and card.json): each registry version's model card, open like the drift reports.
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { z } from 'zod';
import { CARD_FILES } from '../../model-card/card';
import { modelNameSchema } from '../../registry/model-name';
import type { Registry } from '../../registry/registry';
import { PAGE_HEADERS } from '../../reports/routes';
import { sendError, zodIssues } from '../../http/errors';

export interface ModelCardRoutesOptions {
  registry: Registry;
}

const Params = z
  .object({
    name: modelNameSchema(),
    version: z.coerce.number().int('must be a whole number').positive('must be a version number (1, 2, ...)'),
    file: z.enum(['card.html', 'card.json'], { error: 'must be card.html or card.json' }),
  })
  .strict();

/** Cards hold aggregate metrics and profile summaries, never rows: open, so a link in the Web UI opens in a browser. */
// eslint-disable-next-line @typescript-eslint/require-await -- Fastify registers a plugin that returns a promise as an async plugin; this one needs no await
export const modelCardRoutes: FastifyPluginAsync<ModelCardRoutesOptions> = async (app, opts) => {
  app.get(
    '/v1/models/:name/versions/:version/:file',
    { schema: { tags: ['models'], summary: "A version's model card: card.html (the page) or card.json" } },
    async (request, reply): Promise<FastifyReply> => {
      const p = Params.safeParse(request.params);
      if (!p.success) return sendError(reply, p.error.issues.some((i) => i.path[0] === 'file') ? 404 : 400, 'invalid params', zodIssues(p.error, ['params']));
      const { name, version, file } = p.data;
      let body: Buffer;
      try {
        body = await opts.registry.readFile(name, version, file === 'card.html' ? CARD_FILES.html : CARD_FILES.json);
      } catch {
        return sendError(reply, 404, `no model card for ${name} version ${version} (versions registered before model cards have none)`);
      }
      if (file === 'card.json') return reply.type('application/json; charset=utf-8').send(body);
      return reply.headers(PAGE_HEADERS).type('text/html; charset=utf-8').send(body);
    },
  );
};

// One JSON error shape for every 4xx/5xx the service sends, and the fastify handlers that produce it.
import { STATUS_CODES } from 'node:http';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';

export const Issue = z.object({
  path: z.string().meta({ description: 'Dotted path of the bad field, e.g. instances.0.distance' }),
  message: z.string(),
});
export type Issue = z.infer<typeof Issue>;

export const ErrorBody = z
  .object({
    error: z.string().meta({ description: 'HTTP status text, e.g. Bad Request' }),
    message: z.string(),
    issues: z.array(Issue).optional(),
  })
  .meta({ title: 'Error' });
export type ErrorBody = z.infer<typeof ErrorBody>;

/** An error that becomes a response with exactly this status, message and issue list. */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
    readonly issues?: Issue[],
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export function errorBody(statusCode: number, message: string, issues?: Issue[]): ErrorBody {
  const body: ErrorBody = { error: STATUS_CODES[statusCode] ?? 'Error', message };
  if (issues && issues.length > 0) body.issues = issues;
  return body;
}

/** zod issues as field-level issues; an unrecognized-keys issue becomes one issue per unknown field. */
export function zodIssues(error: z.ZodError, prefix: readonly PropertyKey[] = []): Issue[] {
  const out: Issue[] = [];
  for (const issue of error.issues) {
    const base = [...prefix, ...issue.path].map(String);
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) out.push({ path: [...base, key].join('.'), message: 'unknown field' });
    } else {
      out.push({ path: base.join('.') || '(body)', message: issue.message });
    }
  }
  return out;
}

/** Throws a 400 naming each bad field when `schema` rejects `value`. */
export function parseOr400<T>(schema: z.ZodType<T>, value: unknown, what: string, prefix: readonly PropertyKey[] = []): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issues = zodIssues(parsed.error, prefix);
  throw new HttpError(400, `invalid ${what}: ${issues.length} problem${issues.length === 1 ? '' : 's'}`, issues);
}

/** Friendlier texts for fastify's own client errors; never leaks internals. */
function clientMessage(err: FastifyError, status: number): string {
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return 'request body is larger than the limit';
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return 'unsupported content type: send application/json';
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return 'body is empty: send a JSON object';
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return 'body is not valid JSON (or it has a __proto__ or constructor.prototype key)';
    default:
      if (err instanceof SyntaxError) return 'body is not valid JSON';
      return status === 429 || status < 500 ? err.message : 'internal error';
  }
}

export function sendError(reply: FastifyReply, statusCode: number, message: string, issues?: Issue[]): FastifyReply {
  return reply
    .code(statusCode)
    .type('application/json; charset=utf-8')
    .send(errorBody(statusCode, message, issues));
}

/** Installs the error and not-found handlers on `app` (call on the root instance). */
export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | HttpError, request: FastifyRequest, reply: FastifyReply) => {
    if (err instanceof HttpError) {
      if (err.headers) reply.headers(err.headers);
      return sendError(reply, err.statusCode, err.message, err.issues);
    }
    const status = typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
    if (status >= 500) {
      request.log.error({ err }, 'request failed');
      return sendError(reply, status, `internal error (request ${request.id}); see the service log`);
    }
    return sendError(reply, status, clientMessage(err, status));
  });
  app.setNotFoundHandler((request, reply) => {
    sendError(reply, 404, `no route ${request.method} ${request.url.split('?')[0]}`);
  });
}

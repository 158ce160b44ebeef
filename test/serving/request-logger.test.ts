// Lazy request loggers: no pino child until a request logs, and then its lines carry the request id.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import Fastify, { LogController, type FastifyBaseLogger } from 'fastify';
import pino from 'pino';
import { installErrorHandling } from '../../src/http/errors';
import { LazyChildLogger, lazyChildLoggerFactory } from '../../src/serving/request-logger';

/** A pino logger writing JSON lines into `lines`, and a count of the children made from it. */
function recordingLogger(): { logger: FastifyBaseLogger; lines: Array<Record<string, unknown>>; children: () => number } {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString('utf8').split('\n')) if (l) lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  const base = pino({ level: 'info' }, sink);
  let made = 0;
  const child = base.child.bind(base);
  base.child = (bindings, options) => {
    made++;
    return child(bindings, options);
  };
  return { logger: base, lines, children: () => made };
}

describe('serving: lazy request loggers', () => {
  it('makes the child on the first line only, once, with the bindings and options given', () => {
    const { logger, lines, children } = recordingLogger();
    const lazy = new LazyChildLogger(logger, { reqId: 'r-1' }, {});
    assert.equal(lazy.level, 'info');
    assert.equal(children(), 0);
    lazy.debug('below the level');
    assert.equal(children(), 1);
    lazy.warn({ extra: 1 }, 'first');
    lazy.error('second');
    assert.equal(children(), 1);
    assert.deepEqual(
      lines.map((l) => [l.reqId, l.msg, l.extra]),
      [
        ['r-1', 'first', 1],
        ['r-1', 'second', undefined],
      ],
    );
    lazy.level = 'error';
    lazy.warn('now below the level');
    assert.equal(lines.length, 2);
  });

  it('in fastify: requests that log nothing make no child; an error line carries its request id', async () => {
    const { logger, lines, children } = recordingLogger();
    let n = 0;
    const app = Fastify({
      loggerInstance: logger,
      childLoggerFactory: lazyChildLoggerFactory,
      genReqId: () => `id-${++n}`,
      logController: new LogController({ disableRequestLogging: true }),
    });
    installErrorHandling(app);
    // eslint-disable-next-line @typescript-eslint/require-await -- Fastify sends an async handler's resolved value as the reply
    app.get('/ok', async () => ({ ok: true }));
    // eslint-disable-next-line @typescript-eslint/require-await -- Fastify sends an async handler's resolved value as the reply
    app.get('/boom', async () => {
      throw new Error('kaput');
    });
    try {
      await app.ready();
      const atStart = children();
      for (let i = 0; i < 5; i++) assert.equal((await app.inject({ url: '/ok' })).statusCode, 200);
      assert.equal(children(), atStart);
      const res = await app.inject({ url: '/boom' });
      assert.equal(res.statusCode, 500);
      const line = lines.find((l) => (l.err as { message?: string } | undefined)?.message === 'kaput');
      assert.ok(line, `no error line in ${JSON.stringify(lines)}`);
      assert.equal(line.reqId, 'id-6');
      assert.equal(children(), atStart + 1);
    } finally {
      await app.close();
    }
  });
});

// A fake Slack Web API on 127.0.0.1: records every request and answers from a script (ok, 5xx, 429, platform errors).
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type FakeReply = { kind: 'ok' } | { kind: 'http'; status: number } | { kind: 'rateLimited'; retryAfter: number } | { kind: 'error'; error: string };

export const reply = {
  ok: (): FakeReply => ({ kind: 'ok' }),
  http: (status: number): FakeReply => ({ kind: 'http', status }),
  rateLimited: (retryAfter: number): FakeReply => ({ kind: 'rateLimited', retryAfter }),
  error: (error: string): FakeReply => ({ kind: 'error', error }),
};

export interface FakeRequest {
  method: string;
  /** The Web API method, e.g. chat.postMessage. */
  apiMethod: string;
  authorization: string | undefined;
  params: Record<string, string>;
  reply: FakeReply;
  receivedAt: number;
}

/** A message the fake accepted (answered ok). */
export interface FakeMessage {
  channel: string;
  text: string;
  blocks: unknown[];
  ts: string;
}

export class FakeSlack {
  readonly requests: FakeRequest[] = [];
  readonly messages: FakeMessage[] = [];
  private script: FakeReply[] = [];
  private waiters: { count: number; resolve: () => void }[] = [];
  private tsCounter = 0;

  private constructor(
    private readonly server: http.Server,
    /** When set, any other bearer token is answered invalid_auth, as Slack does. */
    private readonly validToken: string | undefined,
  ) {}

  static async start(opts: { validToken?: string } = {}): Promise<FakeSlack> {
    let fake: FakeSlack | undefined;
    const server = http.createServer((req, res) => {
      void fake?.handle(req, res);
    });
    fake = new FakeSlack(server, opts.validToken);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return fake;
  }

  /** The slackApiUrl to give the WebClient. */
  get url(): string {
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}/api/`;
  }

  /** Queues replies for the next requests; once used up, requests are answered ok. */
  answer(...replies: FakeReply[]): void {
    this.script.push(...replies);
  }

  /** Resolves once `count` requests have arrived (rejects after `timeoutMs`, naming what did arrive). */
  waitForRequests(count: number, timeoutMs = 30_000): Promise<void> {
    if (this.requests.length >= count) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`fake Slack: waited for ${count} requests, got ${this.requests.length}`)), timeoutMs);
      this.waiters.push({
        count,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  }

  /** Every text a person could read in a message: the fallback and all block texts. */
  static readableText(message: FakeMessage): string {
    const texts: string[] = [message.text];
    const walk = (node: unknown): void => {
      if (Array.isArray(node)) node.forEach(walk);
      else if (node && typeof node === 'object') {
        for (const [k, v] of Object.entries(node)) {
          if (k === 'text' && typeof v === 'string') texts.push(v);
          else walk(v);
        }
      }
    };
    walk(message.blocks);
    return texts.join('\n');
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const params = Object.fromEntries(new URLSearchParams(body));
    const apiMethod = (req.url ?? '').replace(/^\/api\//, '').split('?')[0] ?? '';
    const authorization = req.headers.authorization;

    let planned: FakeReply = this.script.shift() ?? reply.ok();
    if (planned.kind === 'ok' && this.validToken !== undefined && authorization !== `Bearer ${this.validToken}`) {
      planned = reply.error('invalid_auth');
    }
    if (planned.kind === 'ok' && apiMethod !== 'chat.postMessage') planned = reply.error('unknown_method');
    this.requests.push({ method: req.method ?? '', apiMethod, authorization, params, reply: planned, receivedAt: Date.now() });

    const json = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
      res.end(JSON.stringify(payload));
    };
    switch (planned.kind) {
      case 'ok': {
        const ts = `1700000000.${String(++this.tsCounter).padStart(6, '0')}`;
        const channel = params.channel ?? '';
        this.messages.push({ channel, text: params.text ?? '', blocks: params.blocks ? (JSON.parse(params.blocks) as unknown[]) : [], ts });
        json(200, { ok: true, channel, ts, message: { text: params.text, ts } });
        break;
      }
      case 'http':
        res.writeHead(planned.status, { 'content-type': 'text/plain' });
        res.end('upstream trouble');
        break;
      case 'rateLimited':
        json(429, { ok: false, error: 'ratelimited' }, { 'retry-after': String(planned.retryAfter) });
        break;
      case 'error':
        json(200, { ok: false, error: planned.error });
        break;
    }
    for (const waiter of this.waiters.filter((w) => this.requests.length >= w.count)) {
      this.waiters.splice(this.waiters.indexOf(waiter), 1);
      waiter.resolve();
    }
  }
}

// The real @slack/web-api WebClient against the fake Slack server: one request per call, failures sorted, token never logged.
import assert from 'node:assert/strict';
import { Alert } from '../../src/alerts/model';
import { Secret, type LogLevelName } from '../../src/util/redact';
import { classifySlackError, createSlackClient, postAlert, type SlackFailure } from '../../src/alerts/slack';
import { FakeSlack, reply } from '../support/fake-slack';
import { randomToken } from './helpers';

const alert = Alert.parse({
  id: 'sender-1',
  kind: 'firing',
  key: 'k',
  severity: 'critical',
  title: 'Export failed',
  source: { workflowId: 'w', runId: 'r', workflowType: 'trainingPipeline', message: 'boom' },
  links: { run: 'http://ui/namespaces/default/workflows/w/r' },
  raisedAt: '2026-11-26T10:00:00.000Z',
});

async function attempt(fake: FakeSlack, token: string, logs: string[]): Promise<SlackFailure | 'ok'> {
  const sink = (level: LogLevelName, message: string) => logs.push(`${level} ${message}`);
  const client = createSlackClient({ token: new Secret(token), channel: 'C1', apiUrl: fake.url, timeoutMs: 3_000 }, sink);
  try {
    await postAlert(client, 'C1', alert);
    return 'ok';
  } catch (err) {
    return classifySlackError(err);
  }
}

describe('alerts: Slack sender on the real WebClient', () => {
  let fake: FakeSlack;
  const token = randomToken();
  beforeEach(async () => {
    fake = await FakeSlack.start({ validToken: token });
  });
  afterEach(async () => {
    await fake.close();
  });

  it('posts chat.postMessage with the bearer token, channel, text and blocks', async () => {
    assert.equal(await attempt(fake, token, []), 'ok');
    assert.equal(fake.requests.length, 1);
    assert.equal(fake.requests[0]?.apiMethod, 'chat.postMessage');
    assert.equal(fake.requests[0]?.authorization, `Bearer ${token}`);
    assert.equal(fake.messages[0]?.channel, 'C1');
    assert.match(FakeSlack.readableText(fake.messages[0]), /Export failed/);
    assert.ok((fake.messages[0]?.blocks.length ?? 0) > 2);
  });

  it('makes exactly one request per call and classifies 500 as transient', async () => {
    fake.answer(reply.http(500));
    const r = await attempt(fake, token, []);
    assert.equal(fake.requests.length, 1, 'the client must not retry by itself');
    assert.ok(r !== 'ok' && r.kind === 'transient', JSON.stringify(r));
  });

  it('hands a 429 back at once with its Retry-After', async () => {
    fake.answer(reply.rateLimited(7));
    const r = await attempt(fake, token, []);
    assert.equal(fake.requests.length, 1, 'the client must not sleep and retry by itself');
    assert.deepEqual(r !== 'ok' && r.kind === 'rateLimited' ? r.retryAfterSeconds : r, 7);
  });

  it('classifies invalid_auth, channel_not_found, account_inactive and not_authed as configuration errors', async () => {
    for (const code of ['channel_not_found', 'account_inactive', 'not_authed']) {
      fake.answer(reply.error(code));
      const r = await attempt(fake, token, []);
      assert.deepEqual(r !== 'ok' && r.kind === 'config' ? r.code : r, code);
    }
    const wrong = await attempt(fake, `${token}-wrong`, []);
    assert.deepEqual(wrong !== 'ok' && wrong.kind === 'config' ? wrong.code : wrong, 'invalid_auth');
  });

  it('classifies a refused connection as transient and logs it without the token', async () => {
    const logs: string[] = [];
    const url = fake.url;
    await fake.close();
    const sink = (level: LogLevelName, message: string) => logs.push(`${level} ${message}`);
    const client = createSlackClient({ token: new Secret(token), channel: 'C1', apiUrl: url, timeoutMs: 3_000 }, sink);
    const r = await postAlert(client, 'C1', alert).then(
      () => 'ok' as const,
      (err: unknown) => classifySlackError(err),
    );
    assert.ok(r !== 'ok' && r.kind === 'transient', JSON.stringify(r));
    assert.ok(logs.length > 0, 'the WebClient logs a failed request at warn');
    for (const line of logs) assert.ok(!line.includes(token), line);
    fake = await FakeSlack.start(); // for afterEach
  });

  it('falls back to text alone when Slack refuses the blocks', async () => {
    fake.answer(reply.error('invalid_blocks'));
    assert.equal(await attempt(fake, token, []), 'ok');
    assert.equal(fake.requests.length, 2);
    assert.equal(fake.requests[1]?.params.blocks, undefined);
    assert.match(fake.messages[0]?.text ?? '', /Export failed/);
  });

  it('treats other refusals as a rejected message', async () => {
    fake.answer(reply.error('msg_too_long'));
    const r = await attempt(fake, token, []);
    assert.deepEqual(r !== 'ok' ? r.kind : r, 'rejected');
  });
});

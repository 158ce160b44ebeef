// Alert building blocks without Temporal: Block Kit rendering, redaction, router bookkeeping, the JSONL sink, settings.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { inspect } from 'node:util';
import { escapeMrkdwn, renderSlackMessage } from '../../src/alerts/blocks';
import { appendAlertOnce } from '../../src/alerts/file-sink';
import { Alert, defaultRouterConfig, runLink, type AlertInput } from '../../src/alerts/model';
import { redact, redactLine, Secret } from '../../src/util/redact';
import { decideAlert, decideResolve, emptyMemory, prune, recordDelivered, recordFailure } from '../../src/alerts/router-state';
import { alertSettingsFromEnv } from '../../src/alerts/settings';
import { ConfigError, parseEnv } from '../../src/config/env';

function sampleAlert(over: Partial<AlertInput> = {}): Alert {
  return Alert.parse({
    id: 'a-1',
    kind: 'firing',
    key: 'activity-failed:trainingPipeline:trainModel:OutOfMemory',
    severity: 'error',
    title: 'trainModel failed for good in trainingPipeline',
    source: {
      workflowId: 'training-42',
      runId: 'run-abc',
      workflowType: 'trainingPipeline',
      activity: 'trainModel',
      attempt: 5,
      errorType: 'OutOfMemory',
      message: 'heap exhausted <at round 12> & gave up',
    },
    links: { run: runLink('http://ui:8233/', 'default', 'training-42', 'run-abc') },
    raisedAt: '2026-11-26T10:00:00.000Z',
    ...over,
  });
}

describe('alerts: Block Kit rendering', () => {
  it('shows what failed, where, and the Web UI link, with mrkdwn escaped', () => {
    const msg = renderSlackMessage(sampleAlert());
    const all = JSON.stringify(msg.blocks);
    assert.equal(msg.blocks[0]?.type, 'header');
    assert.ok(all.includes('http://ui:8233/namespaces/default/workflows/training-42/run-abc'));
    assert.ok(all.includes('trainModel'));
    assert.ok(all.includes('OutOfMemory'));
    assert.ok(all.includes('*Attempt*\\n5'));
    assert.ok(all.includes('heap exhausted &lt;at round 12&gt; &amp; gave up'), 'user text is escaped');
    assert.ok(msg.text.includes('http://ui:8233/namespaces/default/workflows/training-42/run-abc'), 'fallback text carries the link');
  });

  it('lists failed expectations and drifted features with their numbers', () => {
    const gate = renderSlackMessage(
      sampleAlert({
        details: {
          kind: 'gate',
          total: 9,
          failedExpectations: [
            { name: 'not_null', column: 'dep_delay', observedValue: 12, unexpectedPercent: 3.5 },
            { name: 'between', column: 'distance', summary: 'min -3 below 0' },
          ],
        },
      }),
    );
    const gateText = JSON.stringify(gate.blocks);
    assert.match(gateText, /Failed expectations \(2 of 9\)/);
    assert.match(gateText, /`not_null` on `dep_delay`: observed `12`, 3.5% unexpected/);
    assert.match(gateText, /`between` on `distance`: min -3 below 0/);

    const drift = renderSlackMessage(
      sampleAlert({
        details: {
          kind: 'drift',
          model: 'flights',
          driftedFeatures: [
            { feature: 'origin', method: 'chisquare', statistic: 80.5, threshold: 0.05, pValue: 0.00001 },
            { feature: 'distance', method: 'psi', statistic: 0.31, threshold: 0.2 },
          ],
        },
      }),
    );
    const driftText = JSON.stringify(drift.blocks);
    assert.match(driftText, /Drifted features \(2\)/);
    assert.match(driftText, /`origin`: chisquare statistic 80.5, p = 1.00e-5 < threshold 0.05/);
    assert.match(driftText, /`distance`: psi = 0.31 ≥ threshold 0.2/);
  });

  it('stays within Slack limits for huge input and shortens long lists', () => {
    const failedExpectations = Array.from({ length: 40 }, (_, i) => ({ name: `rule_${i}`, column: 'c'.repeat(200) }));
    const msg = renderSlackMessage(sampleAlert({ title: 'T'.repeat(300), source: { ...sampleAlert().source, message: 'm'.repeat(4000) }, details: { kind: 'gate', failedExpectations } }));
    const header = msg.blocks[0];
    assert.ok(header?.type === 'header' && header.text.text.length <= 150);
    for (const block of msg.blocks) {
      if (block.type === 'section' && block.text) assert.ok(block.text.text.length <= 3000, `section of ${block.text.text.length}`);
    }
    const list = msg.blocks.find((b) => b.type === 'section' && b.text?.text.startsWith('*Failed expectations'));
    const listText = list?.type === 'section' ? (list.text?.text ?? '') : '';
    const shown = listText.split('\n').filter((l) => l.startsWith('• ')).length;
    const more = Number(/…and (\d+) more$/.exec(listText)?.[1]);
    assert.ok(shown > 0 && shown <= 15, `${shown} listed`);
    assert.equal(shown + more, 40, 'every expectation is either listed or counted');
    assert.ok(msg.blocks.length <= 50);
  });

  it('renders a resolved message as such', () => {
    const msg = renderSlackMessage(sampleAlert({ kind: 'resolved', severity: 'info' }));
    assert.ok(msg.text.startsWith('[RESOLVED]'));
    assert.match(JSON.stringify(msg.blocks[0]), /Resolved: trainModel failed/);
  });

  it('escapes mrkdwn control characters', () => {
    assert.equal(escapeMrkdwn('<a & b>'), '&lt;a &amp; b&gt;');
  });
});

describe('alerts: token redaction', () => {
  const token = 'xoxb-1234567890-abcdefABCDEF';
  it('a Secret never prints itself', () => {
    const s = new Secret(token);
    const holder = { slack: { token: s } };
    assert.ok(!JSON.stringify(holder).includes(token));
    assert.ok(!inspect(holder, { depth: 5 }).includes(token));
    assert.ok(!String(s).includes(token));
    // eslint-disable-next-line @typescript-eslint/restrict-template-expressions -- the test is that a Secret in a template hides its value
    assert.ok(!`${s}`.includes(token));
    assert.equal(s.reveal(), token);
  });

  it('scrubs known secrets, token-shaped strings and bearer headers from log lines', () => {
    const line = redactLine(['call failed', { headers: { Authorization: `Bearer ${token}` } }, new Error(`bad ${token}`)], [new Secret(token)]);
    assert.ok(!line.includes(token), line);
    assert.ok(!redact('token xoxp-999-888-abc in text').includes('xoxp-999'));
    assert.ok(!redact('Authorization: Bearer sk_live_abcdef').includes('sk_live_abcdef'));
    const custom = new Secret('plain-secret-value');
    assert.equal(redact('x plain-secret-value y', [custom]), 'x [redacted] y');
  });
});

describe('alerts: router bookkeeping', () => {
  const config = defaultRouterConfig(60_000);

  it('sends a key once per cooldown, drops repeated ids, and sends again after the cooldown', () => {
    const m = emptyMemory();
    assert.deepEqual(decideAlert(m, sampleAlert({ id: 'x1' }), 1_000, config), { action: 'deliver' });
    assert.deepEqual(decideAlert(m, sampleAlert({ id: 'x1' }), 1_500, config), { action: 'duplicate' });
    assert.deepEqual(decideAlert(m, sampleAlert({ id: 'x2' }), 30_000, config), { action: 'suppress', until: 61_000 });
    assert.deepEqual(decideAlert(m, sampleAlert({ id: 'x3', key: 'other' }), 30_000, config), { action: 'deliver' });
    assert.deepEqual(decideAlert(m, sampleAlert({ id: 'x4' }), 61_000, config), { action: 'deliver' });
    assert.deepEqual(m.counters, { received: 4, delivered: 0, suppressed: 1, duplicates: 1, failed: 0, resolved: 0, rejected: 0 });
  });

  it('after a failed delivery the next occurrence tries again instead of sitting out the cooldown', () => {
    const m = emptyMemory();
    const a = sampleAlert({ id: 'f1' });
    decideAlert(m, a, 0, config);
    recordFailure(m, a, 10, 'SlackConfigError', 'invalid_auth');
    assert.equal(m.failures[0]?.errorType, 'SlackConfigError');
    assert.deepEqual(decideAlert(m, sampleAlert({ id: 'f2' }), 20, config), { action: 'deliver' });
  });

  it('resolve posts once for a delivered open key and ends its cooldown', () => {
    const m = emptyMemory();
    const a = sampleAlert({ id: 'r1' });
    decideAlert(m, a, 0, config);
    recordDelivered(m, a, 5);
    const source = { workflowId: 'drift-1', runId: 'r', workflowType: 'driftMonitor', message: 'no drift now' };
    let n = 0;
    const msgs = decideResolve(m, { id: 'res-1', key: a.key, source, resolvedAt: '2026-11-26T10:05:00.000Z' }, 100, () => `new-${++n}`);
    assert.equal(msgs.length, 1);
    assert.equal(msgs[0]?.kind, 'resolved');
    assert.equal(msgs[0]?.key, a.key);
    assert.equal(decideResolve(m, { id: 'res-2', key: a.key, source, resolvedAt: '2026-11-26T10:06:00.000Z' }, 200, () => 'z').length, 0);
    assert.deepEqual(decideAlert(m, sampleAlert({ id: 'r2' }), 300, config), { action: 'deliver' });
  });

  it('resolve by prefix closes every matching key', () => {
    const m = emptyMemory();
    for (const [id, key] of [
      ['p1', 'activity-failed:trainingPipeline:a:E'],
      ['p2', 'activity-failed:trainingPipeline:b:E'],
      ['p3', 'gate:x'],
    ] as const) {
      const a = sampleAlert({ id, key });
      decideAlert(m, a, 0, config);
      recordDelivered(m, a, 1);
    }
    const source = { workflowId: 't', runId: 'r', workflowType: 'trainingPipeline', message: 'ok' };
    const msgs = decideResolve(m, { id: 'rp', keyPrefix: 'activity-failed:trainingPipeline:', source, resolvedAt: '2026-11-26T10:05:00.000Z' }, 10, () => 'id');
    assert.deepEqual(msgs.map((x) => x.key).sort(), ['activity-failed:trainingPipeline:a:E', 'activity-failed:trainingPipeline:b:E']);
  });

  it('pruning keeps keys still cooling down or open, drops the rest', () => {
    const m = emptyMemory();
    decideAlert(m, sampleAlert({ id: 'k1', key: 'cooling' }), 40_000, config);
    decideAlert(m, sampleAlert({ id: 'k2', key: 'expired' }), 0, config);
    m.keys.expired.open = false;
    decideAlert(m, sampleAlert({ id: 'k3', key: 'open' }), 0, config);
    const pruned = prune(m, 70_000, config);
    assert.deepEqual(Object.keys(pruned.keys).sort(), ['cooling', 'open']);
    const later = prune(m, 8 * 24 * 3_600_000, config);
    assert.deepEqual(Object.keys(later.keys), [], 'open keys are forgotten after the retention');
  });
});

describe('alerts: JSONL sink', () => {
  it('appends one line per alert id, however often it is retried', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'alerts-sink-'));
    const file = path.join(dir, 'nested', 'alerts.jsonl');
    assert.equal(await appendAlertOnce(file, sampleAlert({ id: 'one' })), true);
    const again = await Promise.all([appendAlertOnce(file, sampleAlert({ id: 'one' })), appendAlertOnce(file, sampleAlert({ id: 'one' }))]);
    assert.deepEqual(again, [false, false]);
    assert.equal(await appendAlertOnce(file, sampleAlert({ id: 'two' })), true);
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    assert.equal(lines.length, 2);
    assert.deepEqual(
      lines.map((l) => (JSON.parse(l) as { id: string }).id),
      ['one', 'two'],
    );
    assert.equal(Alert.parse(JSON.parse(lines[0] ?? '')).key, sampleAlert().key);
  });
});

describe('alerts: settings from the environment', () => {
  const base = { PROJECT_ROOT: os.tmpdir(), VAR_DIR: 'var-alerts-test' };

  it('without Slack settings: file mode and exactly one warning naming the file', () => {
    const { settings, warning } = alertSettingsFromEnv(parseEnv(base));
    assert.equal(settings.slack, undefined);
    assert.equal(settings.routerWorkflowId, 'alert-router');
    assert.equal(settings.router.cooldownMs, 30 * 60_000);
    assert.match(warning ?? '', /Slack alerts are off.*alerts\.jsonl/);
  });

  it('token + channel: Slack mode, no warning, cooldown and router id from the environment, token kept secret', () => {
    const token = 'xoxb-from-env-123456';
    const env = parseEnv({ ...base, SLACK_BOT_TOKEN: token, SLACK_CHANNEL: '#ml-alerts', ALERT_COOLDOWN_MINUTES: '5', SLACK_API_URL: 'http://127.0.0.1:9/api', ALERT_ROUTER_WORKFLOW_ID: 'my-router' });
    const { settings, warning } = alertSettingsFromEnv(env);
    assert.equal(warning, undefined);
    assert.equal(settings.slack?.token.reveal(), token);
    assert.equal(settings.slack?.channel, '#ml-alerts');
    assert.equal(settings.router.cooldownMs, 5 * 60_000);
    assert.equal(settings.routerWorkflowId, 'my-router');
    assert.ok(!JSON.stringify(settings).includes(token));
  });

  it('reads the token from SLACK_BOT_TOKEN_FILE, trimmed', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'alerts-token-'));
    const file = path.join(dir, 'token');
    writeFileSync(file, 'xoxb-from-file-abcdef\n');
    const { settings } = alertSettingsFromEnv(parseEnv({ ...base, SLACK_BOT_TOKEN_FILE: file, SLACK_CHANNEL: 'C1' }));
    assert.equal(settings.slack?.token.reveal(), 'xoxb-from-file-abcdef');
  });

  it('rejects a missing token file, both token sources, and a bad router id, without echoing the token', () => {
    assert.throws(() => alertSettingsFromEnv(parseEnv({ ...base, SLACK_BOT_TOKEN_FILE: '/nonexistent/token', SLACK_CHANNEL: 'C1' })), ConfigError);
    assert.throws(
      () => alertSettingsFromEnv(parseEnv({ ...base, SLACK_BOT_TOKEN: 'xoxb-secret-both', SLACK_BOT_TOKEN_FILE: '/x', SLACK_CHANNEL: 'C1' })),
      (err: unknown) => err instanceof ConfigError && !err.message.includes('xoxb-secret-both'),
    );
    assert.throws(() => parseEnv({ ...base, ALERT_ROUTER_WORKFLOW_ID: 'bad id with spaces' }), ConfigError);
  });

  it('a token without a channel warns what is missing', () => {
    const { settings, warning } = alertSettingsFromEnv(parseEnv({ ...base, SLACK_BOT_TOKEN: 'xoxb-no-channel-1234' }));
    assert.equal(settings.slack, undefined);
    assert.match(warning ?? '', /SLACK_CHANNEL is not set/);
    assert.ok(!(warning ?? '').includes('xoxb-no-channel-1234'));
  });
});

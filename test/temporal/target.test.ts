// The Temporal connection settings: which variables turn TLS on, which combinations are refused, and what reaches the SDK.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, parseEnv } from '../../src/config/env';
import { connectionOptions, describeTarget } from '../../src/temporal/target';

const parse = (vars: Record<string, string>) => parseEnv({ PROJECT_ROOT: '/app', ...vars });

describe('Temporal connection settings (TEMPORAL_TLS_*, TEMPORAL_API_KEY)', () => {
  it('is plain text to the dev server by default, and TLS as soon as a certificate, CA, server name or API key is given', () => {
    assert.equal(parse({}).temporal.tls, false);
    assert.deepEqual(parse({ TEMPORAL_TLS_CA: '/ca.pem' }).temporal.tls, { caFile: '/ca.pem' });
    assert.deepEqual(parse({ TEMPORAL_API_KEY: 'k' }).temporal.tls, {});
    assert.deepEqual(parse({ TEMPORAL_TLS: 'true' }).temporal.tls, {});
    assert.equal(parse({ TEMPORAL_API_KEY: 'k', TEMPORAL_TLS: 'false' }).temporal.tls, false, 'an API key through a plain-text proxy');
    assert.deepEqual(parse({ TEMPORAL_TLS_CERT: '/c.pem', TEMPORAL_TLS_KEY: '/c.key', TEMPORAL_TLS_SERVER_NAME: 'temporal.internal' }).temporal.tls, {
      certFile: '/c.pem',
      keyFile: '/c.key',
      serverName: 'temporal.internal',
    });
  });

  it('refuses half a key pair, TLS files with TEMPORAL_TLS=false, and two sources of the API key, naming each variable', () => {
    const problems = (vars: Record<string, string>) => {
      try {
        parse(vars);
      } catch (err) {
        if (err instanceof ConfigError) return err.problems.join('\n');
      }
      return '';
    };
    assert.match(problems({ TEMPORAL_TLS_CERT: '/c.pem' }), /^TEMPORAL_TLS_KEY: TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY must be set together/);
    assert.match(problems({ TEMPORAL_TLS: 'false', TEMPORAL_TLS_CA: '/ca.pem' }), /^TEMPORAL_TLS_CA: .*TEMPORAL_TLS=false/);
    assert.match(problems({ TEMPORAL_API_KEY: 'k', TEMPORAL_API_KEY_FILE: '/k' }), /^TEMPORAL_API_KEY_FILE: set TEMPORAL_API_KEY or TEMPORAL_API_KEY_FILE, not both/);
    assert.match(problems({ TEMPORAL_TLS: 'maybe' }), /^TEMPORAL_TLS: must be true or false/);
  });

  it('hands the SDK the files read, and the API key from the variable or a file; logs never show the key', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mlp-target-'));
    writeFileSync(path.join(dir, 'ca.pem'), 'CA');
    writeFileSync(path.join(dir, 'key.txt'), 'from-file\n');
    const fromVar = parse({ TEMPORAL_ADDRESS: 'ns.acct.tmprl.cloud:7233', TEMPORAL_API_KEY: 'secret-key', TEMPORAL_TLS_CA: path.join(dir, 'ca.pem') }).temporal;
    const options = await connectionOptions(fromVar);
    assert.equal(options.address, 'ns.acct.tmprl.cloud:7233');
    assert.equal(options.apiKey, 'secret-key');
    assert.equal(Buffer.from((options.tls || {}).serverRootCACertificate ?? []).toString(), 'CA');
    assert.doesNotMatch(JSON.stringify(fromVar) + describeTarget(fromVar), /secret-key/);
    assert.equal((await connectionOptions(parse({ TEMPORAL_API_KEY_FILE: path.join(dir, 'key.txt') }).temporal)).apiKey, 'from-file');
  });
});

// Bad settings stop a process at start with one clear message and a non-zero exit, never a stack trace.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { ConfigError, parseEnv } from '../../src/config/env';
import { projectRoot } from '../support/temporal';

const workerMain = path.join(projectRoot, 'dist/src/worker/main.js');

function runWorker(extraEnv: Record<string, string>) {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, ...extraEnv };
  return spawnSync(process.execPath, [workerMain], { env, encoding: 'utf8', timeout: 30_000 });
}

describe('settings', () => {
  it('have defaults that describe a local stack', () => {
    const env = parseEnv({});
    assert.equal(env.TEMPORAL_PORT, 7233);
    assert.equal(env.TEMPORAL_UI_PORT, 8233);
    assert.equal(env.API_PORT, 8080);
    assert.equal(env.TEMPORAL_ADDRESS, '127.0.0.1:7233');
    assert.equal(env.TEMPORAL_UI_URL, 'http://127.0.0.1:8233');
    assert.equal(env.TASK_QUEUE, 'ml-pipeline');
    assert.equal(env.VAR_DIR, path.join(projectRoot, 'var'));
  });

  it('train the default model from its own spec on a first start (MODEL_NAME=flights-small trains flights-small)', () => {
    assert.equal(parseEnv({}).FIRST_TRAINING_SPEC, 'datasets/flights.json');
    assert.equal(parseEnv({ MODEL_NAME: 'flights-small' }).FIRST_TRAINING_SPEC, 'datasets/flights-small.json');
    assert.equal(parseEnv({ MODEL_NAME: 'flights-small', FIRST_TRAINING_SPEC: 'datasets/x.json' }).FIRST_TRAINING_SPEC, 'datasets/x.json');
  });

  it('derive the address and UI link from the ports', () => {
    const env = parseEnv({ TEMPORAL_PORT: '7300', TEMPORAL_UI_PORT: '8300' });
    assert.equal(env.TEMPORAL_ADDRESS, '127.0.0.1:7300');
    assert.equal(env.TEMPORAL_UI_URL, 'http://127.0.0.1:8300');
  });

  it('list every bad variable at once', () => {
    assert.throws(
      () => parseEnv({ TEMPORAL_PORT: 'seven', API_PORT: '0', TEMPORAL_ADDRESS: 'nowhere' }),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.deepEqual(err.problems.map((p) => p.split(':')[0]).sort(), ['API_PORT', 'TEMPORAL_ADDRESS', 'TEMPORAL_PORT']);
        return true;
      },
    );
  });

  it('check the serving settings in the same pass, so one message names every bad variable of every part', () => {
    assert.throws(
      () => parseEnv({ API_PORT: 'x', SERVING_MAX_ROWS: '0', CAPTURE_SHARE: '150', ALERT_ROUTER_WORKFLOW_ID: 'has spaces' }),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.deepEqual(err.problems.map((p) => p.split(':')[0]).sort(), ['ALERT_ROUTER_WORKFLOW_ID', 'API_PORT', 'CAPTURE_SHARE', 'SERVING_MAX_ROWS']);
        return true;
      },
    );
  });

  it('put the artifact store in VAR_DIR by default, or on S3 with the endpoint and credentials given', () => {
    assert.deepEqual(parseEnv({}).store.location, { kind: 'local', root: path.join(projectRoot, 'var') });
    const s3 = parseEnv({ ARTIFACT_STORE: 's3://ml-artifacts/prod', S3_ENDPOINT: 'http://127.0.0.1:9000', AWS_ACCESS_KEY_ID: 'id', AWS_SECRET_ACCESS_KEY: 'secret-value' }).store;
    assert.deepEqual(s3.location, { kind: 's3', bucket: 'ml-artifacts', prefix: 'prod' });
    assert.equal(s3.endpoint, 'http://127.0.0.1:9000');
    assert.equal(s3.region, 'us-east-1');
    assert.deepEqual(s3.credentials, { accessKeyId: 'id', secretAccessKey: 'secret-value' });
    assert.throws(
      () => parseEnv({ ARTIFACT_STORE: 's3://Bad_Bucket', S3_ENDPOINT: 'not a url', AWS_ACCESS_KEY_ID: 'only-the-id' }),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.deepEqual(err.problems.map((p) => p.split(':')[0]).sort(), ['ARTIFACT_STORE', 'AWS_SECRET_ACCESS_KEY', 'S3_ENDPOINT']);
        assert.ok(!err.message.includes('only-the-id'), 'credentials are not echoed');
        return true;
      },
    );
  });

  it('never echo a secret value back', () => {
    assert.throws(
      () => parseEnv({ SLACK_BOT_TOKEN: 'xoxb-secret-value', TEMPORAL_PORT: 'x' }),
      (err: unknown) => err instanceof ConfigError && !err.message.includes('xoxb-secret-value'),
    );
  });

  it('stop the worker with exit code 2 and one message when a port is not a number', () => {
    const r = runWorker({ TEMPORAL_PORT: 'abc', API_PORT: '99999' });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /invalid settings:/);
    assert.match(r.stderr, /TEMPORAL_PORT: must be a number \(got "abc"\)/);
    assert.match(r.stderr, /API_PORT: must be between 1 and 65535/);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  });

  it('stop the worker with a clear message when the Temporal server cannot be reached', () => {
    const r = runWorker({ TEMPORAL_ADDRESS: '127.0.0.1:1', TEMPORAL_CONNECT_TIMEOUT_MS: '1500' });
    assert.equal(r.status, 3);
    assert.match(r.stderr, /cannot reach the Temporal server at 127\.0\.0\.1:1 within 2 s \(Connection refused\)/);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  });
});

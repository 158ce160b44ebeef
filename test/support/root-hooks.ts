// Mocha root hooks: quiet SDK logs to warnings, and stop the shared dev server and MinIO once every test file has run.
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { stopSharedMinio } from './minio';
import { stopTestEnv } from './temporal';

Runtime.install({ logger: new DefaultLogger('WARN') });

export const mochaHooks = {
  async afterAll(this: Mocha.Context) {
    this.timeout(60_000);
    await stopTestEnv();
    await stopSharedMinio();
  },
};

// The API's and CLI's artifact store, opened once from the settings (ARTIFACT_STORE, S3_ENDPOINT, AWS_*; default VAR_DIR).
import { env, type Env } from './env';
import { openStore } from '../store/index';
import type { ArtifactStore } from '../store/store';

const opened = new Map<Env, ArtifactStore>();

export function storeFromEnv(e: Env = env()): ArtifactStore {
  let store = opened.get(e);
  if (!store) {
    // no long retries here: the API's pollers look again next tick, and a CLI should answer promptly (workers retry; see worker/main.ts)
    store = openStore({ ...e.store, retryForMs: 0 });
    opened.set(e, store);
  }
  return store;
}

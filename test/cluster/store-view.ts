// What the cluster test reads from the artifact store (MinIO): registry versions, the champion, a trained model's bytes.
import type { TrainingResult } from '../../activities/training-types';
import { parseEnv } from '../../src/config/env';
import { Registry } from '../../src/registry/registry';
import { capturePrefix } from '../../src/drift/monitor';
import { openStore } from '../../src/store';

export interface StoreView {
  versions(model: string): Promise<number[]>;
  champion(model: string): Promise<number | undefined>;
  trainedModel(result: TrainingResult): Promise<Buffer>;
  /** Captured rows (one JSON line each) per capture object of the model, keyed by object name. */
  captureRows(model: string): Promise<Map<string, number>>;
  /** Writes one capture object, as an API replica's upload would (a test standing for a busy hour of traffic). */
  putCapture(model: string, name: string, text: string): Promise<void>;
}

/** Opens the store the cluster's processes use, with the test's own cache folder. */
export function openStoreView(appEnv: NodeJS.ProcessEnv, scratch: string): StoreView {
  const store = openStore(parseEnv({ ...appEnv, VAR_DIR: scratch }).store);
  const registry = new Registry(store);
  return {
    versions: (model) => registry.versions(model),
    champion: (model) => registry.alias(model),
    trainedModel: (result) => store.getRequired(result.training.modelKey ?? `${result.model}: no GBDT model key`),
    captureRows: async (model) => {
      const rows = new Map<string, number>();
      for (const o of await store.list(capturePrefix(model))) {
        const text = (await store.getRequired(o.key)).toString('utf8');
        rows.set(o.key.split('/').pop() ?? o.key, text.split('\n').filter((l) => l.trim().length > 0).length);
      }
      return rows;
    },
    putCapture: async (model, name, text) => {
      await store.put(`${capturePrefix(model)}${name}`, Buffer.from(text, 'utf8'));
    },
  };
}

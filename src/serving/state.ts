// The service's shared state, hung on fastify as the `serving` decorator, and the request fields it adds.
import type { Registry } from '../registry/registry';
import type { CaptureWriter } from './capture';
import type { ServingConfig } from '../config/serving';
import type { KeyRing, Principal } from './keys';
import type { ServingMetrics } from './metrics';
import type { ModelManager } from './model-manager';
import type { ModelRepository } from './repository';
import type { UsageCounts, UsageStore } from './usage';
import type { WindowCounter } from './window-counter';

export interface ServingState {
  readonly config: ServingConfig;
  readonly registry: Registry;
  readonly modelName: string;
  readonly varDir: string;
  /** Every model served, loaded on demand within SERVING_MAX_LOADED_MODELS. */
  readonly repository: ModelRepository;
  /** The default model's manager and capture writer (pinned, so these references never change). */
  readonly models: ModelManager;
  readonly capture: CaptureWriter;
  readonly metrics: ServingMetrics;
  readonly keys: KeyRing;
  readonly keysFile: string;
  readonly usage: UsageStore;
  /** Requests per API key (rate limit) and failed authentications per client address (brute-force guard). */
  readonly counters: { readonly requests: WindowCounter; readonly authFailures: WindowCounter };
  /** Usage of every key as /v1/usage shows it (in multi-process mode: all processes', from the primary). */
  readonly usageSnapshot: () => Promise<Record<string, UsageCounts>>;
  /** This server process's index in multi-process mode; undefined when it is the only one. */
  readonly processIndex: number | undefined;
  /** Re-reads the key file now (the poller does it every API_KEYS_POLL_MS anyway). */
  readonly reloadKeys: () => Promise<void>;
}

declare module 'fastify' {
  interface FastifyInstance {
    serving: ServingState;
  }
  interface FastifyRequest {
    /** The caller, set by the auth hook on protected routes; null on open ones. */
    principal: Principal | null;
    /** Rows this request scored, for usage counts. */
    scoredRows: number;
    /** The model a prediction request was answered by ('' on other routes), for usage counts. */
    servedModel: string;
  }
}

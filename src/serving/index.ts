// The prediction service's public surface: the app factory, its settings, and the key-store functions the CLI uses.
export { buildApp, type AppDeps } from './app';
export { ServingConfig, parseServingConfig, servingConfig, type ServingConfigInput } from '../config/serving';
export { createKey, devKeyPath, ensureDevKey, KEYS_KEY, listKeys, revokeKey, type ApiKeyInfo, type KeyRole } from './keys';
export { ErrorBody, HttpError, type Issue } from '../http/errors';
export type { ServingState } from './state';

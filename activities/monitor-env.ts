// What the reporting activities read at call time: the default model and the API's base URL for report and card links.
import { ApplicationFailure } from '@temporalio/activity';
import { parseEnv } from '../src/config/env';

/** MODEL_NAME and REPORTS_BASE_URL (else http://API_HOST:API_PORT). */
export function monitorEnv(): { model: string; reportBaseUrl: string } {
  try {
    const env = parseEnv(process.env);
    return { model: env.MODEL_NAME, reportBaseUrl: env.REPORTS_BASE_URL ?? `http://${env.API_HOST}:${env.API_PORT}` };
  } catch {
    // The worker validated its settings at start; a broken variable here must not stop monitoring.
    return { model: 'flights', reportBaseUrl: 'http://127.0.0.1:8080' };
  }
}

/** Runs `fn`; an error of the typed kind (bad input a retry cannot fix) becomes a non-retryable failure of its type. */
export async function failTyped<T>(kind: abstract new (...args: never[]) => Error & { type: string }, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof kind) throw ApplicationFailure.nonRetryable(err.message, err.type);
    throw err;
  }
}

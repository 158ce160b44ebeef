// How every `mlp` command reports: text for people or JSON (`-o json`) for scripts, and one set of exit codes.
import { ZodError } from 'zod';
import { DataError } from '../data/source';
import { SpecError } from '../spec/dataset';
import { TemporalUnreachable } from '../temporal/connect';

/** Documented exit codes: 0 ok, 1 a check or run failed, 2 bad input, 3 a service is unavailable. */
export const EXIT = { ok: 0, failed: 1, badInput: 2, unavailable: 3 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export type OutputFormat = 'text' | 'json';

/** An error the CLI reports with a chosen exit code (and, with -o json, as {"error": ..., "code": ...}). */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** Bad input the user can fix: exit 2. */
export const badInput = (message: string, details?: unknown) => new CliError(message, EXIT.badInput, details);

/** The exit code an error means: spec and data mistakes are bad input, an unreachable service is "unavailable". */
export function exitCodeOf(err: unknown): ExitCode {
  if (err instanceof CliError) return err.exitCode;
  if (err instanceof SpecError || err instanceof DataError || err instanceof ZodError) return EXIT.badInput;
  if (err instanceof TemporalUnreachable) return EXIT.unavailable;
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && ['ECONNREFUSED', 'ENOTFOUND', 'ETIMEDOUT', 'EHOSTUNREACH', 'ECONNRESET'].includes(code)) return EXIT.unavailable;
  return EXIT.failed;
}

/** The error as the CLI prints it: `error: ...` on stderr, or one JSON object on stdout with -o json. */
export function reportError(err: unknown, format: OutputFormat): ExitCode {
  const code = exitCodeOf(err);
  const message = err instanceof Error ? err.message : String(err);
  const issues =
    err instanceof SpecError ? err.issues : err instanceof CliError && Array.isArray((err.details as { issues?: unknown })?.issues) ? (err.details as { issues: string[] }).issues : undefined;
  if (format === 'json') {
    process.stdout.write(`${JSON.stringify({ error: message, exitCode: code, ...(issues ? { issues } : {}), ...(err instanceof DataError ? { type: err.type } : {}) })}\n`);
  } else {
    process.stderr.write(`error: ${message}\n`);
  }
  return code;
}

/** Prints a command's result: `json` as one JSON document, else the text lines `text` makes from it. */
export function emit<T>(format: OutputFormat, value: T, text: (value: T) => string | string[]): void {
  if (format === 'json') {
    process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
    return;
  }
  const lines = text(value);
  const out = Array.isArray(lines) ? lines.join('\n') : lines;
  if (out.length > 0) process.stdout.write(`${out}\n`);
}

/** Progress and notes for people: stderr, so stdout stays the result (KEY=$(mlp keys create x) gets only the key). */
export function note(format: OutputFormat, line: string): void {
  if (format === 'text') process.stderr.write(`${line}\n`);
}

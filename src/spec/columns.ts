// Column names as the source writes them: what a spec may name, why some names cannot be used, and how messages show them.
import { z } from 'zod';

/** Prefix of the pipeline's own columns (`__row`, `__label`, sampling hashes); a feature or target may not use it. */
export const RESERVED_PREFIX = '__';

// Control characters (a newline, a tab, NUL) never survive CSV headers, logs and HTTP intact, so they are refused.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

/**
 * Any column name the source has: spaces, parentheses, dots, any case, any script. Every SQL statement quotes it
 * (quoteIdent), requests and capture records use it as the JSON key, the ONNX graph as the input name.
 */
export const ColumnName = z
  .string()
  .min(1, 'must not be empty')
  .refine((s) => !CONTROL.test(s), 'must not contain control characters (newline, tab, NUL); rename the column in source.select');

/** A column the model reads or predicts: any name, except the pipeline's own `__` names. */
export const ModelColumnName = ColumnName.refine(
  (s) => !s.startsWith(RESERVED_PREFIX),
  `must not start with "${RESERVED_PREFIX}" (reserved for the pipeline's own columns such as __row and __label); rename it in source.select`,
);

const PLAIN = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A column name for a message: bare when it is a plain identifier, else in double quotes so spaces and commas read right. */
export function showColumn(name: string): string {
  return PLAIN.test(name) ? name : JSON.stringify(name);
}

/** Names equal up to case; DuckDB (the data engine) matches identifiers without regard to case, so such names clash. */
export function caseClashes(names: readonly string[]): [string, string][] {
  const seen = new Map<string, string>();
  const out: [string, string][] = [];
  for (const n of names) {
    const key = n.toLowerCase();
    const first = seen.get(key);
    if (first !== undefined) out.push([first, n]);
    else seen.set(key, n);
  }
  return out;
}

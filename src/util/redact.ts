// Keeps the Slack token out of logs: a Secret wrapper that never prints itself, and a scrubber for log lines.
import { inspect } from 'node:util';

const REDACTED = '[redacted]';

/** Holds a credential; printing, logging or JSON-encoding it shows "[redacted]", only reveal() gives the value. */
export class Secret {
  readonly #value: string;
  constructor(value: string) {
    this.#value = value;
  }
  reveal(): string {
    return this.#value;
  }
  toString(): string {
    return REDACTED;
  }
  toJSON(): string {
    return REDACTED;
  }
  [inspect.custom](): string {
    return `Secret(${REDACTED})`;
  }
}

// Slack tokens (bot, user, app, config, refresh) and any bearer credential, whatever their value.
const TOKEN_PATTERNS: readonly RegExp[] = [/xox[a-z]-[A-Za-z0-9-]+/g, /xapp-[A-Za-z0-9-]+/g, /(Bearer\s+)[^\s"',}]+/gi];

/** Replaces every known secret and anything shaped like a Slack token or bearer credential. */
export function redact(text: string, secrets: readonly Secret[] = []): string {
  let out = text;
  for (const secret of secrets) {
    const value = secret.reveal();
    // A very short "secret" would blank out ordinary words; real tokens are long.
    if (value.length >= 6) out = out.split(value).join(REDACTED);
  }
  for (const pattern of TOKEN_PATTERNS) out = out.replace(pattern, (_m, bearer?: string) => (typeof bearer === 'string' ? `${bearer}${REDACTED}` : REDACTED));
  return out;
}

export type LogLevelName = 'debug' | 'info' | 'warn' | 'error';
/** Where redacted lines go: the activity logger in the worker, an array in tests. */
export type LogSink = (level: LogLevelName, message: string) => void;

function stringify(part: unknown): string {
  if (typeof part === 'string') return part;
  if (part instanceof Error) return `${part.name}: ${part.message}`;
  try {
    return JSON.stringify(part) ?? String(part);
  } catch {
    return String(part);
  }
}

/** Formats arbitrary log arguments into one scrubbed line. */
export function redactLine(parts: readonly unknown[], secrets: readonly Secret[]): string {
  return redact(parts.map(stringify).join(' '), secrets);
}

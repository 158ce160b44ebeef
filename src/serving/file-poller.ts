// Calls back when a file or store object changes, by polling a cheap signature (stat, or the object's etag).
import { stat } from 'node:fs/promises';

export interface FilePoller {
  /** Checks now (also what the timer does); resolves after the callback, if any, finished. */
  check(): Promise<void>;
  stop(): void;
}

/**
 * Polls `file` every `intervalMs`; `onChange(exists)` runs when its identity (inode, size, mtime)
 * differs from the last seen one, never twice at once. A callback that throws is retried next tick.
 */
export function pollFile(file: string, intervalMs: number, onChange: (exists: boolean) => Promise<void>): FilePoller {
  return pollSignature(
    async () => {
      try {
        const s = await stat(file);
        return `${s.ino}:${s.size}:${s.mtimeMs}`;
      } catch {
        return 'missing';
      }
    },
    intervalMs,
    onChange,
  );
}

/** Polls `signature()` ('missing' = absent) every `intervalMs`; `onChange(exists)` runs when it differs from the last one seen. */
export function pollSignature(signature: () => Promise<string>, intervalMs: number, onChange: (exists: boolean) => Promise<void>): FilePoller {
  let last: string | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;

  const once = async (): Promise<void> => {
    const sig = await signature();
    if (sig === last) return;
    await onChange(sig !== 'missing');
    last = sig;
  };
  const check = (): Promise<void> => {
    running ??= once()
      .catch(() => undefined)
      .finally(() => {
        running = undefined;
      });
    return running;
  };
  const timer = setInterval(() => {
    if (!stopped) void check();
  }, intervalMs);
  timer.unref();
  return {
    check,
    stop() {
      stopped = true;
      clearInterval(timer);
    },
  };
}

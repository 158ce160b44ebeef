// Without Slack, alerts are kept: one store object per alert id (any worker, exactly once), mirrored to a JSON-lines file.
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ArtifactStore } from '../store';
import { alertKey } from '../store/layout';
import type { Alert } from './model';

/** Stores `alert` unless an alert with its id is already stored (create-if-absent); true when this call stored it. */
export function recordAlertOnce(store: ArtifactStore, alert: Alert): Promise<boolean> {
  const { id, ...rest } = alert;
  return store.createJson(alertKey(id), { id, ...rest });
}

// One write at a time per file within this process, so "is it there? then append" cannot interleave.
const queues = new Map<string, Promise<unknown>>();

function serialized<T>(file: string, task: () => Promise<T>): Promise<T> {
  const previous = queues.get(file) ?? Promise.resolve();
  const next = previous.then(task, task);
  queues.set(
    file,
    next.catch(() => undefined),
  );
  return next;
}

async function containsId(file: string, id: string): Promise<boolean> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
  // The id is always the first field, so this exact prefix identifies the line; alerts are rare
  // (deduplicated, cooled down), so scanning the whole file stays cheap.
  const prefix = `{"id":${JSON.stringify(id)},`;
  return text.split('\n').some((line) => line.startsWith(prefix));
}

/** Appends `alert` as one line unless a line with its id is already there; true when it wrote. */
export function appendAlertOnce(file: string, alert: Alert): Promise<boolean> {
  return serialized(path.resolve(file), async () => {
    await mkdir(path.dirname(file), { recursive: true });
    if (await containsId(file, alert.id)) return false;
    const { id, ...rest } = alert;
    // One appendFile call per line: O_APPEND keeps concurrent writers from splitting a line.
    await appendFile(file, `${JSON.stringify({ id, ...rest })}\n`, 'utf8');
    return true;
  });
}

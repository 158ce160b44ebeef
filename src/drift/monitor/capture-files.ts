// Finds the capture files (or store objects) of a model that can hold rows of a window, from the hour stamp in their names.
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import type { ArtifactStore } from '../../store';
import { appendLogFileName, capturePrefix, hourStamp } from '../../store/layout';
import type { DriftWindow } from './window';

export { capturePrefix };

/** `<varDir>/capture/<model>`: where the prediction service writes a model's capture files. */
export function captureFolder(varDir: string, model: string): string {
  return path.join(varDir, 'capture', model);
}

const NAME = /^(\d{4})(\d{2})(\d{2})T(\d{2})-.+\.jsonl$/;
const HOUR = 3_600_000;

/** The name the service would give a file opened at `ms` (UTC hour stamp), for writers outside it (tests, bench). */
export function captureFileName(ms: number, instance: string, seq: number): string {
  return appendLogFileName(hourStamp(ms), instance, seq);
}

/**
 * The object name of the bytes of spool file `fileName` from byte `offset` on, as the uploader ships them: each
 * upload is a new segment (`<file stem>.<offset, 12 digits>.jsonl`), never a rewrite of what was shipped. The name
 * keeps the file's hour stamp, so readers choose segments by window as they choose files.
 */
export function captureSegmentName(fileName: string, offset: number): string {
  return `${fileName.replace(/\.jsonl$/, '')}.${String(offset).padStart(12, '0')}.jsonl`;
}

/** Where segment `name` (or a whole file shipped before segments existed) of spool file `fileName` ends in that file, or undefined when it is not one of its. */
export function captureSegmentEnd(fileName: string, name: string, size: number): number | undefined {
  const stem = fileName.replace(/\.jsonl$/, '');
  if (name === fileName) return size;
  const m = /^\.(\d{12})\.jsonl$/.exec(name.startsWith(stem) ? name.slice(stem.length) : '');
  return m ? Number(m[1]) + size : undefined;
}

/**
 * The .jsonl files in `folder` (sorted by name, so by time) that may hold rows of `window`; a missing
 * folder is no files. A file named for hour H holds rows stamped from shortly before H (rows stamped
 * before the hour but flushed after it) to H + 1h, so one hour of slack on each side is kept. Files
 * whose names carry no hour stamp are always read.
 */
export async function listCaptureFiles(folder: string, window?: DriftWindow): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(folder);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  return names
    .filter((name) => mayHoldWindow(name, window))
    .sort()
    .map((name) => path.join(folder, name));
}

/** The same choice over the store: capture objects of all replicas under `capture/<model>/`, by key. */
export async function listCaptureKeys(store: ArtifactStore, model: string, window?: DriftWindow): Promise<string[]> {
  return listWindowKeys(store, capturePrefix(model), window);
}

/**
 * The `.jsonl` objects directly under `prefix` whose hour stamp may hold rows of `window` (captures, or labels with
 * an open-ended window), sorted by name; only the list call, nothing is read.
 */
export async function listWindowKeys(store: ArtifactStore, prefix: string, window?: Pick<DriftWindow, 'start' | 'end'>): Promise<string[]> {
  return (await store.list(prefix))
    .map((o) => o.key)
    .filter((key) => !key.slice(prefix.length).includes('/') && mayHoldWindow(path.posix.basename(key), window))
    .sort((a, b) => (path.posix.basename(a) < path.posix.basename(b) ? -1 : 1));
}

function mayHoldWindow(name: string, window?: Pick<DriftWindow, 'start' | 'end'>): boolean {
  if (!name.endsWith('.jsonl')) return false;
  const m = NAME.exec(name);
  if (!m || !window) return true;
  const hour = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]));
  return hour - HOUR < Date.parse(window.end) && hour + 2 * HOUR > Date.parse(window.start);
}

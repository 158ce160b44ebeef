// Finds the capture files of a model that can hold rows of a window, from the hour stamp in their names.
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import type { DriftWindow } from './window';

/** `<varDir>/capture/<model>`: where the prediction service writes a model's capture files. */
export function captureFolder(varDir: string, model: string): string {
  return path.join(varDir, 'capture', model);
}

const NAME = /^(\d{4})(\d{2})(\d{2})T(\d{2})-.+\.jsonl$/;
const HOUR = 3_600_000;

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** The name the service would give a file opened at `ms` (UTC hour stamp), for writers outside it (tests, bench). */
export function captureFileName(ms: number, instance: string, seq: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}T${pad(d.getUTCHours())}-${instance}-${pad(seq, 6)}.jsonl`;
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
  const start = window ? Date.parse(window.start) : -Infinity;
  const end = window ? Date.parse(window.end) : Infinity;
  return names
    .filter((name) => name.endsWith('.jsonl'))
    .filter((name) => {
      const m = NAME.exec(name);
      if (!m) return true;
      const hour = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]));
      return hour - HOUR < end && hour + 2 * HOUR > start;
    })
    .sort()
    .map((name) => path.join(folder, name));
}

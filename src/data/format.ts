// Which reader a source file needs: declared in the spec, else the file's first bytes, else its extension.
import { open } from 'node:fs/promises';
import path from 'node:path';
import zlib from 'node:zlib';

import { SOURCE_FORMATS, type SourceFormat } from '../spec/dataset';

export { SOURCE_FORMATS, type SourceFormat };

/** How many leading bytes are read to tell formats apart; JSON rarely opens with more whitespace than this. */
const SNIFF_BYTES = 64 * 1024;

/** The file name without compression suffixes, lower-cased. */
function baseName(sourcePath: string): string {
  return path
    .basename(sourcePath)
    .toLowerCase()
    .replace(/\.(gz|zst|zstd)$/, '');
}

/** The format the extension names, or null. `.json` means an array until the content says otherwise. */
export function formatFromExtension(sourcePath: string): SourceFormat | null {
  const base = baseName(sourcePath);
  if (/\.(parquet|pq)$/.test(base)) return 'parquet';
  if (/\.(csv|tsv|txt)$/.test(base)) return 'csv';
  if (/\.(jsonl|ndjson)$/.test(base)) return 'jsonl';
  if (/\.json$/.test(base)) return 'json';
  return null;
}

/**
 * The format the first bytes show: Parquet's magic, `[` for a JSON array, `{` for newline-delimited records.
 * Null when the bytes say nothing (CSV, an empty file, or a compression this does not unpack: .zst).
 */
export function formatFromContent(head: Uint8Array): SourceFormat | null {
  if (head.length >= 4 && head[0] === 0x50 && head[1] === 0x41 && head[2] === 0x52 && head[3] === 0x31) return 'parquet';
  let i = head.length >= 3 && head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? 3 : 0; // UTF-8 BOM
  while (i < head.length && (head[i] === 0x20 || head[i] === 0x09 || head[i] === 0x0a || head[i] === 0x0d)) i++;
  if (i >= head.length) return null;
  if (head[i] === 0x5b) return 'json';
  if (head[i] === 0x7b) return 'jsonl';
  return null;
}

/** The first bytes of `file`, gunzipped when it is gzip (a partial stream is fine: only the start is needed). */
export async function readHead(file: string): Promise<Uint8Array> {
  const handle = await open(file, 'r');
  let head: Uint8Array;
  try {
    const buf = Buffer.alloc(SNIFF_BYTES);
    const { bytesRead } = await handle.read(buf, 0, SNIFF_BYTES, 0);
    head = buf.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) {
    try {
      return zlib.gunzipSync(head, { finishFlush: zlib.constants.Z_SYNC_FLUSH });
    } catch {
      return new Uint8Array(0);
    }
  }
  return head;
}

/**
 * The reader for `firstFile` (the first file the source path matches). A declared format always wins. The content
 * decides only where the extension is JSON or unknown, so a CSV whose header happens to start with `[` stays CSV.
 */
export async function resolveFormat(sourcePath: string, firstFile: string, declared?: SourceFormat): Promise<SourceFormat | null> {
  if (declared) return declared;
  const byExtension = formatFromExtension(sourcePath);
  if (byExtension === 'csv' || byExtension === 'parquet') return byExtension;
  const byContent = formatFromContent(await readHead(firstFile));
  return byContent ?? byExtension;
}

// Reads and writes profile JSON files (validated on read: a profile file is external input to the drift monitor).
import { readFile } from 'node:fs/promises';
import { writeJsonAtomic } from '../util/fs-atomic';
import { DataError } from '../data/source';
import { formatIssues } from '../spec/dataset';
import { DatasetProfile } from './schema';

export async function writeProfile(profile: DatasetProfile, file: string): Promise<void> {
  await writeJsonAtomic(file, DatasetProfile.parse(profile));
}

export async function readProfile(file: string): Promise<DatasetProfile> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new DataError('SnapshotInvalid', `cannot read profile ${file}: ${(err as Error).message}`, { file });
  }
  const parsed = DatasetProfile.safeParse(raw);
  if (!parsed.success) throw new DataError('SnapshotInvalid', `profile ${file} is invalid: ${formatIssues(parsed.error).join('; ')}`, { file });
  return parsed.data;
}

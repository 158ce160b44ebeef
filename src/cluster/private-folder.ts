// Folders of the cluster's state that hold credentials or database files: owner-only (0700), created that way.
import { chmod, chown, mkdir, stat } from 'node:fs/promises';
import path from 'node:path';

/**
 * Makes `dir` (its parent with the default mode, so other users' processes such as PostgreSQL can still pass
 * through it) with mode 0700, and hands it to `owner` when given. A folder an older version made wider is narrowed.
 */
export async function ownerOnlyFolder(dir: string, owner: { uid?: number; gid?: number } = {}): Promise<void> {
  await mkdir(path.dirname(dir), { recursive: true });
  await mkdir(dir, { recursive: true, mode: 0o700 });
  if (((await stat(dir)).mode & 0o077) !== 0) await chmod(dir, 0o700);
  if (owner.uid !== undefined && owner.gid !== undefined) await chown(dir, owner.uid, owner.gid);
}

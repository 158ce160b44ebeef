// API keys: hashed keys in the artifact store (api-keys.json, changed with compare-and-swap), the CLI's create/revoke/list, and the dev key.
import { createHash, hash as oneShotHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { CorruptObject, type ArtifactStore } from '../store';

export const KeyRole = z.enum(['user', 'admin']);
export type KeyRole = z.infer<typeof KeyRole>;

const KEY_ID = /^[a-f0-9]{12}$/;
const KEY_NAME = /^[A-Za-z0-9][A-Za-z0-9 ._@-]{0,63}$/;

export const ApiKeyRecord = z.object({
  id: z.string().regex(KEY_ID, 'must be 12 hex characters'),
  name: z.string().regex(KEY_NAME, 'must be 1-64 letters, digits, space, . _ @ -'),
  /** `sha256:<hex>` of the raw key. Keys are 256 random bits, so a fast unsalted hash is enough (no dictionary to guess from). */
  hash: z.string().regex(/^sha256:[a-f0-9]{64}$/, 'must be sha256:<64 hex>'),
  role: KeyRole,
  createdAt: z.string(),
  revokedAt: z.string().optional(),
});
export type ApiKeyRecord = z.infer<typeof ApiKeyRecord>;
/** What listKeys shows: everything but the hash. */
export type ApiKeyInfo = Omit<ApiKeyRecord, 'hash'>;

export const KeyFile = z.object({ version: z.literal(1).default(1), keys: z.array(ApiKeyRecord).default([]) });
export type KeyFile = z.infer<typeof KeyFile>;

/** Raw keys look like `mlk_<12 hex id>_<43 base64url chars>`; the id lets the server find the record without scanning. */
const RAW_KEY = /^mlk_([a-f0-9]{12})_[A-Za-z0-9_-]{43}$/;

/** The store key of the key list (with the default local store: <VAR_DIR>/api-keys.json, as before). */
export const KEYS_KEY = 'api-keys.json';
const EMPTY: KeyFile = { version: 1, keys: [] };
export function devKeyPath(varDir: string): string {
  return path.join(varDir, 'dev-api-key');
}

export function hashKey(raw: string): string {
  return `sha256:${createHash('sha256').update(raw, 'utf8').digest('hex')}`;
}

/** The id embedded in a raw key, if it has the project's format. */
export function keyIdOf(raw: string): string | undefined {
  return RAW_KEY.exec(raw)?.[1];
}

/** The key object exists but is not a valid key file (as opposed to a store that could not be read). */
export class InvalidKeyFile extends Error {
  override name = 'InvalidKeyFile';
}

export async function readKeyFile(store: ArtifactStore): Promise<KeyFile> {
  try {
    return (await store.getJson(KEYS_KEY, KeyFile)) ?? EMPTY;
  } catch (err) {
    if (err instanceof CorruptObject) throw new InvalidKeyFile(`${store.url}/${KEYS_KEY} is not a valid key file: ${err.message}`, { cause: err });
    throw err;
  }
}

/** Read-modify-write of the key list with compare-and-swap: two CLIs (or replicas) writing at once never lose a key. */
async function changeKeys(store: ArtifactStore, change: (file: KeyFile) => KeyFile | undefined): Promise<void> {
  try {
    await store.update(KEYS_KEY, KeyFile, (current) => change(structuredClone(current ?? EMPTY)));
  } catch (err) {
    if (err instanceof CorruptObject) throw new InvalidKeyFile(`${store.url}/${KEYS_KEY} is not a valid key file: ${err.message}`, { cause: err });
    throw err;
  }
}

function info(r: ApiKeyRecord): ApiKeyInfo {
  const { hash: _hash, ...rest } = r;
  return rest;
}

/** Creates a key and returns the raw key: the only time it exists outside the caller's memory. */
export async function createKey(store: ArtifactStore, name: string, role: KeyRole = 'user'): Promise<{ key: string; info: ApiKeyInfo }> {
  const made = await createKeyUnless(store, name, role, () => false);
  return made!;
}

/** Creates a key unless `skip(current keys)` says not to, decided on the same version of the list the write replaces. */
async function createKeyUnless(store: ArtifactStore, name: string, role: KeyRole, skip: (file: KeyFile) => boolean): Promise<{ key: string; info: ApiKeyInfo } | undefined> {
  if (!KEY_NAME.test(name)) throw new Error('key name must be 1-64 letters, digits, space, . _ @ -');
  const role_ = KeyRole.parse(role);
  let made: { key: string; info: ApiKeyInfo } | undefined;
  await changeKeys(store, (file) => {
    made = undefined;
    if (skip(file)) return undefined;
    let id: string;
    do id = randomBytes(6).toString('hex');
    while (file.keys.some((k) => k.id === id));
    const key = `mlk_${id}_${randomBytes(32).toString('base64url')}`;
    const record: ApiKeyRecord = { id, name, hash: hashKey(key), role: role_, createdAt: new Date().toISOString() };
    file.keys.push(record);
    made = { key, info: info(record) };
    return file;
  });
  return made;
}

/** Revokes a key by id (or by name when exactly one active key has it); a running server notices within API_KEYS_POLL_MS. */
export async function revokeKey(store: ArtifactStore, idOrName: string): Promise<ApiKeyInfo> {
  let revoked: ApiKeyRecord | undefined;
  await changeKeys(store, (file) => {
    let matches = file.keys.filter((k) => k.id === idOrName);
    if (matches.length === 0) matches = file.keys.filter((k) => k.name === idOrName && !k.revokedAt);
    if (matches.length === 0) throw new Error(`no key with id or name ${JSON.stringify(idOrName)}`);
    if (matches.length > 1) throw new Error(`${matches.length} active keys are named ${JSON.stringify(idOrName)}; revoke by id`);
    revoked = matches[0];
    if (revoked.revokedAt) return undefined;
    revoked.revokedAt = new Date().toISOString();
    return file;
  });
  return info(revoked!);
}

export async function listKeys(store: ArtifactStore): Promise<ApiKeyInfo[]> {
  return (await readKeyFile(store)).keys.map(info);
}

/**
 * On first start, creates an admin key named `dev` and writes the raw key to <VAR_DIR>/dev-api-key
 * (mode 0600) so the README's curl examples work. Does nothing when a dev key was ever created, so a
 * revoked dev key stays revoked.
 */
export async function ensureDevKey(store: ArtifactStore, varDir: string): Promise<{ created: boolean; keyFile: string }> {
  const keyFile = devKeyPath(varDir);
  // decided inside the compare-and-swap, so two replicas starting at once make one dev key, not two
  const made = await createKeyUnless(store, 'dev', 'admin', (file) => file.keys.some((k) => k.name === 'dev'));
  if (!made) return { created: false, keyFile };
  await mkdir(varDir, { recursive: true });
  const { key } = made;
  // mode applies on create only; chmod covers a leftover file from an earlier var/
  await writeFile(keyFile, `${key}\n`, { mode: 0o600 });
  await chmod(keyFile, 0o600);
  return { created: true, keyFile };
}

/** sha256 digest; the one-shot crypto.hash (Node >= 20.12) is a third cheaper than createHash on this hot path. */
const sha256: (raw: string) => Buffer = typeof oneShotHash === 'function' ? (raw) => oneShotHash('sha256', raw, 'buffer') : (raw) => createHash('sha256').update(raw, 'utf8').digest();

/** An authenticated caller, as requests see it; never holds the key. */
export interface Principal {
  readonly id: string;
  readonly name: string;
  readonly role: KeyRole;
}

interface Entry extends Principal {
  hash: Buffer;
}

/** Parses API_KEYS-style entries (raw keys or sha256:<hex>) into digests; raw values are not kept. */
function envEntries(values: readonly string[], role: KeyRole): Entry[] {
  return values.map((v, i) => {
    const hex = /^sha256:([a-f0-9]{64})$/.exec(v)?.[1] ?? hashKey(v).slice('sha256:'.length);
    // the id names the entry in usage and logs; it is derived from the digest, which reveals nothing usable
    return { id: `env-${role}-${i}-${hex.slice(0, 6)}`, name: `env ${role} ${i}`, role, hash: Buffer.from(hex, 'hex') };
  });
}

/** Verified keys remembered at most; past it the memory starts over (a flood of distinct valid keys is not a case to optimize). */
const VERIFIED_MAX = 10_000;

/** The in-memory view of the valid keys: file keys by id plus environment keys, swapped whole on reload. */
export class KeyRing {
  private byId = new Map<string, Entry>();
  private env: Entry[];
  /**
   * Keys that verified since the keys last changed, with their principal: a key presented again costs a
   * map lookup instead of a SHA-256 (the largest part of authentication per request). Only keys that
   * verified enter it, so guesses cannot fill it, and it is emptied whenever the file keys are replaced,
   * so a revocation takes effect on the next request as before.
   */
  private verified = new Map<string, Principal>();

  constructor(envUserKeys: readonly string[] = [], envAdminKeys: readonly string[] = []) {
    this.env = [...envEntries(envUserKeys, 'user'), ...envEntries(envAdminKeys, 'admin')];
  }

  /** Replaces the file keys (revoked ones are left out, so they stop working at once). */
  setFileKeys(records: readonly ApiKeyRecord[]): void {
    const next = new Map<string, Entry>();
    for (const r of records) {
      if (r.revokedAt) continue;
      next.set(r.id, { id: r.id, name: r.name, role: r.role, hash: Buffer.from(r.hash.slice('sha256:'.length), 'hex') });
    }
    this.byId = next;
    this.verified = new Map();
  }

  get size(): number {
    return this.byId.size + this.env.length;
  }

  /** The principal for a presented raw key, or undefined; digests are compared in constant time. */
  verify(raw: string): Principal | undefined {
    const known = this.verified.get(raw);
    if (known) return known;
    const principal = this.verifyDigest(raw);
    if (principal) {
      if (this.verified.size >= VERIFIED_MAX) this.verified.clear();
      this.verified.set(raw, principal);
    }
    return principal;
  }

  private verifyDigest(raw: string): Principal | undefined {
    const digest = sha256(raw);
    const id = keyIdOf(raw);
    if (id !== undefined) {
      const entry = this.byId.get(id);
      if (entry && timingSafeEqual(entry.hash, digest)) return { id: entry.id, name: entry.name, role: entry.role };
    }
    // environment keys have no id: compare against all of them, without stopping early
    let found: Entry | undefined;
    for (const e of this.env) if (timingSafeEqual(e.hash, digest) && !found) found = e;
    return found ? { id: found.id, name: found.name, role: found.role } : undefined;
  }
}

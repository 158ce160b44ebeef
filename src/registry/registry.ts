// The model registry in the artifact store: immutable versions per model plus aliases (champion), like MLflow's.
import { z } from 'zod';
import { CorruptObject, type ArtifactStore } from '../store';
import {
  REGISTRY_METADATA_FILE,
  REGISTRY_PREFIX,
  registryAliasesKey,
  registryClaimKey,
  registryClaimOf,
  registryClaimsPrefix,
  registryFileKey,
  registryMetadataOf,
  registryRunIndexKey,
  registryFileOf,
  registryVersionKey,
  registryVersionsPrefix,
} from '../store/layout';
import { MODEL_NAME } from './model-name';

export const VersionMetadata = z.object({
  name: z.string(),
  version: z.number().int().positive(),
  /** Identifies the producing run; registering again with the same key returns this version. */
  runKey: z.string(),
  workflowId: z.string().optional(),
  runId: z.string().optional(),
  createdAt: z.string(),
  dataHash: z.string().optional(),
  metrics: z.record(z.string(), z.unknown()).default({}),
  spec: z.unknown().optional(),
  features: z.array(z.object({ name: z.string(), type: z.enum(['numeric', 'categorical']) })),
  extra: z.record(z.string(), z.unknown()).default({}),
});
export type VersionMetadata = z.infer<typeof VersionMetadata>;

const AliasEvent = z.object({ alias: z.string(), version: z.number().int().positive(), at: z.string(), reason: z.string() });
const AliasFile = z.object({
  aliases: z.record(z.string(), z.number().int().positive()).default({}),
  history: z.array(AliasEvent).default([]),
});
type AliasFile = z.infer<typeof AliasFile>;
const RunIndex = z.object({ version: z.number().int().positive() });
const Claim = z.object({ runKey: z.string(), at: z.string() });

export class RegistryError extends Error {
  constructor(
    readonly type: 'ModelNotFound' | 'VersionNotFound' | 'AliasNotSet' | 'CorruptRegistry' | 'AliasMoved',
    message: string,
  ) {
    super(message);
    this.name = 'RegistryError';
  }
}

export interface RegisterInput {
  name: string;
  runKey: string;
  /** Files of the version, by file name (model.onnx, profile.json, ...). */
  files: Record<string, string | Uint8Array>;
  metadata: Omit<VersionMetadata, 'name' | 'version' | 'runKey' | 'createdAt'> & { createdAt?: string };
}

const FILE_NAME = /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/;

/**
 * Layout under `prefix` (default `registry`; the keys are built in store/layout.ts): `<name>/versions/<v>/<file>` (metadata.json written last, so a version
 * is visible only when complete), `<name>/claims/<v>.json` (who owns a version number, taken with create-if-absent),
 * `<name>/runs/<hash of run key>.json` (run key -> version) and `<name>/aliases.json` (moved with compare-and-swap).
 */
export class Registry {
  constructor(
    readonly store: ArtifactStore,
    readonly prefix = REGISTRY_PREFIX,
  ) {}

  /** The name, checked: every key below is built from a valid model name only (the layout does not check it). */
  private checked(name: string): string {
    if (!MODEL_NAME.test(name)) throw new RegistryError('ModelNotFound', `invalid model name ${JSON.stringify(name)}`);
    return name;
  }
  /** The store key of a version's file, e.g. `registry/flights/versions/3/model.onnx`. */
  fileKey(name: string, version: number, file: string): string {
    if (!FILE_NAME.test(file)) throw new Error(`bad registry file name ${file}`);
    return registryFileKey(this.prefix, this.checked(name), version, file);
  }
  versionKey(name: string, version: number): string {
    return registryVersionKey(this.prefix, this.checked(name), version);
  }
  aliasesKey(name: string): string {
    return registryAliasesKey(this.prefix, this.checked(name));
  }
  private runIndexKey(name: string, runKey: string): string {
    return registryRunIndexKey(this.prefix, this.checked(name), runKey);
  }
  private claimKey(name: string, version: number): string {
    return registryClaimKey(this.prefix, this.checked(name), version);
  }

  async models(): Promise<string[]> {
    const names = new Set<string>();
    for (const o of await this.store.list(`${this.prefix}/`)) {
      const m = registryMetadataOf(this.prefix, o.key);
      if (m && MODEL_NAME.test(m.name)) names.add(m.name);
    }
    return [...names].sort();
  }

  /** Complete versions (those whose metadata.json exists), ascending. */
  async versions(name: string): Promise<number[]> {
    const out: number[] = [];
    for (const o of await this.store.list(registryVersionsPrefix(this.prefix, this.checked(name)))) {
      const m = registryMetadataOf(this.prefix, o.key);
      if (m?.name === name) out.push(m.version);
    }
    return out.sort((a, b) => a - b);
  }

  /** The complete versions that have `file` (e.g. a model card), from one list call: no reads. */
  async versionsWithFile(name: string, file: string): Promise<Set<number>> {
    if (!FILE_NAME.test(file)) throw new Error(`bad registry file name ${file}`);
    const complete = new Set<number>();
    const having = new Set<number>();
    for (const o of await this.store.list(registryVersionsPrefix(this.prefix, this.checked(name)))) {
      const f = registryFileOf(this.prefix, o.key);
      if (f?.name !== name) continue;
      if (f.file === REGISTRY_METADATA_FILE) complete.add(f.version);
      if (f.file === file) having.add(f.version);
    }
    return new Set([...having].filter((v) => complete.has(v)));
  }

  async metadata(name: string, version: number): Promise<VersionMetadata> {
    let meta: VersionMetadata | undefined;
    try {
      meta = await this.store.getJson(this.fileKey(name, version, REGISTRY_METADATA_FILE), VersionMetadata);
    } catch (err) {
      if (err instanceof CorruptObject) throw new RegistryError('CorruptRegistry', err.message);
      throw err;
    }
    if (!meta) throw new RegistryError('VersionNotFound', `model ${name} has no version ${version}`);
    return meta;
  }

  async readFile(name: string, version: number, file: string): Promise<Buffer> {
    const data = await this.store.get(this.fileKey(name, version, file));
    if (data === undefined) throw new RegistryError('VersionNotFound', `model ${name} version ${version} has no file ${file}`);
    return data;
  }

  async findByRunKey(name: string, runKey: string): Promise<number | undefined> {
    const indexed = await this.store.getJson(this.runIndexKey(name, runKey), RunIndex).catch(() => undefined);
    if (indexed && (await this.store.exists(this.fileKey(name, indexed.version, REGISTRY_METADATA_FILE)))) return indexed.version;
    // the index is written after the version; a crash between the two must not make a second version
    for (const v of (await this.versions(name)).reverse()) {
      const meta = await this.metadata(name, v).catch(() => undefined);
      if (meta?.runKey === runKey) return v;
    }
    return undefined;
  }

  /** The version number this run claimed earlier (a crash after the claim, before metadata), if any. */
  private async ownClaim(name: string, runKey: string): Promise<number | undefined> {
    const claims = (await this.store.list(registryClaimsPrefix(this.prefix, this.checked(name)))).map((o) => registryClaimOf(this.prefix, name, o.key) ?? 0).filter((v) => v > 0);
    for (const v of claims.sort((a, b) => b - a)) {
      const claim = await this.store.getJson(this.claimKey(name, v), Claim).catch(() => undefined);
      if (claim?.runKey === runKey) return v;
    }
    return undefined;
  }

  private async nextFreeVersion(name: string): Promise<number> {
    const claimed = (await this.store.list(registryClaimsPrefix(this.prefix, this.checked(name)))).map((o) => registryClaimOf(this.prefix, name, o.key) ?? 0);
    // versions made before claims existed count too
    return Math.max(0, ...claimed, ...(await this.versions(name))) + 1;
  }

  /**
   * Registers a new version, idempotently on `runKey`, from any number of clients at once: a version number is
   * claimed with a create-if-absent write (two runs never share a number, on any host), the run index (created the
   * same way) decides which claim a run keeps, then the files are written and metadata.json makes the version visible.
   * A retry of the same run, or a second client of it, returns (or finishes) the same version.
   */
  async register(input: RegisterInput): Promise<VersionMetadata> {
    const existing = await this.findByRunKey(input.name, input.runKey);
    if (existing !== undefined) return this.metadata(input.name, existing);
    const version = await this.versionFor(input.name, input.runKey);
    for (const [file, data] of Object.entries(input.files)) await this.store.put(this.fileKey(input.name, version, file), data);
    const meta: VersionMetadata = VersionMetadata.parse({
      ...input.metadata,
      name: input.name,
      version,
      runKey: input.runKey,
      createdAt: input.metadata.createdAt ?? new Date().toISOString(),
    });
    await this.store.putJson(this.fileKey(input.name, version, REGISTRY_METADATA_FILE), meta);
    return meta;
  }

  /** The version number of a run: the one its run index names, or a newly claimed one that becomes its index. */
  private async versionFor(name: string, runKey: string): Promise<number> {
    const indexKey = this.runIndexKey(name, runKey);
    const indexed = await this.store.getJson(indexKey, RunIndex);
    if (indexed) return indexed.version;
    let claimed = await this.ownClaim(name, runKey);
    for (let attempt = 0; claimed === undefined && attempt < 100; attempt++) {
      const candidate = await this.nextFreeVersion(name);
      if (await this.store.createJson(this.claimKey(name, candidate), { runKey, at: new Date().toISOString() })) claimed = candidate;
    }
    if (claimed === undefined) throw new Error(`could not claim a version number for ${name}`);
    if (await this.store.createJson(indexKey, { version: claimed })) return claimed;
    // another client of the same run got there first: use its version and free the number taken here
    const winner = await this.store.getJsonRequired(indexKey, RunIndex);
    if (winner.version !== claimed) await this.store.delete(this.claimKey(name, claimed));
    return winner.version;
  }

  private async aliasFile(name: string): Promise<AliasFile> {
    try {
      return (await this.store.getJson(this.aliasesKey(name), AliasFile)) ?? { aliases: {}, history: [] };
    } catch (err) {
      if (err instanceof CorruptObject) throw new RegistryError('CorruptRegistry', `aliases of ${name} are unreadable: ${err.message}`);
      throw err;
    }
  }

  async alias(name: string, alias = 'champion'): Promise<number | undefined> {
    return (await this.aliasFile(name)).aliases[alias];
  }

  /** Changes whenever the aliases of `name` change ('missing' when none exist): what a poller compares. */
  async aliasSignature(name: string): Promise<string> {
    return (await this.store.head(this.aliasesKey(name)))?.etag ?? 'missing';
  }

  async aliasHistory(name: string): Promise<z.infer<typeof AliasEvent>[]> {
    return (await this.aliasFile(name)).history;
  }

  /**
   * Points `alias` at `version` (which must exist); idempotent when it already points there. The aliases object is
   * moved with compare-and-swap, so concurrent moves never lose a history entry. With `expected` (a version, or null
   * for "no alias yet"), the move happens only if the alias still points there: of two promotions decided against
   * the same champion, exactly one wins and the other gets RegistryError 'AliasMoved'.
   */
  async setAlias(name: string, version: number, reason: string, alias = 'champion', expected?: number | null): Promise<void> {
    await this.metadata(name, version);
    await this.store.update(this.aliasesKey(name), AliasFile, (current) => {
      const file = current ?? { aliases: {}, history: [] };
      const now = file.aliases[alias];
      if (now === version) return undefined;
      if (expected !== undefined && (now ?? null) !== expected) {
        throw new RegistryError('AliasMoved', `${alias} of ${name} is version ${now ?? 'none'}, not ${expected ?? 'none'} as expected; version ${version} was not promoted`);
      }
      return { aliases: { ...file.aliases, [alias]: version }, history: [...file.history, { alias, version, at: new Date().toISOString(), reason }] };
    });
  }

  /** Moves `alias` back to the version it pointed at before the current one. */
  async rollback(name: string, alias = 'champion'): Promise<number> {
    const file = await this.aliasFile(name);
    const current = file.aliases[alias];
    if (current === undefined) throw new RegistryError('AliasNotSet', `model ${name} has no ${alias}`);
    const previous = [...file.history].reverse().find((e) => e.alias === alias && e.version !== current);
    if (!previous) throw new RegistryError('AliasNotSet', `model ${name} has no earlier ${alias} to roll back to`);
    await this.setAlias(name, previous.version, `rollback from ${current}`, alias, current);
    return previous.version;
  }

  /** Writes a file beside a version after registration (e.g. a report). */
  async attach(name: string, version: number, file: string, data: string | Uint8Array): Promise<void> {
    await this.metadata(name, version);
    await this.store.put(this.fileKey(name, version, file), data);
  }
}

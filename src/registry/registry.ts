// The model registry: a folder of immutable versions per model plus aliases (champion), like MLflow's but on plain files.
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { writeFileAtomic, writeJsonAtomic } from '../util/fs-atomic';

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

export class RegistryError extends Error {
  constructor(
    readonly type: 'ModelNotFound' | 'VersionNotFound' | 'AliasNotSet' | 'CorruptRegistry',
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

const MODEL_NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;

export class Registry {
  constructor(readonly root: string) {}

  private modelDir(name: string): string {
    if (!MODEL_NAME.test(name)) throw new RegistryError('ModelNotFound', `invalid model name ${JSON.stringify(name)}`);
    return path.join(this.root, name);
  }
  versionDir(name: string, version: number): string {
    return path.join(this.modelDir(name), 'versions', String(version));
  }
  private runIndexFile(name: string, runKey: string): string {
    const h = createHash('sha256').update(runKey).digest('hex').slice(0, 32);
    return path.join(this.modelDir(name), 'runs', `${h}.json`);
  }

  async models(): Promise<string[]> {
    try {
      return (await readdir(this.root, { withFileTypes: true })).filter((d) => d.isDirectory() && MODEL_NAME.test(d.name)).map((d) => d.name).sort();
    } catch {
      return [];
    }
  }

  async versions(name: string): Promise<number[]> {
    try {
      const entries = await readdir(path.join(this.modelDir(name), 'versions'));
      return entries.filter((e) => /^\d+$/.test(e)).map(Number).sort((a, b) => a - b);
    } catch {
      return [];
    }
  }

  async metadata(name: string, version: number): Promise<VersionMetadata> {
    const file = path.join(this.versionDir(name, version), 'metadata.json');
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch {
      throw new RegistryError('VersionNotFound', `model ${name} has no version ${version}`);
    }
    return VersionMetadata.parse(JSON.parse(text));
  }

  async readFile(name: string, version: number, file: string): Promise<Buffer> {
    if (file.includes('/') || file.includes('\\') || file.startsWith('.')) throw new Error(`bad registry file name ${file}`);
    return readFile(path.join(this.versionDir(name, version), file));
  }

  async findByRunKey(name: string, runKey: string): Promise<number | undefined> {
    try {
      const v = z.object({ version: z.number().int() }).parse(JSON.parse(await readFile(this.runIndexFile(name, runKey), 'utf8')));
      await stat(path.join(this.versionDir(name, v.version), 'metadata.json'));
      return v.version;
    } catch {
      // the index is written after the version folder; a crash between the two must not make a second version
      for (const v of (await this.versions(name)).reverse()) {
        const meta = await this.metadata(name, v).catch(() => undefined);
        if (meta?.runKey === runKey) return v;
      }
      return undefined;
    }
  }

  /**
   * Registers a new version, idempotently on `runKey`: files are staged in a private folder and the
   * version number is claimed with an atomic rename, so a crash leaves no partial version and a retry
   * of the same run returns the version it already made.
   */
  async register(input: RegisterInput): Promise<VersionMetadata> {
    const existing = await this.findByRunKey(input.name, input.runKey);
    if (existing !== undefined) return this.metadata(input.name, existing);
    const dir = this.modelDir(input.name);
    const staging = path.join(dir, 'staging', createHash('sha256').update(input.runKey).digest('hex').slice(0, 32));
    await rm(staging, { recursive: true, force: true });
    await mkdir(staging, { recursive: true });
    for (const [file, data] of Object.entries(input.files)) await writeFile(path.join(staging, file), data);
    await mkdir(path.join(dir, 'versions'), { recursive: true });
    for (let attempt = 0; attempt < 100; attempt++) {
      const version = ((await this.versions(input.name)).at(-1) ?? 0) + 1;
      const meta: VersionMetadata = VersionMetadata.parse({
        ...input.metadata,
        name: input.name,
        version,
        runKey: input.runKey,
        createdAt: input.metadata.createdAt ?? new Date().toISOString(),
      });
      await writeFile(path.join(staging, 'metadata.json'), `${JSON.stringify(meta, null, 2)}\n`);
      try {
        // rename onto a missing directory is atomic; an existing non-empty one makes it fail, so two writers never share a number
        await rename(staging, this.versionDir(input.name, version));
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ENOTEMPTY' || code === 'EEXIST') continue;
        throw err;
      }
      await writeJsonAtomic(this.runIndexFile(input.name, input.runKey), { version });
      return meta;
    }
    throw new Error(`could not claim a version number for ${input.name}`);
  }

  private async aliasFile(name: string): Promise<AliasFile> {
    try {
      return AliasFile.parse(JSON.parse(await readFile(path.join(this.modelDir(name), 'aliases.json'), 'utf8')));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { aliases: {}, history: [] };
      throw new RegistryError('CorruptRegistry', `aliases of ${name} are unreadable: ${(err as Error).message}`);
    }
  }

  /**
   * A cheap stamp of a model's alias file that changes whenever the file is replaced ('missing' when
   * there is none), so pollers can skip reading and parsing it when nothing moved.
   */
  async aliasStamp(name: string): Promise<string> {
    try {
      const s = await stat(path.join(this.modelDir(name), 'aliases.json'));
      return `${s.ino}:${s.size}:${s.mtimeMs}`;
    } catch {
      return 'missing';
    }
  }

  async alias(name: string, alias = 'champion'): Promise<number | undefined> {
    return (await this.aliasFile(name)).aliases[alias];
  }

  async aliasHistory(name: string): Promise<z.infer<typeof AliasEvent>[]> {
    return (await this.aliasFile(name)).history;
  }

  /** Points `alias` at `version` (which must exist); idempotent when it already points there. */
  async setAlias(name: string, version: number, reason: string, alias = 'champion'): Promise<void> {
    await this.metadata(name, version);
    const file = await this.aliasFile(name);
    if (file.aliases[alias] === version) return;
    file.aliases[alias] = version;
    file.history.push({ alias, version, at: new Date().toISOString(), reason });
    await writeJsonAtomic(path.join(this.modelDir(name), 'aliases.json'), file);
  }

  /** Moves `alias` back to the version it pointed at before the current one. */
  async rollback(name: string, alias = 'champion'): Promise<number> {
    const file = await this.aliasFile(name);
    const current = file.aliases[alias];
    if (current === undefined) throw new RegistryError('AliasNotSet', `model ${name} has no ${alias}`);
    const previous = [...file.history].reverse().find((e) => e.alias === alias && e.version !== current);
    if (!previous) throw new RegistryError('AliasNotSet', `model ${name} has no earlier ${alias} to roll back to`);
    await this.setAlias(name, previous.version, `rollback from ${current}`, alias);
    return previous.version;
  }

  /** Writes a file beside a version after registration (e.g. a report), atomically. */
  async attach(name: string, version: number, file: string, data: string | Uint8Array): Promise<void> {
    await this.metadata(name, version);
    await writeFileAtomic(path.join(this.versionDir(name, version), file), data);
  }
}

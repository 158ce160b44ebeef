// Runs container-structure-test.yaml's checks against a built image with podman, as the upstream tool would: the
// YAML stays the one list of image facts, for users who have container-structure-test and for this machine.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { podman } from '../support/podman';
import { projectRoot } from '../support/temporal';

const EnvVar = z.object({ key: z.string(), value: z.string() });
const CommandTest = z.object({
  name: z.string(),
  command: z.string(),
  args: z.array(z.string()).default([]),
  envVars: z.array(EnvVar).default([]),
  exitCode: z.number().int().default(0),
  expectedOutput: z.array(z.string()).default([]),
  excludedOutput: z.array(z.string()).default([]),
  expectedError: z.array(z.string()).default([]),
  excludedError: z.array(z.string()).default([]),
});
const FileExistenceTest = z.object({ name: z.string(), path: z.string(), shouldExist: z.boolean() });
const MetadataTest = z.object({
  user: z.string().optional(),
  workdir: z.string().optional(),
  exposedPorts: z.array(z.string()).optional(),
  volumes: z.array(z.string()).optional(),
  cmd: z.array(z.string()).optional(),
  envVars: z.array(EnvVar).default([]),
});
export const StructureConfig = z.object({
  schemaVersion: z.literal('2.0.0'),
  metadataTest: MetadataTest,
  commandTests: z.array(CommandTest).min(1),
  fileExistenceTests: z.array(FileExistenceTest).min(1),
});
export type StructureConfig = z.infer<typeof StructureConfig>;

export function readStructureConfig(file = path.join(projectRoot, 'container-structure-test.yaml')): StructureConfig {
  return StructureConfig.parse(parse(readFileSync(file, 'utf8')));
}

export interface Check {
  kind: 'metadata' | 'command' | 'file';
  name: string;
  /** Resolves with a list of problems; empty means the check passed. */
  run(image: string): Promise<string[]>;
}

const ImageConfig = z.object({
  Config: z.object({
    User: z.string().default(''),
    WorkingDir: z.string().default(''),
    ExposedPorts: z.record(z.string(), z.unknown()).nullish(),
    Volumes: z.record(z.string(), z.unknown()).nullish(),
    Cmd: z.array(z.string()).nullish(),
    Env: z.array(z.string()).nullish(),
    Healthcheck: z.object({ Test: z.array(z.string()) }).nullish(),
  }),
});
export async function inspectImage(image: string): Promise<z.infer<typeof ImageConfig>['Config']> {
  const r = await podman(['image', 'inspect', image]);
  if (r.code !== 0) throw new Error(`podman image inspect ${image}: ${r.stderr.trim()}`);
  // podman's Config is the OCI one; Docker's HEALTHCHECK lives beside it in podman's inspect output
  const [raw] = JSON.parse(r.stdout) as [{ Config: Record<string, unknown>; Healthcheck?: unknown }];
  return ImageConfig.parse({ Config: { ...raw.Config, Healthcheck: raw.Config.Healthcheck ?? raw.Healthcheck } }).Config;
}

const sameList = (want: string[], got: string[]) => JSON.stringify([...want].sort()) === JSON.stringify([...got].sort());

/** Every check of the config, in the order container-structure-test runs them. */
export function structureChecks(config: StructureConfig): Check[] {
  const m = config.metadataTest;
  const metadata: Check = {
    kind: 'metadata',
    name: 'metadata: user, workdir, ports, volumes, cmd, env',
    async run(image) {
      const c = await inspectImage(image);
      const problems: string[] = [];
      if (m.user !== undefined && c.User !== m.user) problems.push(`user ${JSON.stringify(c.User)}, expected ${m.user}`);
      if (m.workdir !== undefined && c.WorkingDir !== m.workdir) problems.push(`workdir ${c.WorkingDir}, expected ${m.workdir}`);
      const ports = Object.keys(c.ExposedPorts ?? {}).map((p) => p.replace(/\/tcp$/, ''));
      if (m.exposedPorts && !sameList(m.exposedPorts, ports)) problems.push(`exposed ports ${ports.join(',')}, expected ${m.exposedPorts.join(',')}`);
      const volumes = Object.keys(c.Volumes ?? {});
      if (m.volumes && !sameList(m.volumes, volumes)) problems.push(`volumes ${volumes.join(',')}, expected ${m.volumes.join(',')}`);
      if (m.cmd && JSON.stringify(c.Cmd ?? []) !== JSON.stringify(m.cmd)) problems.push(`cmd ${JSON.stringify(c.Cmd)}, expected ${JSON.stringify(m.cmd)}`);
      for (const e of m.envVars) if (!(c.Env ?? []).includes(`${e.key}=${e.value}`)) problems.push(`env ${e.key}=${e.value} missing`);
      return problems;
    },
  };
  const commands = config.commandTests.map((t): Check => ({
    kind: 'command',
    name: `command: ${t.name}`,
    async run(image) {
      const r = await podman(['run', '--rm', '--network', 'none', ...t.envVars.flatMap((e) => ['-e', `${e.key}=${e.value}`]), '--entrypoint', t.command, image, ...t.args]);
      const problems: string[] = [];
      if (r.code !== t.exitCode) problems.push(`exit code ${r.code}, expected ${t.exitCode}`);
      for (const re of t.expectedOutput) if (!new RegExp(re, 'm').test(r.stdout)) problems.push(`stdout does not match ${re}`);
      for (const re of t.excludedOutput) if (new RegExp(re, 'm').test(r.stdout)) problems.push(`stdout matches ${re}`);
      for (const re of t.expectedError) if (!new RegExp(re, 'm').test(r.stderr)) problems.push(`stderr does not match ${re}`);
      for (const re of t.excludedError) if (new RegExp(re, 'm').test(r.stderr)) problems.push(`stderr matches ${re}`);
      if (problems.length) problems.push(`stdout: ${r.stdout.slice(-500)}`, `stderr: ${r.stderr.slice(-500)}`);
      return problems;
    },
  }));
  const files = config.fileExistenceTests.map((t): Check => ({
    kind: 'file',
    name: `file: ${t.name} (${t.path} ${t.shouldExist ? 'present' : 'absent'})`,
    async run(image) {
      const r = await podman(['run', '--rm', '--network', 'none', '--entrypoint', 'test', image, '-e', t.path]);
      if (r.code > 1) return [`podman run failed: ${r.stderr.trim()}`];
      const exists = r.code === 0;
      return exists === t.shouldExist ? [] : [`${t.path} is ${exists ? 'present' : 'absent'}`];
    },
  }));
  return [metadata, ...commands, ...files];
}

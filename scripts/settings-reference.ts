// The settings reference (docs/settings.md), generated from the settings schemas and their comments, so it cannot drift.
import { readFileSync, writeFileSync } from 'node:fs';
import { temporalTargetSettings } from '../src/temporal/target';
import path from 'node:path';
import { z } from 'zod';
import { ClusterEnvSchema } from '../src/cluster/settings';
import { ServingConfig } from '../src/config/serving';
import { WatchdogEnv } from '../src/watchdog/settings';
import { EnvSchema } from '../src/config/env';

export interface SettingDoc {
  name: string;
  /** Which processes read it. */
  group: string;
  default: string;
  description: string;
}

/** Schemas whose keys are settings, the file that declares each (its comments are the descriptions), and who reads them. */
const SOURCES = [
  { group: 'all processes', shape: () => EnvSchema.in.shape as Record<string, z.ZodType>, file: 'src/config/env.ts' },
  // the Temporal connection settings are spread into EnvSchema from their own module, where their comments are
  { group: 'all processes', shape: () => temporalTargetSettings as Record<string, z.ZodType>, file: 'src/temporal/target.ts' },
  { group: 'prediction API', shape: () => ServingConfig.shape as Record<string, z.ZodType>, file: 'src/config/serving.ts' },
  { group: '`make cluster`', shape: () => ClusterEnvSchema.shape as Record<string, z.ZodType>, file: 'src/cluster/settings.ts' },
  { group: 'watchdog', shape: () => WatchdogEnv.shape as Record<string, z.ZodType>, file: 'src/watchdog/settings.ts' },
] as const;

/** Defaults that depend on the machine or on other settings, said in words instead of a machine's value. */
const DERIVED_DEFAULTS: Record<string, string> = {
  PROJECT_ROOT: 'the checkout (or image) root',
  VAR_DIR: '`var`',
  SERVING_PROCESSES: 'the number of cores',
  TEMPORAL_ADDRESS: '`127.0.0.1:$TEMPORAL_PORT`',
  TEMPORAL_UI_URL: '`http://127.0.0.1:$TEMPORAL_UI_PORT`',
  FIRST_TRAINING_SPEC: '`datasets/$MODEL_NAME.json`',
  ARTIFACT_STORE: '`$VAR_DIR` (a local folder)',
  STORE_CACHE_DIR: '`$VAR_DIR/cache/store`',
  REPORTS_BASE_URL: '`http://$API_HOST:$API_PORT`',
  CLUSTER_DIR: '`var/cluster`',
  CLUSTER_API_PORTS: '`8080,8081`',
  CLUSTER_TEMPORAL_INTERNAL_PORTS: '`6933,7243,7234,6934,7235,6935,7239,6939`',
};

function unwrapDefault(schema: z.ZodType): unknown {
  let s: unknown = schema;
  for (let i = 0; i < 8 && s; i++) {
    if (s instanceof z.ZodDefault) return (s.def as { defaultValue: unknown }).defaultValue;
    const def = (s as { def?: { innerType?: unknown; in?: unknown } }).def;
    s = def?.innerType ?? def?.in;
  }
  return undefined;
}

function showDefault(name: string, schema: z.ZodType): string {
  if (name in DERIVED_DEFAULTS) return DERIVED_DEFAULTS[name];
  const value = unwrapDefault(schema);
  if (value === undefined) return 'unset';
  if (Array.isArray(value)) return value.length ? `\`${value.join(',')}\`` : 'empty';
  // eslint-disable-next-line @typescript-eslint/no-base-to-string -- setting defaults are strings, numbers and booleans
  return `\`${String(value)}\``;
}

/**
 * The comment right above `NAME:` in a schema file: a JSDoc block or `//` lines. A setting declared on a line after
 * another without a comment of its own shares the comment of the group (e.g. `..._WINDOW_MS` under `..._MAX`).
 */
export function commentAbove(source: string, name: string): string {
  const lines = source.split('\n');
  const at = lines.findIndex((l) => new RegExp(`^\\s+${name}:`).test(l));
  if (at < 0) return '';
  const taken: string[] = [];
  for (let i = at - 1; i >= 0; i--) {
    const t = lines[i].trim();
    if (t.startsWith('//')) taken.unshift(t.replace(/^\/\/\s?/, ''));
    else if (t.startsWith('*/')) continue;
    else if (t.startsWith('/**') || t.startsWith('*')) {
      const text = t
        .replace(/^\/\*\*\s?/, '')
        .replace(/^\*\s?/, '')
        .replace(/\*\/$/, '')
        .trim();
      if (text) taken.unshift(text);
      if (t.startsWith('/**')) break;
    } else break;
  }
  return taken.join(' ').trim();
}

/** Every setting of every schema, once (a key that two processes read is listed under the first). */
export function settingsReference(root: string): SettingDoc[] {
  const seen = new Map<string, SettingDoc>();
  for (const src of SOURCES) {
    const text = readFileSync(path.join(root, src.file), 'utf8');
    for (const [name, schema] of Object.entries(src.shape())) {
      const description = commentAbove(text, name);
      const known = seen.get(name);
      if (known) {
        if (!known.description && description) known.description = description;
        if (!known.group.includes(src.group)) known.group += `, ${src.group}`;
        continue;
      }
      seen.set(name, { name, group: src.group, default: showDefault(name, schema), description });
    }
  }
  return [...seen.values()];
}

/** docs/settings.md's text. */
export function renderSettings(settings: readonly SettingDoc[]): string {
  const rows = settings.map((s) => `| \`${s.name}\` | ${s.default} | ${s.group} | ${s.description.replace(/\|/g, '\\|') || '(not described)'} |`);
  return [
    '# Settings',
    '',
    'Every setting is an environment variable, validated when a process starts (`src/config/env.ts`, the serving',
    "settings in `src/config/serving.ts`, `make cluster`'s in `src/cluster/settings.ts`); a bad value stops the process",
    'with one message naming every problem (exit code 2). Secrets (Slack token, API keys, S3 credentials) are never logged.',
    '',
    'This page is generated from those schemas and their comments: `make settings-doc` rewrites it, and `make test` fails',
    'when it is out of date.',
    '',
    '| variable | default | read by | meaning |',
    '| --- | --- | --- | --- |',
    ...rows,
    '',
  ].join('\n');
}

if (require.main === module) {
  const root = path.resolve(__dirname, '..', '..');
  const text = renderSettings(settingsReference(root));
  if (process.argv.includes('--write')) {
    writeFileSync(path.join(root, 'docs', 'settings.md'), text);
    process.stdout.write('docs/settings.md written\n');
  } else process.stdout.write(text);
}

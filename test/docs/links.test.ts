// The front door stays a front door: README.md short, every relative link in README.md and docs/ pointing at a file
// that exists, and no command line a reader cannot run as written (`npm run cli --`, a bare `temporal workflow ...`).
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(__dirname, '..', '..', '..');
const README_MAX_LINES = 250;

/** Markdown link targets (inline links and images), without code spans and fenced blocks. */
export function linkTargets(markdown: string): string[] {
  const prose = markdown.replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, '');
  const out: string[] = [];
  for (const m of prose.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) out.push(m[1]);
  return out;
}

/** The relative targets (repository paths, anchors dropped) that do not exist, for a page at `page` (relative to root). */
export function brokenLinks(page: string, markdown: string, exists: (repoPath: string) => boolean): string[] {
  const broken: string[] = [];
  for (const target of linkTargets(markdown)) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('#')) continue; // http(s), mailto, in-page anchors
    const file = decodeURIComponent(target.split('#')[0]);
    const repoPath = path.posix.normalize(path.posix.join(path.posix.dirname(page), file)).replace(/\/$/, '');
    if (repoPath.startsWith('..') || !exists(repoPath)) broken.push(`${page}: ${target}`);
  }
  return broken;
}

/** Lines that tell a reader to run something that is not how this project runs it. */
export function staleCommands(page: string, markdown: string): string[] {
  const found: string[] = [];
  markdown.split('\n').forEach((line, i) => {
    if (/npm run cli\b/.test(line)) found.push(`${page}:${i + 1}: "npm run cli" (the CLI is npx mlp)`);
    // `temporal` as the first word of a command (line start, after a space, backtick, $( or a prompt), followed by a
    // subcommand: the CLI may not be on PATH; write "$(./scripts/temporal-cli.sh) workflow ..." (or T=... then $T)
    const bare = /(^|[\s`(;|&])temporal\s+(workflow|schedule|operator|server)\b/.exec(line);
    if (bare) found.push(`${page}:${i + 1}: bare "temporal ${bare[2]}"`);
  });
  return found;
}

function pages(): string[] {
  const docs = existsSync(path.join(root, 'docs'))
    ? readdirSync(path.join(root, 'docs'))
        .filter((f) => f.endsWith('.md'))
        .map((f) => `docs/${f}`)
    : [];
  return ['README.md', ...docs];
}

const read = (page: string) => readFileSync(path.join(root, page), 'utf8');
const existsInRepo = (repoPath: string) => existsSync(path.join(root, repoPath));

describe('README and docs/', () => {
  it(`README.md is at most ${README_MAX_LINES} lines`, () => {
    const lines = read('README.md').replace(/\n$/, '').split('\n').length;
    assert.ok(lines <= README_MAX_LINES, `README.md has ${lines} lines; move reference material to docs/`);
  });

  it('every relative link in README.md and docs/*.md points at a file that exists', () => {
    assert.ok(pages().length > 1, 'docs/ has pages');
    const broken = pages().flatMap((p) => brokenLinks(p, read(p), existsInRepo));
    assert.deepEqual(broken, []);
  });

  it('no page says "npm run cli" or runs a bare "temporal workflow|schedule|operator" command', () => {
    assert.deepEqual(
      pages().flatMap((p) => staleCommands(p, read(p))),
      [],
    );
  });

  it('the checks find what they look for', () => {
    const page = 'docs/x.md';
    const md = [
      'See [training](training.md), [up](../README.md#two), [gone](nope.md), [web](https://example.com), [here](#top).',
      '`[not a link](missing.md)`',
      '```',
      '[also not](missing2.md)',
      '```',
    ].join('\n');
    const exists = (p: string) => p === 'docs/training.md' || p === 'README.md';
    assert.deepEqual(brokenLinks(page, md, exists), ['docs/x.md: nope.md']);
    assert.deepEqual(
      brokenLinks('README.md', '[out](../etc/passwd)', () => true),
      ['README.md: ../etc/passwd'],
    );
    const stale = staleCommands(
      page,
      [
        'npm run cli -- models list',
        'temporal workflow start --type x',
        'run `temporal schedule trigger`',
        'T=$(./scripts/temporal-cli.sh); $T workflow list',
        '$(./scripts/temporal-cli.sh) workflow start',
        'the temporal CLI',
      ].join('\n'),
    );
    assert.deepEqual(stale, ['docs/x.md:1: "npm run cli" (the CLI is npx mlp)', 'docs/x.md:2: bare "temporal workflow"', 'docs/x.md:3: bare "temporal schedule"']);
  });
});

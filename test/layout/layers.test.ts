// The layering rule, checked on the source: imports run from entry points down to the concerns, never back up.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../support/temporal';

/**
 * The rule:
 * 1. workflows/ import activities only as types (`import type`), and from src/ only modules that do no I/O (the
 *    WORKFLOW_SAFE list): the workflow sandbox replays them.
 * 2. activities/ import src/ and each other, never workflows/ at run time.
 * 3. src/ concerns never import activities/ or workflows/, and never an entry point (the processes: worker, cli, up,
 *    cluster, watchdog). Entry points may import anything below them.
 * 4. src/ folders form no cycle: when folder A imports folder B (type-only imports included), nothing in B imports A,
 *    directly or through other folders. A piece both need moves down into a folder below both (e.g. src/util, src/http).
 * 5. test/ mirrors src/: each test/<folder> is named after the src/ folder its tests are about (a test file lives
 *    where its subject lives), except the folders in NOT_A_SRC_FOLDER, and no two test files share a file name.
 */
const ENTRY_POINTS = new Set(['worker', 'cli', 'up', 'cluster', 'watchdog']);
/**
 * test/ folders that are not about one src/ folder: support code and fixtures, these checks, the docs checks, the
 * multi-process and container topologies, the first-start foundation, and two cross-cutting ones: pipeline (the
 * training workflow end to end through workflows/, activities/ and most of src/) and python (the top-level python/ worker).
 */
const NOT_A_SRC_FOLDER = new Set(['support', 'fixtures', 'layout', 'docs', 'cluster', 'containers', 'foundation', 'pipeline', 'python']);
const WORKFLOW_SAFE = [/^src\/alerts\/(model|router-contract|router-state)$/, /^src\/temporal\/(search-attributes|python-trainer)$/, /^src\/task\//];

interface Import {
  from: string;
  to: string;
  typeOnly: boolean;
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return tsFiles(full);
    return name.endsWith('.ts') ? [full] : [];
  });
}

function imports(top: string): Import[] {
  return tsFiles(path.join(projectRoot, top)).flatMap((file) => {
    const from = path.relative(projectRoot, file).replace(/\.ts$/, '');
    const text = readFileSync(file, 'utf8');
    return [...text.matchAll(/^(?:import|export)(\s+type)?[^'"]*?from\s+'(\.[^']+)'/gm)].map((m) => ({
      from,
      to: path.posix.normalize(path.posix.join(path.posix.dirname(from), m[2])),
      typeOnly: Boolean(m[1]),
    }));
  });
}

/** The import graph between src/ folders: folder -> the folders it imports. */
function folderGraph(list: Import[]): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  for (const i of list) {
    const a = i.from.split('/')[1];
    const b = i.to.split('/')[1];
    if (!i.to.startsWith('src/') || a === b) continue;
    if (!graph.has(a)) graph.set(a, new Set());
    graph.get(a)?.add(b);
  }
  return graph;
}

/** Every cycle's folders as `a -> b -> ... -> a` (one per strongly connected component, found by depth-first search). */
function folderCycles(graph: Map<string, Set<string>>): string[] {
  const cycles: string[] = [];
  const done = new Set<string>();
  const visit = (node: string, stack: string[]): void => {
    const at = stack.indexOf(node);
    if (at >= 0) {
      cycles.push([...stack.slice(at), node].join(' -> '));
      return;
    }
    if (done.has(node)) return;
    for (const next of [...(graph.get(node) ?? [])].sort()) visit(next, [...stack, node]);
    done.add(node);
  };
  for (const node of [...graph.keys()].sort()) visit(node, []);
  return cycles;
}

describe('layers', () => {
  it('workflows import activities only as types, and from src/ only sandbox-safe modules', () => {
    const bad = imports('workflows')
      .filter((i) => !i.typeOnly)
      .filter((i) => i.to.startsWith('activities/') || i.to === 'activities' || (i.to.startsWith('src/') && !WORKFLOW_SAFE.some((re) => re.test(i.to))))
      .map((i) => `${i.from} -> ${i.to}`);
    assert.deepEqual(bad, []);
  });

  it('activities never import workflows at run time', () => {
    const bad = imports('activities')
      .filter((i) => !i.typeOnly && i.to.startsWith('workflows'))
      .map((i) => `${i.from} -> ${i.to}`);
    assert.deepEqual(bad, []);
  });

  it('src/ concerns never import activities/, workflows/ or an entry point (worker, cli, up, cluster, watchdog)', () => {
    const bad = imports('src')
      .filter((i) => !ENTRY_POINTS.has(i.from.split('/')[1]))
      .filter((i) => i.to.startsWith('activities') || i.to.startsWith('workflows') || (i.to.startsWith('src/') && ENTRY_POINTS.has(i.to.split('/')[1])))
      .map((i) => `${i.from} -> ${i.to}`);
    assert.deepEqual(bad, []);
  });

  it('no two src/ folders import each other, directly or around a longer cycle', () => {
    const list = imports('src');
    const cycles = folderCycles(folderGraph(list)).map((cycle) => {
      // name one import per step, so the message says which line to move
      const steps = cycle.split(' -> ');
      const lines = steps.slice(1).map((to, k) => list.find((i) => i.from.split('/')[1] === steps[k] && i.to.startsWith('src/') && i.to.split('/')[1] === to));
      return `${cycle} (${lines.map((i) => (i ? `${i.from} -> ${i.to}` : '?')).join('; ')})`;
    });
    assert.deepEqual(cycles, []);
  });

  it('the cycle check finds a direct and a longer cycle', () => {
    const edge = (from: string, to: string): Import => ({ from: `src/${from}/x`, to: `src/${to}/y`, typeOnly: false });
    assert.deepEqual(folderCycles(folderGraph([edge('a', 'b'), edge('b', 'a')])), ['a -> b -> a']);
    assert.deepEqual(folderCycles(folderGraph([edge('a', 'b'), edge('b', 'c'), edge('c', 'a'), edge('c', 'd')])), ['a -> b -> c -> a']);
    assert.deepEqual(folderCycles(folderGraph([edge('a', 'b'), edge('b', 'c'), edge('a', 'c')])), []);
  });

  it('the check finds an import that breaks the rule', () => {
    const broken = { from: 'src/serving/app', to: 'src/cli/output', typeOnly: false };
    assert.ok(ENTRY_POINTS.has(broken.to.split('/')[1]) && !ENTRY_POINTS.has(broken.from.split('/')[1]));
  });
});

describe('test/ mirrors src/', () => {
  const folders = (dir: string) => readdirSync(path.join(projectRoot, dir)).filter((n) => statSync(path.join(projectRoot, dir, n)).isDirectory());

  it('names every test/ folder after a src/ folder, except the cross-cutting ones', () => {
    const src = new Set(folders('src'));
    assert.deepEqual(
      folders('test').filter((f) => !src.has(f) && !NOT_A_SRC_FOLDER.has(f)),
      [],
      'a test/ folder with no src/ folder of that name (move its tests to their subject, or list it in NOT_A_SRC_FOLDER)',
    );
  });

  it('holds no two test files with the same name', () => {
    const byName = new Map<string, string[]>();
    for (const file of tsFiles(path.join(projectRoot, 'test')).filter((f) => f.endsWith('.test.ts'))) {
      const name = path.basename(file);
      byName.set(name, [...(byName.get(name) ?? []), path.relative(projectRoot, file)]);
    }
    assert.deepEqual(
      [...byName.values()].filter((files) => files.length > 1),
      [],
    );
  });
});

// docs/settings.md is the settings schemas' own reference: generated, complete, and every setting the docs name exists.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { commentAbove, renderSettings, settingsReference } from '../../scripts/settings-reference';
import { projectRoot } from '../support/temporal';

/** Names in backticks that look like settings but are not the project's (the machine's, Go's, the scripts' own). */
const NOT_SETTINGS = new Set(['NODE_EXTRA_CA_CERTS', 'SSL_CERT_FILE', 'GOCACHE', 'GOMODCACHE', 'GOBIN', 'PATH', 'HOME', 'CI', 'NODE_OPTIONS', 'SO_REUSEPORT', 'BRANCH_LEQ', 'BRANCH_MEMBER']);
/** Variables of other files than the processes': the compose file's own, the Dockerfile's build arguments (`*_BASE_IMAGE`), the bench's (`BENCH_*`, read by bench/). */
const OTHER_FILES = /^(BENCH_[A-Z_]+|PUBLISH_IP|[A-Z]+_BASE_IMAGE)$/;
/** Read by the scripts that find tools, not by the processes (documented where they are used). */
const SCRIPT_SETTINGS = new Set(['TEMPORAL_CLI', 'TEMPORAL_CLI_VERSION', 'NODE_PACKAGE_VERSION']);
/** Read only by the Python training worker (python/ml_worker), documented in docs/python-trainers.md. */
const PYTHON_WORKER_SETTINGS = new Set(['PYTHON_TASK_QUEUE', 'PYTHON_TRAINER_PATH', 'PYTHON_LOG_LEVEL']);
const SETTING_LIKE = /`\$?([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)(?:=[^`]*)?`/g;

function docPages(): { file: string; text: string }[] {
  const docs = path.join(projectRoot, 'docs');
  return [
    { file: 'README.md', text: readFileSync(path.join(projectRoot, 'README.md'), 'utf8') },
    ...readdirSync(docs)
      .filter((f) => f.endsWith('.md'))
      .map((f) => ({ file: `docs/${f}`, text: readFileSync(path.join(docs, f), 'utf8') })),
  ];
}

describe('settings reference', () => {
  const settings = settingsReference(projectRoot);

  it('docs/settings.md is what the schemas generate (run `make settings-doc` after changing a setting)', () => {
    const committed = readFileSync(path.join(projectRoot, 'docs', 'settings.md'), 'utf8');
    assert.equal(committed, renderSettings(settings));
  });

  it('every setting of every schema says what it does', () => {
    assert.ok(settings.length > 60, `only ${settings.length} settings found`);
    assert.deepEqual(
      settings.filter((s) => !s.description).map((s) => s.name),
      [],
    );
  });

  it('every setting the README and docs name is a setting the schemas know', () => {
    const known = new Set(settings.map((s) => s.name));
    const unknown: string[] = [];
    for (const page of docPages()) {
      for (const m of page.text.matchAll(SETTING_LIKE)) {
        const name = m[1];
        if (!known.has(name) && !NOT_SETTINGS.has(name) && !SCRIPT_SETTINGS.has(name) && !PYTHON_WORKER_SETTINGS.has(name) && !OTHER_FILES.test(name)) unknown.push(`${page.file}: ${name}`);
      }
    }
    assert.deepEqual([...new Set(unknown)], []);
  });

  it('takes each description from the comment right above the setting', () => {
    const source = ['  /** First. */', '  A_B: x,', '  // Second,', '  // two lines.', '  C_D: y,', '  E_F: z,'].join('\n');
    assert.equal(commentAbove(source, 'A_B'), 'First.');
    assert.equal(commentAbove(source, 'C_D'), 'Second, two lines.');
    assert.equal(commentAbove(source, 'E_F'), '');
    assert.equal(commentAbove(source, 'G_H'), '');
  });
});

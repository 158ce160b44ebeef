// The Python worker's image stage and compose service, parsed: pinned requirements, non-root, the worker module,
// the app's store and Temporal settings; the default target stays the app's runtime (test/containers builds images).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { projectRoot } from '../support/temporal';

const read = (file: string) => readFileSync(path.join(projectRoot, file), 'utf8');

/** The Dockerfile's stages by name (the text from one FROM to the next). */
function stages(dockerfile: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const stage of dockerfile.split(/^FROM /m).slice(1)) {
    const name = /^\S+ AS (\S+)/.exec(stage)?.[1];
    if (name) out.set(name, stage);
  }
  return out;
}

describe('the Python worker image (Dockerfile target python-worker)', () => {
  const dockerfile = read('Dockerfile');
  const all = stages(dockerfile);

  it('installs python/requirements.txt (every version pinned) in a build stage and runs python -m ml_worker as a non-root user', () => {
    const deps = all.get('python-worker-deps');
    const worker = all.get('python-worker');
    assert.ok(deps && worker, `stages: ${[...all.keys()].join(', ')}`);
    assert.match(deps, /COPY python\/requirements\.txt /);
    assert.match(deps, /pip install [^\n]*-r \/tmp\/requirements\.txt/);
    for (const line of read('python/requirements.txt').split('\n')) {
      if (line.trim() && !line.startsWith('#')) assert.match(line, /^[A-Za-z0-9_.-]+==[\w.]+$/, `pinned: ${line}`);
    }
    assert.doesNotMatch(worker, /pip install/, 'nothing is installed with pip in the runtime stage');
    assert.match(worker, /COPY --from=python-worker-deps [^\n]*\/opt\/venv/);
    assert.match(worker, /COPY [^\n]*python\/ml_worker /);
    assert.match(worker, /COPY [^\n]*python\/examples /);
    const user = /^USER (\S+)$/m.exec(worker)?.[1];
    assert.ok(user && user !== 'root' && user !== '0', `runs as ${user}`);
    assert.match(worker, /^ENTRYPOINT \["python", "-m", "ml_worker"\]$/m);
    assert.match(worker, /PYTHON_TASK_QUEUE=ml-train-python/);
    assert.match(worker, /libgomp1/, "LightGBM's OpenMP runtime");
  });

  it('leaves the app image the default target (runtime, last) and its CMD the first one', () => {
    assert.equal([...all.keys()].pop(), 'runtime');
    assert.equal(/^CMD (\[.*\])$/m.exec(dockerfile)?.[1], '["node", "dist/src/worker/main.js"]');
    assert.match(read('.dockerignore'), /^\.venv\*$/m, 'the venvs stay out of the build context');
  });

  it('has an opt-in compose service with the app settings (Temporal address, S3 store)', () => {
    const Service = z.object({
      profiles: z.array(z.string()),
      build: z.object({ target: z.string() }),
      environment: z.record(z.string(), z.unknown()),
    });
    const text = read('docker-compose.temporal.yml').replace(/\$\{[^}]+\}/g, 'x');
    const file = z.object({ services: z.record(z.string(), z.unknown()) }).parse(parse(text, { merge: true }));
    const service = Service.parse(file.services['python-worker']);
    assert.deepEqual(service.profiles, ['python'], 'started only with --profile python');
    assert.equal(service.build.target, 'python-worker');
    for (const key of ['TEMPORAL_ADDRESS', 'ARTIFACT_STORE', 'S3_ENDPOINT', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']) assert.ok(key in service.environment, `sets ${key}`);
  });
});

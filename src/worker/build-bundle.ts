// Build step: writes the pre-built workflow bundle that production workers load (no bundling at start).
import { writeFile } from 'node:fs/promises';
import { bundle, prebuiltBundlePath } from './worker';

bundle()
  .then(async (b) => {
    if (!('code' in b)) throw new Error('bundler returned no code');
    await writeFile(prebuiltBundlePath, b.code);
    process.stdout.write(`workflow bundle written (${Math.round(b.code.length / 1024)} KiB)\n`);
  })
  .catch((err: unknown) => {
    process.stderr.write(`bundling workflows failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });

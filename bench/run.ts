// `npm run bench [-- data training serving drift quality store]`: every figure printed beside the baseline it is compared with in the same run.
import { benchData } from './data';
import { formatFigure, type Figure } from './figure';
import { benchPythonTrainers } from './python-trainers';
import { benchTraining } from './training';

type Bench = (log: (line: string) => void) => Promise<Figure[]>;

async function loadBenches(): Promise<Record<string, Bench>> {
  const benches: Record<string, Bench> = {
    data: benchData,
    // the Python trainers' examples beside ours on their own specs (information, not a goal)
    training: async (log) => [...(await benchTraining(log)), ...(await benchPythonTrainers(log))],
  };
  const serving = await import('./serving');
  benches.serving = (log) => serving.benchServing({ log });
  const drift = await import('./drift');
  benches.drift = (log) => drift.benchDrift(log);
  const quality = await import('./model-quality');
  benches.quality = (log) => quality.benchModelQuality(log);
  const store = await import('./store');
  benches.store = (log) => store.benchStore(log);
  return benches;
}

async function main(): Promise<void> {
  const benches = await loadBenches();
  const wanted = process.argv.slice(2);
  const unknown = wanted.filter((w) => !(w in benches));
  if (unknown.length) throw new Error(`unknown bench ${unknown.join(', ')}; choose from ${Object.keys(benches).join(', ')}`);
  const names = wanted.length ? wanted : Object.keys(benches);
  for (const name of names) {
    console.log(`\n== ${name} ==`);
    const figures = await benches[name]((line) => console.log(`   ${line}`));
    for (const f of figures) console.log(formatFigure(f));
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.stack : err);
  process.exit(1);
});

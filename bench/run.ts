// `npm run bench [-- data training serving drift quality store soak]` (soak only when named): every figure printed beside the baseline it is compared with in the same run.
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

/** Benches that run only when named: the soak takes 20 minutes and more. */
async function optInBenches(): Promise<Record<string, Bench>> {
  const soak = await import('./soak');
  return { soak: (log) => soak.benchSoak({ log }) };
}

async function main(): Promise<void> {
  const benches = await loadBenches();
  const optIn = await optInBenches();
  const wanted = process.argv.slice(2);
  const all = { ...benches, ...optIn };
  const unknown = wanted.filter((w) => !(w in all));
  if (unknown.length) throw new Error(`unknown bench ${unknown.join(', ')}; choose from ${Object.keys(all).join(', ')}`);
  const names = wanted.length ? wanted : Object.keys(benches);
  for (const name of names) {
    console.log(`\n== ${name} ==`);
    const figures = await all[name]((line) => console.log(`   ${line}`));
    for (const f of figures) console.log(formatFigure(f));
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.stack : err);
  process.exit(1);
});

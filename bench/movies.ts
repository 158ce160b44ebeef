// A second-domain dataset for the training bench: vega-datasets' movies (3,201 films, nulls in numeric and categorical columns).
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { withDuckDb } from '../src/data/duckdb';

const SOURCE = path.resolve(__dirname, '..', '..', 'node_modules', 'vega-datasets', 'data', 'movies.json');

/** Writes movies as Parquet with plain column names plus a dataset spec for it into `dir`; returns the spec's path. */
export async function moviesSpec(dir: string): Promise<string> {
  const parquet = path.join(dir, 'movies.parquet');
  await withDuckDb(async (db) => {
    await db.run(
      `COPY (SELECT "US Gross"::DOUBLE AS us_gross, "Worldwide Gross"::DOUBLE AS worldwide_gross, "Production Budget"::DOUBLE AS budget,
        "Running Time min"::DOUBLE AS running_time, "MPAA Rating" AS mpaa, "Distributor" AS distributor, "Source" AS source,
        "Major Genre" AS genre, "Creative Type" AS creative_type, "Director" AS director, "IMDB Rating"::DOUBLE AS imdb
        FROM read_json_auto('${SOURCE.replace(/'/g, "''")}')) TO '${parquet.replace(/'/g, "''")}' (FORMAT parquet)`,
    );
  });
  const spec = {
    name: 'movies',
    description: 'Is a film rated 7 or more on IMDB? Budget, grosses, running time (62% null), rating, distributor, source, genre, creative type, director (many null).',
    source: { path: parquet },
    target: { column: 'imdb', positive: { op: '>=', value: 7 } },
    features: [
      { name: 'us_gross', type: 'numeric' },
      { name: 'worldwide_gross', type: 'numeric' },
      { name: 'budget', type: 'numeric' },
      { name: 'running_time', type: 'numeric' },
      { name: 'mpaa', type: 'categorical' },
      { name: 'distributor', type: 'categorical' },
      { name: 'source', type: 'categorical' },
      { name: 'genre', type: 'categorical' },
      { name: 'creative_type', type: 'categorical' },
      { name: 'director', type: 'categorical' },
    ],
    split: { kind: 'random', holdout: 0.3, seed: 42 },
  };
  const file = path.join(dir, 'movies-spec.json');
  await writeFile(file, JSON.stringify(spec, null, 2));
  return file;
}

// matches_regex runs as a wrapped RE2 full match (fast) instead of regexp_matches (a partial match): same answers.
import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { DuckDb, sqlLiteral } from '../../src/data/duckdb';
import { regexSearchSql } from '../../src/quality';

// Pieces that exercise anchors, flags, alternation, classes, repetition and newlines.
const ATOMS = ['a', 'b', 'A', '.', '\\d', '\\w', '\\s', '\\b', '\\B', '[a-b]', '[^a]', '\\n', '^', '$', '\\A', '\\z', '(?i)', '(?m)', '(?s)', '(?U)'];
const STRINGS = fc.string({ unit: fc.constantFrom('a', 'b', 'A', 'B', '1', ' ', '\n', 'é'), maxLength: 8 });

const regexArb: fc.Arbitrary<string> = fc.letrec<{ re: string; seq: string; item: string }>((tie) => ({
  re: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    tie('seq'),
    fc.tuple(tie('seq'), tie('seq')).map(([x, y]) => `${x}|${y}`),
  ),
  seq: fc.array(tie('item'), { minLength: 1, maxLength: 4 }).map((xs) => xs.join('')),
  item: fc.oneof(
    { depthSize: 'small' },
    fc.constantFrom(...ATOMS),
    fc.tuple(fc.constantFrom('a', 'b', '.', '[ab]', '\\d'), fc.constantFrom('*', '+', '?', '{2}', '{1,2}', '*?')).map(([a, q]) => a + q),
    tie('re').map((x) => `(${x})`),
    tie('re').map((x) => `(?:${x})`),
    tie('re').map((x) => `(?i:${x})`),
  ),
})).re;

describe('quality/regexSearchSql', () => {
  let db: DuckDb;
  before(async () => (db = await DuckDb.open({ threads: 1 })));
  after(() => db.close());

  it('gives the same answer as regexp_matches (search semantics) on random RE2 patterns and strings (property test)', async () => {
    let compared = 0;
    let hits = 0;
    await fc.assert(
      fc.asyncProperty(regexArb, fc.array(STRINGS, { minLength: 1, maxLength: 12 }), async (regex, strings) => {
        try {
          await db.rows(`SELECT regexp_matches('', ${sqlLiteral(regex)})`);
        } catch {
          return; // not valid RE2; the suite rejects it before any scan
        }
        const values = strings.map((s) => `(${sqlLiteral(s)})`).join(', ');
        const rows = await db.rows(`SELECT s, regexp_matches(s, ${sqlLiteral(regex)}) AS a, ${regexSearchSql('s', regex)} AS b FROM (VALUES ${values}) AS t(s)`);
        for (const r of rows) {
          assert.equal(r.b, r.a, `/${regex}/ on ${JSON.stringify(r.s)}`);
          if (r.a === true) hits++;
        }
        compared += rows.length;
      }),
      { numRuns: 400, seed: 20240611 },
    );
    assert.ok(compared > 1000 && hits > compared / 10 && hits < compared * 0.9, `${compared} comparisons, ${hits} matches`);
  });

  it('keeps regexp_matches for \\Q quoting, which could swallow the wrapper', async () => {
    assert.match(regexSearchSql('s', 'a\\Qb'), /^regexp_matches\(/);
    const [r] = await db.rows(`SELECT ${regexSearchSql("'xab.'", '\\Qab.')} AS hit, ${regexSearchSql("'xabc'", '\\Qab.')} AS miss`);
    assert.deepEqual(r, { hit: true, miss: false });
  });
});

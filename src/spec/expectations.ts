// The expectation suite's schema: each expectation is one data-quality rule with an optional `mostly`.
import { z } from 'zod';
import { ColumnName } from './columns';

/** Named exactly as in the source, or __label / __row for the pipeline's own columns. */
const column = ColumnName;
/** Share of rows (0..1] that must satisfy a row-level rule; 1 means all of them. */
const mostly = z.number().gt(0).lte(1).default(1);

const bound = z.number().finite().optional();

export const Expectation = z.discriminatedUnion('type', [
  z.object({ type: z.literal('not_null'), column, mostly }).strict(),
  z
    .object({ type: z.literal('between'), column, min: bound, max: bound, mostly })
    .strict()
    .refine((e) => e.min !== undefined || e.max !== undefined, { message: 'needs min, max or both' }),
  z.object({ type: z.literal('in_set'), column, values: z.array(z.union([z.string(), z.number()])).min(1), mostly }).strict(),
  z.object({ type: z.literal('matches_regex'), column, regex: z.string().min(1), mostly }).strict(),
  z.object({ type: z.literal('unique'), column, mostly }).strict(),
  z
    .object({ type: z.literal('row_count_between'), min: z.number().int().nonnegative().optional(), max: z.number().int().positive().optional() })
    .strict()
    .refine((e) => e.min !== undefined || e.max !== undefined, { message: 'needs min, max or both' }),
  z.object({ type: z.literal('mean_between'), column, min: bound, max: bound }).strict(),
  z.object({ type: z.literal('stddev_between'), column, min: bound, max: bound }).strict(),
  z.object({ type: z.literal('quantile_between'), column, quantile: z.number().min(0).max(1), min: bound, max: bound }).strict(),
  z
    .object({
      type: z.literal('unseen_categories_at_most'),
      column,
      /** The categories known to be valid (e.g. from the training profile). */
      known: z.array(z.string()).min(1),
      /** Largest allowed share of non-null rows whose value is not in `known`. */
      maxShare: z.number().min(0).max(1),
    })
    .strict(),
]);
export type Expectation = z.infer<typeof Expectation>;

export const ExpectationSuite = z.array(Expectation);
export type ExpectationSuite = z.infer<typeof ExpectationSuite>;

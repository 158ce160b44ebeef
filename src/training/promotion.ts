// Promotion: the champion alias moves only if it is still where evaluation saw it, and every champion is monitored.
import { RegistryError, type Registry } from '../registry/registry';

export interface PromoteInput {
  name: string;
  version: number;
  reason: string;
  /** The champion evaluation compared against (null: none); a champion that moved meanwhile is not replaced. */
  expectedChampion?: number | null;
}

export interface PromoteOutcome {
  promoted: boolean;
  reason: string;
}

export interface PromotionDeps {
  registry: Registry;
  /** Makes sure the model's monitors (drift, quality) exist; idempotent. */
  ensureMonitoring: (model: string) => Promise<void>;
}

/**
 * Makes sure the model is monitored, then moves the champion alias (compare-and-swap in the store). In that order the
 * run's result and the promoted state always agree: a monitor that cannot be set up fails the step before anything is
 * live (monitors of a model without a champion skip), and once the alias has moved nothing is left that can fail.
 * Of two runs promoting against the same champion, one wins and the other reports why it did not; a retry after the
 * write landed finds the alias on this version: success.
 */
export async function promoteVersion({ registry, ensureMonitoring }: PromotionDeps, input: PromoteInput): Promise<PromoteOutcome> {
  await ensureMonitoring(input.name);
  try {
    await registry.setAlias(input.name, input.version, input.reason, 'champion', input.expectedChampion);
  } catch (err) {
    if (err instanceof RegistryError && err.type === 'AliasMoved') {
      if ((await registry.alias(input.name)) === input.version) return promotedTo(input);
      return { promoted: false, reason: err.message };
    }
    throw err;
  }
  return promotedTo(input);
}

function promotedTo(input: PromoteInput): PromoteOutcome {
  return { promoted: true, reason: `champion is now version ${input.version} (${input.reason})` };
}

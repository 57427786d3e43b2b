// When a workflow stops its builders: the budget (limits.max_cost_usd) and the workflow's
// end (limits.max_workflow_hours). Pure: figures in, decision out. The local execution
// phase, the distributed coordinator and a worker's job all decide here, so the rule
// ("reached" is `>=`, a builder's time limit is cut short by the workflow's end) is one.
import type { AgentUsage } from '../presets/contract.js';
import { sumUsage } from '../settings.js';

export type Halt = { reason: string; failure: 'budget' | 'time_limit' };

export const TIME_LIMIT_REASON = 'the workflow time limit (limits.max_workflow_hours) passed';

/** The workflow's end has come (`deadline` in ms since the epoch; null: no limit). */
export function deadlinePassed(deadline: number | null | undefined, now: number): boolean {
  return typeof deadline === 'number' && now >= deadline;
}

export function deadlineHalt(deadline: number | null | undefined, now: number): Halt | null {
  return deadlinePassed(deadline, now) ? { reason: TIME_LIMIT_REASON, failure: 'time_limit' } : null;
}

/** The cost so far has reached the limit (equal to it included); null limit: never. */
export function budgetHalt(spent: Iterable<Partial<AgentUsage>>, max: number | null): Halt | null {
  if (max === null) return null;
  const total = sumUsage([...spent]).cost_usd ?? 0;
  return total >= max ? { reason: `the cost so far (${total} USD) reached limits.max_cost_usd (${max} USD)`, failure: 'budget' } : null;
}

/** A builder's time limit (0: none), cut short by the workflow's end; at least 1 ms. */
export function timeLeft(limitMs: number, deadline: number | null | undefined, now: number): number {
  if (typeof deadline !== 'number') return limitMs;
  const left = Math.max(1, deadline - now);
  return limitMs > 0 ? Math.min(limitMs, left) : left;
}

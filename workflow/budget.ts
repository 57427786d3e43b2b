// The budget (limits.max_cost_usd) as a person meets it: the spend so far per agent, and
// the decision of `argo budget --raise N` — where the new limit is written, whether it is
// refused, and which builders run again when the workflow waits on `review_budget`.
// Pure: state and config documents (plain JSON) in, figures and decisions out; the command
// (steer/budget.ts) does the writing.
import { CONFIG_SOURCE, STATE_SOURCE, problemText, readLimits, type Source } from './limits.js';
import { readBuilders } from '../store/builders.js';
import { recordedUsageOf, sumUsage, usageByAgentOf, type AgentUsage } from '../store/usage.js';

export const BUDGET_KEY = 'limits.max_cost_usd';
/** What a builder halted by the budget has as `failure` (workflow/limits.ts budgetHalt). */
export const BUDGET_FAILURE = 'budget';

/** One agent's share of the spend: what its runs (the design, builders) recorded. */
export interface AgentSpend {
  /** `usage.agent` of the runs (a preset's name), `unknown` when a run did not say. */
  agent: string;
  /** null when none of its runs reported a cost. */
  cost_usd: number | null;
  input_tokens: number | null;
  output_tokens: number | null;
  /** `design` and the builder ids whose usage is counted here, in order. */
  runs: string[];
}

export interface Spend {
  /** The total the budget is held to: the same sum as budgetHalt's (design + each builder's). */
  total_usd: number | null;
  by_agent: AgentSpend[];
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const agentOf = (usage: unknown) => (isObj(usage) && typeof usage.agent === 'string' && usage.agent !== '' ? usage.agent : 'unknown');

/**
 * The spend so far, per agent and in total, from a state document. Counted as the budget
 * counts it (workflow/limits.ts recordedUsage): each builder id once (its last row), then
 * the design's usage, then the conflict resolver's (merge.usage).
 */
export function spendSoFar(state: unknown): Spend {
  // Each builder id once (its last row); a builder that failed over to another agent counts
  // towards each agent it ran (usage_by_agent), its total towards the budget as before.
  const last = new Map(readBuilders(state).filter((b) => b.usage).map((b) => [b.id, b]));
  const totals: AgentUsage[] = [];
  const shares: { agent: string; run: string; usage: AgentUsage }[] = [];
  for (const [id, b] of last) {
    totals.push(b.usage!);
    const by = Object.entries(usageByAgentOf(b.raw));
    if (by.length === 0) shares.push({ agent: agentOf(b.raw.usage), run: id, usage: b.usage! });
    for (const [agent, usage] of by) shares.push({ agent, run: id, usage });
  }
  const design = isObj(state) && isObj(state.design) ? state.design.usage : undefined;
  const designUsage = recordedUsageOf(design);
  if (designUsage) {
    totals.push(designUsage);
    shares.push({ agent: agentOf(design), run: 'design', usage: designUsage });
  }
  // The conflict resolver's runs (issue 20): root merge.usage, their sum.
  const merge = isObj(state) && isObj(state.merge) ? state.merge.usage : undefined;
  const mergeUsage = recordedUsageOf(merge);
  if (mergeUsage) {
    totals.push(mergeUsage);
    shares.push({ agent: agentOf(merge), run: 'merge', usage: mergeUsage });
  }
  const agents = new Map<string, { usages: AgentUsage[]; runs: string[] }>();
  for (const r of shares) {
    const a = agents.get(r.agent) ?? { usages: [], runs: [] };
    a.usages.push(r.usage);
    a.runs.push(r.run);
    agents.set(r.agent, a);
  }
  const by_agent = [...agents].map(([agent, a]) => {
    const sum = sumUsage(a.usages);
    return { agent, cost_usd: sum.cost_usd, input_tokens: sum.input_tokens, output_tokens: sum.output_tokens, runs: a.runs };
  });
  return { total_usd: sumUsage(totals).cost_usd, by_agent };
}

/** The budget in force: its value (null: no limit, or a bad one) and where it comes from. */
export interface BudgetLimit {
  usd: number | null;
  source: Source;
  /** The limit as written is bad (the problem's sentence); `usd` is null then. */
  problem: string | null;
}

export function budgetLimit(state: unknown, config: unknown): BudgetLimit {
  const reading = readLimits(isObj(state) ? state.limits : undefined, config);
  const bad = reading.problems.find((p) => p.key === BUDGET_KEY);
  if (bad) return { usd: null, source: bad.source, problem: problemText(bad) };
  const e = reading.effective.find((x) => x.key === BUDGET_KEY);
  return { usd: e?.value ?? null, source: e?.source ?? 'default', problem: null };
}

// ---- argo budget --raise N ----

/** A plain decimal number of dollars: `25`, `0.5`, `.5`, `12.` — no sign, no exponent, no unit. */
const DOLLARS = /^(\d+\.?\d*|\.\d+)$/;

/** `--raise` takes the new total limit. Its text, read: dollars, or why it is not taken. */
export function parseRaise(text: string): { usd: number } | { why: string } {
  const t = text.trim();
  if (/^\+/.test(t) && DOLLARS.test(t.slice(1))) return { why: 'an increment (+N) is not taken: give the new total limit' };
  if (!DOLLARS.test(t)) return { why: 'not a number of US dollars' };
  const usd = Number(t);
  if (!Number.isFinite(usd) || usd <= 0) return { why: 'not a positive number of US dollars' };
  return { usd };
}

/** What --raise accepts, given the spend and the limit in force. */
function acceptedText(spent: number, limit: number | null): string {
  const floor = limit !== null && limit > spent ? ` and not below the limit in force (${limit} USD)` : '';
  return `the new total limit in US dollars, a plain number (e.g. ${suggestedLimit(limit, spent)}) above the spend so far (${spent} USD)${floor}`;
}

/** A value to offer the person (twice what the limit or the spend is, in cents, rounded up). */
export function suggestedLimit(limit: number | null, spent: number): number {
  const base = Math.max(limit ?? 0, spent);
  return base > 0 ? Math.ceil(base * 200 - 1e-9) / 100 : 10;
}

export type RaiseDecision =
  | { kind: 'refuse'; message: string }
  | {
      kind: 'raise';
      usd: number;
      /** The limit in force before (null: none). */
      from: number | null;
      /** Where the new limit is written: where the limit in force comes from (config.json wins), else state.json. */
      where: typeof CONFIG_SOURCE | typeof STATE_SOURCE;
      spent: number;
      /** The workflow waits on review_budget: it continues, these builders (halted by the budget) run again. */
      resume: { ids: string[] } | null;
    };

/** Where a raise is written: config.json when the limit in force comes from there (it wins), else state.json. */
export function raiseFile(source: string): typeof CONFIG_SOURCE | typeof STATE_SOURCE {
  return source === CONFIG_SOURCE ? CONFIG_SOURCE : STATE_SOURCE;
}

/** Whether `argo budget --raise <text>` raises, and where; or the one sentence refusing it (pure). */
export function decideRaise(state: Obj, config: Obj, text: string): RaiseDecision {
  const spent = spendSoFar(state).total_usd ?? 0;
  const limit = budgetLimit(state, config);
  const refuse = (why: string): RaiseDecision => ({
    kind: 'refuse',
    message: `--raise ${JSON.stringify(text)} for ${BUDGET_KEY}: ${why}; spent so far: ${spent} USD; accepted: ${acceptedText(spent, limit.usd)}`,
  });
  const parsed = parseRaise(text);
  if ('why' in parsed) return refuse(parsed.why);
  const { usd } = parsed;
  if (usd <= spent) return refuse('not above the spend so far');
  if (limit.usd !== null && usd < limit.usd) return refuse(`below the limit in force (${limit.usd} USD in ${limit.source}): --raise never lowers the budget`);
  const where = raiseFile(limit.source);
  // Every other limit must hold too, or the workflow could not continue (and a `limits` that
  // is no object is not replaced behind the user's back).
  const other = readLimits(state.limits, config).problems.find((p) => p.key !== BUDGET_KEY);
  if (other) return refuse(`another limit is bad (${problemText(other)}); fix it first (argo doctor lists every limit)`);
  const waiting = state.action_needed === 'review_budget';
  return { kind: 'raise', usd, from: limit.usd, where, spent, resume: waiting ? { ids: budgetHalted(state) } : null };
}

/** The builders the budget stopped (failed with `failure: budget`), each id once. */
export function budgetHalted(state: unknown): string[] {
  const ids = readBuilders(state).filter((b) => b.status === 'failed' && b.failure === BUDGET_FAILURE).map((b) => b.id);
  return [...new Set(ids)];
}

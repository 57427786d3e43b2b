// The price table (config `pricing.<model>`) and usage sums; the limits that bound agent
// runs are read in workflow/limits.ts. Pure: documents in, values out.
import type { Limits } from '../workflow/limits.js';
import { round, sumUsage, type AgentUsage } from '../store/usage.js';
export { round, sumUsage, recordedUsageOf } from '../store/usage.js';

/** The limits an agent run obeys: parsed, checked and clamped in workflow/limits.ts. */
export type AgentLimits = Limits;

function obj(v: unknown): Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

/**
 * USD for tokens from `pricing.<model>` ({input_per_mtok, output_per_mtok,
 * cache_read_per_mtok?}); null when the model or a needed figure is unknown — never
 * a guess. `inputIncludesCache`: the agent's input count already holds the cached
 * tokens (Codex, Gemini), so they are priced once.
 */
export function priceUsage(usage: AgentUsage, model: string | null, pricing: unknown, inputIncludesCache: boolean): number | null {
  if (!model) return null;
  const p = obj(obj(pricing)[model]);
  const inRate = p.input_per_mtok;
  const outRate = p.output_per_mtok;
  if (typeof inRate !== 'number' || typeof outRate !== 'number') return null;
  if (usage.input_tokens === null || usage.output_tokens === null) return null;
  const cacheRate = typeof p.cache_read_per_mtok === 'number' ? p.cache_read_per_mtok : null;
  const cached = usage.cache_read_tokens ?? 0;
  let input = usage.input_tokens;
  let cacheCost = 0;
  if (cacheRate !== null) {
    if (inputIncludesCache) input = Math.max(0, input - cached);
    cacheCost = cached * cacheRate;
  } else if (!inputIncludesCache) {
    input += cached; // no cache price given: cached tokens cost what input costs
  }
  return round((input * inRate + usage.output_tokens * outRate + cacheCost) / 1e6);
}

/** Cents-and-below precision without float noise (0.1 + 0.2). */

/** The usage as reported, with cost_usd from the price table when the agent gave none. */
export function withCost(usage: AgentUsage, model: string | null, pricing: unknown, inputIncludesCache: boolean): AgentUsage {
  if (usage.cost_usd !== null) return usage;
  return { ...usage, cost_usd: priceUsage(usage, model, pricing, inputIncludesCache) };
}

/**
 * This run's share of a session total: `total` less the runs before it in the same
 * session (tokens; the cost is priced afterwards). Never below zero: a session total
 * smaller than what we counted (an agent that reset it) counts as nothing more.
 */
export function runShare(total: AgentUsage, earlier: Partial<AgentUsage>[]): AgentUsage {
  const before = sumUsage(earlier);
  const less = (a: number | null, b: number | null) => (a === null || b === null ? a : Math.max(0, a - b));
  return {
    input_tokens: less(total.input_tokens, before.input_tokens),
    output_tokens: less(total.output_tokens, before.output_tokens),
    cache_read_tokens: less(total.cache_read_tokens, before.cache_read_tokens),
    cost_usd: total.cost_usd === null ? null : less(total.cost_usd, before.cost_usd),
  };
}



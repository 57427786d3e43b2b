// Token and cost usage as state records it (execution.builders[].usage, design usage):
// the record's shape and its arithmetic, in one place for every layer that reads or
// sums it. Pure.

export interface AgentUsage {
  input_tokens: number | null;
  output_tokens: number | null;
  cache_read_tokens: number | null;
  cost_usd: number | null;
}

export const emptyUsage = (): AgentUsage => ({ input_tokens: null, output_tokens: null, cache_read_tokens: null, cost_usd: null });

/** null is "unknown": unknown plus a number is that number. */
export function add(a: number | null, b: number | null): number | null {
  return a === null ? b : b === null ? a : a + b;
}

/** Costs are kept to 1e-8 USD so sums of many runs do not drift. */
export const round = (n: number) => Math.round(n * 1e8) / 1e8;

/** Totals over runs: a field stays null only when every run left it unknown. */
export function sumUsage(list: Partial<AgentUsage>[]): AgentUsage {
  const total: AgentUsage = { input_tokens: null, output_tokens: null, cache_read_tokens: null, cost_usd: null };
  for (const u of list) {
    total.input_tokens = add(total.input_tokens, u.input_tokens ?? null);
    total.output_tokens = add(total.output_tokens, u.output_tokens ?? null);
    total.cache_read_tokens = add(total.cache_read_tokens, u.cache_read_tokens ?? null);
    total.cost_usd = add(total.cost_usd, u.cost_usd ?? null);
  }
  if (total.cost_usd !== null) total.cost_usd = round(total.cost_usd);
  return total;
}

/** A builder's recorded usage (state) as numbers — a hand-edited state may hold strings — or null. */
export function recordedUsageOf(v: unknown): AgentUsage | null {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return null;
  const o = v as Record<string, unknown>;
  const n = (x: unknown) => {
    const k = typeof x === 'string' && x.trim() !== '' ? Number(x) : x;
    return typeof k === 'number' && Number.isFinite(k) ? k : null;
  };
  return { input_tokens: n(o.input_tokens), output_tokens: n(o.output_tokens), cache_read_tokens: n(o.cache_read_tokens), cost_usd: n(o.cost_usd) };
}

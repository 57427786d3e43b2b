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

/** A builder's usage per agent (state field `usage_by_agent`): preset name → its attempts' total. */
export type UsageByAgent = Record<string, AgentUsage>;

/**
 * A builder row's usage per agent: its `usage_by_agent`, else — a row written before
 * fail-over existed, or by one agent only — its whole `usage` under `usage.agent`.
 */
export function usageByAgentOf(row: unknown): UsageByAgent {
  const o = row !== null && typeof row === 'object' && !Array.isArray(row) ? (row as Record<string, unknown>) : {};
  const out: UsageByAgent = {};
  const by = o.usage_by_agent;
  if (by !== null && typeof by === 'object' && !Array.isArray(by)) {
    for (const [agent, u] of Object.entries(by as Record<string, unknown>)) {
      const usage = recordedUsageOf(u);
      if (usage) out[agent] = usage;
    }
    return out;
  }
  const usage = recordedUsageOf(o.usage);
  const agent = (o.usage as Record<string, unknown> | undefined)?.agent;
  if (usage && typeof agent === 'string' && agent !== '') out[agent] = usage;
  return out;
}

/** `by` with `usages` added to `agent`'s total (a new object; `by` is left as it was). */
export function addUsageByAgent(by: UsageByAgent, agent: string, usages: Partial<AgentUsage>[]): UsageByAgent {
  return usages.length === 0 ? { ...by } : { ...by, [agent]: sumUsage([...(by[agent] ? [by[agent]!] : []), ...usages]) };
}

/** Per-agent totals over builders (`usage_by_agent` of each): what each agent has cost the workflow. */
export function sumUsageByAgent(list: UsageByAgent[]): UsageByAgent {
  let out: UsageByAgent = {};
  for (const by of list) for (const [agent, u] of Object.entries(by)) out = addUsageByAgent(out, agent, [u]);
  return out;
}

// What the engine does when an agent reports a limit (issue 19): the builder waits and
// resumes its own session, and the builders of that preset run fewer at once until the
// quota lets them. Pure: figures in, decisions out; the engine (engine.ts) acts on them and
// the back-ends record them (status `waiting`, `waiting_reason`, `resume_at`, `waits`,
// `execution.quota`).

/** A limit as a preset's parser reports it (agents/presets/limit_signals.ts AgentLimit has this shape). */
export interface LimitSignal {
  kind: 'rate_limit' | 'usage_limit' | 'overloaded';
  /** The reset time the agent stated (ISO), else null. */
  reset_at: string | null;
  message: string;
}

/** The builder row's `waiting_reason`: an overloaded model is waited for as a rate limit. */
export type WaitingReason = 'rate_limit' | 'usage_limit';

/** The longest back-off between two tries when the agent states no reset time. */
export const MAX_BACKOFF_MS = 30 * 60_000;

/** The prompt of the attempt that resumes a limited builder's session. */
export const LIMIT_RESUME_PROMPT = 'You were interrupted by a rate limit; continue the task where you left off, then commit.';

/** What the waits of a workflow are held to (limits.rate_limit_backoff_seconds, limits.rate_limit_max_waits). */
export interface WaitSettings {
  backoffSeconds: number;
  maxWaits: number;
}

export const DEFAULT_WAIT_SETTINGS: WaitSettings = { backoffSeconds: 60, maxWaits: 8 };

/** The back-off before try `waits + 1` (waits: how many waits came before): doubling, at most 30 minutes. */
export function backoffMs(backoffSeconds: number, waits: number): number {
  return Math.min(MAX_BACKOFF_MS, backoffSeconds * 1000 * 2 ** Math.max(0, waits));
}

export function waitingReason(kind: LimitSignal['kind']): WaitingReason {
  return kind === 'usage_limit' ? 'usage_limit' : 'rate_limit';
}

export type LimitDecision =
  | { kind: 'wait'; reason: WaitingReason; resumeAt: number; waits: number }
  | { kind: 'fail'; message: string };

/**
 * A builder's attempt ended on a limit, after `waits` earlier waits: it waits until the
 * stated reset (when one is stated and still ahead), else for the back-off; or, once it has
 * waited limits.rate_limit_max_waits times, it fails (`rate_limited`).
 */
export function decideLimited(limit: LimitSignal, waits: number, s: WaitSettings, now: number): LimitDecision {
  if (waits >= s.maxWaits) return { kind: 'fail', message: `still limited after ${waits} wait(s) (limits.rate_limit_max_waits is ${s.maxWaits}): ${limit.message}` };
  const stated = limit.reset_at === null ? NaN : Date.parse(limit.reset_at);
  const at = Number.isFinite(stated) && stated > now ? stated : now + backoffMs(s.backoffSeconds, waits);
  // Whole seconds: the time kept in state (resume_at) is the time waited for, also after a restart.
  const resumeAt = Math.ceil(at / 1000) * 1000;
  return { kind: 'wait', reason: waitingReason(limit.kind), resumeAt, waits: waits + 1 };
}

// ---- Parallelism that follows the quota, per preset ----

/** One preset's quota as the engine keeps it (and `execution.quota.<preset>` shows it). */
export interface PresetQuota {
  /** How many builders of the preset may run at once now. */
  cap: number;
  /** No builder of the preset starts before this (ms since the epoch); null: none held back. */
  limitedUntil: number | null;
}

/** A fresh preset: as many as limits.max_parallel_builders, nothing held back. */
export function freshQuota(max: number): PresetQuota {
  return { cap: max, limitedUntil: null };
}

/**
 * A builder of the preset hit a limit while `running` of them ran (it included): half of
 * those may run at once from now on (at least 1), and none starts before the earliest
 * resume time of the preset's waiting builders.
 */
export function quotaAfterLimit(q: PresetQuota, running: number, resumeAt: number, now: number): PresetQuota {
  const held = q.limitedUntil !== null && q.limitedUntil > now ? Math.min(q.limitedUntil, resumeAt) : resumeAt;
  return { cap: Math.max(1, Math.floor(Math.min(q.cap, Math.max(1, running)) / 2)), limitedUntil: held };
}

/** A builder of the preset completed: one more may run at once, never more than the limit. */
export function quotaAfterSuccess(q: PresetQuota, max: number): PresetQuota {
  return { ...q, cap: Math.min(max, q.cap + 1) };
}

/** The quota once its hold has passed (the same object when nothing changes). */
export function quotaAt(q: PresetQuota, now: number): PresetQuota {
  return q.limitedUntil !== null && q.limitedUntil <= now ? { ...q, limitedUntil: null } : q;
}

/** How many more builders of the preset may start now, with `running` of them running. */
export function quotaRoom(q: PresetQuota, running: number, now: number): number {
  if (q.limitedUntil !== null && q.limitedUntil > now) return 0;
  return Math.max(0, q.cap - running);
}

/** `execution.quota` as recorded for the view: each preset's cap and hold (ISO or null). */
export function quotaView(quotas: ReadonlyMap<string, PresetQuota>): Record<string, { cap: number; limited_until: string | null }> {
  const out: Record<string, { cap: number; limited_until: string | null }> = {};
  for (const [k, q] of quotas) out[k] = { cap: q.cap, limited_until: q.limitedUntil === null ? null : isoSeconds(q.limitedUntil) };
  return out;
}

/** An ISO UTC time to the second, as state's other timestamps. */
export function isoSeconds(ms: number): string {
  return new Date(Math.ceil(ms / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

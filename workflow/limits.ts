// Every limit of a workflow, parsed and decided once, here: `limits.*` of
// .argo-project/config.json, then of state.json, then the built-in default (the first place
// that sets a key wins); and the decisions that enforce them while builders run — the
// workflow's end, the budget, a builder's time left and the halt sentences — for the local
// engine, the distributed coordinator and a worker's job alike.
// A value out of range or of the wrong kind is a problem naming the key, the value, where
// it was found and what is accepted — never replaced by a default behind the user's back:
// `limits` is null while any problem remains, so no consumer can run without a limit the
// user believes is set. Durations are clamped to what a timer can hold (core/timer.ts).
// Pure: documents in, values out.
import { MAX_TIMER_MS } from '../core/timer.js';
import { toPlain, type JsonObject } from '../core/json_doc.js';
import type { AgentUsage } from '../store/usage.js';
import { sumUsage } from '../store/usage.js';
import { DEFAULT_CONFIG_FILE, DEFAULT_STATE_FILE } from '../store/layout.js';

/** The typed limits every consumer reads. */
export interface Limits {
  maxParallelBuilders: number;
  maxBuilderRetries: number;
  maxWorkflowHours: number | null;
  maxCostUsd: number | null;
  builderTimeoutMs: number;
  designTimeoutMs: number;
  stallMs: number;
  verifyRetries: number;
  /** Waits on a rate or usage limit after which `ci.fallback`'s next preset takes over (agents/failover.ts). */
  fallbackAfterWaits: number;
  /** The first back-off of a builder the agent reports limited without a reset time (workflow/rate_limits.ts). */
  rateLimitBackoffSeconds: number;
  /** How many times a builder waits on a limit before it fails (`rate_limited`). */
  rateLimitMaxWaits: number;
}

export const CONFIG_SOURCE = DEFAULT_CONFIG_FILE;
export const STATE_SOURCE = DEFAULT_STATE_FILE;
export type Source = typeof CONFIG_SOURCE | typeof STATE_SOURCE | 'default';

export interface LimitProblem {
  /** The full key: `limits.max_cost_usd`, `verify.retries`, `limits`. */
  key: string;
  value: unknown;
  source: Source;
  /** What the key takes. */
  accepted: string;
}

export interface EffectiveLimit {
  key: string;
  /** The value in force (seconds, hours, dollars, a count), null for no limit. */
  value: number | null;
  source: Source;
  /** The value given was longer than a timer holds; `value` is the clamped one. */
  clamped: boolean;
}

export interface LimitsReading {
  /** null while `problems` is not empty. */
  limits: Limits | null;
  /** Each key's value in force and where it came from (valid keys only). */
  effective: EffectiveLimit[];
  problems: LimitProblem[];
}

type Kind = 'count' | 'retries' | 'duration' | 'optional';

interface Spec {
  kind: Kind;
  dflt: number | null;
  accepted: string;
}

const MAX_SECONDS = MAX_TIMER_MS / 1000;
const DURATION = `a positive number of seconds (above ${MAX_SECONDS} the timer holds ${MAX_SECONDS})`;

/** The keys under `limits`, what each takes and its default. */
export const LIMIT_SPECS: Record<string, Spec> = {
  max_parallel_builders: { kind: 'count', dflt: 10, accepted: 'a whole number of builders, 1 or more' },
  max_builder_retries: { kind: 'retries', dflt: 5, accepted: 'a whole number, 0 or more' },
  max_workflow_hours: { kind: 'optional', dflt: null, accepted: 'a positive number of hours, or null for no limit' },
  max_cost_usd: { kind: 'optional', dflt: null, accepted: 'a positive number of US dollars (e.g. 20 or 0.5), or null for no limit' },
  builder_timeout_seconds: { kind: 'duration', dflt: 3600, accepted: DURATION },
  design_timeout_seconds: { kind: 'duration', dflt: 900, accepted: DURATION },
  builder_stall_seconds: { kind: 'duration', dflt: 600, accepted: DURATION },
  fallback_after_waits: { kind: 'count', dflt: 2, accepted: 'a whole number of waits on a rate or usage limit, 1 or more' },
  rate_limit_backoff_seconds: { kind: 'duration', dflt: 60, accepted: DURATION },
  rate_limit_max_waits: { kind: 'retries', dflt: 8, accepted: 'a whole number of waits, 0 or more (0: a limited builder fails at once)' },
};

/** In the original's initial state.json (COMPAT §2.2) but read by nothing: allowed, never enforced. */
export const UNUSED_LIMITS = ['checkpoint_retention_days'];

const VERIFY_RETRIES: Spec = { kind: 'retries', dflt: 0, accepted: 'a whole number, 0 or more' };

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

/** update_state stores strings: "5" and "2.5" are numbers, "$5", "5 USD" and "" are not. */
const NUMBER_TEXT = /^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/;

/** null, absent and the text "null" (what `update_state key null` leaves) mean "not set here". */
function unset(v: unknown): boolean {
  return v === undefined || v === null || v === 'null';
}

function asNumber(v: unknown): number | null {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'string' && NUMBER_TEXT.test(v)) return Number(v);
  return null;
}

function valid(kind: Kind, n: number | null): boolean {
  if (n === null) return false;
  if (kind === 'count') return Number.isInteger(n) && n >= 1;
  if (kind === 'retries') return Number.isInteger(n) && n >= 0;
  return n > 0;
}

/**
 * The limits of a workflow from state.json's `limits` and the whole config document.
 * Precedence per key: config.json `limits.<key>`, then state.json `limits.<key>`, then
 * the default; `verify.retries` is read from config.json only.
 */
export function readLimits(stateLimits: unknown, config: unknown): LimitsReading {
  const problems: LimitProblem[] = [];
  const effective: EffectiveLimit[] = [];
  const places: { source: Source; values: Obj }[] = [];
  const configLimits = isObj(config) ? config.limits : undefined;
  for (const [source, v] of [
    [CONFIG_SOURCE, configLimits],
    [STATE_SOURCE, stateLimits],
  ] as const) {
    if (unset(v)) continue;
    if (!isObj(v)) {
      problems.push({ key: 'limits', value: v, source, accepted: 'an object of limits ({"max_cost_usd": 20, …})' });
      continue;
    }
    places.push({ source, values: v });
    for (const key of Object.keys(v)) {
      if (!(key in LIMIT_SPECS) && !UNUSED_LIMITS.includes(key)) {
        problems.push({ key: `limits.${key}`, value: v[key], source, accepted: `one of the keys ${Object.keys(LIMIT_SPECS).join(', ')}` });
      }
    }
  }
  const values: Record<string, number | null> = {};
  const pick = (key: string, name: string, spec: Spec, from: { source: Source; values: Obj }[]) => {
    const place = from.find((p) => !unset(p.values[name]));
    if (!place) {
      values[key] = spec.dflt;
      effective.push({ key, value: spec.dflt, source: 'default', clamped: false });
      return;
    }
    const raw = place.values[name];
    const n = asNumber(raw);
    if (!valid(spec.kind, n)) {
      problems.push({ key, value: raw, source: place.source, accepted: spec.accepted });
      return;
    }
    const clamped = spec.kind === 'duration' && n! > MAX_SECONDS;
    values[key] = clamped ? MAX_SECONDS : n;
    effective.push({ key, value: values[key]!, source: place.source, clamped });
  };
  for (const [name, spec] of Object.entries(LIMIT_SPECS)) pick(`limits.${name}`, name, spec, places);
  const verify = isObj(config) && isObj(config.verify) ? config.verify : {};
  pick('verify.retries', 'retries', VERIFY_RETRIES, [{ source: CONFIG_SOURCE, values: verify }]);

  if (problems.length) return { limits: null, effective, problems };
  const v = (k: string) => values[`limits.${k}`]!;
  const ms = (k: string) => Math.min(MAX_TIMER_MS, Math.round(v(k) * 1000));
  return {
    limits: {
      maxParallelBuilders: v('max_parallel_builders'),
      maxBuilderRetries: v('max_builder_retries'),
      maxWorkflowHours: values['limits.max_workflow_hours'] ?? null,
      maxCostUsd: values['limits.max_cost_usd'] ?? null,
      builderTimeoutMs: ms('builder_timeout_seconds'),
      designTimeoutMs: ms('design_timeout_seconds'),
      stallMs: ms('builder_stall_seconds'),
      verifyRetries: values['verify.retries']!,
      fallbackAfterWaits: v('fallback_after_waits'),
      rateLimitBackoffSeconds: v('rate_limit_backoff_seconds'),
      rateLimitMaxWaits: v('rate_limit_max_waits'),
    },
    effective,
    problems,
  };
}

/** A value as the user wrote it: JSON (strings quoted), `undefined` for a missing one. */
function shown(v: unknown): string {
  if (v === undefined) return 'undefined';
  const s = JSON.stringify(v);
  return s.length > 80 ? s.slice(0, 79) + '…' : s;
}

/** One sentence for a problem (callers put `ERROR: ` in front where they print it). */
export function problemText(p: LimitProblem): string {
  return `${p.key} is ${shown(p.value)} in ${p.source}; accepted: ${p.accepted}`;
}

/** One line per effective limit, for `argo doctor`. */
export function effectiveText(e: EffectiveLimit): string {
  const value = e.value === null ? 'no limit' : String(e.value);
  const from = e.source === 'default' ? 'built-in default' : e.source;
  return `${e.key} = ${value} (${from})${e.clamped ? ` - clamped: a timer holds at most ${MAX_SECONDS} s` : ''}`;
}

// ---- Enforcement: when a workflow stops its builders (pure: figures in, decision out) ----

/** Why no further builder starts and the running ones end. */
export type Halt = { reason: string; failure: 'budget' | 'time_limit' };

export const TIME_LIMIT_REASON = 'the workflow time limit (limits.max_workflow_hours) passed';

/** The workflow's end: its start (the design's `created`, else now) + limits.max_workflow_hours; null: no limit. */
export function workflowDeadline(doc: JsonObject, hours: number | null, now = Date.now()): number | null {
  if (hours === null) return null;
  const design = toPlain(doc.get('design')) as { created?: unknown } | null;
  const start = typeof design?.created === 'string' ? Date.parse(design.created) : NaN;
  return (Number.isFinite(start) ? start : now) + hours * 3600_000;
}

/** The workflow's end has come (`deadline` in ms since the epoch; null: no limit). "Passed" is `>=`. */
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

/**
 * A builder's time limit cut short by the workflow's end. The one contract, for local and
 * remote builders: `limitMs` 0 means no builder limit, and so does a result of 0 (neither a
 * builder limit nor a deadline); otherwise the result is the smaller of the two, and at
 * least 1 ms (a passed deadline ends the run at once, never "no limit" or negative).
 */
export function timeLeft(limitMs: number, deadline: number | null | undefined, now: number): number {
  if (typeof deadline !== 'number') return limitMs;
  const left = Math.max(1, deadline - now);
  return limitMs > 0 ? Math.min(limitMs, left) : left;
}

/** The figures a running workflow is held to: limits.max_cost_usd and the workflow's end. */
export interface Halting {
  maxCostUsd: number | null;
  /** The workflow's end, ms since the epoch (null: no limit). */
  deadline: number | null;
  /** Usage spent so far (the design, each builder's), by a key per spender. */
  spent: Map<string, Partial<AgentUsage>>;
}

/** Whether the workflow must stop its builders now: the deadline first, then the budget. */
export function haltFor(h: Halting | undefined, now: number): Halt | null {
  if (!h) return null;
  return deadlineHalt(h.deadline, now) ?? budgetHalt(h.spent.values(), h.maxCostUsd);
}

/** Usage recorded so far, towards limits.max_cost_usd: each builder's, and the design's (a key no builder id can be). */
export function recordedUsage(doc: JsonObject, builders: { id: string; usage: AgentUsage | null }[]): Map<string, AgentUsage> {
  const costs = new Map<string, AgentUsage>();
  for (const b of builders) if (b.usage) costs.set(b.id, b.usage);
  const designUsage = (toPlain(doc.get('design')) as { usage?: unknown } | null)?.usage;
  if (designUsage && typeof designUsage === 'object') costs.set('/design', designUsage as AgentUsage);
  // The conflict resolver's runs (issue 20) count towards the budget too.
  const mergeUsage = (toPlain(doc.get('merge')) as { usage?: unknown } | null)?.usage;
  if (mergeUsage && typeof mergeUsage === 'object') costs.set('/merge', mergeUsage as AgentUsage);
  return costs;
}

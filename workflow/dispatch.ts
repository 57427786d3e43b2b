// Which handler serves a state, as a pure function of the document: the
// orchestrator is I/O around this.
import { LIMIT_SPECS, readLimits } from './limits.js';

export interface Relay {
  phase: string;
  action_owner: string;
  action_needed: string;
}

export type Decision =
  | { kind: 'stop' } // phase storage: the workflow is over
  | { kind: 'wait' } // someone else (ci, user) owns the next action
  | { kind: 'refuse'; name: string } // not a handler name (D4)
  | { kind: 'run'; name: string };

/**
 * Action names of the original that no handler file serves, and the phase that
 * does (D2). An executable phases/<name>.sh still wins over the alias.
 */
export const ALIASES: Readonly<Record<string, string>> = {
  spawn_builders: 'execution',
  merge_branches: 'merge_build',
};

const HANDLER_NAME = /^[A-Za-z0-9_-]+$/;

/** A state field as read_state would print it: null, missing and "null" are empty. */
export function fieldText(v: unknown): string {
  if (v === undefined || v === null || v === 'null') return '';
  return typeof v === 'string' ? v : JSON.stringify(v);
}

export function relayOf(doc: Record<string, unknown>): Relay {
  return {
    phase: fieldText(doc.phase),
    action_owner: fieldText(doc.action_owner),
    action_needed: fieldText(doc.action_needed),
  };
}

export function decide(r: Relay): Decision {
  if (r.phase === 'storage') return { kind: 'stop' };
  if (r.action_owner !== 'code') return { kind: 'wait' };
  const name = r.action_needed || r.phase;
  if (!name) return { kind: 'wait' };
  if (!HANDLER_NAME.test(name)) return { kind: 'refuse', name };
  return { kind: 'run', name };
}

/** Handler names to look for, in order: the name itself, then its alias. */
export function handlerCandidates(name: string): string[] {
  const alias = ALIASES[name];
  return alias ? [name, alias] : [name];
}

/** Delay before the attempt after `failures` consecutive failures: 1 s, 2 s, 4 s … ≤ 30 s. */
export function retryDelayMs(failures: number): number {
  if (failures <= 0) return 0;
  return Math.min(1000 * 2 ** (failures - 1), 30_000);
}

/**
 * limits.max_builder_retries (the number of retries after the first failure), read as
 * every limit is (workflow/limits.ts: config.json, then state.json, then 5). While some limit
 * is bad the default holds here: status, doctor and start_workflow name the problem,
 * and the handlers that spend (design_program, execution) refuse to run.
 */
export function maxRetries(doc: Record<string, unknown>, config: unknown = {}): number {
  const reading = readLimits(doc.limits, config);
  if (reading.limits) return reading.limits.maxBuilderRetries;
  return reading.effective.find((e) => e.key === 'limits.max_builder_retries')?.value ?? LIMIT_SPECS.max_builder_retries!.dflt!;
}

// ---------------------------------------------------------------- retry bookkeeping
// What the orchestrator remembers between looks, as a pure reducer: the I/O class
// feeds it events and asks holdBack() before it starts a handler.

/** A handler that succeeded but left the state as it was is re-run after this long (the original's poll). */
export const UNCHANGED_RERUN_MS = 5000;

export interface RetryBook {
  /** Consecutive failed runs of `failedName`. */
  failures: number;
  failedName: string;
  /** When `failedName` may run again (epoch ms). */
  retryAt: number;
  /** The last successful run and the state text it left. */
  lastOk: { name: string; text: string; at: number } | null;
  /** action_owner at the last look. */
  previousOwner: string;
}

export const FRESH_BOOK: RetryBook = { failures: 0, failedName: '', retryAt: 0, lastOk: null, previousOwner: '' };

export type RetryEvent =
  /** A look read action_owner. */
  | { kind: 'seen'; owner: string }
  /** Handler `name` is about to run. */
  | { kind: 'starting'; name: string }
  | { kind: 'succeeded'; name: string; text: string; at: number }
  /** It failed; `retries` is limits.max_builder_retries. */
  | { kind: 'failed'; name: string; at: number; retries: number }
  /** Control was handed to the user after the last failure. */
  | { kind: 'gave-up' };

export function retryReduce(b: RetryBook, e: RetryEvent): RetryBook {
  switch (e.kind) {
    case 'seen':
      // control handed (back) to us: a fresh count
      return { ...b, failures: e.owner === 'code' && b.previousOwner !== 'code' ? 0 : b.failures, previousOwner: e.owner };
    case 'starting':
      return b.failedName === e.name ? b : { ...b, failures: 0 };
    case 'succeeded':
      return { ...b, failures: 0, lastOk: { name: e.name, text: e.text, at: e.at } };
    case 'failed': {
      const failures = b.failedName === e.name ? b.failures + 1 : 1;
      const retryAt = failures <= e.retries ? e.at + retryDelayMs(failures) : b.retryAt;
      return { ...b, lastOk: null, failures, failedName: e.name, retryAt };
    }
    case 'gave-up':
      return { ...b, failures: 0 };
  }
}

/** Does the last failure leave a retry (true) or is control handed to the user? */
export const retryLeft = (b: RetryBook, retries: number): boolean => b.failures <= retries;

/**
 * How long handler `name` is held back (ms) when the state reads `text` at `now`; 0 =
 * run now. A success that left the state unchanged waits UNCHANGED_RERUN_MS; a failure
 * waits its back-off.
 */
export function holdBack(b: RetryBook, name: string, text: string, now: number): number {
  const ok = b.lastOk;
  if (ok && ok.name === name && ok.text === text && now - ok.at < UNCHANGED_RERUN_MS) return ok.at + UNCHANGED_RERUN_MS - now;
  if (b.failures > 0 && b.failedName === name && now < b.retryAt) return b.retryAt - now;
  return 0;
}

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

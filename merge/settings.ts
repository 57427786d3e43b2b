// merge_build's settings (issue 20), read and validated in one place: `merge.target`,
// `merge.strategy` and the gate's command (`verify.merge_command`, else `verify.command`).
// A bad value is one problem naming the key, the value and what is accepted; merge_build
// then refuses before merging anything. Pure: the config document in, settings out.

export type MergeStrategy = 'merge' | 'squash' | 'rebase';
export const MERGE_STRATEGIES: readonly MergeStrategy[] = ['merge', 'squash', 'rebase'];

export interface MergeSettings {
  /** `argo/<slug>`, or null: the original's target (main, else master). */
  target: string | null;
  strategy: MergeStrategy;
  /** The verify gate's command; null: no gate (today's single pass). */
  gate: string | null;
  /** Which key the gate's command came from (for messages). */
  gateKey: 'verify.merge_command' | 'verify.command' | null;
  /** `review.required` (issue 21): every builder waits for a person's approval before it is merged. */
  review?: boolean;
}

import { TARGET_ACCEPTED, validTarget } from '../workflow/merge_place.js';

export { TARGET_ACCEPTED, validTarget };

import { isRecord as isObj } from '../core/record.js';
const unset = (v: unknown) => v === undefined || v === null;
const shown = (v: unknown) => {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 80 ? s.slice(0, 79) + '…' : s;
};

function commandAt(verify: Record<string, unknown>, key: 'merge_command' | 'command', problems: string[]): string | null {
  const v = verify[key];
  if (unset(v)) return null;
  if (typeof v === 'string' && v.trim() !== '') return v;
  // verify.command's empty string was always "none": keep it so; merge_command is new and strict.
  if (key === 'command' && typeof v === 'string') return null;
  problems.push(`verify.${key} is ${shown(v)} in config.json; accepted: a shell command (a non-empty string), or absent`);
  return null;
}

/** The settings, or the problems (each one line, without `ERROR: `). */
export function readMergeSettings(config: unknown): { settings: MergeSettings } | { problems: string[] } {
  const problems: string[] = [];
  const merge = isObj(config) ? config.merge : undefined;
  const verify = isObj(config) && isObj(config.verify) ? config.verify : {};
  let target: string | null = null;
  let strategy: MergeStrategy = 'merge';
  if (!unset(merge) && !isObj(merge)) {
    problems.push(`merge is ${shown(merge)} in config.json; accepted: an object ({"target": "argo/<slug>", "strategy": "merge"})`);
  } else if (isObj(merge)) {
    if (!unset(merge.target)) {
      if (typeof merge.target === 'string' && validTarget(merge.target)) target = merge.target;
      else problems.push(`merge.target is ${shown(merge.target)} in config.json; accepted: ${TARGET_ACCEPTED}`);
    }
    if (!unset(merge.strategy)) {
      if (MERGE_STRATEGIES.includes(merge.strategy as MergeStrategy)) strategy = merge.strategy as MergeStrategy;
      else problems.push(`merge.strategy is ${shown(merge.strategy)} in config.json; accepted: ${MERGE_STRATEGIES.join(', ')}`);
    }
  }
  const review = reviewRequired(isObj(config) ? config.review : undefined, problems);
  const own = commandAt(verify, 'merge_command', problems);
  const shared = commandAt(verify, 'command', problems);
  if (problems.length > 0) return { problems };
  const gate = own ?? shared;
  return { settings: { target, strategy, gate, gateKey: own ? 'verify.merge_command' : shared ? 'verify.command' : null, ...(review ? { review } : {}) } };
}

/** `review.required`: true or false (absent: false); anything else is a problem. */
function reviewRequired(review: unknown, problems: string[]): boolean {
  if (unset(review)) return false;
  const v = isObj(review) ? review.required : review;
  if (isObj(review) && (v === undefined || typeof v === 'boolean')) return v === true;
  problems.push(`${isObj(review) ? 'review.required' : 'review'} is ${shown(v)} in config.json; accepted: ${isObj(review) ? 'true or false' : 'an object ({"required": true})'}, or absent`);
  return false;
}

/**
 * Whether merge_build integrates through the engine (merge/engine.ts) rather than today's
 * one pass: a gate, a strategy other than merge, or a resolver agent for conflicts
 * (`resolver`: merge.resolver, else the builders' preset — merge/resolver_config.ts), or
 * the review gate (review.required: the engine holds a builder until a person approves it).
 */
export const usesEngine = (s: MergeSettings, resolver = false): boolean => s.gate !== null || s.strategy !== 'merge' || resolver || s.review === true;

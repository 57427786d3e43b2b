// The hand-offs the phases write as separate update_state calls, in the order COMPAT §2.6
// fixes (../shared/spec/COMPAT.md, "Field lifecycle"): bash tests and tools of the
// original watch state.json between the calls, so each call, its value and its place in
// the order are part of the contract. One table, so an order is written down once and a
// phase names the step it takes. (A person's relay — approve, retry, merge again — is
// argo's own and is one write: store/hand_off.ts relay.)
import { updateState, type StatePaths } from './state.js';

/** One update_state call: the key and its (string) value. */
export type Write = readonly [key: string, value: string];

export const WRITE_ORDERS = {
  /** start_workflow: the query, then the relay to the orchestrator. */
  // `next`: the action of the step after this one in workflow.phases (workflow/phase_list.ts);
  // the defaults are the built-ins' own order, so without workflow.phases nothing changes.
  start: (query: string, first = 'design_program'): Write[] => [['user_query', query], ['phase', 'init'], ['action_owner', 'code'], ['action_needed', first]],
  /** design_program OK (after the design itself, a direct write). */
  designed: (): Write[] => [['phase', 'design'], ['action_owner', 'ci'], ['action_needed', 'approve_design']],
  /** design_build OK (after execution, a direct write); the owner is unchanged. */
  builders_ready: (next = 'spawn_builders'): Write[] => [['phase', 'execution'], ['action_needed', next]],
  /** execution with at least one builder (after the per-builder fields); the owner is unchanged. */
  builders_done: (next = 'merge_branches'): Write[] => [['phase', 'merge_build'], ['execution.status', 'completed'], ['action_needed', next]],
  /** execution halted by the budget or the workflow's time limit (argo's): the user decides. */
  builders_halted: (needed: 'review_budget' | 'review_time_limit'): Write[] => [['action_owner', 'user'], ['action_needed', needed]],
  /** merge_build with conflicts (merge_conflicts is written after these two). */
  conflicts: (): Write[] => [['action_needed', 'resolve_conflicts'], ['action_owner', 'ci']],
  /** merge_build left builders unmerged, or the merged tree failed verification (argo's). */
  merge_review: (): Write[] => [['action_needed', 'review_merge'], ['action_owner', 'user']],
  /** merge_build held builders for a person's review (review.required, issue 21; argo's). */
  review_wait: (): Write[] => [['action_needed', 'review_builder'], ['action_owner', 'user']],
  /** merge_build with no conflicts. */
  merged: (): Write[] => [['phase', 'storage'], ['action_owner', 'user'], ['action_needed', 'none']],
  /** merge_build with no conflicts, a handler of workflow.phases next (argo's): it ends the workflow. */
  merged_then: (next: string): Write[] => [['action_owner', 'code'], ['action_needed', next]],
  /** A review workflow's reviewers have written their findings (workflow.kind "review"; nothing is merged). */
  reviewed: (): Write[] => [['phase', 'storage'], ['action_owner', 'user'], ['action_needed', 'none']],
  /** merge_build with no builders: action_needed is unchanged. */
  nothing_to_merge: (): Write[] => [['phase', 'storage'], ['action_owner', 'user']],
} as const;

/** Writes `writes` as separate update_state calls, in order (each bumps last_update, as the original's). */
export async function writeInOrder(paths: StatePaths, writes: readonly Write[]): Promise<void> {
  for (const [key, value] of writes) await updateState(paths, key, value);
}

// What `argo run` does next, decided from one view of the workflow (view/model.ts): keep
// waiting, approve the plan (the policy allows it), or end with one of RUN_EXIT's statuses
// and the reason in one line. Pure: a view and the policy in, a decision out — so every
// exit code is a function of the state the workflow ended in, testable without a workflow.
import type { View } from '../view/model.js';
import type { RunStatus } from './report.js';

export type ApprovePolicy = 'auto' | 'never';
export const APPROVE_POLICIES: readonly ApprovePolicy[] = ['auto', 'never'];

export interface Policy {
  approve: ApprovePolicy;
  /** --max-components: auto-approval refuses a larger plan. */
  maxComponents: number;
}

/**
 * `settle`: an end read from a place no hand-off names as a waiting place (the orchestrator
 * gone, a handler's failure, an action nobody runs): the caller takes it only once the state
 * held it a moment, since a look may fall between the separate writes of one hand-off.
 */
export type Decision = { kind: 'wait' } | { kind: 'approve'; count: number } | { kind: 'end'; status: RunStatus; reason: string; settle?: boolean };

const end = (status: RunStatus, reason: string, settle = false): Decision => ({ kind: 'end', status, reason, ...(settle ? { settle } : {}) });

/** Why the plan may not be approved unattended, or null when `auto` may approve it. */
export function planRefusal(design: View['design'], maxComponents: number): string | null {
  const count = design?.components.length ?? 0;
  if (!design || count === 0) return 'the design has no usable component list';
  if (design.cycles.length > 0) return `the plan has a dependency cycle (${design.cycles.join('; ')})`;
  if (design.rejected.length > 0) return `${design.rejected.length} component(s) of the design were rejected (${design.rejected.map((r) => `${r.id ?? '(no id)'}: ${r.reason}`).join('; ')})`;
  if (design.warnings.length > 0) return `the plan check warns: ${design.warnings.join('; ')}`;
  if (count > maxComponents) return `the plan has ${count} components, more than --max-components ${maxComponents}`;
  return null;
}

/** The plan waiting for approval, under the policy. */
function approvalDecision(v: View, policy: Policy, approveTried: boolean): Decision {
  if (policy.approve === 'never') return end('needs_person', `--approve never: the plan (${v.design?.components.length ?? 0} components) waits for a person: argo approve ${v.project.path}`);
  const refusal = planRefusal(v.design, policy.maxComponents);
  if (refusal) return end('needs_person', `the plan was not approved automatically: ${refusal}; a person must review it (argo approve ${v.project.path})`);
  // An approval already sent that did not take (refused in its locked write) is not sent twice.
  if (approveTried) return end('needs_person', 'the automatic approval was refused; a person must review the plan');
  return { kind: 'approve', count: v.design!.components.length };
}

/** review_merge: failed builders or a failed verify gate are failures; conflicts alone need a person. */
function reviewMergeDecision(v: View): Decision {
  const failed = v.builders.some((b) => b.status === 'failed') || v.builders.some((b) => b.merge === 'verify_failed');
  return end(failed ? 'failed' : 'needs_person', v.next.what);
}

/**
 * The decision for `v`. `approveTried`: `argo run` already approved this plan once.
 * Anything owned by a person or the external CI actor ends the run: nobody else acts on it.
 */
export function decide(v: View, policy: Policy, approveTried = false): Decision {
  if (v.ended) {
    // merge_build writes phase storage before action_owner user (COMPAT §2.6): a look between
    // the two settles, so the last hand-off line is printed before the run ends.
    const settle = v.action_owner === 'code';
    const failed = v.builders.filter((b) => b.status === 'failed').map((b) => b.id);
    return failed.length ? end('failed', `the workflow reached storage with failed builders: ${failed.join(', ')}`, settle) : end('done', 'the workflow is finished (phase storage)', settle);
  }
  if (v.limits.problems.length) return end('setup_error', v.next.what);
  if (v.action_owner === 'code') {
    if (v.orchestrator.running) return { kind: 'wait' };
    return end('failed', `the orchestrator stopped before the workflow ended (${v.orchestrator.text}); see .argo-project/logs/orchestrator.log`, true);
  }
  switch (v.action_needed) {
    case 'approve_design':
      return approvalDecision(v, policy, approveTried);
    case 'review_budget':
    case 'review_time_limit':
      return end('limit', v.halt_reason ?? v.next.what);
    case 'resolve_conflicts':
      // merge_build writes merge_conflicts after the hand-off (COMPAT §2.6): until the list
      // is there, the reason cannot name the builders yet, so the end settles.
      return end('needs_person', v.next.what, v.conflicts.length === 0 && (v.merge?.conflicts ?? []).length === 0);
    case 'review_builder':
      return end('needs_person', v.next.what);
    case 'review_merge':
      return reviewMergeDecision(v);
  }
  if (v.error) return end('failed', v.error.last_error || v.error.recovery_action, true);
  return end('needs_person', v.next.what, true);
}

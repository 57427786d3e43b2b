// The shape of a workflow (issue 22's templates): `workflow.kind` in config.json, set by a
// template's defaults or by hand. Absent means `feature`, today's design → build → merge, so a
// project with no template behaves exactly as before (COMPAT). Pure: the config document in.
//   feature    the design agent's plan, built and merged (the default)
//   bugfix     test first: a builder reproduces the bug (verify must fail on the base: red),
//              then the fix builder (verify must pass: green); both runs kept as evidence
//   best_of_n  the same task to N builders; the winner by verify, then a judge or the smallest diff
//   slices     components from globs or a file list, no design agent (refactor, tests, docs)
//   review     agents review a branch or a commit range and write findings; nothing is merged
import { isRecord as isObj } from '../core/record.js';

export type WorkflowKind = 'feature' | 'bugfix' | 'best_of_n' | 'slices' | 'review';
export const WORKFLOW_KINDS: readonly WorkflowKind[] = ['feature', 'bugfix', 'best_of_n', 'slices', 'review'];


/** The kind, or one problem line (without `ERROR: `) naming the key, the value and what is accepted. */
export function readWorkflowKind(config: unknown): { kind: WorkflowKind } | { problem: string } {
  const workflow = isObj(config) ? config.workflow : undefined;
  if (workflow === undefined || workflow === null) return { kind: 'feature' };
  if (!isObj(workflow)) return { problem: `workflow is ${JSON.stringify(workflow)} in config.json; accepted: an object ({"kind": "feature"})` };
  const v = workflow.kind;
  if (v === undefined || v === null) return { kind: 'feature' };
  if (WORKFLOW_KINDS.includes(v as WorkflowKind)) return { kind: v as WorkflowKind };
  return { problem: `workflow.kind is ${JSON.stringify(v)} in config.json; accepted: ${WORKFLOW_KINDS.join(', ')}, or absent (feature)` };
}

// `argo doctor`'s lines for the slices and review workflow kinds: the settings read as the
// workflow will read them, and what they come to in this repository — how many slices
// slices.paths makes, which commits review_run.range names — so a glob that matches nothing
// or a branch that does not exist shows before a workflow starts.
import { readWorkflowKind } from '../workflow/kind.js';
import { planSlices, readSliceSettings } from '../workflow/kinds/slices.js';
import { committedFiles } from '../workflow/kinds/slices_design.js';
import { readReviewSettings } from '../workflow/kinds/review.js';
import { rangeFacts } from '../review/repo.js';

type Check = { ok: boolean | null; line: string };

const fail = (problem: string): Check[] => [{ ok: false, line: `workflow: ERROR: ${problem}` }];

export function sliceReviewChecks(project: string, config: unknown): Check[] {
  const read = readWorkflowKind(config);
  if (!('kind' in read)) return [];
  if (read.kind === 'slices') {
    const s = readSliceSettings(config);
    if ('problem' in s) return fail(s.problem);
    const files = committedFiles(project);
    if (!Array.isArray(files)) return fail(files.problem);
    const plan = planSlices(s.settings, files);
    if ('problem' in plan) return fail(plan.problem);
    return [{ ok: true, line: `workflow: slices - ${plan.components.length} slice(s), one per ${s.settings.per}, from slices.paths ${JSON.stringify(s.settings.paths)} (no design agent)` }];
  }
  if (read.kind === 'review') {
    const s = readReviewSettings(config);
    if ('problem' in s) return fail(s.problem);
    const facts = rangeFacts(s.settings.range, project);
    if ('problem' in facts) return fail(facts.problem);
    const who = s.settings.reviewers.length > 0 ? s.settings.reviewers.join(', ') : 'the CI tool';
    return [{ ok: true, line: `workflow: review of ${s.settings.range.text} (${facts.base.slice(0, 12)}..${facts.tip.slice(0, 12)}) by ${who}; nothing is merged` }];
  }
  return [];
}

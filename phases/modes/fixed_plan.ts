// The design of a bugfix or best_of_n workflow (issue 22): a fixed plan, made here without
// asking a design agent — the user's query IS the task. The person approves it as any
// design (argo approve), so nothing is built before someone has seen the plan.
//   bugfix     bugfix-test (write a test that reproduces the bug) → bugfix-fix (phases/modes/bugfix_merge.ts)
//   best_of_n  candidate-1 … candidate-N, the same task each, with its own agent (best_of_n.builders)
import { fromPlain } from '../../core/json_doc.js';
import { utcTimestamp } from '../../core/time.js';
import { logStateTransition } from '../../store/logs.js';
import { mutateState } from '../../store/state.js';
import { WRITE_ORDERS, writeInOrder } from '../../store/write_orders.js';
import { readWorkflowKind } from '../../workflow/kind.js';
import { bestOfNPlan } from '../../workflow/modes/best_of_n.js';
import { bugfixCommand, bugfixPlan } from '../../workflow/modes/bugfix.js';
import { complain, recordError, say, type Project } from '../handler.js';
import { readBestOfN } from './best_of_n_config.js';

export type ModeKind = 'bugfix' | 'best_of_n';

/** The kind when it is one of these modes, else null (feature and the other kinds design as before). */
export function modeOf(config: unknown): ModeKind | null {
  const k = readWorkflowKind(config);
  return 'kind' in k && (k.kind === 'bugfix' || k.kind === 'best_of_n') ? k.kind : null;
}

/** The plan and its summary for the mode, or the problem of its settings. */
function planFor(kind: ModeKind, config: unknown, query: string): { components: unknown[]; summary: string } | { problem: string } {
  if (kind === 'bugfix') {
    const c = bugfixCommand(config);
    if ('problem' in c) return c;
    return {
      components: bugfixPlan(query),
      summary: `Bug fix, test first (workflow.kind bugfix). 1. bugfix-test writes a test that reproduces the bug; \`${c.command}\` (${c.key}) must FAIL with it on the base (red), else the fix is refused. 2. bugfix-fix fixes it on top of the test; the command must PASS (green). Only then is the fix (with its test) merged.`,
    };
  }
  const s = readBestOfN(config);
  if ('problem' in s) return s;
  const who = s.agents.every((a) => a === null) ? `${s.agents.length} × the workflow's agent` : s.agents.join(', ');
  return {
    components: bestOfNPlan(query, s),
    summary: `Best of ${s.agents.length} (workflow.kind best_of_n): the same task to ${who}; each is verified, the winner is the one that passes verify, then ${s.judge ? `the judge (${s.judge})` : 'the smallest diff'}. Only the winner is merged; the others are kept under refs/argo/kept/.`,
  };
}

/** design_program for a mode: the plan saved as the design and handed for approval, as a design agent's would be. */
export async function designModePlan(project: Project, config: unknown, query: string): Promise<number> {
  const kind = modeOf(config)!;
  const plan = planFor(kind, config, query);
  if ('problem' in plan) {
    complain(`ERROR: ${plan.problem}`);
    await recordError(project, plan.problem);
    return 1;
  }
  say(`User query: ${query}`);
  say(`workflow.kind is ${kind}: a fixed plan of ${plan.components.length} components, no design agent`);
  const design = { summary: plan.summary, components: plan.components, created: utcTimestamp(), approved: false, kind };
  await mutateState(project.state, (d) => void d.set('design', fromPlain(design)));
  say(`Design saved to state (${plan.components.length} components)`);
  logStateTransition(project.logs, 'init', 'design');
  await writeInOrder(project.state, WRITE_ORDERS.designed());
  say('Design phase complete - awaiting design approval');
  say();
  return 0;
}

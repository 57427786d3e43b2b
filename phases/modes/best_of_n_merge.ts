// merge_build for workflow.kind "best_of_n" (issue 22): the winner among the candidates,
// chosen by verify (a candidate completes only through the builders' verify gate), then by
// the judge (best_of_n.judge) or else the smallest diff (workflow/modes/best_of_n.ts). Only
// the winner's row goes on to the merge (merge/ as usual); every other candidate with a
// branch is kept under refs/argo/kept/<workflow-id>/<builder-id> before its worktree and
// branch go (phases/modes/git_steps.ts). State root `best_of_n` lists them with their cost.
// Run again (argo merge after a conflict): the winner recorded is merged, nothing re-chosen.
import { toPlain } from '../../core/json_doc.js';
import { verifyCommand } from '../../agents/verify.js';
import { builderRecord, type BuilderRecord } from '../../store/builders.js';
import { mutateState, readStateDoc } from '../../store/state.js';
import { chooseWinner, keptRef, verifyPassed, workflowIdOf, type Candidate } from '../../workflow/modes/best_of_n.js';
import { say, type Project } from '../handler.js';
import { readBestOfN } from './best_of_n_config.js';
import { diffLines, keepBuilder, saveWork } from './git_steps.js';
import { askJudge } from './judge.js';
import { handToPerson, setRoot } from './evidence.js';

/** What the person is asked to do when no candidate can be merged. */
export const BEST_OF_N_ACTION = 'review_best_of_n';

import { isRecord as isObj } from '../../core/record.js';

export async function bestOfNMerge(project: Project, rows: unknown[], config: unknown): Promise<unknown[] | number> {
  const doc = toPlain(await readStateDoc(project.state.stateFile)) as Record<string, unknown>;
  const root = isObj(doc.best_of_n) ? doc.best_of_n : {};
  const records = rows.map(builderRecord);
  if (typeof root.winner === 'string' && records.some((r) => r.id === root.winner)) {
    say(`Best of ${records.length}: ${root.winner} was chosen before (${String(root.reason ?? '')}); merging it`);
    return rows.filter((r) => builderRecord(r).id === root.winner);
  }
  const settings = readBestOfN(config);
  if ('problem' in settings) return handToPerson(project, BEST_OF_N_ACTION, `${settings.problem}; nothing merged`, 'best_of_n');
  const verify = verifyCommand(config) !== null;
  const candidates = records.map((r) => candidateOf(project, r, verify));
  const design = isObj(doc.design) ? doc.design : {};
  const workflowId = workflowIdOf(typeof design.created === 'string' ? design.created : '');
  const eligible = candidates.filter((c) => c.status === 'completed' && c.verify_passed !== false);
  const judge = settings.judge && eligible.length > 1 ? await askJudge(project, config, settings.judge, String(doc.user_query ?? ''), eligible) : null;
  const choice = chooseWinner(candidates, judge);
  say(choice.winner ? `Best of ${candidates.length}: ${choice.winner} wins - ${choice.reason}` : `Best of ${candidates.length}: no winner - ${choice.reason}`);
  for (const c of candidates) {
    if (c.id === choice.winner) continue;
    const kept = keepBuilder(project.dir, c.id, records.find((r) => r.id === c.id)!.worktree, keptRef(workflowId, c.id));
    c.kept_ref = kept.kept;
    say(`Candidate ${c.id}: ${kept.note}`);
  }
  const record = { workflow_id: workflowId, candidates, winner: choice.winner, reason: choice.reason, judge: judge ? { preset: judge.preset, pick: judge.pick, why: judge.why ?? null, cost_usd: judge.cost_usd ?? null } : null };
  await mutateState(project.state, (d) => {
    for (const [k, v] of Object.entries(record)) setRoot(d, 'best_of_n', k, v);
  });
  if (choice.winner === null) return handToPerson(project, BEST_OF_N_ACTION, `no candidate can be merged: ${choice.reason}; each is kept under refs/argo/kept/${workflowId}/; nothing merged`, 'best_of_n');
  return rows.filter((r) => builderRecord(r).id === choice.winner);
}

/** One candidate as the state records it; what it left uncommitted is committed first, so its diff counts all of it. */
function candidateOf(project: Project, r: BuilderRecord, verify: boolean): Candidate {
  const agent = typeof r.raw.agent === 'string' ? r.raw.agent : null;
  const status = r.status ?? 'pending';
  const unsaved = saveWork(r.worktree, r.id);
  if (unsaved) say(`WARNING: candidate ${r.id}: ${unsaved}`);
  return { id: r.id, agent, status, verify_passed: verifyPassed({ status, failure: r.failure }, verify), diff_lines: diffLines(project.dir, r.id), cost_usd: r.usage?.cost_usd ?? null };
}

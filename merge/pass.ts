// merge_build's pass through the integration engine (merge/engine.ts), and where it hands
// the workflow on: sent-back builders → execution (one write, as argo retry); conflicts the
// resolver gave up on → `ci` / resolve_conflicts with merge_conflicts (the original's
// hand-off); anything else not merged (verify_failed, skipped, missing, failed) →
// review_merge; builders held by the review gate → review_builder (user); all merged → storage. The same lines as the original's pass where they
// say the same things.
import { complain, say } from '../core/cli.js';
import { signalStatus } from '../core/proc.js';
import { toPlain } from '../core/json_doc.js';
import { logStateTransition, writeLog } from '../store/logs.js';
import { readStateDoc, updateState } from '../store/state.js';
import { readConfigObject } from '../store/config.js';
import type { Project } from '../store/project.js';
import { WRITE_ORDERS, writeInOrder } from '../store/write_orders.js';
import { problemText, readLimits } from '../workflow/limits.js';
import { nextAfterBuiltIn } from '../workflow/phase_list.js';
import { runEngine, type EngineOutcome, type Resolver } from './engine.js';
import { handBackToExecution, recordRootMerge } from './records.js';
import { resolveConflict } from './resolver.js';
import type { MergeSettings } from './settings.js';

/** Refuses with one ERROR line and hands the workflow to the user (error_recovery.last_error): both passes. */
export async function refuse(project: Project, message: string): Promise<number> {
  complain(`ERROR: ${message}`);
  writeLog(project.logs, 'ERROR', `merge_build: ${message}; control handed to user`);
  await updateState(project.state, 'error_recovery.last_error', message).catch(() => undefined);
  await updateState(project.state, 'action_owner', 'user');
  return 1;
}

/** The gate's time limit and verify.retries, or the problems (a limit is enforced or refused). */
async function gateLimits(project: Project): Promise<{ timeoutMs: number; retries: number } | string> {
  const stateLimits = toPlain((await readStateDoc(project.state.stateFile)).get('limits'));
  const { limits, problems } = readLimits(stateLimits, readConfigObject(project.configFile));
  if (!limits) return `refused to merge with a bad limit: ${problems.map(problemText).join('; ')}`;
  return { timeoutMs: limits.builderTimeoutMs, retries: limits.verifyRetries };
}

export async function integrateAll(project: Project, target: string, settings: MergeSettings, rows: unknown[], stopped: AbortSignal, resolver: Resolver = resolveConflict): Promise<number> {
  const limits = await gateLimits(project);
  if (typeof limits === 'string') return refuse(project, limits);
  say(`Integrating into ${target} one builder at a time (strategy ${settings.strategy}; ${settings.gate ? `gate: ${settings.gateKey}` : 'no gate command'})`);
  const out = await runEngine({ project, target, settings, ...limits, rows, stopped, resolver });
  if (out.stopped) {
    say(`Stopped after merging ${out.merged.length} builders (recorded in merge.merged); run merge_build again to go on`);
    return signalStatus(stopped.reason);
  }
  // Cut short: merge.merged already holds every merge made (recorded one by one); the pass's lists are partial, so not written.
  if (out.refused) return refuse(project, out.refused);
  return handOn(project, target, out);
}

async function handOn(project: Project, target: string, out: EngineOutcome): Promise<number> {
  // As the original: with conflicts, merge_conflicts is written after the two hand-off fields.
  const conflictsOnly = out.sent_back.length === 0 && out.conflicts.length > 0;
  if (!conflictsOnly) await recordRootMerge(project.state, out, target, out.conflicts);
  if (out.sent_back.length > 0) {
    say();
    say(`Sent back to their agents (the gate failed): ${out.sent_back.join(' ')}; execution comes next`);
    logStateTransition(project.logs, 'merge_build', 'execution');
    await handBackToExecution(project.state, out.sent_back);
    return 0;
  }
  if (out.conflicts.length > 0) {
    say();
    say(`Merge conflicts detected in builders: ${out.conflicts.join(' ')}`);
    say('Resolve them on the builder branches (files, worktree and diff: argo status), then run argo merge.');
    say();
    await writeInOrder(project.state, WRITE_ORDERS.conflicts());
    await recordRootMerge(project.state, out, target, out.conflicts);
    say('Waiting for the conflicts to be resolved');
    return 0;
  }
  if (out.waiting_review.length > 0) {
    say();
    say(`Waiting for review: ${out.waiting_review.join(' ')} (review.required); merged: ${out.merged.length}`);
    say('Review each (argo diff <project> <id>), then argo review <project> <id> --approve or --request-changes "..."');
    await writeInOrder(project.state, WRITE_ORDERS.review_wait());
    return 0;
  }
  return endPass(project, out, `verify failed: ${out.verify_failed.length}, `);
}

/**
 * How both passes end once nothing was sent back and no conflict or review waits: the
 * builders not merged → review_merge, else storage — the original's lines (`verifyCount`:
 * the engine's "verify failed: N, " before the original's counts).
 */
export async function endPass(project: Project, out: { verify_failed?: string[]; skipped: string[]; missing: string[]; failed: string[] }, verifyCount = ''): Promise<number> {
  const unmerged = [...(out.verify_failed ?? []), ...out.skipped, ...out.missing, ...out.failed];
  if (unmerged.length > 0) {
    say();
    say(`Not merged: ${unmerged.join(' ')} (${verifyCount}skipped: ${out.skipped.length}, branch missing: ${out.missing.length}, failed: ${out.failed.length})`);
    say('Review them (see .argo-project/logs/builder-<id>.log); re-run execution or merge_branches when ready.');
    await writeInOrder(project.state, WRITE_ORDERS.merge_review());
    return 0;
  }
  say('All builders merged successfully');
  // A handler of workflow.phases after merge_build (a changelog entry…) ends the workflow instead.
  const next = nextAfterBuiltIn(project.configFile, 'merge_build');
  if (next.owner === 'code') {
    await writeInOrder(project.state, WRITE_ORDERS.merged_then(next.action));
    say(`Merge phase complete - ${next.action} comes next`);
    say();
    return 0;
  }
  logStateTransition(project.logs, 'merge_build', 'storage');
  await writeInOrder(project.state, WRITE_ORDERS.merged());
  say('Merge phase complete - workflow finished');
  say();
  return 0;
}

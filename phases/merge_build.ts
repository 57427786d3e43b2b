// merge_build: merges completed builders' branches with --no-ff, records conflicts
// (hands to `ci` with resolve_conflicts), removes merged worktrees and branches, and
// ends at storage. D13: only real conflicts count as conflicts; skipped builders and
// missing branches are reported and do not end in storage.
// Safety (docs/SAFETY.md): the user's branch and uncommitted changes are never
// touched (a temporary worktree of the target is used instead, or the merge is
// refused); only worktrees proven ours are removed and only merged argo-builder-*
// branches deleted; each merge is recorded as it happens, so a stopped run resumes
// without merging anything twice.
import { signalStatus } from '../core/proc.js';
import { runIfEntry } from '../core/cli.js';
import { insideGitRepo } from '../core/git.js';
import { fromPlain, toPlain } from '../core/json_doc.js';
import { withWaitedLock } from '../store/start_lock.js';
import { logBuilder, logStateTransition, writeLog } from '../store/logs.js';
import { chooseTarget } from '../workflow/merge_place.js';
import { mutateState, readStateDoc, updateState } from '../store/state.js';
import { utcTimestamp } from '../core/time.js';
import { listWorktrees } from '../workflow/worktrees.js';
import { dropMergeDir, mergeBuilderOf, mergeOne, prepareMergeDir, previouslyMerged, type MergeBuilder, type MergeOutcome, type MergeRun } from '../workflow/builder_merge.js';
import { complain, enterProject, readExecution, recordError, say, type Project } from './handler.js';
import { verifyMergedTree } from '../agents/merged_verify.js';
import { argoPaths } from '../store/layout.js';
import { onTermination } from '../core/termination.js';
import { WRITE_ORDERS, writeInOrder } from '../store/write_orders.js';

export { previouslyMerged, type MergeOutcome } from '../workflow/builder_merge.js';

type Builder = MergeBuilder;

/** Refuses with one ERROR line and hands the workflow to the user (error_recovery.last_error). */
async function handToUser(project: Project, message: string): Promise<number> {
  complain(`ERROR: ${message}`);
  writeLog(project.logs, 'ERROR', `merge_build: ${message}; control handed to user`);
  await recordError(project, message);
  await updateState(project.state, 'action_owner', 'user');
  return 1;
}

async function record(project: Project, out: MergeOutcome, target: string, conflicts: string[]): Promise<void> {
  await mutateState(project.state, (doc) => {
    doc.set('merge', fromPlain({ ...out, target, completed: utcTimestamp() }));
    if (conflicts.length > 0 || doc.has('merge_conflicts')) doc.set('merge_conflicts', fromPlain(conflicts));
  });
}

/** The folder to merge in, or the exit code after a refusal. */
async function mergeDirOrRefuse(project: Project, target: string, builders: Builder[]): Promise<string | number> {
  const place = await prepareMergeDir(project, target, builders, new Set(builders.map((b) => b.branch)));
  if ('refuse' in place) return handToUser(project, place.refuse);
  return 'code' in place ? place.code : place.dir;
}

export async function main(argv: string[]): Promise<number> {
  const project = enterProject(argv, 'merge_build');
  if (typeof project === 'number') return project;
  if (!insideGitRepo(project.dir)) {
    complain('ERROR: Not a git repository');
    return 1;
  }
  const execution = await readExecution(project);
  if (typeof execution === 'number') return execution;
  const builders = execution.builders.map(mergeBuilderOf);
  if (builders.length === 0) {
    say('No builders to merge - moving on to storage');
    await writeInOrder(project.state, WRITE_ORDERS.nothing_to_merge());
    return 0;
  }
  say(`Merging ${builders.length} builder branches...`);
  const target = chooseTarget(project.dir);
  if (!target) {
    complain('ERROR: Could not check out the main or master branch');
    return 1;
  }
  // A stop (the orchestrator ends our process group) lets the merge in flight finish
  // (git runs in its own group) and ends the run between two builders.
  const stopped = onTermination();

  // One merge_build at a time per project: a handler stopped by a restart may still be
  // finishing its last merge while the next one starts.
  const lock = argoPaths(project.dir).mergeLock;
  const held = await withWaitedLock(lock, () => say(`Waiting for the merge_build holding ${lock} to finish`), stopped.signal, () =>
    mergeAll(project, target, builders, stopped.signal),
  );
  return held ? held.value : signalStatus(stopped.signal.reason); // stopped while waiting: nothing done
}

async function mergeAll(project: Project, target: string, builders: Builder[], stopped: AbortSignal): Promise<number> {
  // Read under the lock: a run that held it may have recorded merges meanwhile.
  const mergedBefore = previouslyMerged(toPlain((await readStateDoc(project.state.stateFile)).get('merge')));
  const mergeDir = await mergeDirOrRefuse(project, target, builders);
  if (typeof mergeDir === 'number') return mergeDir;
  const out: MergeOutcome = { merged: [], conflicts: [], skipped: [], missing: [], failed: [] };
  const run: MergeRun = { project, target, mergeDir, out, worktrees: listWorktrees(project.dir), cleanup: true };
  for (const b of builders) {
    if (stopped.aborted) break;
    if (b.status !== 'completed') {
      logBuilder(project.logs, b.id, 'skipped', `Not completed (status: ${b.status})`);
      out.skipped.push(b.id);
      continue;
    }
    await mergeOne(run, b, mergedBefore.has(b.id));
  }
  if (stopped.aborted) {
    say(`Stopped after merging ${out.merged.length} builders (recorded in merge.merged); run merge_build again to go on`);
    return signalStatus(stopped.reason);
  }
  // ---- the verification gate (agents/merged_verify.ts): config verify.command on the
  // merged tree, where the merge happened (before a temporary worktree goes)
  const allMerged = out.conflicts.length + out.skipped.length + out.missing.length + out.failed.length === 0;
  const verified = allMerged ? await verifyMergedTree(project, mergeDir) : null;
  // ---- end of the verification gate
  dropMergeDir(project, mergeDir);

  if (out.conflicts.length > 0) {
    say();
    say(`Merge conflicts detected in builders: ${out.conflicts.join(' ')}`);
    say('Resolve them on the builder branches, then set action_needed to merge_branches (owner code).');
    say();
    await writeInOrder(project.state, WRITE_ORDERS.conflicts());
    // As the original: merge_conflicts is written after the two hand-off fields.
    await record(project, out, target, out.conflicts);
    say('Waiting for the conflicts to be resolved');
    return 0;
  }
  await record(project, out, target, []);
  const unmerged = [...out.skipped, ...out.missing, ...out.failed];
  if (unmerged.length > 0) {
    say();
    say(`Not merged: ${unmerged.join(' ')} (skipped: ${out.skipped.length}, branch missing: ${out.missing.length}, failed: ${out.failed.length})`);
    say('Review them (see .argo-project/logs/builder-<id>.log); re-run execution or merge_branches when ready.');
    await writeInOrder(project.state, WRITE_ORDERS.merge_review());
    return 0;
  }
  say('All builders merged successfully');
  // ---- the verification gate (see above)
  if (verified && !verified.ok) {
    say(`Verification failed: ${verified.message}`);
    await writeInOrder(project.state, WRITE_ORDERS.merge_review());
    return 0;
  }
  if (verified?.ran) say(verified.message);
  // ---- end of the verification gate
  logStateTransition(project.logs, 'merge_build', 'storage');
  await writeInOrder(project.state, WRITE_ORDERS.merged());
  say('Merge phase complete - workflow finished');
  say();
  return 0;
}

runIfEntry('phases/merge_build', main);

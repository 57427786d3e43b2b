// merge_build: merges completed builders' branches with --no-ff, records conflicts
// (hands to `ci` with resolve_conflicts), removes merged worktrees and branches, and
// ends at storage. D13: only real conflicts count as conflicts; skipped builders and
// missing branches are reported and do not end in storage.
// Safety (docs/SAFETY.md): the user's branch and uncommitted changes are never
// touched (a temporary worktree of the target is used instead, or the merge is
// refused); only worktrees proven ours are removed and only merged argo-builder-*
// branches deleted; each merge is recorded as it happens, so a stopped run resumes
// without merging anything twice.
import { mkdirSync, rmdirSync } from 'node:fs';
import { dirname, relative } from 'node:path';
import { signalStatus } from '../core/proc.js';
import { runIfEntry } from '../core/cli.js';
import { branchExists, git, gitShielded, insideGitRepo, isAncestor, unmergedFiles } from '../core/git.js';
import { JsonObject, fromPlain, toPlain } from '../core/json_doc.js';
import { withWaitedLock } from '../store/start_lock.js';
import { logBuilder, logStateTransition, writeLog } from '../store/logs.js';
import { chooseMergePlace, chooseTarget, halfDoneMerge, inspectCheckout, mergingWorktree } from '../workflow/merge_place.js';
import { mutateState, readStateDoc, updateState } from '../store/state.js';
import { utcTimestamp } from '../core/time.js';
import {
  BUILDERS_ROOT,
  BUILDER_BRANCH_PREFIX,
  MERGING_ROOT,
  commitLeftovers,
  proveOurWorktree,
  removeOurWorktree,
  listWorktrees,
  type WorktreeEntry,
} from '../workflow/worktrees.js';
import { complain, enterProject, readExecution, recordError, say, type Project } from './handler.js';
import { verifyMergedTree } from '../agents/merged_verify.js';
import { builderRecord } from '../store/builders.js';
import { argoPaths } from '../store/layout.js';
import { onTermination } from '../core/termination.js';
import { WRITE_ORDERS, writeInOrder } from '../store/write_orders.js';

export interface MergeOutcome {
  merged: string[];
  conflicts: string[];
  skipped: string[];
  missing: string[];
  failed: string[];
}

interface Builder {
  id: string;
  status: string;
  branch: string;
  worktree: string | null;
}

/** A row as merge_build works with it: a missing status or branch is the text 'null' (merged by nothing). */
function builderOf(v: unknown): Builder {
  const b = builderRecord(v);
  return { id: b.id, status: b.status ?? 'null', branch: b.branch ?? 'null', worktree: b.worktree };
}

/** Ids the last run recorded as merged (root `merge.merged`), tolerating any shape. */
export function previouslyMerged(merge: unknown): Set<string> {
  const list = (merge as { merged?: unknown } | null)?.merged;
  return new Set(Array.isArray(list) ? list.filter((x): x is string => typeof x === 'string') : []);
}

const headRef = (branch: string) => `refs/heads/${branch}`;

/** Refuses with one ERROR line and hands the workflow to the user (error_recovery.last_error). */
async function handToUser(project: Project, message: string): Promise<number> {
  complain(`ERROR: ${message}`);
  writeLog(project.logs, 'ERROR', `merge_build: ${message}; control handed to user`);
  await recordError(project, message);
  await updateState(project.state, 'action_owner', 'user');
  return 1;
}

/** Before merging: whatever the builder left uncommitted in its (proven) worktree goes on its branch. */
function saveLeftovers(run: Run, b: Builder): void {
  const { project, worktrees } = run;
  const wt = worktrees.find((w) => w.branch === b.branch);
  if (!wt || proveOurWorktree(project.dir, wt.path, BUILDERS_ROOT, worktrees).kind !== 'ours') return;
  const saved = commitLeftovers(wt.path, b.id, b.branch);
  if (saved.kind === 'committed') logBuilder(project.logs, b.id, 'saved', `Uncommitted work left in ${wt.path} committed to ${b.branch} (${saved.commit.slice(0, 12)})`);
  else if (saved.kind === 'failed') logBuilder(project.logs, b.id, 'warning', `Could not commit the work left in ${wt.path}: ${saved.reason}`);
}

/**
 * Removes the builder's worktree (the one state names and the one git has its branch
 * checked out in) only when proven ours, and its branch only when it is an
 * argo-builder-* branch whose commits are all on the target. Everything refused is logged.
 */
function cleanup(run: Run, b: Builder): void {
  const { project, target, worktrees } = run;
  const { dir, logs } = project;
  logBuilder(logs, b.id, 'cleanup', 'Removing worktree and branch');
  const paths = new Set<string>();
  if (b.worktree) paths.add(b.worktree);
  const listed = worktrees.find((w) => w.branch === b.branch);
  if (listed) paths.add(listed.path);
  for (const p of paths) {
    const proof = proveOurWorktree(dir, p, BUILDERS_ROOT, worktrees);
    if (proof.kind === 'refused') {
      say(`WARNING: not removing ${p}: ${proof.reason}`);
      logBuilder(logs, b.id, 'refused', `Not removing ${p}: ${proof.reason}`);
      continue;
    }
    // Work left after the merge stays on the branch (then kept, being unmerged).
    const saved = commitLeftovers(proof.path, b.id, b.branch);
    const problem = removeOurWorktree(dir, proof.path, { force: saved.kind !== 'failed' });
    if (problem) logBuilder(logs, b.id, 'warning', `Worktree kept: ${problem}`);
  }
  // A worktree whose removal was interrupted (a stop mid-way) can leave git's record of it
  // behind with no folder; that record would keep the branch "checked out". prune drops
  // only records whose folder is gone.
  git(['worktree', 'prune'], dir);
  if (!branchExists(headRef(b.branch), dir)) return;
  if (!b.branch.startsWith(BUILDER_BRANCH_PREFIX)) {
    logBuilder(logs, b.id, 'kept', `Branch ${b.branch} kept: not an ${BUILDER_BRANCH_PREFIX}* branch`);
  } else if (!isAncestor(headRef(b.branch), headRef(target), dir)) {
    logBuilder(logs, b.id, 'kept', `Branch ${b.branch} kept: it has commits that are not on ${target}`);
  } else if (!git(['branch', '-D', '--', b.branch], dir).ok) {
    logBuilder(logs, b.id, 'kept', `Branch ${b.branch} kept: git could not delete it (checked out somewhere?)`);
  }
}

/** Adds `id` to merge.merged (and the target) the moment it is merged: a stopped run resumes from there. */
async function recordMerged(project: Project, id: string, target: string): Promise<void> {
  await mutateState(project.state, (doc) => {
    let merge = doc.get('merge');
    if (!(merge instanceof JsonObject)) {
      merge = new JsonObject();
      doc.set('merge', merge);
    }
    const m = merge as JsonObject;
    const list = previouslyMerged(toPlain(m));
    list.add(id);
    m.set('merged', fromPlain([...list]));
    m.set('target', target);
  });
}

interface Run {
  project: Project;
  target: string;
  /** Where the merges happen: the project checkout or our temporary worktree of the target. */
  mergeDir: string;
  out: MergeOutcome;
  /** git's worktree list, read once per run (merges do not add worktrees). */
  worktrees: WorktreeEntry[];
}

async function merged(run: Run, b: Builder, message: string): Promise<void> {
  logBuilder(run.project.logs, b.id, 'merged', message);
  run.out.merged.push(b.id);
  await recordMerged(run.project, b.id, run.target);
  cleanup(run, b);
}

async function mergeOne(run: Run, b: Builder, mergedBefore: boolean): Promise<void> {
  const { project, mergeDir, out, target } = run;
  const { dir, logs } = project;
  say(`Merging builder: ${b.id}`);
  logBuilder(logs, b.id, 'merging', `Merging branch ${b.branch}`);
  if (!branchExists(headRef(b.branch), dir)) {
    if (mergedBefore) {
      // An earlier run (before conflicts elsewhere were resolved) merged it and removed the branch.
      say(`Builder ${b.id} was merged by an earlier run`);
      logBuilder(logs, b.id, 'merged', `Branch ${b.branch} was merged by an earlier run`);
      out.merged.push(b.id);
      return;
    }
    logBuilder(logs, b.id, 'warning', `Branch ${b.branch} not found`);
    logBuilder(logs, b.id, 'error', 'Cannot merge: the branch does not exist');
    out.missing.push(b.id);
    return;
  }
  saveLeftovers(run, b);
  if (isAncestor(headRef(b.branch), 'HEAD', mergeDir)) {
    // Merged by a run that was stopped before it could record it (or nothing to merge).
    say(`Builder ${b.id} is already on ${target}`);
    return merged(run, b, `Branch ${b.branch} is already on ${target}`);
  }
  const r = await gitShielded(['merge', '--no-ff', '-m', `Merge builder: ${b.id}`, '--end-of-options', headRef(b.branch)], mergeDir);
  if (r.ok) return merged(run, b, `Branch ${b.branch} merged`);
  const conflicted = unmergedFiles(mergeDir).length > 0;
  if (conflicted) logBuilder(logs, b.id, 'conflict', 'Merge conflict detected');
  await gitShielded(['merge', '--abort'], mergeDir);
  if (conflicted) {
    logBuilder(logs, b.id, 'conflict', 'Conflict needs resolution');
    out.conflicts.push(b.id);
  } else {
    logBuilder(logs, b.id, 'error', `Merge failed: ${(r.stderr || r.stdout).trim().split('\n')[0] ?? ''}`);
    out.failed.push(b.id);
  }
}

async function record(project: Project, out: MergeOutcome, target: string, conflicts: string[]): Promise<void> {
  await mutateState(project.state, (doc) => {
    doc.set('merge', fromPlain({ ...out, target, completed: utcTimestamp() }));
    if (conflicts.length > 0 || doc.has('merge_conflicts')) doc.set('merge_conflicts', fromPlain(conflicts));
  });
}

/** Aborts a merge an earlier (stopped) run left half done in `dir`; refuses one that is not ours. */
async function settleHalfDoneMerge(project: Project, dir: string, builders: Builder[]): Promise<string | undefined> {
  const half = halfDoneMerge(dir, builders);
  if (half.kind === 'foreign') return `a merge that argo-ts did not start is in progress in ${dir} (${half.detail}): finish or abort it yourself, then set action_owner to code`;
  if (half.kind === 'ours') {
    say(`Aborting the half-done merge of builder ${half.id} left by a stopped run`);
    writeLog(project.logs, 'MERGE', `abort - half-done merge of builder ${half.id} in ${dir} left by a stopped run`);
    const r = await gitShielded(['merge', '--abort'], dir);
    if (!r.ok) return `could not abort the half-done merge of builder ${half.id} in ${dir}: ${r.stderr.trim()}`;
  }
  return undefined;
}

/** The folder to merge in, or the exit code after a refusal. */
async function prepareMergeDir(project: Project, target: string, builders: Builder[]): Promise<string | number> {
  const dir = project.dir;
  // Only a merge of ours is aborted here; someone else's makes the checkout dirty below.
  if (halfDoneMerge(dir, builders).kind === 'ours') {
    const problem = await settleHalfDoneMerge(project, dir, builders);
    if (problem) return handToUser(project, problem);
  }
  const view = inspectCheckout(dir, target);
  const place = chooseMergePlace(target, view, new Set(builders.map((b) => b.branch)));
  switch (place.kind) {
    case 'refuse':
      return handToUser(project, place.reason);
    case 'here':
      return dir;
    case 'switch': {
      say('Switching to the main branch');
      if (!(await gitShielded(['checkout', '-q', target], dir)).ok) {
        complain('ERROR: Could not check out the main or master branch');
        return 1;
      }
      return dir;
    }
    case 'worktree': {
      const temp = mergingWorktree(dir, target);
      say(`Merging into ${target} in a temporary worktree (${relative(dir, temp)}): ${dir} stays as it is (${view.branch ?? 'detached HEAD'})`);
      if (!place.reuse) {
        mkdirSync(dirname(temp), { recursive: true });
        git(['worktree', 'prune'], dir); // a registration whose folder is gone would block the add
        const r = git(['worktree', 'add', '-q', '--', temp, target], dir);
        if (!r.ok) return handToUser(project, `could not create a temporary worktree of ${target} at ${temp}: ${r.stderr.trim()}`);
      }
      const problem = await settleHalfDoneMerge(project, temp, builders);
      if (problem) return handToUser(project, problem);
      if (git(['status', '--porcelain', '--untracked-files=no'], temp).stdout.trim() !== '') {
        return handToUser(project, `the temporary worktree ${temp} has uncommitted changes: look at them, remove it (git worktree remove), then set action_owner to code`);
      }
      return temp;
    }
  }
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
  const builders = execution.builders.map(builderOf);
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
  const mergeDir = await prepareMergeDir(project, target, builders);
  if (typeof mergeDir === 'number') return mergeDir;
  const out: MergeOutcome = { merged: [], conflicts: [], skipped: [], missing: [], failed: [] };
  const run: Run = { project, target, mergeDir, out, worktrees: listWorktrees(project.dir) };
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
  if (mergeDir !== project.dir) {
    const problem = removeOurWorktree(project.dir, mergeDir, { root: MERGING_ROOT });
    if (problem) {
      say(`WARNING: temporary worktree kept: ${problem}`);
      writeLog(project.logs, 'MERGE', `warning - temporary worktree kept: ${problem}`);
    } else {
      try {
        rmdirSync(dirname(mergeDir)); // only when empty
      } catch {
        /* another target's worktree is still there */
      }
    }
  }

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

runIfEntry(import.meta.url, main);

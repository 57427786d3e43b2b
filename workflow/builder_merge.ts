// Merging one builder's branch into the base branch (main, else master): the one merge that
// merge_build (phases/merge_build.ts) does for every completed builder, and that the
// execution engine does early for a builder others depend on (dependency waves,
// workflow/integrate.ts). Both run it under the project's merge lock and by the same rules
// (docs/SAFETY.md): the user's branch and uncommitted changes are never touched (a
// temporary worktree of the target is used instead, or the merge is refused); only
// worktrees proven ours are removed and only merged argo-builder-* branches deleted; each
// merge is recorded in merge.merged the moment it happens, so nothing is merged twice.
import { mkdirSync, rmdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { branchExists, git, gitShielded, isAncestor, unmergedFiles } from '../core/git.js';
import { JsonObject, fromPlain, toPlain } from '../core/json_doc.js';
import { complain, say } from '../core/cli.js';
import { logBuilder, writeLog } from '../store/logs.js';
import { mutateState, type StatePaths } from '../store/state.js';
import { builderRecord, setBuilderFields, type BuilderMerge } from '../store/builders.js';
import { chooseMergePlace, halfDoneMerge, inspectCheckout, mergingWorktree } from './merge_place.js';
import { BUILDERS_ROOT, BUILDER_BRANCH_PREFIX, MERGING_ROOT, commitLeftovers, proveOurWorktree, removeOurWorktree, type WorktreeEntry } from './worktrees.js';

/** What the merge needs of the project. */
export interface MergeProject {
  dir: string;
  state: StatePaths;
  logs: { logDir: string; workflowLog: string };
}

export interface MergeOutcome {
  merged: string[];
  conflicts: string[];
  skipped: string[];
  missing: string[];
  failed: string[];
}

export interface MergeBuilder {
  id: string;
  status: string;
  branch: string;
  worktree: string | null;
}

/** A row as the merge works with it: a missing status or branch is the text 'null' (merged by nothing). */
export function mergeBuilderOf(v: unknown): MergeBuilder {
  const b = builderRecord(v);
  return { id: b.id, status: b.status ?? 'null', branch: b.branch ?? 'null', worktree: b.worktree };
}

/** Ids the last run recorded as merged (root `merge.merged`), tolerating any shape. */
export function previouslyMerged(merge: unknown): Set<string> {
  const list = (merge as { merged?: unknown } | null)?.merged;
  return new Set(Array.isArray(list) ? list.filter((x): x is string => typeof x === 'string') : []);
}

export const headRef = (branch: string) => `refs/heads/${branch}`;

/** Where a squashed or rebased builder's own commits stay reachable once its branch is deleted. */
export const mergedKeepRef = (id: string) => `refs/argo/merged/${id}`;

/** One merge run: where it merges and what it has done so far. */
export interface MergeRun {
  project: MergeProject;
  target: string;
  /** Where the merges happen: the project checkout or our temporary worktree of the target. */
  mergeDir: string;
  out: MergeOutcome;
  /** git's worktree list, read once per run (merges do not add worktrees). */
  worktrees: WorktreeEntry[];
  /** Remove the merged builder's worktree and branch (merge_build); the early merge of the waves keeps them. */
  cleanup: boolean;
}

/** Before merging: whatever the builder left uncommitted in its (proven) worktree goes on its branch. */
export function saveLeftovers(run: MergeRun, b: MergeBuilder): void {
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
 * argo-builder-* branch whose commits are all on the target or kept under
 * refs/argo/merged/<id> (a squash or rebase replays them as new commits; the originals
 * stay reachable there). Everything refused is logged.
 */
export function cleanup(run: MergeRun, b: MergeBuilder): void {
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
  } else if (!isAncestor(headRef(b.branch), headRef(target), dir) && !isAncestor(headRef(b.branch), mergedKeepRef(b.id), dir)) {
    logBuilder(logs, b.id, 'kept', `Branch ${b.branch} kept: it has commits that are not on ${target}`);
  } else if (!git(['branch', '-D', '--', b.branch], dir).ok) {
    logBuilder(logs, b.id, 'kept', `Branch ${b.branch} kept: git could not delete it (checked out somewhere?)`);
  }
}

/** A builder row's merge record (issue 20) with everything it does not say empty. */
export function rowMerge(m: Partial<BuilderMerge> & Pick<BuilderMerge, 'status'>): BuilderMerge {
  return { commit: null, target: null, attempts: 0, output: null, files: [], diff: null, worktree: null, branch: null, message: null, ...m };
}

/** The row's `merge` as this pass knows it (the original's pass: no gate, so no attempts). */
export function recordRowMerge(project: MergeProject, id: string, m: BuilderMerge): Promise<void> {
  return setBuilderFields(project.state, id, { merge: m });
}

/** Adds `id` to merge.merged (and the target) the moment it is merged, with its row's record, in one write: a stopped run resumes from there. */
async function recordMerged(project: MergeProject, id: string, target: string, row: BuilderMerge): Promise<void> {
  await mutateState(project.state, (doc) => {
    const exec = doc.get('execution');
    const rows = exec instanceof JsonObject ? exec.get('builders') : undefined;
    if (Array.isArray(rows)) for (const r of rows) if (r instanceof JsonObject && String(r.get('id') ?? 'null') === id) r.set('merge', fromPlain(row));
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

async function merged(run: MergeRun, b: MergeBuilder, message: string, commit: string | null): Promise<void> {
  logBuilder(run.project.logs, b.id, 'merged', message);
  run.out.merged.push(b.id);
  await recordMerged(run.project, b.id, run.target, rowMerge({ status: 'merged', commit, target: run.target, branch: b.branch, message }));
  if (run.cleanup) cleanup(run, b);
}

/** Merges one completed builder (--no-ff, "Merge builder: <id>"); a conflict is aborted, nothing half done. The conflicting files, if any. */
export async function mergeOne(run: MergeRun, b: MergeBuilder, mergedBefore: boolean): Promise<string[]> {
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
      return [];
    }
    logBuilder(logs, b.id, 'warning', `Branch ${b.branch} not found`);
    logBuilder(logs, b.id, 'error', 'Cannot merge: the branch does not exist');
    out.missing.push(b.id);
    await recordRowMerge(project, b.id, rowMerge({ status: 'skipped', target, branch: b.branch, message: `branch ${b.branch} not found` }));
    return [];
  }
  saveLeftovers(run, b);
  if (isAncestor(headRef(b.branch), 'HEAD', mergeDir)) {
    // Merged by a run that was stopped before it could record it, or early for its dependents.
    say(`Builder ${b.id} is already on ${target}`);
    await merged(run, b, `Branch ${b.branch} is already on ${target}`, null);
    return [];
  }
  const r = await gitShielded(['merge', '--no-ff', '-m', `Merge builder: ${b.id}`, '--end-of-options', headRef(b.branch)], mergeDir);
  if (r.ok) {
    await merged(run, b, `Branch ${b.branch} merged`, git(['rev-parse', '-q', '--verify', 'HEAD'], mergeDir).stdout.trim() || null);
    return [];
  }
  const files = unmergedFiles(mergeDir);
  if (files.length > 0) logBuilder(logs, b.id, 'conflict', 'Merge conflict detected');
  const diff = files.length > 0 ? conflictDiffFile(run, b.id) : null;
  await gitShielded(['merge', '--abort'], mergeDir);
  if (files.length > 0) {
    logBuilder(logs, b.id, 'conflict', 'Conflict needs resolution');
    out.conflicts.push(b.id);
    const worktree = run.worktrees.find((w) => w.branch === b.branch)?.path ?? b.worktree;
    await recordRowMerge(project, b.id, rowMerge({ status: 'conflict', target, files, diff, worktree, branch: b.branch, message: `merging ${b.branch} into ${target} conflicts` }));
  } else {
    const why = `Merge failed: ${(r.stderr || r.stdout).trim().split('\n')[0] ?? ''}`;
    logBuilder(logs, b.id, 'error', why);
    out.failed.push(b.id);
    await recordRowMerge(project, b.id, rowMerge({ status: 'skipped', target, branch: b.branch, message: why }));
  }
  return files;
}

/** `git diff` of the conflicted merge in progress, written to .argo-project/logs/merge-<id>.diff for the person (null when it cannot be written). */
export function conflictDiffFile(run: MergeRun, id: string): string | null {
  const file = join(run.project.logs.logDir, `merge-${id}.diff`);
  try {
    writeFileSync(file, git(['diff'], run.mergeDir).stdout);
    return file;
  } catch {
    return null;
  }
}

/** Aborts a merge an earlier (stopped) run left half done in `dir`; refuses one that is not ours. */
async function settleHalfDoneMerge(project: MergeProject, dir: string, builders: MergeBuilder[]): Promise<string | undefined> {
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

/** Where to merge: the folder, or why not (`refuse`: the user must act; `code`: an exit status after an ERROR line). */
export type MergeDir = { dir: string } | { refuse: string } | { code: number };

/**
 * The folder to merge in. `builderBranches`: the branches the project checkout may be
 * switched away from (merge_build's, as the original); none during execution.
 */
export async function prepareMergeDir(project: MergeProject, target: string, builders: MergeBuilder[], builderBranches: ReadonlySet<string>): Promise<MergeDir> {
  const dir = project.dir;
  // Only a merge of ours is aborted here; someone else's makes the checkout dirty below.
  if (halfDoneMerge(dir, builders).kind === 'ours') {
    const problem = await settleHalfDoneMerge(project, dir, builders);
    if (problem) return { refuse: problem };
  }
  const view = inspectCheckout(dir, target);
  const place = chooseMergePlace(target, view, builderBranches);
  switch (place.kind) {
    case 'refuse':
      return { refuse: place.reason };
    case 'here':
      return { dir };
    case 'switch': {
      say('Switching to the main branch');
      if (!(await gitShielded(['checkout', '-q', target], dir)).ok) {
        complain('ERROR: Could not check out the main or master branch');
        return { code: 1 };
      }
      return { dir };
    }
    case 'worktree': {
      const temp = mergingWorktree(dir, target);
      say(`Merging into ${target} in a temporary worktree (${relative(dir, temp)}): ${dir} stays as it is (${view.branch ?? 'detached HEAD'})`);
      if (!place.reuse) {
        mkdirSync(dirname(temp), { recursive: true });
        git(['worktree', 'prune'], dir); // a registration whose folder is gone would block the add
        const r = git(['worktree', 'add', '-q', '--', temp, target], dir);
        if (!r.ok) return { refuse: `could not create a temporary worktree of ${target} at ${temp}: ${r.stderr.trim()}` };
      }
      const problem = await settleHalfDoneMerge(project, temp, builders);
      if (problem) return { refuse: problem };
      if (git(['status', '--porcelain', '--untracked-files=no'], temp).stdout.trim() !== '') {
        return { refuse: `the temporary worktree ${temp} has uncommitted changes: look at them, remove it (git worktree remove), then set action_owner to code` };
      }
      return { dir: temp };
    }
  }
}

/** Removes our temporary worktree of the target once the merges are done (and its folder when empty). */
export function dropMergeDir(project: MergeProject, mergeDir: string): void {
  if (mergeDir === project.dir) return;
  const problem = removeOurWorktree(project.dir, mergeDir, { root: MERGING_ROOT });
  if (problem) {
    say(`WARNING: temporary worktree kept: ${problem}`);
    writeLog(project.logs, 'MERGE', `warning - temporary worktree kept: ${problem}`);
    return;
  }
  try {
    rmdirSync(dirname(mergeDir)); // only when empty
  } catch {
    /* another target's worktree is still there */
  }
}

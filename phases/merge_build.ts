// merge_build: merges completed builders' branches with --no-ff, records conflicts
// (hands to `ci` with resolve_conflicts), removes merged worktrees and branches, and
// ends at storage. D13: only real conflicts count as conflicts; skipped builders and
// missing branches are reported and do not end in storage.
import { existsSync, rmSync, statSync } from 'node:fs';
import { runIfEntry } from '../lib/cli.js';
import { branchExists, git, insideGitRepo, unmergedFiles } from '../lib/git.js';
import { fromPlain, toPlain } from '../lib/json_doc.js';
import { logBuilder, logStateTransition } from '../lib/logging_enhanced.js';
import { mutateState, updateState } from '../lib/state_file.js';
import { utcTimestamp } from '../lib/time.js';
import { complain, enterProject, readExecution, say, type Project } from './handler.js';
import { verifyMergedTree } from '../agents/merged_verify.js';

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

function builderOf(v: unknown): Builder {
  const o = (v ?? {}) as Record<string, unknown>;
  const text = (x: unknown) => (x === undefined || x === null ? 'null' : String(x));
  return {
    id: text(o.id),
    status: text(o.status),
    branch: text(o.branch),
    worktree: typeof o.worktree === 'string' && o.worktree !== 'null' ? o.worktree : null,
  };
}

/** Ids the last run recorded as merged (root `merge.merged`), tolerating any shape. */
export function previouslyMerged(merge: unknown): Set<string> {
  const list = (merge as { merged?: unknown } | null)?.merged;
  return new Set(Array.isArray(list) ? list.filter((x): x is string => typeof x === 'string') : []);
}

function checkoutMain(dir: string): boolean {
  const current = git(['rev-parse', '--abbrev-ref', 'HEAD'], dir).stdout.trim();
  if (current === 'main' || current === 'master') return true;
  say('Switching to the main branch');
  return git(['checkout', 'main'], dir).ok || git(['checkout', 'master'], dir).ok;
}

function cleanup(dir: string, logs: Project['logs'], b: Builder): void {
  logBuilder(logs, b.id, 'cleanup', 'Removing worktree and branch');
  if (b.worktree && existsSync(b.worktree) && statSync(b.worktree).isDirectory()) {
    if (!git(['worktree', 'remove', b.worktree, '--force'], dir).ok) rmSync(b.worktree, { recursive: true, force: true });
  }
  git(['worktree', 'prune'], dir);
  if (branchExists(b.branch, dir)) git(['branch', '-D', b.branch], dir);
}

function mergeOne(project: Project, b: Builder, out: MergeOutcome, mergedBefore: boolean): void {
  const { dir, logs } = project;
  say(`Merging builder: ${b.id}`);
  logBuilder(logs, b.id, 'merging', `Merging branch ${b.branch}`);
  if (!branchExists(b.branch, dir)) {
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
  const r = git(['merge', '--no-ff', '-m', `Merge builder: ${b.id}`, b.branch], dir);
  if (r.ok) {
    logBuilder(logs, b.id, 'merged', `Branch ${b.branch} merged`);
    cleanup(dir, logs, b);
    out.merged.push(b.id);
    return;
  }
  const conflicted = unmergedFiles(dir).length > 0;
  if (conflicted) logBuilder(logs, b.id, 'conflict', 'Merge conflict detected');
  git(['merge', '--abort'], dir);
  if (conflicted) {
    logBuilder(logs, b.id, 'conflict', 'Conflict needs resolution');
    out.conflicts.push(b.id);
  } else {
    logBuilder(logs, b.id, 'error', `Merge failed: ${(r.stderr || r.stdout).trim().split('\n')[0] ?? ''}`);
    out.failed.push(b.id);
  }
}

async function record(project: Project, out: MergeOutcome, conflicts: string[]): Promise<void> {
  await mutateState(project.state, (doc) => {
    doc.set('merge', fromPlain({ ...out, completed: utcTimestamp() }));
    if (conflicts.length > 0 || doc.has('merge_conflicts')) doc.set('merge_conflicts', fromPlain(conflicts));
  });
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
  const { doc } = execution;
  const builders = execution.builders.map(builderOf);
  if (builders.length === 0) {
    say('No builders to merge - moving on to storage');
    await updateState(project.state, 'phase', 'storage');
    await updateState(project.state, 'action_owner', 'user');
    return 0;
  }
  say(`Merging ${builders.length} builder branches...`);
  if (!checkoutMain(project.dir)) {
    complain('ERROR: Could not check out the main or master branch');
    return 1;
  }
  const mergedBefore = previouslyMerged(toPlain(doc.get('merge')));
  const out: MergeOutcome = { merged: [], conflicts: [], skipped: [], missing: [], failed: [] };
  for (const b of builders) {
    if (b.status !== 'completed') {
      logBuilder(project.logs, b.id, 'skipped', `Not completed (status: ${b.status})`);
      out.skipped.push(b.id);
      continue;
    }
    mergeOne(project, b, out, mergedBefore.has(b.id));
  }

  if (out.conflicts.length > 0) {
    say();
    say(`Merge conflicts detected in builders: ${out.conflicts.join(' ')}`);
    say('Resolve them on the builder branches, then set action_needed to merge_branches (owner code).');
    say();
    await updateState(project.state, 'action_needed', 'resolve_conflicts');
    await updateState(project.state, 'action_owner', 'ci');
    // As the original: merge_conflicts is written after the two hand-off fields.
    await record(project, out, out.conflicts);
    say('Waiting for the conflicts to be resolved');
    return 0;
  }
  await record(project, out, []);
  const unmerged = [...out.skipped, ...out.missing, ...out.failed];
  if (unmerged.length > 0) {
    say();
    say(`Not merged: ${unmerged.join(' ')} (skipped: ${out.skipped.length}, branch missing: ${out.missing.length}, failed: ${out.failed.length})`);
    say('Review them (see .argo-project/logs/builder-<id>.log); re-run execution or merge_branches when ready.');
    await updateState(project.state, 'action_needed', 'review_merge');
    await updateState(project.state, 'action_owner', 'user');
    return 0;
  }
  say('All builders merged successfully');
  // ---- the verification gate (agents/merged_verify.ts): config verify.command on the merged tree
  const verified = await verifyMergedTree(project);
  if (!verified.ok) {
    say(`Verification failed: ${verified.message}`);
    await updateState(project.state, 'action_needed', 'review_merge');
    await updateState(project.state, 'action_owner', 'user');
    return 0;
  }
  if (verified.ran) say(verified.message);
  // ---- end of the verification gate
  logStateTransition(project.logs, 'merge_build', 'storage');
  await updateState(project.state, 'phase', 'storage');
  await updateState(project.state, 'action_owner', 'user');
  await updateState(project.state, 'action_needed', 'none');
  say('Merge phase complete - workflow finished');
  say();
  return 0;
}

runIfEntry(import.meta.url, main);

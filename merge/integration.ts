// The integration worktree (issue 20): a temporary worktree, detached at the target's tip,
// where each builder is merged and the gate runs, so the target moves only once a merge
// passed. It lives under the merging root (`.argo-project/merging/.integration`: a name
// no branch can have, so never a target's temporary worktree) and is ours to reset or
// remove only once proven ours (workflow/worktrees.ts proveOurWorktree). A stopped run
// leaves it half done; the next one resets it.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { git, gitShielded, unmergedFiles } from '../core/git.js';
import { argoPaths } from '../store/layout.js';
import { MERGING_ROOT, commitIdentity, listWorktrees, proveOurWorktree, removeOurWorktree } from '../workflow/worktrees.js';
import type { MergeStrategy } from './settings.js';
import { headRef, tipOf } from './target.js';

export const integrationPath = (dir: string) => join(argoPaths(dir).merging, '.integration');

const firstLine = (s: string) => s.trim().split('\n')[0] ?? '';

/** Puts `wt` back at `tip`, detached, clean (a merge or rebase in progress abandoned). */
export async function resetIntegration(wt: string, tip: string): Promise<string | undefined> {
  if (git(['rev-parse', '-q', '--verify', 'MERGE_HEAD'], wt).ok) await gitShielded(['merge', '--abort'], wt);
  // Both folders in one git process (it prints a line per --git-path): this runs once per merged builder.
  const rebasing = git(['rev-parse', '--git-path', 'rebase-merge', '--git-path', 'rebase-apply'], wt).stdout.trim().split('\n').some((d) => existsSync(d));
  if (rebasing) await gitShielded(['rebase', '--abort'], wt);
  const r = await gitShielded(['checkout', '-q', '--force', '--detach', tip], wt);
  if (!r.ok) return `could not reset the integration worktree ${wt} to ${tip.slice(0, 12)}: ${firstLine(r.stderr)}`;
  await gitShielded(['clean', '-fdq'], wt);
  return undefined;
}

/** The integration worktree at `tip`, made or reset; or why not (one that is not ours is never touched). */
export async function openIntegration(dir: string, tip: string): Promise<{ wt: string } | { problem: string }> {
  const wt = integrationPath(dir);
  git(['worktree', 'prune'], dir); // a registration whose folder is gone would block the add
  if (existsSync(wt)) {
    const proof = proveOurWorktree(dir, wt, MERGING_ROOT, listWorktrees(dir));
    if (proof.kind === 'refused') return { problem: `${wt} is in the way of the integration worktree: ${proof.reason}; move it away, then run argo merge` };
    const problem = await resetIntegration(proof.path, tip);
    return problem ? { problem } : { wt: proof.path };
  }
  mkdirSync(argoPaths(dir).merging, { recursive: true });
  const r = git(['worktree', 'add', '-q', '--detach', '--', wt, tip], dir);
  if (!r.ok) return { problem: `could not create the integration worktree ${wt}: ${firstLine(r.stderr)}` };
  return { wt };
}

/** Removes the integration worktree (only when proven ours); why it was kept, or undefined. */
export function dropIntegration(dir: string): string | undefined {
  const wt = integrationPath(dir);
  if (!existsSync(wt)) return undefined;
  return removeOurWorktree(dir, wt, { root: MERGING_ROOT, force: true });
}

/** What integrating one builder gave: a commit to gate, a conflict left in progress, or a failure (nothing in progress). */
export type Integrated = { kind: 'commit'; commit: string } | { kind: 'conflict'; files: string[] } | { kind: 'failed'; reason: string };

export const mergeMessage = (id: string) => `Merge builder: ${id}`;
export const squashMessage = (id: string, description: string | null) => `Builder ${id}: ${description ?? id}`;

/** `git merge --no-ff` of the branch at HEAD (the target's tip); a conflict is left in progress for the resolver. */
async function mergeBranch(wt: string, id: string, branch: string): Promise<Integrated> {
  const r = await gitShielded([...commitIdentity(wt), 'merge', '--no-ff', '-m', mergeMessage(id), '--end-of-options', headRef(branch)], wt);
  if (r.ok) return { kind: 'commit', commit: tipOf('HEAD', wt)! };
  const files = unmergedFiles(wt);
  if (files.length > 0) return { kind: 'conflict', files };
  await gitShielded(['merge', '--abort'], wt);
  return { kind: 'failed', reason: `merge failed: ${firstLine(r.stderr || r.stdout)}` };
}

/** Replays the branch's own commits onto `tip` (HEAD ends on them); false on a conflict (aborted, HEAD back at `tip`). */
async function rebaseBranch(wt: string, branch: string, tip: string): Promise<Integrated | null> {
  const co = await gitShielded(['checkout', '-q', '--force', '--detach', headRef(branch)], wt);
  if (!co.ok) return { kind: 'failed', reason: `could not check out ${branch}: ${firstLine(co.stderr)}` };
  const r = await gitShielded([...commitIdentity(wt), 'rebase', '-q', '--no-autostash', tip], wt);
  if (r.ok) return { kind: 'commit', commit: tipOf('HEAD', wt)! };
  await resetIntegration(wt, tip);
  return null;
}

/**
 * The resolved (or clean) merge `merged` as one commit on `tip` with the merge's tree:
 * squash's commit, and rebase's when its replay conflicted and the merge was resolved.
 * A tree equal to the tip's adds nothing: the tip itself.
 */
export async function linearize(wt: string, tip: string, merged: string, message: string): Promise<Integrated> {
  const treeOf = (c: string) => git(['rev-parse', '-q', '--verify', '--end-of-options', `${c}^{tree}`], wt).stdout.trim();
  const tree = treeOf(merged);
  if (tree === '') return { kind: 'failed', reason: `no tree for ${merged}` };
  if (tree === treeOf(tip)) return { kind: 'commit', commit: tip };
  const c = git([...commitIdentity(wt), 'commit-tree', '-p', tip, '-m', message, tree], wt);
  if (!c.ok) return { kind: 'failed', reason: `git commit-tree failed: ${firstLine(c.stderr)}` };
  const commit = c.stdout.trim();
  const r = await gitShielded(['checkout', '-q', '--force', '--detach', commit], wt);
  return r.ok ? { kind: 'commit', commit } : { kind: 'failed', reason: `could not check out ${commit}: ${firstLine(r.stderr)}` };
}

export interface IntegrateInput {
  wt: string;
  tip: string;
  id: string;
  branch: string;
  description: string | null;
  strategy: MergeStrategy;
}

/**
 * Integrates one builder on `tip` in the integration worktree by its strategy. A conflict
 * is always a merge in progress (rebase's replay that conflicts is redone as a merge), so
 * the resolver meets one kind of conflict; `finish` turns the merge, once resolved, into
 * the strategy's commit.
 */
export async function integrate(x: IntegrateInput): Promise<Integrated> {
  if (x.strategy === 'rebase') {
    const rebased = await rebaseBranch(x.wt, x.branch, x.tip);
    if (rebased) return rebased;
  }
  const merged = await mergeBranch(x.wt, x.id, x.branch);
  return merged.kind === 'commit' ? finish(x, merged.commit) : merged;
}

/** The strategy's commit from a (clean or resolved) merge commit. */
export function finish(x: IntegrateInput, mergeCommit: string): Promise<Integrated> {
  if (x.strategy === 'merge') return Promise.resolve({ kind: 'commit', commit: mergeCommit });
  return linearize(x.wt, x.tip, mergeCommit, squashMessage(x.id, x.description));
}

/** `git diff` of the conflicted merge in progress (what a person sees), before it is aborted. */
export function conflictDiff(wt: string): string {
  return git(['diff'], wt).stdout;
}

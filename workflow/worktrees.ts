// Builder worktrees: which paths are provably ours, removing only those, and saving
// what a worktree holds before it goes. A worktree path read from state (which any
// agent can rewrite) is never trusted: it must be a worktree git lists for THIS
// repository and lie under this project's own folder for it.
import { realpathSync } from 'node:fs';
import { isAbsolute, join, resolve, sep } from 'node:path';
import { git, listWorktrees, type WorktreeEntry } from '../core/git.js';
import { BUILDERS_ROOT, BUILDER_BRANCH_PREFIX, MERGING_ROOT, builderBranch } from '../store/layout.js';

export { BUILDERS_ROOT, BUILDER_BRANCH_PREFIX, MERGING_ROOT, builderBranch };

export { listWorktrees, parseWorktreeList, type WorktreeEntry } from '../core/git.js';

function real(p: string): string | undefined {
  try {
    return realpathSync(p);
  } catch {
    return undefined;
  }
}

export type Proof = { kind: 'ours'; path: string; entry: WorktreeEntry } | { kind: 'refused'; reason: string };

/**
 * Is `path` a worktree we may remove? It must exist, resolve (symlinks followed)
 * strictly inside `<project>/<root>`, and be listed by git as a linked worktree of
 * the project's repository — so a copy of the project (`cp -a`) never reaches the
 * original's worktrees, and neither the project itself nor anything outside it
 * ever qualifies. `listed`: git's list when the caller already has it (an entry whose
 * folder is gone never matches, so a list older than a removal is still safe).
 */
export function proveOurWorktree(project: string, path: string, root: string = BUILDERS_ROOT, listed?: WorktreeEntry[]): Proof {
  const projectReal = real(project);
  if (!projectReal) return { kind: 'refused', reason: `project folder ${project} does not exist` };
  const allowed = join(projectReal, root);
  const target = real(isAbsolute(path) ? path : resolve(project, path));
  if (!target) return { kind: 'refused', reason: `${path} does not exist` };
  if (!target.startsWith(allowed + sep)) return { kind: 'refused', reason: `${path} is not under ${allowed}` };
  const linked = (listed ?? listWorktrees(project)).slice(1); // the first is the main worktree: never ours
  const entry = linked.find((w) => real(w.path) === target);
  if (!entry) return { kind: 'refused', reason: `${path} is not a worktree of the repository at ${projectReal}` };
  return { kind: 'ours', path: target, entry };
}

/**
 * Removes a proven worktree through git (never by deleting files ourselves).
 * `force` also drops untracked and ignored files: callers save real work first
 * (commitLeftovers). Returns why nothing was removed, or undefined when it was.
 */
export function removeOurWorktree(project: string, path: string, opts: { root?: string; force?: boolean } = {}): string | undefined {
  const proof = proveOurWorktree(project, path, opts.root);
  if (proof.kind === 'refused') return proof.reason;
  const r = git(['worktree', 'remove', ...(opts.force ? ['--force'] : []), '--', proof.path], project);
  if (r.ok) return undefined; // a removal drops git's record with the folder: nothing to prune
  // A failed one can leave a record whose folder is gone; prune drops only such records.
  git(['worktree', 'prune'], project);
  return `git worktree remove ${proof.path} failed: ${(r.stderr || r.stdout).trim().split('\n')[0] ?? ''}`;
}

/** Identity options for commits we make for someone else: theirs when git has one. */
export function commitIdentity(cwd: string): string[] {
  const known = git(['var', 'GIT_AUTHOR_IDENT'], cwd).ok && git(['var', 'GIT_COMMITTER_IDENT'], cwd).ok;
  return known ? [] : ['-c', 'user.name=argo-ts', '-c', 'user.email=argo-ts@localhost'];
}

export const leftoversMessage = (id: string) => `argo: uncommitted work left by builder ${id}`;

/** Pathspec for "everything a builder left", but the result file the wrapper writes. */
export const LEFTOVER_PATHSPEC = ['--', '.', ':(exclude).build_result'];

export type Leftovers = { kind: 'none' } | { kind: 'committed'; commit: string } | { kind: 'failed'; reason: string };

/**
 * Commits whatever is uncommitted in `worktree` (tracked changes and untracked files,
 * not `.build_result`) to the branch it has checked out, so removing the worktree
 * loses nothing. Only on `branch`: a worktree on any other branch is not ours to commit in.
 */
export function commitLeftovers(worktree: string, id: string, branch: string): Leftovers {
  const head = git(['symbolic-ref', '-q', '--short', 'HEAD'], worktree);
  if (!head.ok || head.stdout.trim() !== branch) {
    return { kind: 'failed', reason: `${worktree} is not on branch ${branch}` };
  }
  const status = git(['status', '--porcelain', ...LEFTOVER_PATHSPEC], worktree);
  if (!status.ok) return { kind: 'failed', reason: `git status failed in ${worktree}: ${status.stderr.trim()}` };
  if (status.stdout.trim() === '') return { kind: 'none' };
  const add = git(['add', '-A', ...LEFTOVER_PATHSPEC], worktree);
  if (!add.ok) return { kind: 'failed', reason: `git add failed in ${worktree}: ${add.stderr.trim()}` };
  const commit = git([...commitIdentity(worktree), 'commit', '--no-verify', '-q', '-m', leftoversMessage(id)], worktree);
  if (!commit.ok) return { kind: 'failed', reason: `git commit failed in ${worktree}: ${(commit.stderr || commit.stdout).trim()}` };
  return { kind: 'committed', commit: git(['rev-parse', 'HEAD'], worktree).stdout.trim() };
}

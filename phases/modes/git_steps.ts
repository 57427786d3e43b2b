// The git side of the bugfix and best_of_n modes (issue 22): a worktree started from
// another builder's branch, a branch's diff size, and keeping a candidate that is not
// merged under refs/argo/kept/… before its worktree and branch go. Safety (docs/SAFETY.md):
// every value from state is an operand after `--` / `--end-of-options`; a worktree is removed
// only when proven ours; a branch is deleted only when the kept ref holds its very commit
// (the old value is checked by git), so no commit becomes unreachable.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { git, isAncestor } from '../../core/git.js';
import { argoPaths, BUILDERS_ROOT, builderBranch } from '../../store/layout.js';
import { commitLeftovers, proveOurWorktree, removeOurWorktree } from '../../workflow/worktrees.js';

const headRef = (branch: string) => `refs/heads/${branch}`;

/** The commit a ref names, or null. */
export function commitOf(ref: string, dir: string): string | null {
  const r = git(['rev-parse', '-q', '--verify', '--end-of-options', `${ref}^{commit}`], dir);
  return r.ok ? r.stdout.trim() : null;
}

/**
 * A worktree `.argo-project/builders/<id>` on a new branch argo-builder-<id> that starts at
 * `from`'s branch tip (so it sees that builder's commits). An existing one proven ours is
 * reused (a run that stopped half way). Its absolute path, or the problem.
 */
export function worktreeFrom(dir: string, id: string, from: string): { path: string } | { problem: string } {
  const rel = join(BUILDERS_ROOT, id);
  const abs = join(dir, rel);
  if (existsSync(abs)) {
    const proof = proveOurWorktree(dir, abs);
    return proof.kind === 'ours' ? { path: abs } : { problem: `${abs} exists and is not a worktree of ours (${proof.reason})` };
  }
  mkdirSync(argoPaths(dir).builders, { recursive: true });
  const branch = builderBranch(id);
  let r = commitOf(headRef(branch), dir)
    ? git(['worktree', 'add', '--', rel, branch], dir)
    : git(['worktree', 'add', '-b', branch, '--', rel, headRef(builderBranch(from))], dir);
  if (!r.ok) r = { ...r, stderr: (r.stderr || r.stdout).trim() };
  return r.ok && existsSync(abs) ? { path: abs } : { problem: `could not create the worktree ${rel} from ${builderBranch(from)}: ${r.stderr}` };
}

/** Whatever a builder left uncommitted, committed on its branch (so a diff, a kept ref or a dependent sees it); why not, or null. */
export function saveWork(worktree: string | null, id: string): string | null {
  if (!worktree || !existsSync(worktree)) return null;
  const r = commitLeftovers(worktree, id, builderBranch(id));
  return r.kind === 'failed' ? r.reason : null;
}

/** Lines added + removed on the builder's branch since it left the project's HEAD; null when git cannot say. */
export function diffLines(dir: string, id: string): number | null {
  const branch = headRef(builderBranch(id));
  const base = git(['merge-base', '--end-of-options', 'HEAD', branch], dir);
  if (!base.ok) return null;
  const r = git(['diff', '--numstat', '--end-of-options', base.stdout.trim(), branch], dir);
  if (!r.ok) return null;
  let n = 0;
  for (const line of r.stdout.split('\n')) {
    const [a, d] = line.split('\t');
    if (a === undefined || d === undefined) continue;
    n += (Number(a) || 0) + (Number(d) || 0); // a binary file counts as 0 ("-")
  }
  return n;
}

/**
 * Keeps the builder's branch tip under `ref` (refs/argo/kept/…), then removes its worktree
 * (proven ours, once what it left is committed: nothing is lost) and deletes its branch, checked by
 * git to still be at the kept commit. What happened, one line (a step not taken says why).
 */
export function keepBuilder(dir: string, id: string, worktree: string | null, ref: string): { kept: string | null; note: string } {
  const branch = builderBranch(id);
  // Everything it left is committed first, so the kept commit holds it (then --force drops only the wrapper's .build_result and ignored files).
  const unsaved = saveWork(worktree, id);
  const tip = commitOf(headRef(branch), dir);
  if (!tip) return { kept: commitOf(ref, dir) ? ref : null, note: `${branch} not found: nothing to keep` };
  const up = git(['update-ref', '-m', `argo: keep ${id}`, '--', ref, tip], dir);
  if (!up.ok || commitOf(ref, dir) !== tip) return { kept: null, note: `could not write ${ref}: ${up.stderr.trim()}; ${branch} left as it is` };
  if (worktree && existsSync(worktree)) {
    const why = unsaved ?? removeOurWorktree(dir, worktree, { force: true });
    if (why) return { kept: ref, note: `kept as ${ref}; worktree ${worktree} left (${why}), and so is ${branch}` };
  }
  const del = git(['update-ref', '-d', '--', headRef(branch), tip], dir);
  return { kept: ref, note: del.ok ? `kept as ${ref} (${tip.slice(0, 12)}); worktree and ${branch} removed` : `kept as ${ref}; ${branch} left (${del.stderr.trim()})` };
}

/**
 * A builder whose commits another builder's branch carries (bugfix: the test, under the fix):
 * its worktree removed and its branch deleted, only when its tip is proven an ancestor of
 * `into`'s branch (so nothing becomes unreachable). What happened, one line.
 */
export function retireInto(dir: string, id: string, worktree: string | null, into: string): string {
  const branch = builderBranch(id);
  const unsaved = saveWork(worktree, id);
  if (unsaved) return `${branch} left: ${unsaved}`;
  const tip = commitOf(headRef(branch), dir);
  if (!tip) return `${branch} not found`;
  if (!isAncestor(tip, headRef(builderBranch(into)), dir)) return `${branch} left: its tip is not on ${builderBranch(into)}`;
  if (worktree && existsSync(worktree)) {
    const why = removeOurWorktree(dir, worktree, { force: true });
    if (why) return `${branch} left: ${why}`;
  }
  const del = git(['update-ref', '-d', '--', headRef(branch), tip], dir);
  return del.ok ? `${branch} removed (its commits are on ${builderBranch(into)})` : `${branch} left: ${del.stderr.trim()}`;
}

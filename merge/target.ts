// The branch merge_build integrates into, and moving it. The target is the original's
// (main, else master — COMPAT §8) or `merge.target` (`argo/<slug>`), created at main's
// (else master's) tip the first time, so the person's main is never touched then.
// Moving it (a gated merge that passed) never rewrites anyone's checkout: the checkout
// that has the target checked out is fast-forwarded when it is ours to move (the project
// checkout, clean; our temporary worktree of the target), else the ref is moved with a
// compare-and-swap (`git update-ref <ref> <new> <old>`): a target that moved meanwhile is
// never overwritten.
import { realpathSync } from 'node:fs';
import { git, gitShielded } from '../core/git.js';
import { headRef, mergingWorktree, tipOf } from '../workflow/merge_place.js';
import { listWorktrees } from '../workflow/worktrees.js';

export { headRef, settleTarget, tipOf, type TargetChoice } from '../workflow/merge_place.js';

function real(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return p;
  }
}

export type Moved = { ok: true } | { ok: false; reason: string };

type Holder = { at: string | null } | { problem: string };

/** Where `target` is checked out when we may move it there (null: nowhere, the ref is moved), or why it may not be moved. */
export function targetHolder(dir: string, target: string): Holder {
  const holder = listWorktrees(dir).find((w) => w.branch === target);
  if (!holder) return { at: null };
  const at = real(holder.path);
  if (at !== real(dir) && at !== real(mergingWorktree(dir, target))) {
    return { problem: `${target} is checked out in ${holder.path}: free it there, then run argo merge` };
  }
  const dirty = git(['status', '--porcelain', '--untracked-files=no'], at).stdout.trim() !== '' || git(['rev-parse', '-q', '--verify', 'MERGE_HEAD'], at).ok;
  if (dirty) return { problem: `${at} is on ${target} with uncommitted changes (or a merge in progress): commit or stash them, then run argo merge` };
  return { at };
}

/** Moves `target` from `old` to `next` (a descendant of `old`), as the header says. */
export async function moveTarget(dir: string, target: string, old: string, next: string, why: string): Promise<Moved> {
  const holder = targetHolder(dir, target);
  if ('problem' in holder) return { ok: false, reason: holder.problem };
  const at = holder.at;
  if (at === null) {
    const r = git(['update-ref', '-m', why, headRef(target), next, old], dir);
    return r.ok ? { ok: true } : { ok: false, reason: `${target} moved meanwhile (update-ref refused: ${r.stderr.trim()})` };
  }
  if (tipOf('HEAD', at) !== old) return { ok: false, reason: `${target} moved meanwhile (now ${tipOf('HEAD', at)?.slice(0, 12)})` };
  const r = await gitShielded(['merge', '--ff-only', '-q', '--end-of-options', next], at);
  return r.ok ? { ok: true } : { ok: false, reason: `could not fast-forward ${target} in ${at}: ${(r.stderr || r.stdout).trim().split('\n')[0] ?? ''}` };
}

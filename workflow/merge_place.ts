// Where merge_build may merge without touching the user's work. The target is the
// original's (main, else master — COMPAT §8); the decision between merging in the
// project checkout, a temporary worktree of the target, or refusing is a pure
// function of what git says about the checkout.
import { readFileSync, realpathSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { branchExists, git } from '../core/git.js';
import { MERGING_ROOT, listWorktrees } from './worktrees.js';
import { readConfigObject } from '../store/config_object.js';
import { argoPaths } from '../store/layout.js';
import { errorMessage } from '../core/errors.js';

export const headRef = (branch: string) => `refs/heads/${branch}`;

/** The commit a ref names, or null. */
export function tipOf(ref: string, cwd: string): string | null {
  const r = git(['rev-parse', '-q', '--verify', '--end-of-options', `${ref}^{commit}`], cwd);
  return r.ok ? r.stdout.trim() : null;
}

export const TARGET_ACCEPTED = 'a branch name "argo/<slug>" (letters, digits, ".", "_", "-"; "/" between parts), or absent for main/master';

/**
 * `merge.target` (issue 20): `argo/<slug>` as git check-ref-format takes it (checked here
 * without git): parts of letters, digits, `.`, `_`, `-`, not starting with `.` or `-`, not
 * ending in `.lock` or `.`, no `..`. main and master are not accepted: absent means them.
 * merge/settings.ts reads the key; the dependency waves (wave_steps.ts) honour it too.
 */
export function validTarget(v: string): boolean {
  if (!v.startsWith('argo/') || v.includes('..') || v.length > 200) return false;
  return v
    .slice('argo/'.length)
    .split('/')
    .every((part) => /^[A-Za-z0-9_][A-Za-z0-9._-]*$/.test(part) && !part.endsWith('.lock') && !part.endsWith('.'));
}

export type TargetChoice = { target: string; base: string; created: boolean } | { problem: string };

/** The target branch: `configured` (created from the base branch the first time), else the base (main, else master). */
export function settleTarget(dir: string, configured: string | null): TargetChoice {
  const base = chooseTarget(dir);
  if (!base) return { problem: 'Could not check out the main or master branch' };
  if (configured === null) return { target: base, base, created: false };
  if (!validTarget(configured) || !git(['check-ref-format', '--branch', configured], dir).ok) return { problem: `merge.target is "${configured}"; accepted: ${TARGET_ACCEPTED}` };
  if (tipOf(headRef(configured), dir)) return { target: configured, base, created: false };
  const tip = tipOf(headRef(base), dir)!;
  // The zero old value: created only if nobody made it meanwhile.
  const r = git(['update-ref', '-m', `argo: merge.target from ${base}`, headRef(configured), tip, '0'.repeat(tip.length)], dir);
  if (!r.ok && !tipOf(headRef(configured), dir)) return { problem: `could not create ${configured} at ${base}: ${r.stderr.trim()}` };
  return { target: configured, base, created: r.ok };
}

/**
 * The project's target as config.json names it (`merge.target`), settled: for the merges
 * outside merge_build (the dependency waves), which must land where merge_build does.
 */
export function projectTarget(dir: string): TargetChoice {
  let configured: unknown;
  try {
    const merge = readConfigObject(argoPaths(dir).config).merge;
    configured = merge !== null && typeof merge === 'object' ? (merge as { target?: unknown }).target : undefined;
  } catch (e) {
    return { problem: errorMessage(e) };
  }
  if (configured === undefined || configured === null) return settleTarget(dir, null);
  if (typeof configured !== 'string') return { problem: `merge.target is ${JSON.stringify(configured)}; accepted: ${TARGET_ACCEPTED}` };
  return settleTarget(dir, configured);
}

/** `main` when that branch exists, else `master`, else null. */
export function chooseTarget(dir: string): string | null {
  for (const b of ['main', 'master']) if (branchExists(`refs/heads/${b}`, dir)) return b;
  return null;
}

/** The temporary worktree merge_build uses for `target`. */
export const mergingWorktree = (project: string, target: string) => join(project, MERGING_ROOT, target);

export interface CheckoutView {
  dir: string;
  /** The branch the project checkout is on; null when detached. */
  branch: string | null;
  /** Tracked changes (staged or not), or a merge in progress. Untracked files do not count: a merge never touches them. */
  dirty: boolean;
  /** Another worktree that has the target checked out (git allows one), or null. */
  targetElsewhere: string | null;
  /** Our temporary worktree for the target (where an interrupted run left it). */
  temp: string;
}

export type MergePlace =
  | { kind: 'here' }
  | { kind: 'switch'; from: string }
  | { kind: 'worktree'; reuse: boolean }
  | { kind: 'refuse'; reason: string };

/**
 * - on the target and clean: merge here, as the original;
 * - on one of this run's builder branches and clean: switch to the target, as the
 *   original (its suite leaves the checkout there); nothing of the user's is on it;
 * - anywhere else, or dirty: merge in a temporary worktree of the target, unless the
 *   target is checked out elsewhere (the user's checkout included) — then refuse.
 */
export function chooseMergePlace(target: string, v: CheckoutView, builderBranches: ReadonlySet<string>): MergePlace {
  if (v.branch === target) {
    if (!v.dirty) return { kind: 'here' };
    return {
      kind: 'refuse',
      reason: `${v.dir} is on ${target} with uncommitted changes (or a merge in progress): commit or stash them, then set action_owner to code to merge`,
    };
  }
  if (v.targetElsewhere === v.temp) return { kind: 'worktree', reuse: true };
  if (v.targetElsewhere !== null) {
    return {
      kind: 'refuse',
      reason: `${target} is checked out in ${v.targetElsewhere} and ${v.dir} is on ${v.branch ?? 'a detached HEAD'}: cannot merge into ${target} without touching either; free ${target} there, then set action_owner to code`,
    };
  }
  if (v.branch !== null && builderBranches.has(v.branch) && !v.dirty) return { kind: 'switch', from: v.branch };
  return { kind: 'worktree', reuse: false };
}

function realOr(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return p;
  }
}

/** What git says about the project checkout (the input of chooseMergePlace). */
export function inspectCheckout(project: string, target: string): CheckoutView {
  const head = git(['symbolic-ref', '-q', '--short', 'HEAD'], project);
  const status = git(['status', '--porcelain', '--untracked-files=no'], project);
  const merging = git(['rev-parse', '-q', '--verify', 'MERGE_HEAD'], project).ok;
  const self = realOr(project);
  const holder = listWorktrees(project).find((w) => w.branch === target && realOr(w.path) !== self);
  return {
    dir: project,
    branch: head.ok ? head.stdout.trim() : null,
    dirty: !status.ok || status.stdout.trim() !== '' || merging,
    targetElsewhere: holder ? realOr(holder.path) : null,
    temp: realOr(mergingWorktree(project, target)),
  };
}

export type HalfMerge = { kind: 'none' } | { kind: 'ours'; id: string } | { kind: 'foreign'; detail: string };

/**
 * A merge left in progress in `dir`: ours when its message is `Merge builder: <id>`
 * of one of our builders AND MERGE_HEAD is that builder's branch tip. Anything else
 * is someone else's and must not be aborted.
 */
export function halfDoneMerge(dir: string, builders: { id: string; branch: string }[]): HalfMerge {
  const mh = git(['rev-parse', '-q', '--verify', 'MERGE_HEAD'], dir);
  if (!mh.ok) return { kind: 'none' };
  const sha = mh.stdout.trim();
  const msgPath = git(['rev-parse', '--git-path', 'MERGE_MSG'], dir).stdout.trim();
  let first = '';
  try {
    first = readFileSync(isAbsolute(msgPath) ? msgPath : resolve(dir, msgPath), 'utf8').split('\n')[0] ?? '';
  } catch {
    /* no message: cannot be ours */
  }
  const id = /^Merge builder: (.+)$/.exec(first)?.[1];
  const b = id === undefined ? undefined : builders.find((x) => x.id === id);
  if (b && git(['rev-parse', '-q', '--verify', '--end-of-options', `refs/heads/${b.branch}`], dir).stdout.trim() === sha) return { kind: 'ours', id: b.id };
  return { kind: 'foreign', detail: `MERGE_HEAD ${sha}, message "${first}"` };
}

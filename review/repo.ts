// The repository side of a review (workflow.kind "review"): the range resolved to two
// commits and what the reviewer is shown of it, the reviewers' read-only checkouts, and the
// proof that nothing moved — every ref, the project checkout's HEAD and tracked files, and
// each reviewer's checkout — compared before and after. Revisions from config are operands
// after --end-of-options; once resolved, only commit ids are passed on.
import { existsSync, mkdirSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { git, listWorktrees } from '../core/git.js';
import { argoPaths } from '../store/layout.js';
import { chooseTarget } from '../workflow/merge_place.js';
import { DIFF_IN_PROMPT_BYTES, type RangeFacts, type ReviewRange } from '../workflow/kinds/review.js';

const commitOf = (rev: string, dir: string): string | null => {
  const r = git(['rev-parse', '--verify', '--quiet', '--end-of-options', `${rev}^{commit}`], dir);
  return r.ok ? r.stdout.trim() : null;
};

/** The range's two commits and what the reviewer is shown; or why it cannot be reviewed (one line naming review_run.range). */
export function rangeFacts(range: ReviewRange, dir: string): RangeFacts | { problem: string } {
  const named = `review_run.range is ${JSON.stringify(range.text)} in config.json`;
  const baseRev = range.base ?? chooseTarget(dir);
  if (baseRev === null) return { problem: `${named}: a single branch is reviewed from main or master, and neither exists; accepted: "A..B"` };
  const tip = commitOf(range.tip, dir);
  if (tip === null) return { problem: `${named}: "${range.tip}" is not a commit of this repository; accepted: branches, tags or commits that exist` };
  let base = commitOf(baseRev, dir);
  if (base === null) return { problem: `${named}: "${baseRev}" is not a commit of this repository; accepted: branches, tags or commits that exist` };
  if (range.mergeBase || range.base === null) {
    const mb = git(['merge-base', '--end-of-options', base, tip], dir);
    if (!mb.ok) return { problem: `${named}: ${baseRev} and ${range.tip} have no common ancestor; accepted: "A..B" between related commits` };
    base = mb.stdout.trim();
  }
  if (base === tip) return { problem: `${named}: the range holds no change (${range.tip} is ${baseRev}'s commit or behind it); accepted: a range with commits to review` };
  const commits = git(['log', '--format=%h %s', `${base}..${tip}`], dir).stdout;
  const stat = git(['diff', '--stat', base, tip], dir).stdout;
  const d = git(['diff', base, tip], dir);
  const diff = d.ok && Buffer.byteLength(d.stdout) <= DIFF_IN_PROMPT_BYTES ? d.stdout : null;
  return { base, tip, commits, stat, diff };
}

/** Everything a reviewer must leave as it was: every ref, the checkout's HEAD and its tracked files' state. */
export interface RepoSnapshot {
  refs: Map<string, string>;
  head: string;
  status: string;
}

export function snapshot(dir: string): RepoSnapshot {
  const refs = new Map<string, string>();
  for (const line of git(['for-each-ref', '--format=%(refname) %(objectname)'], dir).stdout.split('\n')) {
    const at = line.lastIndexOf(' ');
    if (at > 0) refs.set(line.slice(0, at), line.slice(at + 1));
  }
  return { refs, head: git(['rev-parse', 'HEAD'], dir).stdout.trim(), status: git(['status', '--porcelain', '--untracked-files=no'], dir).stdout };
}

/** What differs between two snapshots, one phrase each ([] when nothing moved). */
export function movedBetween(before: RepoSnapshot, after: RepoSnapshot): string[] {
  const out: string[] = [];
  for (const [ref, sha] of before.refs) {
    const now = after.refs.get(ref);
    if (now !== sha) out.push(now === undefined ? `${ref} was deleted` : `${ref} moved from ${sha.slice(0, 12)} to ${now.slice(0, 12)}`);
  }
  for (const ref of after.refs.keys()) if (!before.refs.has(ref)) out.push(`${ref} was created`);
  if (after.head !== before.head) out.push(`the checkout's HEAD moved from ${before.head.slice(0, 12)} to ${after.head.slice(0, 12)}`);
  if (after.status !== before.status) out.push("the checkout's tracked files changed");
  return out;
}

/** A reviewer's checkout: detached at the tip, under the project's reviews folder. */
export function addReviewWorktree(dir: string, id: string, tip: string): string | { problem: string } {
  const path = join(argoPaths(dir).reviewWorktrees, id);
  mkdirSync(dirname(path), { recursive: true });
  const r = git(['worktree', 'add', '--detach', '--', path, tip], dir);
  return r.ok && existsSync(path) ? path : { problem: `could not check out ${tip.slice(0, 12)} for the reviewer: ${r.stderr.trim()}` };
}

/** What the reviewer changed in its own checkout: its HEAD, its files (untracked ones too). */
export function worktreeChanges(path: string, tip: string): string[] {
  const out: string[] = [];
  const head = git(['rev-parse', 'HEAD'], path).stdout.trim();
  if (head !== tip) out.push(`its checkout's HEAD moved from ${tip.slice(0, 12)} to ${head.slice(0, 12) || '(none)'}`);
  const status = git(['status', '--porcelain', '--untracked-files=all'], path).stdout.trim();
  if (status) out.push(`it changed files in its checkout: ${status.split('\n').slice(0, 5).map((l) => l.slice(3)).join(', ')}`);
  return out;
}

/**
 * Removes a reviewer's untouched checkout — only a worktree git lists at exactly that path
 * under the project's reviews folder, detached at the tip (ours); a touched one is kept for a person.
 */
export function removeReviewWorktree(dir: string, path: string, tip: string): boolean {
  let real: string;
  try {
    real = realpathSync(path);
  } catch {
    return false;
  }
  const entry = listWorktrees(dir).find((w) => w.path === real || w.path === path);
  if (!entry || entry.branch !== null || !real.startsWith(realpathSync(argoPaths(dir).reviewWorktrees) + '/')) return false;
  if (worktreeChanges(path, tip).length > 0) return false;
  return git(['worktree', 'remove', '--', path], dir).ok;
}

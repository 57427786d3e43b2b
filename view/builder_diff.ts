// A builder's changes against the base it started from (issue 21, `argo diff` and the
// dashboard's review box). Before its merge: its branch against the merge-base with the
// target; after it: the recorded merge commit against its first parent. Everything that
// names a commit or a ref comes from state, so it is data: a commit must be hex, a branch
// argo-builder-<…> (or refs/heads/argo-builder-<…>), a target a plain branch name — checked
// here before git sees it, and handed to git after `--end-of-options` or before `--`.
// Only reads: no ref is created or deleted, nothing becomes unreachable.
import { spawnSync } from 'node:child_process';
import { git } from '../core/git.js';
import { isPlainBranch } from '../core/git_args.js';
import { BUILDER_BRANCH_PREFIX } from '../store/layout.js';
import { builderBranchOf, type BuilderRecord } from '../store/builders.js';

/** Where the changes come from, decided before git runs (pure). */
export type DiffSource =
  | { kind: 'merged'; commit: string; from: string; to: string; what: string }
  | { kind: 'branch'; branch: string; targets: string[]; what: string };

/** The largest diff text read for the page; beyond it the text is cut (and says so). */
export const REVIEW_DIFF_LIMIT = 512 * 1024;

const COMMIT = /^[0-9a-f]{7,64}$/;
const COMMIT_ACCEPTED = '7 to 64 hexadecimal digits';
const BRANCH_ACCEPTED = `${BUILDER_BRANCH_PREFIX}<id> or refs/heads/${BUILDER_BRANCH_PREFIX}<id>`;
const TARGET_ACCEPTED = 'a plain branch name (main, master …)';
const quote = (v: unknown) => JSON.stringify(typeof v === 'string' ? v : (v ?? null));

/** The short name of a builder branch as recorded, or null when it is not one of ours. */
export function builderBranchName(recorded: string): string | null {
  const name = recorded.startsWith('refs/heads/') ? recorded.slice('refs/heads/'.length) : recorded;
  return name.startsWith(BUILDER_BRANCH_PREFIX) && name.length > BUILDER_BRANCH_PREFIX.length && isPlainBranch(name) ? name : null;
}

/**
 * Where a builder's changes are (pure), or the one line saying which recorded value is
 * refused. A merge record with a commit wins (the branch is gone after the merge); else
 * the branch against its recorded target, then main, then master.
 */
export function diffSource(b: Pick<BuilderRecord, 'id' | 'branch' | 'merge'>): DiffSource | { error: string } {
  const commit = b.merge?.commit;
  if (commit != null && (b.merge?.status === 'merged' || b.merge?.status === 'resolved_by_agent')) {
    if (!COMMIT.test(commit)) return { error: `builder '${b.id}': merge.commit ${quote(commit)} is not a commit id (accepted: ${COMMIT_ACCEPTED})` };
    return { kind: 'merged', commit, from: `${commit}^1`, to: commit, what: `merge commit ${commit.slice(0, 12)} against its first parent` };
  }
  const recorded = builderBranchOf(b);
  const branch = builderBranchName(recorded);
  if (branch === null) return { error: `builder '${b.id}': branch ${quote(recorded)} is not a builder branch (accepted: ${BRANCH_ACCEPTED})` };
  const target = b.merge?.target ?? null;
  if (target !== null && !isPlainBranch(target)) return { error: `builder '${b.id}': merge.target ${quote(target)} is not a branch name (accepted: ${TARGET_ACCEPTED})` };
  const targets = [...new Set([...(target !== null ? [target] : []), 'main', 'master'])];
  return { kind: 'branch', branch, targets, what: `branch ${branch}` };
}

/** A local branch's commit, or null when there is none. */
function branchCommit(repo: string, name: string): string | null {
  const r = git(['rev-parse', '--verify', '--quiet', '--end-of-options', `refs/heads/${name}^{commit}`], repo);
  return r.ok ? r.stdout.trim() : null;
}

/** The two revisions to compare, proven to exist, or why there are none. */
export function diffRange(repo: string, source: DiffSource): { from: string; to: string; what: string } | { problem: string } {
  if (source.kind === 'merged') {
    const ok = git(['rev-parse', '--verify', '--quiet', '--end-of-options', `${source.from}^{commit}`], repo).ok;
    return ok ? { from: source.from, to: source.to, what: source.what } : { problem: `the merge commit ${source.commit} (or its first parent) is not in ${repo}` };
  }
  const tip = branchCommit(repo, source.branch);
  if (tip === null) return { problem: `no branch ${source.branch} in ${repo} (and no merge commit recorded)` };
  for (const target of source.targets) {
    if (branchCommit(repo, target) === null) continue;
    const base = git(['merge-base', '--end-of-options', `refs/heads/${target}`, tip], repo);
    if (base.ok) return { from: base.stdout.trim(), to: tip, what: `${source.what} against its merge-base with ${target}` };
  }
  return { problem: `none of ${source.targets.join(', ')} shares history with ${source.branch}` };
}

/** `git diff` of two proven revisions: no colour, no external diff or textconv driver; `--` ends the revisions. */
export function diffArgs(from: string, to: string, mode: 'patch' | 'stat' | 'numstat'): string[] {
  const extra = mode === 'stat' ? ['--stat'] : mode === 'numstat' ? ['--numstat', '-z'] : [];
  return ['-c', 'core.quotePath=false', 'diff', '--no-color', '--no-ext-diff', '--no-textconv', ...extra, from, to, '--'];
}

/** `git diff --numstat -z` parsed: one entry per file (a binary file counts null lines). */
export function parseNumstat(text: string): { path: string; added: number | null; deleted: number | null }[] {
  const out: { path: string; added: number | null; deleted: number | null }[] = [];
  const parts = text.split('\0');
  for (let i = 0; i < parts.length; i++) {
    const m = /^(-|\d+)\t(-|\d+)\t(.*)$/s.exec(parts[i]!);
    if (!m) continue;
    // A rename: an empty path, then the old and the new path as two more fields.
    let path = m[3]!;
    if (path === '') {
      path = `${parts[i + 1] ?? ''} → ${parts[i + 2] ?? ''}`;
      i += 2;
    }
    out.push({ path, added: m[1] === '-' ? null : Number(m[1]), deleted: m[2] === '-' ? null : Number(m[2]) });
  }
  return out;
}

export interface BuilderChanges {
  /** What was compared, in words. */
  what: string | null;
  files: { path: string; added: number | null; deleted: number | null }[];
  diff: string;
  /** The diff text was cut at REVIEW_DIFF_LIMIT bytes. */
  cut: boolean;
  /** Why no diff is shown (a refused value, a branch gone); null when it is. */
  problem: string | null;
}

/** The changes of one builder, read for the page (bounded). */
export function builderChanges(repo: string, b: BuilderRecord, limit = REVIEW_DIFF_LIMIT): BuilderChanges {
  const none = (problem: string): BuilderChanges => ({ what: null, files: [], diff: '', cut: false, problem });
  const source = diffSource(b);
  if ('error' in source) return none(source.error);
  const range = diffRange(repo, source);
  if ('problem' in range) return none(range.problem);
  const stat = git(diffArgs(range.from, range.to, 'numstat'), repo);
  if (!stat.ok) return none(`git diff failed: ${stat.stderr.trim().split('\n')[0] ?? ''}`);
  const patch = spawnSync('git', diffArgs(range.from, range.to, 'patch'), { cwd: repo, encoding: 'utf8', maxBuffer: limit, stdio: ['ignore', 'pipe', 'pipe'], timeout: 20_000 });
  const cut = (patch.error as NodeJS.ErrnoException | undefined)?.code === 'ENOBUFS';
  if (!cut && patch.status !== 0) return none(`git diff failed: ${(patch.stderr ?? '').trim().split('\n')[0] ?? ''}`);
  return { what: range.what, files: parseNumstat(stat.stdout), diff: (patch.stdout ?? '').slice(0, limit), cut, problem: null };
}

// Did an agent build anything? Its worktree has new commits since the run began, or
// changes not committed yet (the builder wrapper commits those afterwards).
import { spawnSync } from 'node:child_process';

function gitOut(args: string[], cwd: string): string | null {
  const r = spawnSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  return r.status === 0 ? r.stdout.trim() : null;
}

export function headOf(dir: string): string | null {
  return gitOut(['rev-parse', '--verify', '-q', 'HEAD'], dir);
}

/** The repository's common git folder (a linked worktree's gitdir lives there). */
export function gitCommonDir(dir: string): string | null {
  return gitOut(['rev-parse', '--path-format=absolute', '--git-common-dir'], dir);
}

/**
 * The worktree's own git folder (index, HEAD): for a linked worktree, a folder under the
 * common one that Codex's sandbox keeps read-only unless it is named as a writable root.
 */
export function gitDir(dir: string): string | null {
  return gitOut(['rev-parse', '--absolute-git-dir'], dir);
}

/** New commits since `base`, or uncommitted changes (the wrapper's .build_result aside). */
export function worktreeChanged(dir: string, base: string | null): boolean {
  const head = headOf(dir);
  if (head !== null && head !== base) return true;
  const status = gitOut(['status', '--porcelain', '--', '.', ':(exclude).build_result'], dir);
  return status !== null && status !== '';
}

/**
 * Where the builder's branch left the project: the merge base of the worktree's HEAD and
 * the project's HEAD (`projectDir`); null when either is unknown.
 */
export function forkPoint(worktree: string, projectDir: string): string | null {
  const project = headOf(projectDir);
  return project === null ? null : gitOut(['merge-base', 'HEAD', project], worktree);
}

/**
 * The work committed in `dir` since `base` as `git log --stat` prints it (oldest first,
 * no colour), for the prompt of an agent that takes a builder over; "" when there is none.
 * `rev` is what to look at (HEAD of a worktree, or a builder's branch in the project).
 */
export function committedSummary(dir: string, base: string | null, rev = 'HEAD'): string {
  const range = base === null ? [rev] : [`${base}..${rev}`];
  return gitOut(['log', '--no-color', '--reverse', '--stat', '--format=commit %h: %s%n%b', '--end-of-options', ...range, '--'], dir) ?? '';
}

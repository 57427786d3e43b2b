// Which builders landed on the target since a branch left it: read from the target's
// first-parent history, whose commits the engine names (`Merge builder: <id>` for a merge,
// `Builder <id>: …` for a squash or a rebase's conflict; a clean rebase keeps the
// builder's own subjects and is not named). For the resolver (the sides a conflict meets)
// and the fix run's brief (the components merged since).
import { git } from '../core/git.js';

/** The builder id a commit subject names, or null (pure). */
export function builderOfSubject(subject: string): string | null {
  return /^Merge builder: (\S+)$/.exec(subject)?.[1] ?? /^Builder (\S+): /.exec(subject)?.[1] ?? null;
}

/** Ids merged onto `tip` since `branchRef` forked from it, oldest first; `files`: only those that changed one of them. */
export function mergedSince(cwd: string, branchRef: string, tip: string, files: string[] = []): string[] {
  const base = git(['merge-base', '--end-of-options', branchRef, tip], cwd);
  if (!base.ok) return [];
  const range = `${base.stdout.trim()}..${tip}`;
  const r = git(['log', '--first-parent', '--reverse', '--format=%s', range, '--', ...files], cwd);
  const ids = r.stdout.split('\n').map(builderOfSubject).filter((x): x is string => x !== null);
  return [...new Set(ids)];
}

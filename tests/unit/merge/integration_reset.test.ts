// The integration worktree left half done by a stopped run (a rebase or a merge stopped on a
// conflict) is put back at the target's tip, clean, before the next builder is merged
// (merge/integration.ts resetIntegration).
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resetIntegration } from '../../../merge/integration.js';
import { gitIn as git, gitTry as attempt, tempDir } from '../helpers.js';

/** A repository whose `main` and `side` both change f.txt, and a detached worktree of it. */
function conflicting(): { dir: string; wt: string; tip: string } {
  const dir = join(tempDir(), 'repo');
  git(tempDir(), 'init', '-q', '-b', 'main', dir);
  writeFileSync(join(dir, 'f.txt'), 'base\n');
  git(dir, 'add', 'f.txt');
  git(dir, 'commit', '-q', '-m', 'base');
  git(dir, 'checkout', '-q', '-b', 'side');
  writeFileSync(join(dir, 'f.txt'), 'side\n');
  git(dir, 'commit', '-q', '-am', 'side');
  git(dir, 'checkout', '-q', 'main');
  writeFileSync(join(dir, 'f.txt'), 'main\n');
  git(dir, 'commit', '-q', '-am', 'main');
  const tip = git(dir, 'rev-parse', 'main');
  const wt = join(dir, '..', 'integration');
  git(dir, 'worktree', 'add', '-q', '--detach', wt, tip);
  return { dir, wt, tip };
}

const gitPath = (wt: string, name: string) => git(wt, 'rev-parse', '--git-path', name);

describe('resetIntegration', () => {
  it('aborts a rebase stopped on a conflict: HEAD at the tip, nothing in progress, clean', async () => {
    const { wt, tip } = conflicting();
    git(wt, 'checkout', '-q', '--detach', 'side');
    attempt(wt, 'rebase', '-q', tip);
    expect(existsSync(gitPath(wt, 'rebase-merge')) || existsSync(gitPath(wt, 'rebase-apply'))).toBe(true);

    expect(await resetIntegration(wt, tip)).toBeUndefined();
    expect(existsSync(gitPath(wt, 'rebase-merge'))).toBe(false);
    expect(existsSync(gitPath(wt, 'rebase-apply'))).toBe(false);
    expect(git(wt, 'rev-parse', 'HEAD')).toBe(tip);
    expect(git(wt, 'status', '--porcelain')).toBe('');
  });

  it('puts back a merge stopped on a conflict, and drops files left untracked', async () => {
    const { wt, tip } = conflicting();
    attempt(wt, 'merge', '--no-ff', '-m', 'm', 'side');
    expect(existsSync(gitPath(wt, 'MERGE_HEAD'))).toBe(true);
    writeFileSync(join(wt, 'stray.txt'), 'left behind\n');

    expect(await resetIntegration(wt, tip)).toBeUndefined();
    expect(existsSync(gitPath(wt, 'MERGE_HEAD'))).toBe(false);
    expect(git(wt, 'rev-parse', 'HEAD')).toBe(tip);
    expect(git(wt, 'status', '--porcelain')).toBe('');
  });
});

// Did an agent change anything (agents/worktree.ts)? The judge of `no_changes`, on real
// git repositories: the wrapper's own .build_result is not the agent's work.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { headOf, worktreeChanged } from '../../../agents/worktree.js';
import { tempDir } from '../helpers.js';

const git = (cwd: string, ...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { cwd, encoding: 'utf8' });

function repo(): { dir: string; base: string } {
  const dir = join(tempDir(), 'wt');
  mkdirSync(dir);
  git(dir, 'init', '-q', '-b', 'main');
  writeFileSync(join(dir, 'main.txt'), 'main\n');
  git(dir, 'add', '.');
  git(dir, 'commit', '-qm', 'initial');
  return { dir, base: headOf(dir)! };
}

describe('worktreeChanged (no_changes)', () => {
  it('nothing done: unchanged', () => {
    const { dir, base } = repo();
    expect(worktreeChanged(dir, base)).toBe(false);
  });
  it('only the wrapper\'s .build_result: unchanged, new or modified', () => {
    const { dir, base } = repo();
    writeFileSync(join(dir, '.build_result'), '0\n');
    expect(worktreeChanged(dir, base)).toBe(false);
    // tracked since an earlier merge, and written again by this attempt
    git(dir, 'add', '.build_result');
    git(dir, 'commit', '-qm', 'an old result');
    const now = headOf(dir)!;
    writeFileSync(join(dir, '.build_result'), '1\n');
    expect(worktreeChanged(dir, now)).toBe(false);
  });
  it.each([
    ['a new file beside .build_result', (d: string) => (writeFileSync(join(d, '.build_result'), '0\n'), writeFileSync(join(d, 'new.txt'), 'x'))],
    ['a changed tracked file', (d: string) => writeFileSync(join(d, 'main.txt'), 'changed\n')],
    ['a file in a new folder', (d: string) => (mkdirSync(join(d, 'src')), writeFileSync(join(d, 'src', 'a.ts'), 'x'))],
    ['a new commit', (d: string) => (writeFileSync(join(d, 'c.txt'), 'x'), git(d, 'add', 'c.txt'), git(d, 'commit', '-qm', 'c'))],
    ['a deleted file', (d: string) => git(d, 'rm', '-q', 'main.txt')],
  ])('changed: %s', (_n, work) => {
    const { dir, base } = repo();
    work(dir);
    expect(worktreeChanged(dir, base)).toBe(true);
  });
});

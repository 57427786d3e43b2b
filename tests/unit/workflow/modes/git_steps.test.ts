// The git side of the modes (phases/modes/git_steps.ts) on a real repository: a worktree that
// starts at another builder's branch, keeping a candidate under refs/argo/kept/… (never a
// branch deleted unless the kept ref holds its commit), and retiring the bugfix test's branch
// only when its tip is on the fix's branch (SAFETY.md: no commit becomes unreachable).
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { commitOf, diffLines, keepBuilder, retireInto, worktreeFrom } from '../../../../phases/modes/git_steps.js';
import { gitIn as git, tempDir } from '../../helpers.js';

function repo(): string {
  const dir = tempDir();
  git(dir, 'init', '-q', '-b', 'main');
  writeFileSync(join(dir, 'a.txt'), 'a\n');
  git(dir, 'add', 'a.txt');
  git(dir, 'commit', '-qm', 'base');
  return dir;
}

/** A builder worktree .argo-project/builders/<id> on argo-builder-<id> with one commit writing <id>.txt (lines). */
function builder(dir: string, id: string, lines = 1, from?: string): string {
  const at = from ? worktreeFrom(dir, id, from) : (git(dir, 'worktree', 'add', '-q', '-b', `argo-builder-${id}`, join('.argo-project', 'builders', id)), { path: join(dir, '.argo-project', 'builders', id) });
  if (!('path' in at)) throw new Error(at.problem);
  writeFileSync(join(at.path, `${id}.txt`), Array.from({ length: lines }, (_, i) => `${id} ${i}`).join('\n') + '\n');
  git(at.path, 'add', '.');
  git(at.path, 'commit', '-qm', `build ${id}`);
  return at.path;
}

describe('the modes on git', () => {
  it('worktreeFrom: the new branch starts at the other builder\'s tip (the fix sees the test)', () => {
    const dir = repo();
    builder(dir, 'bugfix-test');
    const fix = worktreeFrom(dir, 'bugfix-fix', 'bugfix-test');
    expect('path' in fix && existsSync(join(fix.path, 'bugfix-test.txt'))).toBe(true);
    expect(commitOf('refs/heads/argo-builder-bugfix-fix', dir)).toBe(commitOf('refs/heads/argo-builder-bugfix-test', dir));
    // again (a run stopped half way): the same worktree, proven ours
    expect(worktreeFrom(dir, 'bugfix-fix', 'bugfix-test')).toEqual(fix);
  });

  it('diffLines counts the lines added and removed since the base', () => {
    const dir = repo();
    builder(dir, 'c1', 3);
    expect(diffLines(dir, 'c1')).toBe(3);
    expect(diffLines(dir, 'nope')).toBeNull();
  });

  it('keepBuilder: the ref holds the tip (uncommitted leftovers committed first), then the worktree and the branch go', () => {
    const dir = repo();
    const wt = builder(dir, 'c1');
    writeFileSync(join(wt, 'left.txt'), 'left over\n');
    const ref = 'refs/argo/kept/W/c1';
    const r = keepBuilder(dir, 'c1', wt, ref);
    expect(r.kept).toBe(ref);
    expect(git(dir, 'show', `${ref}:c1.txt`)).toBe('c1 0');
    expect(git(dir, 'show', `${ref}:left.txt`)).toBe('left over');
    expect(existsSync(wt)).toBe(false);
    expect(commitOf('refs/heads/argo-builder-c1', dir)).toBeNull();
  });

  it('keepBuilder: a ref that cannot be written keeps the branch and the worktree (nothing deleted unproven)', () => {
    const dir = repo();
    const wt = builder(dir, 'c1');
    const r = keepBuilder(dir, 'c1', wt, 'refs/argo/kept/bad..name/c1');
    expect(r.kept).toBeNull();
    expect(r.note).toMatch(/could not write .* argo-builder-c1 left as it is/);
    expect(existsSync(wt)).toBe(true);
    expect(commitOf('refs/heads/argo-builder-c1', dir)).not.toBeNull();
  });

  it('retireInto: only a branch whose tip is on the other branch goes', () => {
    const dir = repo();
    const test = builder(dir, 'bugfix-test');
    builder(dir, 'bugfix-fix', 1, 'bugfix-test');
    const other = builder(dir, 'other');
    expect(retireInto(dir, 'other', other, 'bugfix-fix')).toMatch(/argo-builder-other left: its tip is not on argo-builder-bugfix-fix/);
    expect(existsSync(other)).toBe(true);
    expect(retireInto(dir, 'bugfix-test', test, 'bugfix-fix')).toBe('argo-builder-bugfix-test removed (its commits are on argo-builder-bugfix-fix)');
    expect(existsSync(test)).toBe(false);
    expect(git(dir, 'show', 'argo-builder-bugfix-fix:bugfix-test.txt')).toBe('bugfix-test 0');
  });
});

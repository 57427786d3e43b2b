// The git side of the dependency waves (workflow/wave_steps.ts): a dependent's branch brought
// onto the updated base without losing a commit, and the early merge's refusals.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { builderRecord } from '../../../store/builders.js';
import { projectAt } from '../../../store/project.js';
import { baseOn, integrate } from '../../../workflow/wave_steps.js';
import { tempDir } from '../helpers.js';

const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();

/** A repository on main with builder `ui`'s worktree made from the first commit (as design_build does), then main moved on. */
function repo(opts: { worktree?: boolean } = {}) {
  const dir = join(tempDir(), 'proj');
  mkdirSync(join(dir, '.argo-project', 'logs'), { recursive: true });
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'config', 'user.name', 'Test');
  git(dir, 'config', 'user.email', 't@example.invalid');
  writeFileSync(join(dir, '.gitignore'), '.argo-project/\n');
  writeFileSync(join(dir, 'shared.txt'), 'one\n');
  git(dir, 'add', '.');
  git(dir, 'commit', '-qm', 'initial');
  const worktree = join(dir, '.argo-project', 'builders', 'ui');
  if (opts.worktree === false) git(dir, 'branch', 'argo-builder-ui');
  else git(dir, 'worktree', 'add', '-q', '-b', 'argo-builder-ui', worktree);
  writeFileSync(join(dir, 'core.txt'), 'core\n');
  git(dir, 'add', '.');
  git(dir, 'commit', '-qm', 'Merge builder: core (stand-in)');
  writeFileSync(join(dir, '.argo-project', 'state.json'), JSON.stringify({ merge: null, execution: { builders: [] } }));
  const b = builderRecord({ id: 'ui', status: 'pending', branch: 'argo-builder-ui', worktree: opts.worktree === false ? null : worktree, depends_on: ['core'] });
  return { dir, worktree, b, project: projectAt(dir) };
}

describe('baseOn: the dependent starts from the updated base', () => {
  it('a branch with no commits of its own is fast-forwarded to main (its worktree too)', async () => {
    const { worktree, b, project, dir } = repo();
    expect(await baseOn(project, b)).toBeNull();
    expect(git(dir, 'rev-parse', 'argo-builder-ui')).toBe(git(dir, 'rev-parse', 'main'));
    expect(readFileSync(join(worktree, 'core.txt'), 'utf8')).toBe('core\n');
  });

  it('a branch with commits of its own (a retry): main is merged into it, its commit stays on it', async () => {
    const { worktree, b, project, dir } = repo();
    writeFileSync(join(worktree, 'ui.txt'), 'ui\n');
    git(worktree, 'add', 'ui.txt');
    git(worktree, 'commit', '-qm', 'ui work');
    const own = git(dir, 'rev-parse', 'argo-builder-ui');
    expect(await baseOn(project, b)).toBeNull();
    expect(git(dir, 'merge-base', '--is-ancestor', own, 'argo-builder-ui')).toBe('');
    expect(git(dir, 'merge-base', '--is-ancestor', 'main', 'argo-builder-ui')).toBe('');
    expect(readFileSync(join(worktree, 'core.txt'), 'utf8')).toBe('core\n');
  });

  it('its own commits conflict with main: the merge is aborted, the message names the file, the branch is where it was', async () => {
    const { worktree, b, project, dir } = repo();
    writeFileSync(join(dir, 'shared.txt'), 'main says\n');
    git(dir, 'commit', '-qam', 'main edits shared');
    writeFileSync(join(worktree, 'shared.txt'), 'ui says\n');
    git(worktree, 'commit', '-qam', 'ui edits shared');
    const own = git(dir, 'rev-parse', 'argo-builder-ui');
    expect(await baseOn(project, b)).toBe('merging main into argo-builder-ui conflicts in shared.txt');
    expect(git(dir, 'rev-parse', 'argo-builder-ui')).toBe(own);
    expect(git(worktree, 'status', '--porcelain')).toBe('');
  });

  it('no worktree holds the branch: moved only when it has no commits of its own', async () => {
    const { b, project, dir } = repo({ worktree: false });
    expect(await baseOn(project, b)).toBeNull();
    expect(git(dir, 'rev-parse', 'argo-builder-ui')).toBe(git(dir, 'rev-parse', 'main'));
  });

  it('a worktree recorded in state that is not ours is never touched', async () => {
    const { b, project, dir } = repo({ worktree: false });
    git(dir, 'checkout', '-q', 'argo-builder-ui');
    writeFileSync(join(dir, 'own.txt'), 'x\n');
    git(dir, 'add', 'own.txt');
    git(dir, 'commit', '-qm', 'own');
    git(dir, 'checkout', '-q', 'main');
    const odd = builderRecord({ ...b.raw, worktree: dir }); // an agent pointed it at the project itself
    expect(await baseOn(project, odd)).toBe('its branch argo-builder-ui has commits of its own and no worktree of ours to merge main into');
  });
});

describe('integrate: the early merge', () => {
  it('on main with uncommitted changes: refused (the user\'s checkout is never touched), nothing merged', async () => {
    const { project, dir } = repo();
    const core = builderRecord({ id: 'core', status: 'completed', branch: 'argo-builder-ui', worktree: null });
    writeFileSync(join(dir, 'shared.txt'), 'dirty\n');
    const why = await integrate(project, core, () => {}, new AbortController().signal);
    expect(why).toMatch(/is on main with uncommitted changes/);
    expect(readFileSync(join(dir, 'shared.txt'), 'utf8')).toBe('dirty\n');
    expect(JSON.parse(readFileSync(join(dir, '.argo-project', 'state.json'), 'utf8')).merge).toBeNull();
  });
});

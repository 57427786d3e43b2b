// The decisions behind "never destroy a user's work" (docs/SAFETY.md): which
// worktree paths are ours to remove, and where merge_build may merge.
import { execFileSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { chooseMergePlace, type CheckoutView } from '../../workflow/merge_place.js';
import { commitLeftovers, parseWorktreeList, proveOurWorktree, removeOurWorktree } from '../../workflow/worktrees.js';
import { tempDir } from './helpers.js';

const sh = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

function repo(): string {
  const dir = join(tempDir(), 'repo');
  mkdirSync(dir);
  sh(dir, 'init', '-q', '-b', 'master');
  sh(dir, 'config', 'user.name', 'T');
  sh(dir, 'config', 'user.email', 't@t.invalid');
  writeFileSync(join(dir, 'a.txt'), 'a\n');
  sh(dir, 'add', 'a.txt');
  sh(dir, 'commit', '-qm', 'a');
  mkdirSync(join(dir, '.argo-project', 'builders'), { recursive: true });
  return dir;
}

describe('parseWorktreeList', () => {
  it('reads paths, heads and branches, detached ones with a null branch', () => {
    const text = 'worktree /r\nHEAD aaa\nbranch refs/heads/master\n\nworktree /r/.argo-project/builders/x\nHEAD bbb\ndetached\n\n';
    expect(parseWorktreeList(text)).toEqual([
      { path: '/r', head: 'aaa', branch: 'master' },
      { path: '/r/.argo-project/builders/x', head: 'bbb', branch: null },
    ]);
  });
});

describe('proveOurWorktree', () => {
  it('accepts a worktree git lists under .argo-project/builders/', () => {
    const dir = repo();
    sh(dir, 'worktree', 'add', '-q', '.argo-project/builders/x', '-b', 'argo-builder-x');
    expect(proveOurWorktree(dir, join(dir, '.argo-project/builders/x')).kind).toBe('ours');
    expect(proveOurWorktree(dir, '.argo-project/builders/x').kind).toBe('ours');
  });

  it('refuses the project itself, folders outside, unlisted folders under builders/, and symlinks out of it', () => {
    const dir = repo();
    const outside = join(tempDir(), 'elsewhere');
    sh(dir, 'worktree', 'add', '-q', outside, '-b', 'argo-builder-out');
    mkdirSync(join(dir, '.argo-project/builders/plain'));
    symlinkSync(outside, join(dir, '.argo-project/builders/link'));
    for (const p of [dir, outside, join(dir, '.argo-project/builders'), join(dir, '.argo-project/builders/plain'), join(dir, '.argo-project/builders/link'), '/']) {
      const proof = proveOurWorktree(dir, p);
      expect(proof.kind, p).toBe('refused');
    }
    expect(proveOurWorktree(dir, '/no/such/path')).toEqual({ kind: 'refused', reason: '/no/such/path does not exist' });
    // and removal goes through the same proof: nothing refused is touched
    expect(removeOurWorktree(dir, join(dir, '.argo-project/builders/link'), { force: true })).toMatch(/is not under/);
    expect(sh(outside, 'rev-parse', '--abbrev-ref', 'HEAD').trim()).toBe('argo-builder-out');
  });
});

describe('commitLeftovers', () => {
  it('commits everything but .build_result, only on the expected branch', () => {
    const dir = repo();
    const wt = join(dir, '.argo-project/builders/x');
    sh(dir, 'worktree', 'add', '-q', wt, '-b', 'argo-builder-x');
    writeFileSync(join(wt, 'new.txt'), 'n\n');
    writeFileSync(join(wt, '.build_result'), '0\n');
    expect(commitLeftovers(wt, 'x', 'argo-builder-y').kind).toBe('failed');
    const saved = commitLeftovers(wt, 'x', 'argo-builder-x');
    expect(saved.kind).toBe('committed');
    expect(sh(wt, 'log', '-1', '--format=%s').trim()).toBe('argo: uncommitted work left by builder x');
    expect(sh(wt, 'status', '--porcelain').trim()).toBe('?? .build_result');
    expect(commitLeftovers(wt, 'x', 'argo-builder-x')).toEqual({ kind: 'none' });
  });
});

describe('chooseMergePlace', () => {
  const view = (v: Partial<CheckoutView>): CheckoutView => ({
    dir: '/p',
    branch: 'main',
    dirty: false,
    targetElsewhere: null,
    temp: '/p/.argo-project/merging/main',
    ...v,
  });
  const ours = new Set(['argo-builder-a']);
  it.each([
    ['on the target, clean', 'here', view({})],
    ['on the target, dirty', 'refuse', view({ dirty: true })],
    ['on a feature branch, clean', 'worktree', view({ branch: 'feature' })],
    ['on a feature branch, dirty', 'worktree', view({ branch: 'feature', dirty: true })],
    ['detached', 'worktree', view({ branch: null })],
    ['on one of our builder branches, clean (the original switched)', 'switch', view({ branch: 'argo-builder-a' })],
    ['on one of our builder branches, dirty', 'worktree', view({ branch: 'argo-builder-a', dirty: true })],
    ['target checked out in another worktree', 'refuse', view({ branch: 'feature', targetElsewhere: '/other' })],
    ['target held by our own temporary worktree (a stopped run)', 'worktree', view({ branch: 'feature', targetElsewhere: '/p/.argo-project/merging/main' })],
  ])('%s → %s', (_name, kind, v) => {
    expect(chooseMergePlace('main', v, ours).kind).toBe(kind);
  });

  it('reuses our temporary worktree and names the holder when refusing', () => {
    expect(chooseMergePlace('main', view({ branch: 'x', targetElsewhere: '/p/.argo-project/merging/main' }), ours)).toEqual({ kind: 'worktree', reuse: true });
    const r = chooseMergePlace('main', view({ branch: 'x', targetElsewhere: '/other' }), ours);
    expect(r.kind === 'refuse' && r.reason).toMatch(/^main is checked out in \/other and \/p is on x/);
  });
});

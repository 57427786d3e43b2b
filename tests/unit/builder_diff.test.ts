import { describe, expect, it } from 'vitest';
import { builderRecord } from '../../store/builders.js';
import { builderBranchName, diffArgs, diffSource, parseNumstat } from '../../view/builder_diff.js';

const row = (o: Record<string, unknown>) => builderRecord({ id: 'core', status: 'completed', ...o });
const merged = (commit: unknown, status = 'merged') => row({ merge: { status, commit, target: 'main', attempts: 0, files: [] } });

describe('diffSource: which commits a builder is compared on (issue 21)', () => {
  it('a merge record with a commit: that commit against its first parent', () => {
    const c = 'a'.repeat(40);
    expect(diffSource(merged(c))).toMatchObject({ kind: 'merged', from: `${c}^1`, to: c });
    expect(diffSource(merged(c, 'resolved_by_agent'))).toMatchObject({ kind: 'merged' });
  });
  it('no merge yet (or a conflict): the branch, against the recorded target, then main, then master', () => {
    expect(diffSource(row({}))).toEqual({ kind: 'branch', branch: 'argo-builder-core', targets: ['main', 'master'], what: 'branch argo-builder-core' });
    const conflict = row({ branch: 'refs/heads/argo-builder-core', merge: { status: 'conflict', target: 'develop', attempts: 0, files: [] } });
    expect(diffSource(conflict)).toMatchObject({ kind: 'branch', branch: 'argo-builder-core', targets: ['develop', 'main', 'master'] });
  });
  it('refuses a commit that is not hex, naming the key and the value', () => {
    expect(diffSource(merged('--output=/x'))).toEqual({ error: `builder 'core': merge.commit "--output=/x" is not a commit id (accepted: 7 to 64 hexadecimal digits)` });
    expect(diffSource(merged('HEAD~1'))).toHaveProperty('error');
    expect(diffSource(merged('abc'))).toHaveProperty('error');
  });
  it('refuses a branch that is not a builder branch, and a target that is not a plain branch', () => {
    for (const branch of ['main', '-x', 'argo-builder-', 'argo-builder-a..b', 'refs/tags/argo-builder-x', 'argo-builder-x@{1}']) {
      expect(diffSource(row({ branch })), branch).toHaveProperty('error');
    }
    expect(diffSource(row({ merge: { status: 'conflict', target: '--all', attempts: 0, files: [] } }))).toEqual({
      error: `builder 'core': merge.target "--all" is not a branch name (accepted: a plain branch name (main, master …))`,
    });
  });
  it('builderBranchName takes the short name and the refs/heads/ form only', () => {
    expect(builderBranchName('argo-builder-x')).toBe('argo-builder-x');
    expect(builderBranchName('refs/heads/argo-builder-x')).toBe('argo-builder-x');
    expect(builderBranchName('refs/remotes/argo-builder-x')).toBeNull();
  });
});

describe('diffArgs and parseNumstat', () => {
  it('no colour, no external diff or textconv, and -- after the revisions', () => {
    const a = diffArgs('f', 't', 'patch');
    expect(a).toEqual(expect.arrayContaining(['--no-ext-diff', '--no-textconv', '--no-color']));
    expect(a.slice(-3)).toEqual(['f', 't', '--']);
  });
  it('reads files, binaries and renames', () => {
    expect(parseNumstat('1\t2\ta.txt\0-\t-\tbin.png\0' + '3\t0\t\0old.ts\0new.ts\0')).toEqual([
      { path: 'a.txt', added: 1, deleted: 2 },
      { path: 'bin.png', added: null, deleted: null },
      { path: 'old.ts → new.ts', added: 3, deleted: 0 },
    ]);
  });
});

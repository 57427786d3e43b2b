// The integration engine with a resolver of the test's own (the real call site passes
// merge/resolver.ts resolveConflict): what it is given, and what its answer leads to —
// resolved → the gate, then resolved_by_agent; gave up, or a "resolved" that concluded
// nothing → the conflict recorded for the person, the merge aborted, nothing on the target.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { integrateAll } from '../../../merge/pass.js';
import type { ConflictInput, ConflictResult } from '../../../merge/resolver.js';
import { projectAt } from '../../../store/project.js';
import { tempDir } from '../helpers.js';

const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

/** master with shared.txt; argo-builder-a and -b change it differently; rows a (merged first) and b. */
function conflicted(config: unknown): string {
  const dir = join(tempDir(), 'repo');
  mkdirSync(join(dir, '.argo-project', 'logs'), { recursive: true });
  git(dir, 'init', '-q', '-b', 'master');
  git(dir, 'config', 'user.name', 'Test');
  git(dir, 'config', 'user.email', 'test@example.invalid');
  writeFileSync(join(dir, '.gitignore'), '.argo-project/\n');
  writeFileSync(join(dir, 'shared.txt'), 'base\n');
  git(dir, 'add', '.');
  git(dir, 'commit', '-qm', 'initial');
  for (const id of ['a', 'b']) {
    git(dir, 'checkout', '-q', '-b', `argo-builder-${id}`, 'master');
    writeFileSync(join(dir, 'shared.txt'), `from ${id}\n`);
    git(dir, 'commit', '-qam', `${id} work`);
    git(dir, 'checkout', '-q', 'master');
  }
  const row = (id: string, completed: string) => ({ id, description: `the ${id}`, status: 'completed', branch: `argo-builder-${id}`, worktree: null, completed, paths: [`${id}/**`], acceptance: `${id} works` });
  const state = { phase: 'merge_build', action_owner: 'code', action_needed: 'merge_branches', execution: { status: 'completed', builders: [row('a', '2026-01-01T00:00:01Z'), row('b', '2026-01-01T00:00:02Z')] }, merge: null };
  writeFileSync(join(dir, '.argo-project', 'state.json'), JSON.stringify(state, null, 2) + '\n');
  writeFileSync(join(dir, '.argo-project', 'config.json'), JSON.stringify(config));
  return dir;
}

const readState = (dir: string) => JSON.parse(readFileSync(join(dir, '.argo-project', 'state.json'), 'utf8'));
const settings = (gate: string | null, strategy: 'merge' | 'squash' = 'merge') => ({ target: null, strategy, gate, gateKey: gate ? ('verify.command' as const) : null });

/** A resolver that takes both lines and concludes the merge, noting what it was given. */
function joiningResolver(seen: ConflictInput[]) {
  return async (input: ConflictInput): Promise<ConflictResult> => {
    seen.push(input);
    writeFileSync(join(input.dir, 'shared.txt'), 'from a\nfrom b\n');
    git(input.dir, 'add', 'shared.txt');
    git(input.dir, '-c', 'user.name=R', '-c', 'user.email=r@r', 'commit', '-q', '--no-edit');
    return { kind: 'resolved', commit: git(input.dir, 'rev-parse', 'HEAD').trim(), agent: 'scripted', message: 'kept both lines', usage: null };
  };
}

describe('the engine and the resolver', () => {
  it('resolved: the resolver is told the files, both sides and the verify; the result passes the gate and lands as resolved_by_agent', async () => {
    const dir = conflicted({ verify: { command: 'grep -q from shared.txt' } });
    const seen: ConflictInput[] = [];
    const code = await integrateAll(projectAt(dir), 'master', settings('grep -q from shared.txt'), readState(dir).execution.builders, new AbortController().signal, joiningResolver(seen));
    expect(code).toBe(0);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ target: 'master', files: ['shared.txt'], verify: 'grep -q from shared.txt', incoming: { id: 'b', description: 'the b', paths: ['b/**'], acceptance: 'b works' } });
    expect(seen[0]!.merged.map((s) => s.id)).toEqual(['a']);
    expect(seen[0]!.dir).toMatch(/\.argo-project\/merging\/\.integration$/);
    const s = readState(dir);
    expect(s.phase).toBe('storage');
    expect(s.merge.resolved_by_agent).toEqual(['b']);
    expect(s.execution.builders[1].merge).toMatchObject({ status: 'resolved_by_agent', files: ['shared.txt'], attempts: 1, commit: git(dir, 'rev-parse', 'master').trim() });
    expect(git(dir, 'show', 'master:shared.txt')).toBe('from a\nfrom b\n');
  });

  it('resolved, squash: the resolved merge lands as one commit on the target', async () => {
    const dir = conflicted({});
    const code = await integrateAll(projectAt(dir), 'master', settings(null, 'squash'), readState(dir).execution.builders, new AbortController().signal, joiningResolver([]));
    expect(code).toBe(0);
    expect(git(dir, 'log', '--format=%s', 'master').trim().split('\n')).toEqual(['Builder b: the b', 'Builder a: the a', 'initial']);
    expect(git(dir, 'rev-list', '--merges', '--count', 'master').trim()).toBe('0');
  });

  it('a resolved answer whose gate fails: not merged (verify_failed), the target untouched by it', async () => {
    const dir = conflicted({});
    await integrateAll(projectAt(dir), 'master', settings('! grep -q "from b" shared.txt'), readState(dir).execution.builders, new AbortController().signal, joiningResolver([]));
    const s = readState(dir);
    expect(s.merge.verify_failed).toEqual(['b']);
    expect(s.execution.builders[1].merge.status).toBe('verify_failed');
    expect(git(dir, 'show', 'master:shared.txt')).toBe('from a\n');
  });

  it('"resolved" with the merge still in progress counts as given up: recorded for the person, nothing half done', async () => {
    const dir = conflicted({});
    const liar = async (input: ConflictInput): Promise<ConflictResult> => ({ kind: 'resolved', commit: git(input.dir, 'rev-parse', 'HEAD').trim(), agent: 'liar', message: 'done', usage: null });
    const code = await integrateAll(projectAt(dir), 'master', settings('true'), readState(dir).execution.builders, new AbortController().signal, liar);
    expect(code).toBe(0);
    const s = readState(dir);
    expect([s.action_needed, s.action_owner, s.merge_conflicts]).toEqual(['resolve_conflicts', 'ci', ['b']]);
    expect(s.execution.builders[1].merge).toMatchObject({ status: 'conflict', files: ['shared.txt'], branch: 'argo-builder-b' });
    expect(s.execution.builders[1].merge.message).toContain('left no concluded merge');
    expect(readFileSync(s.execution.builders[1].merge.diff, 'utf8')).toContain('<<<<<<<');
    expect(git(dir, 'show', 'master:shared.txt')).toBe('from a\n');
  });
});

describe('a stop while the resolver works', () => {
  it('is not a conflict for the person: nothing recorded, the merge aborted, the next run tries again', async () => {
    const dir = conflicted({});
    const stop = new AbortController();
    const stopped = async (): Promise<ConflictResult> => {
      stop.abort();
      return { kind: 'gave_up', agent: 'scripted', message: 'stopped', usage: null };
    };
    await integrateAll(projectAt(dir), 'master', settings('true'), readState(dir).execution.builders, stop.signal, stopped);
    const s = readState(dir);
    expect(s.execution.builders[1].merge).toBeUndefined();
    expect(s.merge_conflicts).toBeUndefined();
    expect(git(dir, 'status', '--porcelain', '--untracked-files=no', '--', '.')).toBe('');
    expect(git(join(dir, '.argo-project', 'merging', '.integration'), 'status', '--porcelain')).toBe('');
    expect(s.merge.merged).toEqual(['a']);
  });
});

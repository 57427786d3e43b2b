// The fix run (issue 20) on `argo worker`s: a builder the merge gate sent back
// (merge_feedback, as merge_build leaves it) runs on a worker from its own branch, with the
// gate's commit pushed beside it and merged in first, its session resumed with the fix
// prompt; its work comes home and merge_feedback is removed. A real PostgreSQL, a bare remote.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, git, workersFixture } from './cluster.js';

const fx = workersFixture();

describe('a fix run on workers', { timeout: 120_000 }, () => {
  it('starts from the builder\'s branch, merges the gate\'s commit first, resumes its session with the verify tail; merge_feedback removed', async () => {
    const c = await fx.cluster(['core', 'cli']);
    const build = c.handler('design_build');
    expect(await build.exited, build.output()).toBe(0);
    const configFile = join(c.dir, '.argo-project', 'config.json');
    writeFileSync(configFile, JSON.stringify({ ...JSON.parse(readFileSync(configFile, 'utf8')), ci: { agent: 'claude' }, verify: { merge_command: 'test -f core.txt' } }));
    const calls = join(c.dir, '..', 'agent-calls');
    c.startWorker('w1', 2, { PATH: `${join(ROOT, 'tests', 'fixtures', 'agents')}:${process.env.PATH}`, FAKE_AGENT_LOG: calls });
    const first = c.handler('execution');
    expect(await first.exited, first.output()).toBe(0);
    // merge_build merged core, then its gate sent cli back
    git(c.dir, 'merge', '-q', '--no-ff', '-m', 'Merge builder: core', 'argo-builder-core');
    const base = git(c.dir, 'rev-parse', 'HEAD');
    const cliTip = git(c.dir, 'rev-parse', 'argo-builder-cli');
    const s = c.state();
    const cli = s.execution.builders.find((b: { id: string }) => b.id === 'cli');
    Object.assign(cli, { status: 'failed', failure: 'merge_verify', exit_code: 1, merge_feedback: { kind: 'verify', target: 'master', base, output: null, tail: 'VERIFY-TAIL-ON-WORKER', merged_since: ['core'], files: [], attempt: 1 } });
    Object.assign(s, { phase: 'execution', action_owner: 'code', action_needed: 'execution', merge: { merged: ['core'], target: 'master' } });
    s.execution.retry_only = ['cli'];
    writeFileSync(join(c.dir, '.argo-project', 'state.json'), JSON.stringify(s, null, 2) + '\n');
    const before = readdirSync(calls).filter((f) => f.endsWith('.argv')).length;

    const again = c.handler('execution');
    expect(await again.exited, again.output()).toBe(0);
    const row = c.state().execution.builders.find((b: { id: string }) => b.id === 'cli');
    expect(row).toMatchObject({ status: 'completed', exit_code: 0 });
    expect(row).not.toHaveProperty('merge_feedback');
    expect(row.failure ?? null).toBeNull();
    // the branch kept its own work, got the gate's commit, then the agent's fix
    expect(git(c.dir, 'merge-base', '--is-ancestor', cliTip, 'argo-builder-cli')).toBe('');
    expect(git(c.dir, 'merge-base', '--is-ancestor', base, 'argo-builder-cli')).toBe('');
    expect(git(c.dir, 'show', 'argo-builder-cli:core.txt')).toBe('fixed core by claude');
    // one more agent call, resuming cli's session, told the fix
    const argvs = readdirSync(calls).filter((f) => f.endsWith('.argv')).sort();
    expect(argvs.length).toBe(before + 1);
    const argv = readFileSync(join(calls, argvs.at(-1)!), 'utf8').split('\0');
    expect(argv).toContain('--resume');
    expect(argv[argv.indexOf('--resume') + 1]).toBe('sess-claude-cli');
    const prompt = argv[argv.indexOf('-p') + 1]!;
    expect(prompt).toContain('VERIFY-TAIL-ON-WORKER');
    expect(prompt).toContain('- core: part core');
    expect(prompt).toContain('The verify command: test -f core.txt');
    // the user's branch is never pushed: only base refs and attempt refs
    expect(git(c.remote, 'for-each-ref', '--format=%(refname)', 'refs/heads')).toBe('');
    expect(git(c.remote, 'for-each-ref', '--format=%(refname)', `refs/argo/base/${base}`)).toBe(`refs/argo/base/${base}`);
  });
});

// The review gate's send-back (issue 21) on `argo worker`s: a builder a person asked to
// change (merge_feedback kind review, as `argo review --request-changes` leaves it) runs on a
// worker, its session resumed with the comments; when it completes, the coordinator puts
// its review back to pending with the agent's answer (the job's result `reply`), so the
// gate holds it again. A real PostgreSQL, a bare remote.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, git, workersFixture } from './cluster.js';

const fx = workersFixture();

describe('requested changes run on workers', { timeout: 120_000 }, () => {
  it("resumes the builder's session with the comments; the review back to pending with the agent's reply, the comments kept", async () => {
    const c = await fx.cluster(['core', 'cli']);
    const build = c.handler('design_build');
    expect(await build.exited, build.output()).toBe(0);
    const configFile = join(c.dir, '.argo-project', 'config.json');
    writeFileSync(configFile, JSON.stringify({ ...JSON.parse(readFileSync(configFile, 'utf8')), ci: { agent: 'claude' }, review: { required: true } }));
    const calls = join(c.dir, '..', 'agent-calls');
    c.startWorker('w1', 2, { PATH: `${join(ROOT, 'tests', 'fixtures', 'agents')}:${process.env.PATH}`, FAKE_AGENT_LOG: calls, FAKE_AGENT_DRAFT: 'cli' });
    const first = c.handler('execution');
    expect(await first.exited, first.output()).toBe(0);
    const base = git(c.dir, 'rev-parse', 'HEAD');
    const s = c.state();
    const cli = s.execution.builders.find((b: { id: string }) => b.id === 'cli');
    const comments = [{ at: '2026-12-03T10:00:00Z', text: 'name it better', file: 'cli.txt', line: 1 }];
    Object.assign(cli, {
      status: 'failed', failure: 'review_changes', exit_code: 0,
      review: { status: 'changes_requested', comments, reply: null, updated: '2026-12-03T10:00:00Z' },
      merge_feedback: { kind: 'review', target: 'master', base, output: null, tail: 'cli.txt:1: name it better', merged_since: [], files: [], attempt: 1 },
    });
    Object.assign(s, { phase: 'execution', action_owner: 'code', action_needed: 'execution' });
    s.execution.retry_only = ['cli'];
    writeFileSync(join(c.dir, '.argo-project', 'state.json'), JSON.stringify(s, null, 2) + '\n');

    const again = c.handler('execution');
    expect(await again.exited, again.output()).toBe(0);
    const row = c.state().execution.builders.find((b: { id: string }) => b.id === 'cli');
    expect(row, JSON.stringify(row)).toMatchObject({ status: 'completed', review: { status: 'pending', comments, reply: 'built cli' } });
    expect(row).not.toHaveProperty('merge_feedback');
    const argvs = readdirSync(calls).filter((f) => f.endsWith('.argv')).sort((a, b) => parseInt(a) - parseInt(b));
    const argv = readFileSync(join(calls, argvs.at(-1)!), 'utf8').split('\0');
    expect(argv[argv.indexOf('--resume') + 1]).toBe('sess-claude-cli');
    expect(argv[argv.indexOf('-p') + 1]).toContain("A person reviewed your work on the 'cli' component and asks for these changes:\n\ncli.txt:1: name it better");
  });
});

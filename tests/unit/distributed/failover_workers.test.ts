// Fail-over with builders on `argo worker`s (execution.backend = postgres): a real
// PostgreSQL, a bare remote, a worker, the real execution handler. A builder whose row says
// it waited limits.fallback_after_waits times on claude is queued with the fallback preset
// (codex) and the take-over prompt, its job starting from the tip of its branch, so the work
// committed there before is under the fallback's feet and its result fast-forwards onto it.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, git, tempDir, workersFixture } from './cluster.js';

const fx = workersFixture();

describe('fail-over on workers', { timeout: 120_000 }, () => {
  it('a builder that waited on claude runs on codex, fresh, from its branch tip with the task and the committed work; usage per agent', async () => {
    const c = await fx.cluster(['a', 'b']);
    const build = c.handler('design_build');
    expect(await build.exited, build.output()).toBe(0);
    const configFile = join(c.dir, '.argo-project', 'config.json');
    writeFileSync(configFile, JSON.stringify({ ...JSON.parse(readFileSync(configFile, 'utf8')), ci: { agent: 'claude', fallback: ['codex'] }, limits: { fallback_after_waits: 2 } }));
    // a: waited twice on claude, with work committed on its branch; b: never limited.
    const s = c.state();
    s.execution.builders[0] = { ...s.execution.builders[0], waits: 2, agent: 'claude', usage: { input_tokens: 7, output_tokens: 3, cache_read_tokens: null, cost_usd: 0.25, session_id: 'sess-claude-a', agent: 'claude', model: null } };
    writeFileSync(join(c.dir, '.argo-project', 'state.json'), JSON.stringify(s, null, 2));
    const a = s.execution.builders[0];
    git(a.worktree, '-c', 'user.name=t', '-c', 'user.email=t@t.invalid', 'commit', '-q', '--allow-empty', '-m', 'claude: half of a');
    const calls = tempDir();
    c.startWorker('w1', 2, { PATH: `${join(ROOT, 'tests', 'fixtures', 'agents')}:${process.env.PATH}`, FAKE_AGENT_LOG: calls });
    const exec = c.handler('execution');
    expect(await exec.exited, exec.output()).toBe(0);
    const [ra, rb] = c.state().execution.builders;
    expect(ra).toMatchObject({ status: 'completed', agent: 'codex', agent_since_wait: 2 });
    expect(rb).toMatchObject({ status: 'completed', agent: 'claude' });
    // a's branch: its earlier commit, then codex's work on top (the job started from the tip)
    expect(git(c.dir, 'log', '--format=%s', ra.branch)).toContain('claude: half of a');
    expect(git(c.dir, 'show', `${ra.branch}:a.txt`)).toBe('fixed a by codex');
    expect(Object.keys(ra.usage_by_agent).sort()).toEqual(['claude', 'codex']);
    expect(ra.usage_by_agent.claude).toMatchObject({ input_tokens: 7, cost_usd: 0.25 });
    expect(rb.usage_by_agent).toMatchObject({ claude: { cost_usd: 0.0123 } });
    // what the worker ran: codex for a, fresh, told the task and the committed work; claude for b
    const metas = readdirSync(calls).filter((f) => f.endsWith('.meta')).map((f) => ({ meta: readFileSync(join(calls, f), 'utf8'), argv: readFileSync(join(calls, f.replace(/\.meta$/, '.argv')), 'utf8').split('\0') }));
    const codex = metas.filter((m) => m.meta.includes('agent=codex\n'));
    expect(codex).toHaveLength(1);
    expect(codex[0]!.meta).toContain('resume=\n');
    const prompt = codex[0]!.argv.find((x) => x.startsWith('You are taking over'))!;
    expect(prompt).toContain("the 'a' component from another coding agent (claude)");
    expect(prompt).toMatch(/<committed>\ncommit [0-9a-f]+: claude: half of a\n/);
    expect(metas.filter((m) => m.meta.includes('agent=claude\n'))).toHaveLength(1);
    expect(readFileSync(join(c.dir, '.argo-project', 'logs', 'builder-a.log'), 'utf8')).toMatch(/failover - claude waited 2 time\(s\) on a limit/);
  });

  it('a fallback a worker would refuse (a program override) is refused when execution starts: one ERROR line', async () => {
    const c = await fx.cluster(['a']);
    const build = c.handler('design_build');
    expect(await build.exited, build.output()).toBe(0);
    const configFile = join(c.dir, '.argo-project', 'config.json');
    writeFileSync(configFile, JSON.stringify({ ...JSON.parse(readFileSync(configFile, 'utf8')), ci: { agent: 'claude', fallback: ['codex'], agents: { codex: { program: '/opt/codex' } } } }));
    const exec = c.handler('execution');
    expect(await exec.exited).toBe(1);
    const errors = exec.output().split('\n').filter((l) => l.startsWith('ERROR:'));
    expect(errors).toEqual([`ERROR: ci.agents.codex overrides its program in ${configFile}, but 'codex' is in ci.fallback and execution.backend is "postgres"; accepted: no program, args or env override for a fallback that runs on workers (they run only their built-in presets)`]);
  });
});

// Fail-over through the attempt loop a local builder runs (distributed/local_builder.ts →
// agents/build.ts): the decision of agents/failover.ts picks the agent of the attempt, a
// take-over starts the fallback in a fresh session with the task and the committed work,
// and usage is kept per agent. The primary is the fake claude answering with the 429 the
// real Claude Code printed (tests/fixtures/agents/limits/claude-429.out).
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readFallback, type Failover } from '../../../agents/failover.js';
import { chooseCi } from '../../../agents/select.js';
import { LocalBuilder, type LocalSetup } from '../../../distributed/local_builder.js';
import { builderRecord } from '../../../store/builders.js';
import { tempDir } from '../helpers.js';
import { ROOT } from './cluster.js';

const AGENTS = join(ROOT, 'tests', 'fixtures', 'agents');
const claude = chooseCi({}, { ci: { agent: 'claude' } });
const TASK = "You are building the 'x' component: write x.txt.";

function project() {
  const dir = tempDir();
  const git = (args: string[], cwd = dir) => execFileSync('git', ['-c', 'user.name=T', '-c', 'user.email=t@t.invalid', ...args], { cwd, stdio: 'ignore' });
  git(['init', '-q', '-b', 'main']);
  writeFileSync(join(dir, 'README'), 'base\n');
  git(['add', '.']);
  git(['commit', '-qm', 'base']);
  const wt = join(dir, '.argo-project', 'builders', 'x');
  git(['worktree', 'add', '-q', '-b', 'argo-builder-x', wt]);
  writeFileSync(join(wt, 'half.txt'), 'half done\n');
  git(['add', '.'], wt);
  git(['commit', '-qm', 'claude: the first half of x'], wt);
  const logDir = join(dir, '.argo-project', 'logs');
  mkdirSync(logDir, { recursive: true });
  return { dir, wt, logDir, calls: join(dir, 'calls') };
}

function builder(p: ReturnType<typeof project>, fallback: string[], available: (program: string) => boolean = () => true) {
  const writes: Record<string, unknown>[] = [];
  const failover: Failover = { primary: claude, fallback: readFallback({ ci: { fallback } }, claude), afterWaits: 2 };
  const setup: LocalSetup = {
    choice: claude,
    limits: { builderTimeoutMs: 60_000, stallMs: 60_000, verifyRetries: 0 },
    verify: null,
    pricing: null,
    toolOk: true,
    dir: p.dir,
    logs: { logDir: p.logDir, workflowLog: join(p.logDir, 'workflow.log') },
    env: { ...process.env, PATH: `${AGENTS}:${process.env.PATH}`, FAKE_AGENT_LIMITED_AGENTS: 'claude', FAKE_AGENT_LOG: p.calls },
    halting: { maxCostUsd: null, deadline: null, spent: new Map() },
    prompt: () => TASK,
    alive: () => false,
    say: () => {},
    complain: () => {},
    failover,
    available,
  };
  return { lb: new LocalBuilder(setup, async (_id, f) => void writes.push(f)), writes };
}

/** Each agent call the fake recorded: which agent, whether it resumed, its argv. */
function calls(dir: string): { agent: string; resume: string; argv: string[] }[] {
  let files: string[] = [];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.meta')).sort();
  } catch {
    return [];
  }
  return files.map((f) => {
    const meta = Object.fromEntries(readFileSync(join(dir, f), 'utf8').trim().split('\n').map((l) => [l.split('=')[0], l.slice(l.indexOf('=') + 1)]));
    return { agent: meta.agent!, resume: meta.resume!, argv: readFileSync(join(dir, f.replace(/\.meta$/, '.argv')), 'utf8').split('\0').slice(0, -1) };
  });
}

const earlier = { input_tokens: 10, output_tokens: 5, cache_read_tokens: null, cost_usd: 0.5, session_id: 'sess-claude-x', agent: 'claude', model: null };

describe('fail-over in the attempt loop (local builder)', () => {
  it('after limits.fallback_after_waits waits the fallback takes over, fresh, with the task and the committed work', async () => {
    const p = project();
    const { lb, writes } = builder(p, ['codex', 'gemini']);
    const row = builderRecord({ id: 'x', status: 'waiting', worktree: p.wt, waits: 2, usage: earlier });
    const ending = await lb.work(row, { kind: 'start' }, new AbortController().signal);
    expect(ending).toMatchObject({ kind: 'ended', code: 0, failed: null });
    const made = calls(p.calls);
    expect(made.map((c) => [c.agent, c.resume])).toEqual([['codex', '']]);
    const prompt = made[0]!.argv.at(-1)!;
    expect(prompt).toContain("taking over the 'x' component from another coding agent (claude)");
    expect(prompt).toContain(`<task>\n${TASK}\n</task>`);
    expect(prompt).toMatch(/<committed>\ncommit [0-9a-f]+: claude: the first half of x\n[\s\S]*half\.txt \| 1 \+\n 1 file changed, 1 insertion\(\+\)\n<\/committed>/);
    expect(writes).toContainEqual({ agent: 'codex', agent_since_wait: 2 });
    expect(readFileSync(join(p.wt, 'x.txt'), 'utf8')).toBe('fixed x by codex\n');
    // usage per agent: the earlier claude attempts, and codex's own; the total is both.
    const extra = (ending as { extra: { usage: Record<string, unknown>; usage_by_agent: Record<string, Record<string, unknown>> } }).extra;
    expect(Object.keys(extra.usage_by_agent).sort()).toEqual(['claude', 'codex']);
    expect(extra.usage_by_agent.claude).toMatchObject({ input_tokens: 10, output_tokens: 5, cost_usd: 0.5 });
    expect(extra.usage).toMatchObject({ agent: 'codex', input_tokens: 10 + (extra.usage_by_agent.codex!.input_tokens as number) });
    expect(extra.usage.session_id).not.toBe('sess-claude-x');
    expect(readFileSync(join(p.logDir, 'builder-x.log'), 'utf8')).toMatch(/failover - claude waited 2 time\(s\) on a limit \(limits.fallback_after_waits = 2\): codex .* takes over in a fresh session/);
  });

  it('before that, the primary runs (and its 429 fails the attempt: waiting is h/wait\'s), usage kept under claude', async () => {
    const p = project();
    const { lb, writes } = builder(p, ['codex']);
    const ending = await lb.work(builderRecord({ id: 'x', status: 'waiting', worktree: p.wt, waits: 1, usage: earlier }), { kind: 'start' }, new AbortController().signal);
    expect(calls(p.calls).map((c) => c.agent)).toEqual(['claude']);
    expect(ending).toMatchObject({ kind: 'ended', failed: { failure: 'agent_error', message: expect.stringContaining('429') } });
    expect(writes).toContainEqual({ agent: 'claude' });
    expect(Object.keys((ending as { extra: { usage_by_agent: object } }).extra.usage_by_agent)).toEqual(['claude']);
  });

  it('a builder already on the fallback resumes it (no second take-over before its own waits)', async () => {
    const p = project();
    const { lb, writes } = builder(p, ['codex', 'gemini']);
    const row = builderRecord({ id: 'x', status: 'failed', failure: 'agent_error', worktree: p.wt, waits: 3, agent: 'codex', agent_since_wait: 2, usage: { ...earlier, agent: 'codex', session_id: 'sess-codex-x' }, usage_by_agent: { claude: earlier } });
    const ending = await lb.work(row, { kind: 'start' }, new AbortController().signal);
    expect(ending).toMatchObject({ kind: 'ended', code: 0 });
    expect(calls(p.calls).map((c) => [c.agent, c.resume])).toEqual([['codex', 'sess-codex-x']]);
    expect(writes.some((w) => 'agent' in w)).toBe(false);
  });
});

describe('one handler running a builder again (a resume after a wait)', () => {
  it('reads the waits the engine counted and what its own runs recorded, not the row as first read', async () => {
    const p = project();
    const { lb } = builder(p, ['codex', 'gemini']);
    const first = builderRecord({ id: 'x', status: 'pending', worktree: p.wt });
    const signal = new AbortController().signal;
    await lb.work(first, { kind: 'start' }, signal); // claude: 429
    // the engine keeps its record and counts the waits on it (raw stays as first read)
    await lb.work({ ...first, status: 'waiting', waits: 2 } as typeof first, { kind: 'start' }, signal); // codex takes over
    const third = await lb.work({ ...first, status: 'waiting', waits: 3 } as typeof first, { kind: 'start' }, signal); // codex again: its own session
    const made = calls(p.calls);
    expect(made.map((c) => c.agent)).toEqual(['claude', 'codex', 'codex']);
    expect(made[1]!.resume).toBe(''); // the take-over: fresh
    // then codex's own session when the engine resumes one after a wait (h/wait), never claude's
    expect(['', 'sess-codex-x']).toContain(made[2]!.resume);
    expect(calls(p.calls)[2]!.argv.at(-1)).not.toContain('taking over');
    expect(Object.keys((third as { extra: { usage_by_agent: object } }).extra.usage_by_agent).sort()).toEqual(['claude', 'codex']);
  });
});

describe('a fallback not installed here', () => {
  it('is passed over: the next one takes over', async () => {
    const p = project();
    const { lb, writes } = builder(p, ['codex', 'gemini'], (program) => program !== 'codex');
    const ending = await lb.work(builderRecord({ id: 'x', status: 'waiting', worktree: p.wt, waits: 2, usage: earlier }), { kind: 'start' }, new AbortController().signal);
    expect(ending).toMatchObject({ kind: 'ended', code: 0 });
    expect(calls(p.calls).map((c) => c.agent)).toEqual(['gemini']);
    expect(writes).toContainEqual({ agent: 'gemini', agent_since_wait: 2 });
  });
  it('the agent in use gone (uninstalled since): CI tool not found, as for the primary', async () => {
    const p = project();
    const { lb } = builder(p, ['codex'], (program) => program !== 'codex');
    const row = builderRecord({ id: 'x', status: 'waiting', worktree: p.wt, waits: 3, agent: 'codex', agent_since_wait: 2 });
    const ending = await lb.work(row, { kind: 'start' }, new AbortController().signal);
    expect(ending).toMatchObject({ kind: 'ended', code: 127 });
    expect(calls(p.calls)).toEqual([]);
  });
});

describe('a fallback on workers', () => {
  it('presetOverrides: what a worker would refuse of a fallback, asked before the fail-over', async () => {
    const { presetOverrides } = await import('../../../distributed/worker_policy.js');
    const [codex, gemini] = readFallback({ ci: { fallback: ['codex', 'gemini'], agents: { codex: { program: '/opt/codex', env: { A: 'b' } }, gemini: { model: 'gemini-2.5-pro' } } } }, claude);
    expect(presetOverrides(codex!.preset)).toEqual(['program', 'env']);
    expect(presetOverrides(gemini!.preset)).toEqual([]);
  });
});

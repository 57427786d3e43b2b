import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { boundSummary, failoverPrompt, nextAttemptAgent, readFallback, type Failover } from '../../../agents/failover.js';
import { chooseCi } from '../../../agents/select.js';
import { committedSummary, forkPoint } from '../../../agents/worktree.js';
import { readLimits } from '../../../workflow/limits.js';
import { tempDir } from '../helpers.js';

const claude = chooseCi({}, { ci: { agent: 'claude' } });
const failover = (fallback: string[], afterWaits = 2, agents: Record<string, unknown> = {}): Failover => ({
  primary: claude,
  fallback: readFallback({ ci: { fallback, agents } }, claude),
  afterWaits,
});
const agentOf = (n: ReturnType<typeof nextAttemptAgent>) => (n.choice.kind === 'preset' ? n.choice.preset.name : n.choice.kind);

describe('readFallback: ci.fallback, checked', () => {
  it('each fallback is a preset with its own ci.agents.<name> settings and model', () => {
    const f = readFallback({ ci: { agent: 'claude', model: 'opus', fallback: ['codex', 'gemini'], agents: { codex: { program: '/opt/codex', model: 'gpt-5' } } } }, claude);
    expect(f.map((c) => [c.preset.name, c.preset.program, c.model, c.source])).toEqual([
      ['codex', '/opt/codex', 'gpt-5', 'ci.fallback'],
      ['gemini', 'gemini', null, 'ci.fallback'],
    ]);
  });
  it('absent, null and [] are no fail-over', () => {
    for (const fallback of [undefined, null, []]) expect(readFallback({ ci: { fallback } }, claude)).toEqual([]);
  });
  it.each([
    ['not a list', 'codex', /^ci.fallback is "codex": not a list; accepted: a list of agent preset names/],
    ['an unknown preset', ['codex', 'gpt'], /^ci.fallback is \["codex","gpt"\]: "gpt" is not an agent preset; accepted: .*known: claude, codex/],
    ['a non-string entry', [3], /"3"|3 is not an agent preset/],
    ['the primary repeated', ['codex', 'claude'], /'claude' is the primary agent \(ci.agent\)/],
    ['a preset twice', ['codex', 'codex'], /'codex' is named twice/],
  ])('refuses %s, naming the key, the value and what is accepted', (_n, fallback, message) => {
    expect(() => readFallback({ ci: { fallback } }, claude)).toThrow(message);
  });
  it('refuses a fallback behind a plain CI tool (its limits are never recognised)', () => {
    const word = chooseCi({}, { ci: { tool: 'my-agent' } });
    expect(() => readFallback({ ci: { tool: 'my-agent', fallback: ['codex'] } }, word)).toThrow(/ci.fallback is \["codex"\]: the CI tool \(ci.tool: my-agent\) is not an agent preset/);
    expect(readFallback({ ci: { tool: 'my-agent', fallback: [] } }, word)).toEqual([]);
  });
  it('a bad ci.agents.<name> of a fallback is an error naming it', () => {
    expect(() => readFallback({ ci: { fallback: ['codex'], agents: { codex: { program: '' } } } }, claude)).toThrow(/ci.agents.codex.program/);
  });
});

describe('limits.fallback_after_waits', () => {
  it('defaults to 2; a whole number from 1; anything else is a problem naming it', () => {
    expect(readLimits(null, {}).limits!.fallbackAfterWaits).toBe(2);
    expect(readLimits(null, { limits: { fallback_after_waits: 3 } }).limits!.fallbackAfterWaits).toBe(3);
    for (const bad of [0, 1.5, 'two', -1]) {
      const r = readLimits(null, { limits: { fallback_after_waits: bad } });
      expect(r.limits).toBeNull();
      expect(r.problems[0]).toMatchObject({ key: 'limits.fallback_after_waits', value: bad, accepted: expect.stringMatching(/1 or more/) });
    }
  });
});

describe('nextAttemptAgent: which agent runs the next attempt', () => {
  it.each([
    // row, list, afterWaits, available → agent, fresh
    ['a first start: the primary', {}, ['codex', 'gemini'], 2, null, 'claude', false],
    ['one wait of two: the primary resumes', { waits: 1 }, ['codex', 'gemini'], 2, null, 'claude', false],
    ['two waits: codex takes over', { waits: 2 }, ['codex', 'gemini'], 2, null, 'codex', true],
    ['waits as text (update_state)', { waits: '2' }, ['codex'], 2, null, 'codex', true],
    ['after_waits 1: at the first wait', { waits: 1 }, ['codex'], 1, null, 'codex', true],
    ['codex with one wait of its own: codex resumes', { agent: 'codex', waits: 3, agent_since_wait: 2 }, ['codex', 'gemini'], 2, null, 'codex', false],
    ['codex with two of its own: gemini', { agent: 'codex', waits: 4, agent_since_wait: 2 }, ['codex', 'gemini'], 2, null, 'gemini', true],
    ['the last one keeps its turn', { agent: 'gemini', waits: 7, agent_since_wait: 4 }, ['codex', 'gemini'], 2, null, 'gemini', false],
    ['no fallback: the primary waits on', { waits: 5 }, [], 2, null, 'claude', false],
    ['a fallback not installed is passed over', { waits: 2 }, ['codex', 'gemini'], 2, 'gemini', 'gemini', true],
    ['none installed: the agent in use', { waits: 2 }, ['codex'], 2, 'nothing', 'claude', false],
    ['an agent the config no longer lists: the primary', { agent: 'aider', waits: 1, agent_since_wait: 0 }, ['codex'], 2, null, 'claude', false],
    ['agent_since_wait beyond waits counts as waits', { agent: 'codex', waits: 2, agent_since_wait: 9 }, ['codex', 'gemini'], 2, null, 'codex', false],
  ] as const)('%s', (_n, row, list, after, only, agent, fresh) => {
    const next = nextAttemptAgent(row, failover([...list], after), only === null ? undefined : (c) => c.preset.name === only);
    expect([agentOf(next), next.fresh]).toEqual([agent, fresh]);
  });
  it('a take-over says from whom, and the waits count it starts at', () => {
    expect(nextAttemptAgent({ agent: 'codex', waits: 4, agent_since_wait: 2 }, failover(['codex', 'gemini']))).toMatchObject({ fresh: true, from: 'codex', since: 4 });
    expect(nextAttemptAgent({ waits: 2 }, failover(['codex']))).toMatchObject({ fresh: true, from: 'claude', since: 2 });
  });
});

describe('the fail-over prompt', () => {
  it('carries the original task whole and the committed summary', () => {
    const task = 'Build the parser.\nIt must read CSV.';
    const p = failoverPrompt({ id: 'parser', from: 'claude', to: 'codex', task, summary: 'commit abc123\nadd reader\n\n src/csv.ts | 40 ++++\n' });
    expect(p).toContain("taking over the 'parser' component from another coding agent (claude)");
    expect(p).toContain(`<task>\n${task}\n</task>`);
    expect(p).toContain('<committed>\ncommit abc123\nadd reader\n\n src/csv.ts | 40 ++++\n</committed>');
    expect(p).toMatch(/commit your changes\.$/);
    expect(failoverPrompt({ id: 'x', from: 'claude', to: 'codex', task: 't', summary: ' \n' })).toContain('Nothing was committed on this branch yet.');
  });
  it('a long summary is cut at a line and says how much was left out', () => {
    const long = Array.from({ length: 500 }, (_, i) => `file${i}.ts | 3 ++-`).join('\n');
    const cut = boundSummary(long, 1000);
    expect(cut.length).toBeLessThan(1100);
    expect(cut).toMatch(/\n… \(\d+ more characters of the log left out\)$/);
    expect(cut.split('\n').slice(0, -1).every((l) => /^file\d+\.ts \| 3 \+\+-$/.test(l))).toBe(true);
    expect(boundSummary('short\n')).toBe('short');
  });
  it('the summary is the git log --stat of the branch since it left the project', () => {
    const dir = tempDir();
    const g = (args: string[], cwd = dir) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { cwd, encoding: 'utf8' });
    g(['init', '-q', '-b', 'main']);
    writeFileSync(join(dir, 'a.txt'), 'a\n');
    g(['add', '.']);
    g(['commit', '-qm', 'base commit']);
    const wt = join(dir, 'wt');
    g(['worktree', 'add', '-q', '-b', 'argo-builder-x', wt]);
    writeFileSync(join(wt, 'reader.ts'), 'export const r = 1;\n');
    g(['add', '.'], wt);
    g(['commit', '-qm', 'add the reader'], wt);
    writeFileSync(join(dir, 'b.txt'), 'b\n');
    g(['add', '.']);
    g(['commit', '-qm', 'main moved on']);
    const base = forkPoint(wt, dir);
    const s = committedSummary(wt, base);
    expect(s).toContain('add the reader');
    expect(s).toContain('reader.ts | 1 +');
    expect(s).not.toContain('base commit');
    expect(s).not.toContain('main moved on');
    expect(committedSummary(dir, base, 'argo-builder-x')).toBe(s);
  });
});

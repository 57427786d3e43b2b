// Builders waiting on a rate or usage limit (issue 19) and fail-over, as a person sees them:
// the view model's rows and totals, status text, `argo list`, and the notifications when the
// whole workflow waits on limits and when it resumes. State fixtures hold the fields the
// execution engine records (status waiting, waiting_reason, resume_at, waits; agent,
// usage_by_agent).
import { describe, expect, it } from 'vitest';
import { buildView, type ViewInput } from '../../view/model.js';
import { statusText } from '../../view/text.js';
import { clockText, listWaitLine, waitingBuilders, waitText, workflowLimitWait } from '../../view/waiting.js';
import { diffViews, EMPTY_SNAPSHOT, snapshotOf } from '../../notify/events.js';
import { formatEvent } from '../../notify/format.js';
import { LIMIT_SPECS } from '../../workflow/limits.js';

const NOW = Date.parse('2026-12-03T14:40:00Z');
const CLOCK = { now: NOW, offsetMinutes: 0 };

function input(builders: Record<string, unknown>[], over: Record<string, unknown> = {}): ViewInput {
  return {
    path: '/p',
    state: { project_name: 'demo', phase: 'execution', action_owner: 'code', action_needed: 'spawn_builders', last_update: 'T1', execution: { builders }, ...over },
    orchestrator: { pidFile: true, pid: 42, alive: true },
    workflowLog: [],
    builderLogs: {},
    now: NOW,
    argo: 'argo',
  };
}

const u = (i: number, o: number, cost: number, agent: string) => ({ input_tokens: i, output_tokens: o, cache_read_tokens: 0, cost_usd: cost, session_id: 's', agent, model: null });
const waiting = (id: string, reason = 'rate_limit', resume = '2026-12-03T15:02:00Z', waits = 2) => ({ id, status: 'waiting', waiting_reason: reason, resume_at: resume, waits, started: '2026-12-03T14:00:00Z' });

describe('the view: a builder waiting on a limit', () => {
  it('its row carries the reason, the resume time and its waits; others none of them', () => {
    const resumed = { ...waiting('d'), status: 'running' }; // the fields of its last wait left on the row
    const v = buildView(input([waiting('a'), { id: 'b', status: 'running', waits: 1 }, { id: 'c', status: 'pending', waiting_for: ['a'] }, resumed]));
    const row = (id: string) => v.builders.find((b) => b.id === id)!;
    expect(row('a')).toMatchObject({ status: 'waiting', waiting_reason: 'rate_limit', resume_at: '2026-12-03T15:02:00Z', waits: 2 });
    // a builder that waited before and runs again keeps its count, not a reason
    expect(row('b')).toMatchObject({ status: 'running', waiting_reason: null, resume_at: null, waits: 1 });
    // waiting for its dependencies is not waiting on a limit
    expect(row('c')).toMatchObject({ status: 'waiting', waiting_reason: null, resume_at: null, waits: null });
    expect(row('d')).toMatchObject({ status: 'running', waiting_reason: null, resume_at: null, waits: 2 });
  });

  it('status text: "waiting (rate_limit) until 15:02, wait 2" in the builders list', () => {
    const v = buildView(input([waiting('a'), waiting('b', 'usage_limit', '2026-12-04T09:00:00Z', 1), { id: 'c', status: 'running' }]));
    const text = statusText(v, undefined, CLOCK);
    expect(text).toMatch(/\n {2}a +waiting \(rate_limit\) until 15:02, wait 2 +/);
    expect(text).toMatch(/\n {2}b +waiting \(usage_limit\) until Dec 4 09:00, wait 1 +/);
    expect(text).toMatch(/\n {2}c +running +/);
  });

  it.skipIf(!('rate_limit_max_waits' in LIMIT_SPECS))('with limits.rate_limit_max_waits (h/wait): "wait 2 of 8"', () => {
    const v = buildView(input([waiting('a')], { limits: { rate_limit_max_waits: 8 } }));
    expect(v.builders[0]!.max_waits).toBe(8);
    expect(statusText(v, undefined, CLOCK)).toContain('waiting (rate_limit) until 15:02, wait 2 of 8');
  });

  it('the words: the zone of the reader, another day with its date, an unknown count or time left out', () => {
    expect(waitText({ waiting_reason: 'rate_limit', resume_at: '2026-12-03T15:02:00Z', waits: 2, max_waits: 8 }, NOW)).toBe('waiting (rate_limit) until 15:02, wait 2 of 8');
    expect(waitText({ waiting_reason: 'rate_limit', resume_at: '2026-12-03T15:02:00Z', waits: 2, max_waits: 8 }, NOW, 60)).toBe('waiting (rate_limit) until 16:02, wait 2 of 8');
    expect(waitText({ waiting_reason: 'usage_limit', resume_at: null, waits: null, max_waits: null }, NOW)).toBe('waiting (usage_limit)');
    expect(waitText({ waiting_reason: null, resume_at: null, waits: 3, max_waits: 8 }, NOW)).toBeNull();
    expect(clockText('2026-12-03T23:30:00Z', NOW, 60)).toBe('Dec 4 00:30');
    expect(clockText('soon', NOW)).toBe('soon');
  });

  it('--json (the view) and argo list: the waiting builders with reason and resume time', () => {
    const v = buildView(input([waiting('a'), { id: 'b', status: 'completed' }]));
    const json = JSON.parse(JSON.stringify(v));
    expect(json.builders[0]).toMatchObject({ waiting_reason: 'rate_limit', resume_at: '2026-12-03T15:02:00Z', waits: 2 });
    // limits.rate_limit_max_waits (h/wait: default 8) when this copy has it
    const max = 'rate_limit_max_waits' in LIMIT_SPECS ? (LIMIT_SPECS.rate_limit_max_waits!.dflt as number) : null;
    expect(waitingBuilders(v.builders)).toEqual([{ id: 'a', waiting_reason: 'rate_limit', resume_at: '2026-12-03T15:02:00Z', waits: 2, max_waits: max }]);
    expect(listWaitLine('demo-1', v.builders, NOW)).toBe(`demo-1: a waiting (rate_limit) until 15:02, wait 2${max !== null ? ` of ${max}` : ''}`);
    expect(listWaitLine('demo-1', buildView(input([{ id: 'b', status: 'running' }])).builders, NOW)).toBeNull();
  });
});

describe('the view: fail-over', () => {
  const builders = [
    { id: 'a', status: 'completed', agent: 'codex', usage: u(30, 15, 0.7, 'codex'), usage_by_agent: { claude: u(10, 5, 0.5, 'claude'), codex: u(20, 10, 0.2, 'codex') } },
    { id: 'b', status: 'completed', usage: u(5, 5, 0.1, 'claude') },
  ];
  it('the agent in use, usage per agent on each row and in the totals; the total stays the sum', () => {
    const v = buildView(input(builders));
    expect(v.builders[0]).toMatchObject({ agent: 'codex', usage_by_agent: { claude: { cost_usd: 0.5 }, codex: { cost_usd: 0.2 } } });
    // a row from before usage_by_agent: all of its usage is its usage.agent's
    expect(v.builders[1]!.usage_by_agent).toEqual({ claude: { input_tokens: 5, output_tokens: 5, cache_read_tokens: 0, cost_usd: 0.1 } });
    expect(v.totals.by_agent).toEqual({ claude: { input_tokens: 15, output_tokens: 10, cache_read_tokens: 0, cost_usd: 0.6 }, codex: { input_tokens: 20, output_tokens: 10, cache_read_tokens: 0, cost_usd: 0.2 } });
    expect(v.totals.cost_usd).toBe(0.8);
    expect(statusText(v, undefined, CLOCK)).toContain('\nBy agent: claude $0.6000 (tokens 15 in / 10 out), codex $0.2000 (tokens 20 in / 10 out)\n');
  });
  it('a fallback that just took over: its agent, before any usage of its own', () => {
    const v = buildView(input([{ id: 'a', status: 'running', agent: 'codex', usage: u(10, 5, 0.5, 'claude') }]));
    expect(v.builders[0]!.agent).toBe('codex');
  });
  it('one agent only: no per-agent line', () => {
    expect(statusText(buildView(input([builders[1]!])), undefined, CLOCK)).not.toContain('By agent:');
  });
});

describe('notifications: the whole workflow waits on limits, and resumes', () => {
  const view = (builders: Record<string, unknown>[], last = 'T1') => buildView(input(builders, { last_update: last }));
  const kinds = (prev: ReturnType<typeof snapshotOf>, next: ReturnType<typeof view>) => diffViews(prev, next).events.map((e) => e.kind);

  it.each([
    ['every unfinished builder waits: waiting', [{ id: 'a', status: 'running' }, { id: 'c', status: 'completed' }], [waiting('a'), { id: 'c', status: 'completed' }], ['workflow_waiting']],
    ['one of two waits: nothing', [{ id: 'a', status: 'running' }, { id: 'b', status: 'running' }], [waiting('a'), { id: 'b', status: 'running' }], []],
    ['still all waiting (a second wait): nothing more', [waiting('a')], [waiting('a', 'rate_limit', '2026-12-03T15:30:00Z', 3)], []],
    ['one runs again: resumed', [waiting('a'), waiting('b')], [{ id: 'a', status: 'running', waits: 2 }, waiting('b')], ['workflow_resumed']],
    ['fail-over starts the fallback: resumed', [waiting('a')], [{ id: 'a', status: 'running', agent: 'codex', waits: 2 }], ['workflow_resumed']],
    ['the wait ends in failure: no resumption, the failure is announced', [waiting('a')], [{ id: 'a', status: 'failed', failure: 'rate_limited', started: 'S' }], ['builder_failed']],
    ['waiting for dependencies is no limit wait', [{ id: 'a', status: 'running' }], [{ id: 'a', status: 'pending', waiting_for: ['x'] }], []],
  ])('%s', (_n, before, after, want) => {
    expect(kinds(snapshotOf(view(before)), view(after, 'T2'))).toEqual(want);
  });

  it('a snapshot saved before limit waits existed compares as not waiting; a handler mid-hand-off (relay=false) still announces it', () => {
    const { limit_wait: _gone, ...old } = snapshotOf(view([{ id: 'a', status: 'running' }]));
    expect(kinds(old, view([waiting('a')]))).toEqual(['workflow_waiting']);
    const r = diffViews(old, view([waiting('a')]), false);
    expect(r.events.map((e) => e.kind)).toEqual(['workflow_waiting']);
    expect(r.snapshot.limit_wait).toBe(true);
    expect(diffViews(r.snapshot, view([waiting('a')], 'T3')).events).toEqual([]);
  });

  it('the events say who waits, why, until when; and who runs again', () => {
    const v = view([waiting('a', 'rate_limit', '2026-12-03T15:30:00Z'), waiting('b', 'usage_limit', '2026-12-03T15:02:00Z')]);
    const [e] = diffViews(EMPTY_SNAPSHOT, v).events.filter((x) => x.kind === 'workflow_waiting');
    expect(e).toEqual({ kind: 'workflow_waiting', id: 'workflow_waiting:2026-12-03T15:02:00Z:T1', builders: ['a', 'b'], reasons: ['rate_limit', 'usage_limit'], resume_at: '2026-12-03T15:02:00Z' });
    expect(formatEvent(e!, v)).toEqual({
      title: 'Argo: demo waits on a limit (rate_limit, usage_limit)',
      text: '[demo] every unfinished builder waits on a limit (rate_limit, usage_limit): a, b; the first resumes at 2026-12-03T15:02:00Z. Nothing to do: they resume by themselves.',
    });
    const after = view([{ id: 'a', status: 'running' }, waiting('b')], 'T4');
    const [r] = diffViews(snapshotOf(v), after).events;
    expect(r).toEqual({ kind: 'workflow_resumed', id: 'workflow_resumed:T4', builders: ['a'] });
    expect(formatEvent(r!, after).text).toBe('[demo] the wait on limits is over: a run again');
  });

  it('workflowLimitWait: none without unfinished builders; the earliest readable resume time', () => {
    expect(workflowLimitWait([])).toBeNull();
    expect(workflowLimitWait([{ id: 'a', status: 'completed', waiting_reason: null, resume_at: null, waits: null, max_waits: null }])).toBeNull();
    expect(workflowLimitWait([{ id: 'a', status: 'waiting', waiting_reason: 'rate_limit', resume_at: 'later', waits: 1, max_waits: null }])).toEqual({ builders: ['a'], resume_at: null, reasons: ['rate_limit'] });
  });
});

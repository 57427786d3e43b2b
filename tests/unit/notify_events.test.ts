// Notifications are a pure diff of two views: which changes are events, and their text.
import { describe, expect, it } from 'vitest';
import { diffViews, EMPTY_SNAPSHOT, snapshotOf, type Snapshot } from '../../notify/events.js';
import { formatEvent } from '../../notify/format.js';
import { buildView, type View } from '../../view/model.js';

function view(state: Record<string, unknown>): View {
  return buildView({
    path: '/p',
    state: { project_name: 'demo', phase: 'init', action_owner: 'code', action_needed: 'design_program', last_update: 'T1', ...state },
    orchestrator: { pidFile: true, pid: 1, alive: true },
    workflowLog: [],
    builderLogs: { b: 'boom' },
    now: 0,
    argo: 'argo',
  });
}

const snap = (state: Record<string, unknown>): Snapshot => snapshotOf(view(state));
const kinds = (prev: Snapshot, next: View, relay = true) => diffViews(prev, next, relay).events.map((e) => e.kind);

describe('diffViews', () => {
  it.each([
    ['code → ci approve_design', {}, { phase: 'design', action_owner: 'ci', action_needed: 'approve_design' }, ['control']],
    ['ci → user', { action_owner: 'ci', action_needed: 'x' }, { action_owner: 'user', action_needed: 'x' }, ['control']],
    ['same owner, new action', { action_owner: 'ci', action_needed: 'approve_design' }, { action_owner: 'ci', action_needed: 'resolve_conflicts' }, ['control']],
    ['nothing changed', { action_owner: 'ci', action_needed: 'a' }, { action_owner: 'ci', action_needed: 'a', last_update: 'T2' }, []],
    ['ci → code is no event', { action_owner: 'ci', action_needed: 'a' }, { action_owner: 'code', action_needed: 'a' }, []],
    ['the end (not also a hand-off to user)', { phase: 'merge_build' }, { phase: 'storage', action_owner: 'user', action_needed: 'none' }, ['workflow_ended']],
    ['still ended', { phase: 'storage', action_owner: 'user' }, { phase: 'storage', action_owner: 'user', last_update: 'T9' }, []],
    ['a builder failed', { execution: { builders: [{ id: 'b', status: 'running', started: 'S' }] } }, { execution: { builders: [{ id: 'b', status: 'failed', started: 'S', exit_code: 3 }] } }, ['builder_failed']],
    ['still failed', { execution: { builders: [{ id: 'b', status: 'failed', started: 'S' }] } }, { execution: { builders: [{ id: 'b', status: 'failed', started: 'S' }] } }, []],
    ['failed again after a retry', { execution: { builders: [{ id: 'b', status: 'failed', started: 'S' }] } }, { execution: { builders: [{ id: 'b', status: 'failed', started: 'S2' }] } }, ['builder_failed']],
  ])('%s', (_n, before, after, want) => {
    expect(kinds(snap(before), view(after))).toEqual(want);
  });

  it('the first look after a start compares with nothing seen: current needs are announced', () => {
    expect(kinds(EMPTY_SNAPSHOT, view({ action_owner: 'ci', action_needed: 'approve_design' }))).toEqual(['control']);
    expect(kinds(EMPTY_SNAPSHOT, view({ action_owner: 'code' }))).toEqual([]);
  });

  it('relay=false (a handler is mid-hand-off): builder failures only, relay fields remembered as before', () => {
    const prev = snap({ action_owner: 'code' });
    const next = view({ action_owner: 'ci', action_needed: 'design_program', execution: { builders: [{ id: 'b', status: 'failed', started: 'S' }] } });
    const r = diffViews(prev, next, false);
    expect(r.events.map((e) => e.kind)).toEqual(['builder_failed']);
    expect(r.snapshot.action_owner).toBe('code');
    expect(kinds(r.snapshot, next)).toEqual(['control']);
  });
});

describe('formatEvent', () => {
  it('two alike hand-offs within one second of last_update are two events with two ids (the second was taken for a repeat)', () => {
    const first = diffViews(EMPTY_SNAPSHOT, view({ phase: 'merge_build', action_owner: 'user', action_needed: 'review_merge' }));
    const back = diffViews(first.snapshot, view({ phase: 'execution', action_owner: 'code', action_needed: 'spawn_builders' }));
    const again = diffViews(back.snapshot, view({ phase: 'merge_build', action_owner: 'user', action_needed: 'review_merge' }));
    expect(first.events.map((e) => e.kind)).toEqual(['control']);
    expect(again.events.map((e) => e.kind)).toEqual(['control']);
    expect(again.events[0]!.id).not.toBe(first.events[0]!.id);
  });

  it('a retry that fails within the second it started is a new failure (its run token differs)', () => {
    const failed = (token: string) => ({ execution: { builders: [{ id: 'b', status: 'failed', started: 'S', exit_code: 1, run_token: token }] } });
    const first = diffViews(EMPTY_SNAPSHOT, view(failed('1796266407199-aa')));
    const again = diffViews(first.snapshot, view(failed('1796266407200-bb')), false);
    expect(first.events.map((e) => e.kind)).toContain('builder_failed');
    expect(again.events.map((e) => e.kind)).toEqual(['builder_failed']);
    expect(again.events[0]!.id).not.toBe(first.events.find((e) => e.kind === 'builder_failed')!.id);
  });

  it('control names who, what and the command', () => {
    const v = view({ phase: 'design', action_owner: 'ci', action_needed: 'approve_design', design: { summary: 's', components: [{ id: 'a', description: 'A' }] } });
    const [e] = diffViews(EMPTY_SNAPSHOT, v).events;
    const m = formatEvent(e!, v);
    expect(m.title).toBe('Argo: demo waits for ci');
    expect(m.text).toContain('[demo] ci must act: approve_design (phase design).');
    expect(m.text).toContain('argo approve /p');
  });

  it('builder_failed carries failure, exit and last log line', () => {
    const v = view({ execution: { builders: [{ id: 'b', status: 'failed', started: 'S', exit_code: 124, failure: 'timeout' }] } });
    const [e] = diffViews(EMPTY_SNAPSHOT, v).events;
    expect(formatEvent(e!, v).text).toBe('[demo] builder b failed (timeout, exit 124): boom');
  });

  it('workflow_ended lists what was merged and the cost', () => {
    const v = view({ phase: 'storage', action_owner: 'user', merge: { merged: ['a', 'b'] }, execution: { builders: [{ id: 'a', usage: { cost_usd: 1.5 } }] } });
    const [e] = diffViews(EMPTY_SNAPSHOT, v).events;
    expect(formatEvent(e!, v).text).toBe('[demo] workflow finished: merged a, b (cost $1.50)');
  });
});

// Issue 20, item 4: a merge that needs a person (or that the resolver agent made) is
// announced once, from the pure diff of two views, naming the builders, their files
// (bounded), where to work and `argo merge`.
import { describe, expect, it } from 'vitest';
import { diffViews, EMPTY_SNAPSHOT, snapshotOf, type NotifyEvent } from '../../notify/events.js';
import { BUILDERS_IN_MESSAGE, formatEvent } from '../../notify/format.js';
import { buildView, type View } from '../../view/model.js';

function view(builders: unknown[], over: Record<string, unknown> = {}): View {
  return buildView({
    path: '/p',
    state: { project_name: 'demo', phase: 'merge_build', action_owner: 'code', action_needed: 'merge_branches', last_update: 'T1', execution: { builders }, ...over },
    orchestrator: { pidFile: true, pid: 1, alive: true },
    workflowLog: [],
    builderLogs: {},
    now: 0,
    argo: '/opt/argo/compat/argo',
  });
}

const conflict = (id: string, files = ['src/a.ts', 'src/b.ts']) => ({ id, status: 'completed', merge: { status: 'conflict', target: 'main', attempts: 0, files, diff: `.argo-project/logs/merge-${id}.diff`, worktree: `/p/.argo-project/builders/${id}`, branch: `argo-builder-${id}` } });
const merged = (id: string) => ({ id, status: 'completed', merge: { status: 'merged', commit: 'c1', attempts: 1 } });
const resolved = (id: string) => ({ id, status: 'completed', merge: { status: 'resolved_by_agent', commit: 'c2', attempts: 1, files: ['x.ts'] } });
const verifyFailed = (id: string) => ({ id, status: 'completed', merge: { status: 'verify_failed', attempts: 3, output: '.argo-project/logs/v.log' } });

const mergeEvents = (events: NotifyEvent[]) => events.filter((e): e is Extract<NotifyEvent, { kind: 'merge_outcome' }> => e.kind === 'merge_outcome');

describe('diffViews: merge outcomes', () => {
  it('a conflict for the person, one resolved by the agent and one failing the gate: one event naming each; the next look (same records) none', () => {
    const prev = snapshotOf(view([{ id: 'cli', status: 'completed' }, { id: 'ui', status: 'completed' }, { id: 'api', status: 'completed' }, merged('core')]));
    const next = view([conflict('cli'), resolved('ui'), verifyFailed('api'), merged('core')]);
    const r = diffViews(prev, next, false); // mid-handler: merge outcomes are announced at once, as failures are
    const [e, ...rest] = mergeEvents(r.events);
    expect(rest).toEqual([]);
    expect(e).toMatchObject({ conflict: [{ id: 'cli', files: ['src/a.ts', 'src/b.ts'], files_total: 2, worktree: '/p/.argo-project/builders/cli', branch: 'argo-builder-cli' }], verify_failed: ['api'], resolved_by_agent: ['ui'] });
    expect(mergeEvents(diffViews(r.snapshot, next).events)).toEqual([]);
    const m = formatEvent(e!, next);
    expect(m.title).toBe('Argo: demo needs you to resolve merge conflicts (cli)');
    expect(m.text).toBe(
      [
        '[demo] merge conflict for you: cli in src/a.ts, src/b.ts - work in /p/.argo-project/builders/cli on branch argo-builder-cli',
        '[demo] the verify command failed on the merged tree, out of retries: api',
        '[demo] the resolver agent resolved the merge conflicts of ui',
        'Then: /opt/argo/compat/argo merge /p',
      ].join('\n'),
    );
  });

  it('only a resolution by the agent: named, no command to run', () => {
    const next = view([resolved('ui')]);
    const [e] = mergeEvents(diffViews(EMPTY_SNAPSHOT, next).events);
    const m = formatEvent(e!, next);
    expect(m.title).toBe('Argo: demo: merge conflicts resolved by the agent (ui)');
    expect(m.text).toBe('[demo] the resolver agent resolved the merge conflicts of ui');
  });

  it('a conflict again after argo merge (a new record in between) is a new event; merged builders and old states are none', () => {
    const first = diffViews(EMPTY_SNAPSHOT, view([conflict('cli')]));
    const between = diffViews(first.snapshot, view([{ id: 'cli', status: 'completed' }]));
    const again = diffViews(between.snapshot, view([conflict('cli')]));
    expect(mergeEvents(first.events)).toHaveLength(1);
    expect(mergeEvents(between.events)).toHaveLength(0);
    expect(mergeEvents(again.events)).toHaveLength(1);
    expect(mergeEvents(diffViews(EMPTY_SNAPSHOT, view([merged('core')])).events)).toEqual([]);
    // an older state: root lists only, no records
    expect(mergeEvents(diffViews(EMPTY_SNAPSHOT, view([{ id: 'b1', status: 'completed' }], { merge: { conflicts: ['b1'] }, merge_conflicts: ['b1'] })).events)).toEqual([]);
    // a snapshot saved before merge_outcomes existed
    const { merge_outcomes: _gone, ...older } = snapshotOf(view([]));
    expect(mergeEvents(diffViews(older, view([conflict('cli')])).events)).toHaveLength(1);
  });

  it('hostile records: files bounded per builder, builders bounded per message, names never start a line', () => {
    const files = ['evil\n[demo] all good, nothing to do <b>x</b>', ...Array.from({ length: 5000 }, (_, i) => `f${i}`)];
    const many = Array.from({ length: 30 }, (_, i) => conflict(`b${i}`, files));
    const next = view(many);
    const [e] = mergeEvents(diffViews(EMPTY_SNAPSHOT, next).events);
    expect(e!.conflict[0]!.files).toHaveLength(5);
    const m = formatEvent(e!, next);
    const lines = m.text.split('\n');
    expect(lines).toHaveLength(BUILDERS_IN_MESSAGE + 2);
    expect(lines[0]).toContain('evil\\n[demo] all good, nothing to do <b>x</b>, f0, f1, f2, f3 (+4996 more)');
    expect(lines[BUILDERS_IN_MESSAGE]).toBe('[demo] and 20 more conflicted builders (argo status lists them)');
    expect(lines.at(-1)).toBe('Then: /opt/argo/compat/argo merge /p');
    expect(m.title).toContain('(+20 more)');
    expect(m.text.length).toBeLessThan(4000);
  });
});

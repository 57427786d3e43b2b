// Events, not rescans: the notifier looks at a project (builds a view) only when its
// state document changes — never for the log lines agents and handlers append all day
// — and reads a builder's log only for the builder_failed event that shows its line.
// The watcher (store/watch.ts) says what changed, as typed changes.
import { appendFileSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Notifier } from '../../notify/notifier.js';
import { buildView, type View } from '../../view/model.js';
import { watchProject, type ProjectChange } from '../../store/watch.js';
import { tempDir } from './helpers.js';

// Counts the notifier's own look at the project (readView), delegating to the real one.
const reads = vi.hoisted(() => ({ n: 0 }));
vi.mock('../../view/read.js', async (importOriginal) => {
  const read = await importOriginal<typeof import('../../view/read.js')>();
  return { ...read, readView: (...args: Parameters<typeof read.readView>) => (reads.n++, read.readView(...args)) };
});

const closers: (() => void)[] = [];
afterEach(() => {
  for (const c of closers.splice(0)) c();
});

async function until(cond: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

function project(): string {
  const dir = tempDir();
  mkdirSync(join(dir, '.argo-project', 'logs'), { recursive: true });
  writeState(dir, { phase: 'execution', action_owner: 'code', action_needed: 'execution' });
  return dir;
}

/** Replaces state.json by rename, as every state write does. */
function writeState(dir: string, state: Record<string, unknown>): void {
  const file = join(dir, '.argo-project', 'state.json');
  writeFileSync(`${file}.x.tmp`, JSON.stringify({ project_name: 'demo', last_update: 'T1', ...state }));
  renameSync(`${file}.x.tmp`, file);
}

const readState = (dir: string) => JSON.parse(readFileSync(join(dir, '.argo-project', 'state.json'), 'utf8')) as Record<string, unknown>;

describe('the notifier reacts to state changes only', () => {
  it('100 builder-log lines appended: no view built; one state change: one', async () => {
    const dir = project();
    let builds = 0;
    const view = (): View => {
      builds++;
      return buildView({ path: dir, state: readState(dir), orchestrator: { pidFile: true, pid: 1, alive: true }, workflowLog: [], builderLogs: {}, now: 0, argo: 'argo' });
    };
    const notifier = new Notifier(dir, { view, config: () => ({}) });
    closers.push(notifier.watch(() => true, { pollMs: 60_000 }));
    const log = join(dir, '.argo-project', 'logs', 'builder-a.log');
    for (let i = 0; i < 100; i++) {
      appendFileSync(log, `[T] line ${i}\n`);
      if (i % 10 === 9) await new Promise((r) => setTimeout(r, 40)); // several bursts, not one
    }
    writeState(dir, { phase: 'execution', action_owner: 'user', action_needed: 'review' });
    await until(() => builds > 0);
    // fs events arrive in order: every burst of log lines came before the state change's
    expect(builds).toBe(1);
    await notifier.close(100);
  });

  it("a failed builder's event carries its last log line, read for that event only", async () => {
    const dir = project();
    writeFileSync(join(dir, '.argo-project', 'logs', 'builder-b.log'), '[T] first\n[T] the last words\n');
    const sent: string[] = [];
    const notifier = new Notifier(dir, { config: () => ({}), report: (l) => sent.push(l) });
    writeState(dir, { execution: { builders: [{ id: 'b', status: 'failed', started: 'S', exit_code: 3 }] } });
    notifier.observe(true);
    const saved = JSON.parse(readFileSync(join(dir, '.argo-project', 'notify.json'), 'utf8')) as { pending: { event: string; message: string }[] };
    expect(saved.pending.find((d) => d.event === 'builder_failed')?.message).toMatch(/: \[T\] the last words$/);
    await notifier.close(100);
  });
});

describe('the notifier does not look at the same state document twice', () => {
  it('asked again without a change: no second view; asked to compare hand-offs after a handler: one more', async () => {
    const dir = project();
    const notifier = new Notifier(dir, { config: () => ({}) });
    reads.n = 0;
    notifier.observe(false); // a handler runs: hand-offs not compared yet
    notifier.observe(false);
    expect(reads.n).toBe(1);
    notifier.observe(true); // the handler ended: the same document, now with hand-offs compared
    notifier.observe(true);
    notifier.observe(false);
    expect(reads.n).toBe(2);
    writeState(dir, { phase: 'execution', action_owner: 'user', action_needed: 'review' });
    notifier.observe(true);
    expect(reads.n).toBe(3);
    await notifier.close(100);
  });
});

describe('watchProject: typed changes', () => {
  it('says which kind changed: state, a log by name, another project file; temp and lock files are nobody\'s', async () => {
    const dir = project();
    const seen: ProjectChange[][] = [];
    closers.push(watchProject(dir, (c) => seen.push(c), { pollMs: 60_000 }));
    appendFileSync(join(dir, '.argo-project', 'logs', 'workflow.log'), 'x\n');
    await until(() => seen.flat().some((c) => c.kind === 'log'));
    writeFileSync(join(dir, '.argo-project', 'state.lock'), '');
    writeState(dir, { phase: 'design' });
    await until(() => seen.flat().some((c) => c.kind === 'state'));
    writeFileSync(join(dir, '.argo-project', 'orchestrator.pid'), '1\n');
    await until(() => seen.flat().some((c) => c.kind === 'project'));
    const all = seen.flat();
    expect(all).toContainEqual({ kind: 'log', file: 'workflow.log' });
    expect(all).toContainEqual({ kind: 'project', file: 'orchestrator.pid' });
    expect(all.filter((c) => c.kind === 'project').map((c) => (c as { file: string }).file)).toEqual(['orchestrator.pid']); // no .lock, no .tmp
  });

  it('the slow re-check of an idle project: only ticks (time passed, nothing changed)', async () => {
    const dir = project();
    const seen: ProjectChange[][] = [];
    closers.push(watchProject(dir, (c) => seen.push(c), { pollMs: 50, settleMs: 10 }));
    await until(() => seen.length > 0);
    expect(seen[0]).toEqual([{ kind: 'tick' }]);
  });
});

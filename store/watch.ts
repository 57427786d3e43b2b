// Tells a callback WHAT changed in a project, as typed changes: the state document was
// replaced, a log grew, another file the view reads (orchestrator.pid, config.json)
// changed, or — from the slow re-check fs.watch needs as a safety net — only that time
// passed. fs.watch on .argo-project/ and its logs/ (state.json is replaced by rename,
// so folders are watched, not files) gives the file names; changes within a burst are
// folded into one call. Consumers react to the kinds they show: the orchestrator's
// notifier to `state` only (not to the log lines agents and handlers write all day),
// status --watch and the dashboard to every kind.
import { readdirSync, statSync, watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import { argoPaths } from './layout.js';

export type ProjectChange =
  /** state.json was replaced. */
  | { kind: 'state' }
  /** A file under logs/ changed (its name). */
  | { kind: 'log'; file: string }
  /** Another file of .argo-project/ changed: orchestrator.pid, config.json, … (its name). */
  | { kind: 'project'; file: string }
  /** The slow re-check saw nothing change: only time passed (elapsed times). */
  | { kind: 'tick' };

export interface WatchOptions {
  /** Changes within this many ms fold into one call. */
  settleMs?: number;
  /** Safety-net re-check interval. */
  pollMs?: number;
  signal?: AbortSignal;
}

/** Files of .argo-project/ that are nobody's view: temp files of atomic writes, lock files, the notifier's own memory. */
const IGNORED = (name: string) => name.endsWith('.tmp') || name.endsWith('.lock') || name === 'notify.json';

/** What an .argo-project/ file name means as a change (undefined: nobody shows it). */
export function changeOf(name: string | null, inLogs: boolean): ProjectChange | undefined {
  if (!name) return undefined;
  if (inLogs) return { kind: 'log', file: name };
  if (name === 'state.json') return { kind: 'state' };
  if (name === 'logs' || IGNORED(name)) return undefined;
  return { kind: 'project', file: name };
}

const keyOf = (c: ProjectChange) => (c.kind === 'log' || c.kind === 'project' ? `${c.kind}:${c.file}` : c.kind);

/** A file's identity and size/time as one string ('' when missing): changes when it is replaced or written. */
export function fileSignature(file: string): string {
  try {
    const s = statSync(file, { bigint: true });
    return `${s.ino}:${s.size}:${s.mtimeNs}`;
  } catch {
    return '';
  }
}

export function watchProject(project: string, onChange: (changes: ProjectChange[]) => void, opts: WatchOptions = {}): () => void {
  const settle = opts.settleMs ?? 30;
  const argoDir = argoPaths(project).dir;
  const logDir = join(argoDir, 'logs');
  const watchers: FSWatcher[] = [];
  const queued = new Map<string, ProjectChange>();
  let timer: NodeJS.Timeout | undefined;
  let closed = false;

  // What the re-check compares with: every watched file's signature as last delivered.
  const seen = new Map<string, string>();
  const pathOf = (c: ProjectChange) => (c.kind === 'state' ? join(argoDir, 'state.json') : c.kind === 'log' ? join(logDir, c.file) : c.kind === 'project' ? join(argoDir, c.file) : '');
  const remember = (c: ProjectChange) => {
    const p = pathOf(c);
    if (p) seen.set(keyOf(c), fileSignature(p));
  };
  const current = (): ProjectChange[] => {
    const all: ProjectChange[] = [{ kind: 'state' }, { kind: 'project', file: 'orchestrator.pid' }, { kind: 'project', file: 'config.json' }];
    try {
      for (const f of readdirSync(logDir)) all.push({ kind: 'log', file: f });
    } catch {
      /* no logs/ yet */
    }
    return all;
  };
  for (const c of current()) remember(c);

  const deliver = () => {
    timer = undefined;
    if (closed) return;
    const changes = [...queued.values()];
    queued.clear();
    for (const c of changes) remember(c);
    onChange(changes);
  };
  const queue = (c: ProjectChange) => {
    if (closed) return;
    queued.set(keyOf(c), c);
    timer ??= setTimeout(deliver, settle);
  };
  const add = (dir: string, inLogs: boolean) => {
    try {
      const w = watch(dir, (_event, name) => {
        const c = changeOf(name ? String(name) : null, inLogs);
        if (c) queue(c);
      });
      w.on('error', () => undefined); // the folder went away: the re-check below carries on
      watchers.push(w);
    } catch {
      /* not there (yet): the re-check covers it */
    }
  };
  add(argoDir, false);
  add(logDir, true);
  // The safety net: what fs.watch may have missed, by signature; else a tick.
  const poll = setInterval(() => {
    let any = false;
    for (const c of current()) {
      const p = pathOf(c);
      if (p && seen.get(keyOf(c)) !== fileSignature(p)) (queue(c), (any = true));
    }
    if (!any && queued.size === 0) queue({ kind: 'tick' });
  }, opts.pollMs ?? 2000);
  const close = () => {
    closed = true;
    clearTimeout(timer);
    clearInterval(poll);
    for (const w of watchers) w.close();
  };
  opts.signal?.addEventListener('abort', close, { once: true });
  return close;
}

/** Does a batch hold a change of the state document? */
export const stateChanged = (changes: readonly ProjectChange[]): boolean => changes.some((c) => c.kind === 'state');

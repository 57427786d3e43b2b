// Wakes a callback whenever a project's state or logs may have changed: fs.watch on
// .argo-project/ and its logs/ (state.json is replaced by rename, so folders are
// watched, not files), folded into one call per burst, with a slow re-read as the
// safety net fs.watch needs. status --watch and the dashboard share it.
import { watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';

export interface WatchOptions {
  /** Calls within this many ms fold into one. */
  settleMs?: number;
  /** Safety-net re-check interval. */
  pollMs?: number;
  signal?: AbortSignal;
}

export function watchProject(project: string, onChange: () => void, opts: WatchOptions = {}): () => void {
  const settle = opts.settleMs ?? 30;
  const watchers: FSWatcher[] = [];
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  const fire = () => {
    if (closed || timer) return;
    timer = setTimeout(() => {
      timer = undefined;
      if (!closed) onChange();
    }, settle);
  };
  const add = (dir: string) => {
    try {
      const w = watch(dir, fire);
      w.on('error', () => undefined); // the folder went away: the poll below carries on
      watchers.push(w);
    } catch {
      /* not there (yet): the poll covers it */
    }
  };
  add(join(project, '.argo-project'));
  add(join(project, '.argo-project', 'logs'));
  const poll = setInterval(fire, opts.pollMs ?? 2000);
  const close = () => {
    closed = true;
    clearTimeout(timer);
    clearInterval(poll);
    for (const w of watchers) w.close();
  };
  opts.signal?.addEventListener('abort', close, { once: true });
  return close;
}

// `argo run` in the foreground: follows a workflow through the project watcher
// (store/watch.ts: a look whenever state.json, a log or the pid file changes, and a tick
// each second as the safety net), prints one progress line per event, approves the plan
// when the policy says so, and settles on the first end the state shows — or on a cancel.
import { readView } from '../view/read.js';
import type { View } from '../view/model.js';
import { watchProject } from '../store/watch.js';
import { errorMessage } from '../core/errors.js';
import { decide, type Policy } from './outcome.js';
import type { RunStatus } from './report.js';
import type { ProgressPrinter } from './progress.js';
import { approvePlan, linesOf } from './steps.js';

export type FollowEnd = { status: RunStatus; reason: string } | { cancelled: true };

/**
 * The phases write a hand-off as separate update_state calls (COMPAT §2.6), so a look can
 * fall between two of them (owner ci while action_needed still names the handler). An end
 * read from such an unnamed waiting place counts only once it held this long.
 */
export const SETTLE_MS = 2500;

const relayOf = (v: View) => `${v.phase}|${v.action_owner}|${v.action_needed}|${v.orchestrator.running}`;

interface Io {
  say: (line: string) => void;
  now?: () => number;
}

export function follow(project: string, policy: Policy, printer: ProgressPrinter, signal: AbortSignal, io: Io): Promise<FollowEnd> {
  const now = io.now ?? Date.now;
  return new Promise<FollowEnd>((resolve) => {
    let prev: View | null = null;
    let busy = false;
    let again = false;
    let done = false;
    let approveTried = false;
    let seen = { relay: '', since: 0 };
    const finish = (end: FollowEnd) => {
      if (done) return;
      done = true;
      close();
      signal.removeEventListener('abort', onAbort);
      resolve(end);
    };
    const onAbort = () => finish({ cancelled: true });
    const lookOnce = async (): Promise<boolean> => {
      const v = readView(project, { builderLogs: false });
      printer.show(prev, v);
      prev = v;
      if (relayOf(v) !== seen.relay) seen = { relay: relayOf(v), since: now() };
      const d = decide(v, policy, approveTried);
      if (d.kind === 'wait') return false;
      if (d.kind === 'end') {
        if (!d.settle || now() - seen.since >= SETTLE_MS) finish({ status: d.status, reason: d.reason });
        return false;
      }
      approveTried = true;
      io.say(`argo: approving the plan (${d.count} component(s); --approve auto, --max-components ${policy.maxComponents})`);
      const r = await approvePlan(project);
      for (const l of linesOf(r.code === 0 ? r.stdout : r.stderr)) io.say(`argo: ${l}`);
      return true; // look again at once: the approval changed the state
    };
    const look = async () => {
      if (busy) return void (again = true);
      busy = true;
      try {
        do {
          again = false;
          if (await lookOnce()) again = true;
        } while (again && !done && !signal.aborted);
      } catch (e) {
        io.say(`argo: WARNING: could not read the workflow (${errorMessage(e)}); looking again at the next change`);
      } finally {
        busy = false;
      }
    };
    const close = watchProject(project, () => void look(), { pollMs: 1000 });
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    void look();
  });
}

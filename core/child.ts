// The one lifecycle of a child process that runs in its own process group: every way
// it can end — its exit, a time limit, the caller's AbortSignal, a cause the caller
// adds (a stall) — races, and the first cause wins. Whatever the cause, the whole
// group is then ended (TERM, a grace period, KILL) and awaited until no member is
// left, so nothing the child started outlives the caller's wait. The spawn itself
// (stdio, environment) stays with the caller; it must pass `detached: true`, which is
// what makes the child's pid its group's id — the proof that the group is ours: Linux
// does not hand out a pid again while a process group of that id has members, and
// endGroup signals only while /proc lists members of it (never a pgid ≤ 1).
import type { ChildProcess } from 'node:child_process';
import { endGroup, signalStatus } from './proc.js';
import { timerDelay } from './timer.js';

export type EndCause = 'exit' | 'timeout' | 'stall' | 'cancel';

/**
 * The arguments of `bash -c SCRIPT ARGS…` as argo runs it: with --norc. A
 * non-interactive `bash -c` whose stdin is a socket and whose environment lacks SHLVL
 * takes itself for a command sshd ran and sources ~/.bashrc; seen here, a bashrc
 * running `pyenv init` with HOME unset held the CI tool's wrapper for 60 s. BASH_ENV,
 * bash's own hook for non-interactive shells, still applies.
 */
export function bashArgs(script: string, ...args: string[]): string[] {
  return ['--norc', '-c', script, ...args];
}

/** The same as an argv: ['bash', ...bashArgs]. */
export function bashArgv(script: string, ...args: string[]): string[] {
  return ['bash', ...bashArgs(script, ...args)];
}

/** TERM → KILL grace when the caller names none. */
export const DEFAULT_GRACE_MS = 5000;

export interface GroupLimits {
  /** Aborting it ends the group (cause 'cancel'). */
  signal?: AbortSignal;
  /** Longest run in ms (0/undefined: none; cause 'timeout'). */
  timeoutMs?: number;
  /** TERM → KILL grace in ms (default DEFAULT_GRACE_MS). */
  graceMs?: number;
  /**
   * After the child's own exit, end what it left running in its group (default true).
   * False where a background child may outlive its parent by design (the
   * orchestrator's handlers, as under the original); every other cause still ends
   * the whole group.
   */
  endLeftovers?: boolean;
}

export interface GroupEnd {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Shell-style: the exit code, a killing signal's status (signalStatus), 126/127 when it could not start. */
  status: number;
  cause: EndCause;
  /** TERM was not enough within the grace period: the group got KILL. */
  forced: boolean;
  /** Why it could not start (its errno code, ENOENT …), else null. */
  startError: string | null;
}

export interface SupervisedGroup {
  /** Ends the run for `cause` unless an earlier cause won. */
  end(cause: EndCause): void;
  /** Settles once the child exited and its group is gone. */
  readonly ended: Promise<GroupEnd>;
}

/** Supervises `child` (spawned with `detached: true`) until it and its group are gone. */
export function superviseGroup(child: ChildProcess, limits: GroupLimits = {}): SupervisedGroup {
  let cause: EndCause | null = null;
  let wake: () => void = () => {};
  const woken = new Promise<void>((r) => (wake = r));
  const end = (c: EndCause) => {
    if (cause !== null) return;
    cause = c;
    wake();
  };
  let startError: string | null = null;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
    child.once('error', (e: NodeJS.ErrnoException) => {
      if (child.pid === undefined) startError = e.code ?? e.message;
      resolve({ code: null, signal: null });
    });
  });
  void exited.then(() => end('exit'));
  const pid = child.pid;
  let timer: NodeJS.Timeout | undefined;
  const onAbort = () => end('cancel');
  if (pid !== undefined) {
    if (limits.timeoutMs && limits.timeoutMs > 0) timer = setTimeout(() => end('timeout'), timerDelay(limits.timeoutMs));
    limits.signal?.addEventListener('abort', onAbort, { once: true });
    if (limits.signal?.aborted) end('cancel'); // aborted before (or while) it started
  }
  const ended = (async (): Promise<GroupEnd> => {
    try {
      await woken;
      // After an exit, its leftovers (background children) end with it; after any
      // other cause the leader itself is in the group being ended.
      const ending = pid !== undefined && (cause !== 'exit' || limits.endLeftovers !== false);
      const forced = ending ? await endGroup(pid, limits.graceMs ?? DEFAULT_GRACE_MS) : false;
      const { code, signal } = await exited;
      const unstarted = pid === undefined || (code === null && signal === null);
      const status = unstarted ? (startError === 'EACCES' ? 126 : 127) : (code ?? signalStatus(signal));
      return { code, signal, status, cause: cause ?? 'exit', forced, startError: unstarted ? (startError ?? 'could not start') : null };
    } finally {
      clearTimeout(timer);
      limits.signal?.removeEventListener('abort', onAbort);
    }
  })();
  return { end, ended };
}

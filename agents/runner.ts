// One agent run as a process: stdin /dev/null (Claude, Codex and opencode hang on
// an open pipe), its own process group, ended — the whole group, TERM then KILL after
// a grace period — on timeout, on a stall (no output and no file change for N s) or
// when the caller's AbortSignal fires. Every way the run can end is a cause racing
// the exit; the first cause wins and the one result object says which.
import { closeSync, fstatSync, openSync, watch, type FSWatcher } from 'node:fs';
import type { Options } from 'execa';
import type { Env } from '../lib/context.js';
import { endGroup, signalStatus } from '../lib/process.js';
import { timerDelay } from '../lib/timer.js';

export interface RunOptions {
  argv: string[];
  cwd: string;
  env: Env;
  signal?: AbortSignal;
  /** Longest run in ms (0/undefined: none). */
  timeoutMs?: number;
  /** Longest time without output and without a file change under `watchDir` (0/undefined: none). */
  stallMs?: number;
  /** TERM → KILL grace in ms (default 5000). */
  graceMs?: number;
  /** A folder whose file changes count as activity (the builder's worktree). */
  watchDir?: string;
  /** Where stdout goes: a file appended to (survives us), else a pipe read by onStdout. */
  stdoutFile?: string;
  /** Where stderr goes: a file appended to, else a pipe read by onStderr. */
  stderrFile?: string;
  onStdout?: (chunk: string) => void;
  onStderr?: (chunk: string) => void;
  onSpawn?: (pid: number) => void;
}

export type EndCause = 'exit' | 'timeout' | 'stall' | 'cancel';

export interface RunResult {
  /** Shell-style status: the exit code, or 128 + signal number; 127 when it could not start. */
  code: number;
  signal: string | null;
  cause: EndCause;
  timedOut: boolean;
  stalled: boolean;
  canceled: boolean;
  /** The group had to be sent SIGKILL (TERM was not enough within the grace period). */
  forced: boolean;
  /** Why it could not start (ENOENT, EACCES …), else null. */
  startError: string | null;
  pid: number | null;
  durationMs: number;
}


// The group's probes and its end live with the other process code (lib/process.ts).
export { endGroup, groupMembers } from '../lib/process.js';

function fileSize(fd: number | null): number {
  if (fd === null) return -1;
  try {
    return fstatSync(fd).size;
  } catch {
    return -1;
  }
}

export async function runAgent(opts: RunOptions): Promise<RunResult> {
  const started = Date.now();
  const graceMs = opts.graceMs ?? 5000;
  const [file, ...args] = opts.argv;
  const base: RunResult = { code: 127, signal: null, cause: 'exit', timedOut: false, stalled: false, canceled: false, forced: false, startError: null, pid: null, durationMs: 0 };
  if (!file) return { ...base, startError: 'empty command' };
  if (opts.signal?.aborted) return { ...base, code: 130, cause: 'cancel', canceled: true, durationMs: 0 };

  const outFd = opts.stdoutFile ? openSync(opts.stdoutFile, 'a') : null;
  const errFd = opts.stderrFile ? (opts.stderrFile === opts.stdoutFile ? outFd : openSync(opts.stderrFile, 'a')) : null;
  let lastActivity = Date.now();
  const touch = () => void (lastActivity = Date.now());
  let watcher: FSWatcher | null = null;
  let ticker: NodeJS.Timeout | null = null;
  let timer: NodeJS.Timeout | null = null;
  let onAbort: (() => void) | null = null;
  try {
    const options: Options = {
      cwd: opts.cwd,
      env: opts.env as Record<string, string>,
      extendEnv: false,
      stdin: 'ignore',
      stdout: (outFd ?? 'pipe') as Options['stdout'],
      stderr: (errFd ?? 'pipe') as Options['stderr'],
      detached: true,
      cleanup: false, // we end the whole group ourselves; execa would signal the leader only
      reject: false,
      buffer: false,
      stripFinalNewline: false,
    };
    // Loaded on first use: execa costs more to load than the rest of a handler.
    const { execa } = await import('execa');
    const child = execa(file, args, options);
    const pid = child.pid ?? null;
    if (outFd === null) child.stdout?.setEncoding('utf8').on('data', (d: string) => (touch(), opts.onStdout?.(d)));
    if (errFd === null) child.stderr?.setEncoding('utf8').on('data', (d: string) => (touch(), opts.onStderr?.(d)));

    // Causes race the exit; the first one to settle wins.
    let cause: EndCause | null = null;
    let wake: () => void = () => {};
    const woken = new Promise<void>((r) => (wake = r));
    const end = (c: EndCause) => {
      if (cause === null) {
        cause = c;
        wake();
      }
    };
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
      child.once('exit', (code, signal) => resolve({ code, signal }));
      child.once('error', () => resolve({ code: null, signal: null }));
    });
    void exited.then(() => end('exit'));

    if (pid !== null) {
      if (opts.timeoutMs && opts.timeoutMs > 0) timer = setTimeout(() => end('timeout'), timerDelay(opts.timeoutMs));
      if (opts.signal) {
        onAbort = () => end('cancel');
        opts.signal.addEventListener('abort', onAbort, { once: true });
      }
      if (opts.stallMs && opts.stallMs > 0) {
        if (opts.watchDir) {
          try {
            watcher = watch(opts.watchDir, { recursive: true }, touch);
            watcher.on('error', () => {
              // Too many folders to watch (inotify limits): output alone decides.
              watcher?.close();
              watcher = null;
            });
          } catch {
            watcher = null;
          }
        }
        const sizes = [fileSize(outFd), fileSize(errFd)];
        const every = Math.max(20, Math.min(opts.stallMs / 4, 5000));
        ticker = setInterval(() => {
          const now = [fileSize(outFd), fileSize(errFd)];
          if (now[0] !== sizes[0] || now[1] !== sizes[1]) {
            sizes[0] = now[0]!;
            sizes[1] = now[1]!;
            touch();
          }
          if (Date.now() - lastActivity >= opts.stallMs!) end('stall');
        }, every);
      }
    }
    if (pid !== null) {
      opts.onSpawn?.(pid);
      if (opts.signal?.aborted) end('cancel'); // aborted while we were starting it
    }
    await woken;
    const why = cause as EndCause | null ?? 'exit';
    let forced = false;
    if (pid !== null) {
      // Leftovers of the agent (background shells) end with it; after a timeout,
      // stall or cancel the leader itself is in the group being ended.
      forced = await endGroup(pid, graceMs);
    }
    const { code, signal } = await exited;
    // A process that left our group (setsid) may still hold the pipes: do not wait on it.
    const streamsDone = setTimeout(() => (child.stdout?.destroy(), child.stderr?.destroy()), 2000);
    const result = await child;
    clearTimeout(streamsDone);
    let startError: string | null = null;
    let status: number;
    if (pid === null || (code === null && signal === null)) {
      const e = result as unknown as { code?: string; shortMessage?: string; originalMessage?: string };
      startError = e.code ?? e.originalMessage ?? e.shortMessage ?? 'could not start';
      status = e.code === 'EACCES' ? 126 : 127;
    } else {
      status = code ?? signalStatus(signal);
    }
    return {
      code: status,
      signal: signal ?? null,
      cause: why,
      timedOut: why === 'timeout',
      stalled: why === 'stall',
      canceled: why === 'cancel',
      forced,
      startError,
      pid,
      durationMs: Date.now() - started,
    };
  } finally {
    if (timer) clearTimeout(timer);
    if (ticker) clearInterval(ticker);
    (watcher as FSWatcher | null)?.close();
    if (onAbort) opts.signal?.removeEventListener('abort', onAbort);
    if (outFd !== null) closeSync(outFd);
    if (errFd !== null && errFd !== outFd) closeSync(errFd);
  }
}

// One agent run as a process: stdin /dev/null (Claude, Codex and opencode hang on
// an open pipe), its own process group, ended — the whole group, TERM then KILL after
// a grace period — on timeout, on a stall (no output and no file change for N s) or
// when the caller's AbortSignal fires. Every way the run can end is a cause racing
// the exit; the first cause wins and the one result object says which.
import { closeSync, fstatSync, openSync, watch, type FSWatcher } from 'node:fs';
import type { Options } from 'execa';
import type { Env } from '../../core/context.js';
import { superviseGroup, type EndCause } from '../../core/child.js';

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

export type { EndCause };

export interface RunResult {
  /** Shell-style status: the exit code, or a killing signal's status (signalStatus); 127 when it could not start. */
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


// The group's probes and its end live with the other process code (core/proc.ts);
// the race of the end causes and the group's end are core/child.ts's superviseGroup.

function fileSize(fd: number | null): number {
  if (fd === null) return -1;
  try {
    return fstatSync(fd).size;
  } catch {
    return -1;
  }
}

/**
 * The stall cause: no output (piped or into the files) and no file change under
 * `watchDir` for `stallMs`. Returns the activity hook for piped output and a stop.
 */
function watchStall(opts: RunOptions, fds: (number | null)[], stalled: () => void): { touch: () => void; close: () => void } {
  let lastActivity = Date.now();
  const touch = () => void (lastActivity = Date.now());
  const stallMs = opts.stallMs ?? 0;
  if (stallMs <= 0) return { touch, close: () => {} };
  let watcher: FSWatcher | null = null;
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
  const sizes = fds.map(fileSize);
  const ticker = setInterval(() => {
    const now = fds.map(fileSize);
    if (now.some((n, i) => n !== sizes[i])) {
      now.forEach((n, i) => (sizes[i] = n));
      touch();
    }
    if (Date.now() - lastActivity >= stallMs) stalled();
  }, Math.max(20, Math.min(stallMs / 4, 5000)));
  return { touch, close: () => (clearInterval(ticker), watcher?.close()) };
}

/** Why execa could not start the program (its errno code first) and the shell's status for it. */
function startFailure(result: unknown): { startError: string; status: number } {
  const e = result as { code?: string; shortMessage?: string; originalMessage?: string };
  return { startError: e.code ?? e.originalMessage ?? e.shortMessage ?? 'could not start', status: e.code === 'EACCES' ? 126 : 127 };
}

export async function runAgent(opts: RunOptions): Promise<RunResult> {
  const started = Date.now();
  const [file, ...args] = opts.argv;
  const base: RunResult = { code: 127, signal: null, cause: 'exit', timedOut: false, stalled: false, canceled: false, forced: false, startError: null, pid: null, durationMs: 0 };
  if (!file) return { ...base, startError: 'empty command' };
  if (opts.signal?.aborted) return { ...base, code: 130, cause: 'cancel', canceled: true, durationMs: 0 };

  const outFd = opts.stdoutFile ? openSync(opts.stdoutFile, 'a') : null;
  const errFd = opts.stderrFile ? (opts.stderrFile === opts.stdoutFile ? outFd : openSync(opts.stderrFile, 'a')) : null;
  let stall: { touch: () => void; close: () => void } | null = null;
  try {
    const options: Options = {
      cwd: opts.cwd,
      env: opts.env as Record<string, string>,
      extendEnv: false,
      stdin: 'ignore',
      stdout: (outFd ?? 'pipe') as Options['stdout'],
      stderr: (errFd ?? 'pipe') as Options['stderr'],
      detached: true,
      cleanup: false, // the group is ended by superviseGroup; execa would signal the leader only
      reject: false,
      buffer: false,
      stripFinalNewline: false,
    };
    // Loaded on first use: execa costs more to load than the rest of a handler.
    const { execa } = await import('execa');
    const child = execa(file, args, options);
    const pid = child.pid ?? null;
    const group = superviseGroup(child, { signal: opts.signal, timeoutMs: opts.timeoutMs, graceMs: opts.graceMs });
    const activity = (stall = pid !== null ? watchStall(opts, [outFd, errFd], () => group.end('stall')) : null);
    const touch = () => activity?.touch();
    if (outFd === null) child.stdout?.setEncoding('utf8').on('data', (d: string) => (touch(), opts.onStdout?.(d)));
    if (errFd === null) child.stderr?.setEncoding('utf8').on('data', (d: string) => (touch(), opts.onStderr?.(d)));
    if (pid !== null) opts.onSpawn?.(pid);
    const end = await group.ended;
    // A process that left our group (setsid) may still hold the pipes: do not wait on it.
    const streamsDone = setTimeout(() => (child.stdout?.destroy(), child.stderr?.destroy()), 2000);
    const result = await child;
    clearTimeout(streamsDone);
    const failed = end.startError !== null ? startFailure(result) : null;
    return {
      code: failed?.status ?? end.status,
      signal: end.signal,
      cause: end.cause,
      timedOut: end.cause === 'timeout',
      stalled: end.cause === 'stall',
      canceled: end.cause === 'cancel',
      forced: end.forced,
      startError: failed?.startError ?? null,
      pid,
      durationMs: Date.now() - started,
    };
  } finally {
    stall?.close();
    if (outFd !== null) closeSync(outFd);
    if (errFd !== null && errFd !== outFd) closeSync(errFd);
  }
}

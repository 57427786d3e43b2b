// Processes by PID, the platform part: the one reader of /proc, liveness, ending a whole
// process group, waiting for exit, and the signal → exit-status table. It knows nothing
// of argo; the proofs that a pid is ours (store/processes.ts) are built on it.
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { constants as osConstants } from 'node:os';

/** kill(2) takes an int: anything above cannot be signalled as one process. */
const PID_MAX = 2 ** 31 - 1;

/**
 * The pid in `text` (a pid file, a state field): digits only, surrounding white
 * space allowed, > 1 (0, 1 and negatives mean "a group", "init", "everyone" to kill).
 */
export function parsePid(text: unknown): number | undefined {
  if (typeof text === 'number') text = String(text);
  if (typeof text !== 'string') return undefined;
  const t = text.trim();
  if (!/^[0-9]{1,10}$/.test(t)) return undefined;
  const n = Number(t);
  return n > 1 && n <= PID_MAX ? n : undefined;
}

/** What /proc says about a live process (fields undefined when unreadable). */
export interface ProcInfo {
  pid: number;
  comm: string;
  args: string[];
  cwd: string | undefined;
  pgid: number | undefined;
}

// The one reader of /proc in the code base: every other module asks these functions
// (a process's identity, its group, its start, its liveness), so a parse is written once.

export function readProc(pid: number | 'self', entry: string): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/${entry}`, 'utf8');
  } catch {
    return undefined;
  }
}

/** The fields of /proc/<pid>/stat after "pid (comm)" (field 3, the state, is [0]); undefined when unreadable. */
export function statFields(pid: number | 'self'): string[] | undefined {
  const stat = readProc(pid, 'stat');
  // comm may hold spaces and ')': split after the last ')'
  return stat ? stat.slice(stat.lastIndexOf(')') + 2).split(' ') : undefined;
}

/** Where an open file descriptor of this process points (/proc/self/fd/N); undefined when it cannot be told. */
export function openFdPath(fd: number): string | undefined {
  try {
    return readlinkSync(`/proc/self/fd/${fd}`);
  } catch {
    return undefined;
  }
}

/** The pids /proc lists (undefined when there is no /proc). */
export function procPids(): number[] | undefined {
  try {
    return readdirSync('/proc').filter((n) => /^[0-9]+$/.test(n)).map(Number);
  } catch {
    return undefined;
  }
}

/** A process's NUL-separated environment (undefined for another user's process or one that ended). */
export function procEnviron(pid: number): string | undefined {
  return readProc(pid, 'environ');
}

/** A running process (a zombie that nobody reaped yet has ended: not alive). */
export function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  const fields = statFields(pid);
  // no /proc (not Linux): kill(0) said it exists
  return fields === undefined || fields[0] !== 'Z';
}

/**
 * /proc/<pid>/stat field 22 (the start, in clock ticks since boot) as written: with
 * the pid, it names a process for good ('' when unreadable).
 */
export function procStartTicks(pid: number | 'self'): string {
  return statFields(pid)?.[19] ?? '';
}

/** Members of process group `pgid` that have not ended (zombies count as ended). */
export function groupMembers(pgid: number): number[] {
  if (!Number.isInteger(pgid) || pgid <= 1) return [];
  try {
    process.kill(-pgid, 0);
  } catch {
    return [];
  }
  const pids = procPids();
  if (pids === undefined) return [pgid]; // no /proc: kill(0) said the group exists
  const found: number[] = [];
  for (const pid of pids) {
    const fields = statFields(pid); // undefined: it ended while we looked
    // state ppid pgrp …
    if (fields && Number(fields[2]) === pgid && fields[0] !== 'Z') found.push(pid);
  }
  return found;
}

/** The process's identity from /proc, or undefined when it is not running. */
export function procInfo(pid: number): ProcInfo | undefined {
  if (!pidAlive(pid)) return undefined;
  const stat = readProc(pid, 'stat') ?? '';
  // "pid (comm) S ppid pgrp …": comm may hold spaces and ')', so split after the last ')'.
  const close = stat.lastIndexOf(')');
  const comm = close > 0 ? stat.slice(stat.indexOf('(') + 1, close) : (readProc(pid, 'comm') ?? '').trim();
  const fields = close > 0 ? stat.slice(close + 2).split(' ') : [];
  const pgid = fields[2] !== undefined ? Number(fields[2]) : undefined;
  const cmdline = readProc(pid, 'cmdline') ?? '';
  let cwd: string | undefined;
  try {
    cwd = readlinkSync(`/proc/${pid}/cwd`);
  } catch {
    cwd = undefined; // another user's process, or it just ended
  }
  // NUL-terminated arguments (empty for a kernel thread or a zombie)
  const args = cmdline === '' ? [] : cmdline.replace(/\0$/, '').split('\0');
  return { pid, comm: comm || '?', args, cwd, pgid: Number.isInteger(pgid) ? pgid : undefined };
}

// Stryker disable all: a mutant here could signal a process that is not ours (kill(-1)
// ends everything of the user); these are tested as they are, never mutated.
/** SIGTERM (or `signal`) to a process group; false when there was none. */
export function killGroup(pgid: number | undefined, signal: NodeJS.Signals = 'SIGTERM'): boolean {
  // never 0/1/negative: kill(-1) would be every process we may signal
  if (!pgid || !Number.isInteger(pgid) || pgid <= 1) return false;
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

export function killPid(pid: number, signal: NodeJS.Signals = 'SIGTERM'): boolean {
  if (!Number.isInteger(pid) || pid <= 1) return false;
  try {
    process.kill(pid, signal);
    return true;
  } catch {
    return false;
  }
}

/** A shell's exit status for a process ended by `signal` (a name): 128 + its number, SIGTERM's when unknown. */
export function signalStatus(signal: unknown): number {
  const n = typeof signal === 'string' ? osConstants.signals[signal as NodeJS.Signals] : undefined;
  return 128 + (n ?? 15);
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Waits until `pid` is gone; true if it went within `timeoutMs`. */
export async function waitGone(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (pidAlive(pid)) {
    if (Date.now() >= deadline) return false;
    await sleep(20);
  }
  return true;
}

/**
 * SIGTERM, wait, then SIGKILL: ends `pid` for sure (by PID, never by name). The
 * SIGKILL goes only if `stillOurs` still holds (the pid may have been reused).
 */
export async function terminate(pid: number, graceMs = 5000, stillOurs: () => boolean = () => true): Promise<void> {
  if (!killPid(pid)) return;
  if (await waitGone(pid, graceMs)) return;
  if (stillOurs()) killPid(pid, 'SIGKILL');
  await waitGone(pid, 1000);
}

/**
 * Ends process group `pgid` and waits until it is gone: TERM to the group, KILL after
 * `graceMs` if any member is left, then up to 2 s more for the KILLed to go. True
 * when KILL was needed. The caller proves the group is ours (it started it).
 */
export async function endGroup(pgid: number, graceMs: number): Promise<boolean> {
  if (groupMembers(pgid).length === 0) return false;
  killGroup(pgid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (groupMembers(pgid).length === 0) return false;
    await sleep(Math.min(50, Math.max(1, deadline - Date.now())));
  }
  if (groupMembers(pgid).length === 0) return false;
  killGroup(pgid, 'SIGKILL');
  const killDeadline = Date.now() + 2000;
  while (groupMembers(pgid).length > 0 && Date.now() < killDeadline) await sleep(20);
  return true;
}

// Stryker restore all

/** Seconds since boot → epoch ms: /proc/stat's btime (whole seconds) and USER_HZ (100 on Linux). */
export function bootTimeMs(): number | undefined {
  let text = '';
  try {
    text = readFileSync('/proc/stat', 'utf8');
  } catch {
    return undefined;
  }
  const m = /^btime (\d+)$/m.exec(text);
  return m ? Number(m[1]) * 1000 : undefined;
}
const USER_HZ = 100;
/** btime is rounded to a second and moves with clock adjustments: a start this much before the run still counts. */
export const START_SLACK_MS = 2000;

/** When `pid` started (epoch ms, from /proc/<pid>/stat field 22), or undefined. */
export function procStartMs(pid: number, boot: number | undefined = bootTimeMs()): number | undefined {
  const fields = statFields(pid);
  if (!fields || boot === undefined) return undefined;
  const ticks = Number(fields[19]);
  return Number.isFinite(ticks) ? boot + (ticks * 1000) / USER_HZ : undefined;
}

/** /proc/<pid>/status as text (Uid:, VmRSS: …), or undefined. */
export function procStatus(pid: number): string | undefined {
  return readProc(pid, 'status');
}

/** The real uid `pid` runs as (/proc/<pid>/status), or undefined. */
export function procUid(pid: number): number | undefined {
  const m = /^Uid:\s+(\d+)/m.exec(procStatus(pid) ?? '');
  return m ? Number(m[1]) : undefined;
}

/** Our own pid and every ancestor's (never swept: a builder may run stop_workflow itself). */
export function selfAndAncestors(): Set<number> {
  const seen = new Set<number>();
  let pid: number | undefined = process.pid;
  while (pid !== undefined && pid > 1 && !seen.has(pid)) {
    seen.add(pid);
    const ppid: string | undefined = statFields(pid)?.[1];
    pid = ppid !== undefined ? Number(ppid) : undefined;
  }
  return seen;
}

// Ends every process a builder run started, whatever process group or session it
// moved to: a daemon started with `setsid` leaves the builder's group, so the group
// kill misses it, but it keeps the environment it was started with. Each builder run
// gets a random token in ARGO_RUN_TOKEN; the sweep reads every process's environment (core/proc.ts) for it and
// ends each process proven to carry it (store/processes.ts runTokenProof): TERM, a grace
// period, the proof again, then KILL. A process that cleared its environment
// (`env -i`) cannot be found this way (docs/SAFETY-PROCESSES.md).
import { randomBytes } from 'node:crypto';
import { runTokenProof, runTokenSince } from './processes.js';
import { killPid, parsePid, procEnviron, procPids, selfAndAncestors, sleep, pidAlive } from '../core/proc.js';

/** A fresh token for one builder run; it carries the run's start (runTokenSince). */
export function newRunToken(now = Date.now()): string {
  return `${String(now).padStart(13, '0')}-${randomBytes(16).toString('hex')}`;
}

/** Pids whose environment holds one of `tokens` and which are proven to be that run's (one /proc scan). */
export function tokenProcesses(tokens: string[]): number[] {
  const valid = tokens.filter((t) => runTokenSince(t) !== undefined);
  if (valid.length === 0) return [];
  const exclude = selfAndAncestors();
  const found: number[] = [];
  for (const pid of procPids() ?? []) {
    if (parsePid(pid) === undefined || exclude.has(pid)) continue;
    const environ = procEnviron(pid); // another user's: unreadable, skipped
    if (environ === undefined) continue;
    // a substring test first (cheap); the proof then matches the exact entry
    const token = valid.find((t) => environ.includes(t));
    if (token !== undefined && runTokenProof(pid, token, exclude).ours) found.push(pid);
  }
  return found;
}

export interface SweepResult {
  /** Pids sent SIGTERM. */
  ended: number[];
  /** Pids that needed SIGKILL (still proven ours after the grace period). */
  killed: number[];
}

/**
 * Ends every process of the builder runs `tokens` (malformed tokens are ignored):
 * TERM, up to `graceMs` for them to go, then KILL to those still proven ours. A
 * process may start another while it is being ended, so the scan is repeated
 * (at most three rounds) until it finds nothing.
 */
export async function sweepRuns(tokens: (string | null | undefined)[], graceMs = 5000): Promise<SweepResult> {
  const list = tokens.filter((t): t is string => typeof t === 'string');
  const result: SweepResult = { ended: [], killed: [] };
  for (let round = 0; round < 3; round++) {
    const pids = tokenProcesses(list);
    if (pids.length === 0) break;
    for (const pid of pids) if (killPid(pid, 'SIGTERM')) result.ended.push(pid);
    const deadline = Date.now() + graceMs;
    while (pids.some(pidAlive) && Date.now() < deadline) await sleep(20);
    for (const pid of pids) {
      if (!pidAlive(pid)) continue;
      // the pid may have ended and been reused meanwhile: prove it again
      const token = list.find((t) => runTokenProof(pid, t).ours);
      if (token !== undefined && killPid(pid, 'SIGKILL')) result.killed.push(pid);
    }
  }
  return result;
}

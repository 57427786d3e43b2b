// Processes by PID only: liveness, ending a whole process group, waiting for exit.
export { pidAlive } from './lock.js';
import { pidAlive } from './lock.js';

/** SIGTERM (or `signal`) to a process group; false when there was none. */
export function killGroup(pgid: number | undefined, signal: NodeJS.Signals = 'SIGTERM'): boolean {
  if (!pgid) return false;
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

export function killPid(pid: number, signal: NodeJS.Signals = 'SIGTERM'): boolean {
  try {
    process.kill(pid, signal);
    return true;
  } catch {
    return false;
  }
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

/** SIGTERM, wait, then SIGKILL: ends `pid` for sure (by PID, never by name). */
export async function terminate(pid: number, graceMs = 5000): Promise<void> {
  if (!killPid(pid)) return;
  if (await waitGone(pid, graceMs)) return;
  killPid(pid, 'SIGKILL');
  await waitGone(pid, 1000);
}

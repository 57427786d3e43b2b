// The project's start lock: an exclusive flock on .argo-project/start.lock held by
// start_workflow while it stops an old orchestrator, writes the query and starts a
// new one, and by stop_workflow while it stops — so neither acts on half a start.
import { closeSync } from 'node:fs';
import { join } from 'node:path';
import { flockExclusive, openLockFile, tryFlockSync } from './lock.js';

/** Longest wait for another start or stop of the same project (their work is bounded: ~10 s). */
export const START_LOCK_WAIT_MS = 60_000;

export const startLockPath = (project: string) => join(project, '.argo-project', 'start.lock');

/**
 * Runs `fn` holding the project's start lock; `onWait` is told once when another
 * holder makes us wait. Undefined (and `fn` not run) when the lock stayed taken
 * for `waitMs`.
 */
export function withStartLock<T>(
  project: string,
  onWait: (lockFile: string) => void,
  fn: () => Promise<T>,
  waitMs = START_LOCK_WAIT_MS,
): Promise<{ value: T } | undefined> {
  return withWaitedLock(startLockPath(project), onWait, AbortSignal.timeout(waitMs), fn);
}

/**
 * Runs `fn` holding an exclusive flock on `lockFile` (the start lock, merge_build's
 * merge.lock). `onWait` is told once when another holder makes us wait; undefined
 * (and `fn` not run) when `until` aborts first (a deadline, a stop).
 */
export async function withWaitedLock<T>(
  lockFile: string,
  onWait: (lockFile: string) => void,
  until: AbortSignal,
  fn: () => Promise<T>,
): Promise<{ value: T } | undefined> {
  const fd = openLockFile(lockFile); // close-on-exec: a child we start never holds it
  try {
    if (!tryFlockSync(fd)) {
      onWait(lockFile);
      try {
        await flockExclusive(fd, until);
      } catch (e) {
        if (until.aborted) return undefined;
        throw e;
      }
    }
    return { value: await fn() };
  } finally {
    closeSync(fd); // releases the flock
  }
}

// The project's start lock: an exclusive flock on .argo-project/start.lock held by
// start_workflow while it stops an old orchestrator, writes the query and starts a
// new one, and by stop_workflow while it stops — so neither acts on half a start.
import { closeSync } from 'node:fs';
import { flockExclusive, openLockFile, tryFlockSync } from '../core/lock.js';
import { argoPaths } from './layout.js';

/** Longest wait for another start or stop of the same project (their work is bounded: ~10 s). */
export const START_LOCK_WAIT_MS = 60_000;

export const startLockPath = (project: string) => argoPaths(project).startLock;

/** The start lock, held until `release()` (idempotent). */
export interface StartLock {
  release(): void;
}

/**
 * Takes the project's start lock; `onWait` is told once when another holder makes us
 * wait. Undefined when the lock stayed taken for `waitMs`.
 */
export async function takeStartLock(project: string, onWait: (lockFile: string) => void, waitMs = START_LOCK_WAIT_MS): Promise<StartLock | undefined> {
  const lockFile = startLockPath(project);
  const fd = openLockFile(lockFile); // close-on-exec: the orchestrator we start never holds it
  let held = true;
  const lock = {
    release: () => {
      if (held) closeSync(fd); // releases the flock
      held = false;
    },
  };
  try {
    if (!tryFlockSync(fd)) {
      onWait(lockFile);
      const deadline = AbortSignal.timeout(waitMs);
      try {
        await flockExclusive(fd, deadline);
      } catch (e) {
        if (!deadline.aborted) throw e;
        lock.release();
        return undefined;
      }
    }
    return lock;
  } catch (e) {
    lock.release();
    throw e;
  }
}

/**
 * Runs `fn` holding the project's start lock; `onWait` is told once when another
 * holder makes us wait. Undefined (and `fn` not run) when the lock stayed taken
 * for `waitMs`.
 */
export async function withStartLock<T>(
  project: string,
  onWait: (lockFile: string) => void,
  fn: () => Promise<T>,
  waitMs = START_LOCK_WAIT_MS,
): Promise<{ value: T } | undefined> {
  const lock = await takeStartLock(project, onWait, waitMs);
  if (!lock) return undefined;
  try {
    return { value: await fn() };
  } finally {
    lock.release();
  }
}

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

/** A held lock file (the start lock, merge_build's merge.lock), until `release()` (idempotent). */
export interface StartLock {
  release(): void;
}

/**
 * Takes an exclusive flock on `lockFile`; `onWait` is told once when another holder
 * makes us wait. Undefined when `until` aborts first (a deadline, a stop).
 */
export async function takeLock(lockFile: string, onWait: (lockFile: string) => void, until: AbortSignal): Promise<StartLock | undefined> {
  const fd = openLockFile(lockFile); // close-on-exec: a child we start never holds it
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
      try {
        await flockExclusive(fd, until);
      } catch (e) {
        if (!until.aborted) throw e;
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

/** The project's start lock, or undefined when it stayed taken for `waitMs`. */
export function takeStartLock(project: string, onWait: (lockFile: string) => void, waitMs = START_LOCK_WAIT_MS): Promise<StartLock | undefined> {
  return takeLock(startLockPath(project), onWait, AbortSignal.timeout(waitMs));
}

/** Runs `fn` holding `lockFile`; undefined (and `fn` not run) when `until` aborts first. */
export async function withWaitedLock<T>(lockFile: string, onWait: (lockFile: string) => void, until: AbortSignal, fn: () => Promise<T>): Promise<{ value: T } | undefined> {
  const lock = await takeLock(lockFile, onWait, until);
  if (!lock) return undefined;
  try {
    return { value: await fn() };
  } finally {
    lock.release();
  }
}

/** Runs `fn` holding the project's start lock; undefined (and `fn` not run) when it stayed taken for `waitMs`. */
export function withStartLock<T>(
  project: string,
  onWait: (lockFile: string) => void,
  fn: () => Promise<T>,
  waitMs = START_LOCK_WAIT_MS,
): Promise<{ value: T } | undefined> {
  return withWaitedLock(startLockPath(project), onWait, AbortSignal.timeout(waitMs), fn);
}

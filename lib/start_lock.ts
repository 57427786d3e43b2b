// The project's start lock: an exclusive flock on .argo-project/start.lock held by
// start_workflow while it stops an old orchestrator, writes the query and starts a
// new one, and by stop_workflow while it stops — so neither acts on half a start.
import { closeSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { openLockFile } from './lock.js';
import { sleep } from './process.js';

const require = createRequire(import.meta.url);
const fsExt = require('fs-ext') as { flockSync(fd: number, how: 'exnb' | 'un'): void };

/** Longest wait for another start or stop of the same project (their work is bounded: ~10 s). */
export const START_LOCK_WAIT_MS = 60_000;

export const startLockPath = (project: string) => join(project, '.argo-project', 'start.lock');

function tryFlock(fd: number): boolean {
  try {
    fsExt.flockSync(fd, 'exnb');
    return true;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EAGAIN' || code === 'EWOULDBLOCK') return false;
    throw e;
  }
}

/**
 * Runs `fn` holding the project's start lock; `onWait` is told once when another
 * holder makes us wait. Undefined (and `fn` not run) when the lock stayed taken
 * for `waitMs`.
 */
export async function withStartLock<T>(project: string, onWait: (lockFile: string) => void, fn: () => Promise<T>, waitMs = START_LOCK_WAIT_MS): Promise<{ value: T } | undefined> {
  const lockFile = startLockPath(project);
  const fd = openLockFile(lockFile); // the descriptor is close-on-exec: children never hold the lock
  try {
    if (!tryFlock(fd)) {
      onWait(lockFile);
      const deadline = Date.now() + waitMs;
      for (;;) {
        if (Date.now() >= deadline) return undefined;
        await sleep(20);
        if (tryFlock(fd)) break;
      }
    }
    return { value: await fn() };
  } finally {
    closeSync(fd); // releases the flock
  }
}

// The one cross-process lock: an exclusive flock(2) on a lock file, the same lock
// the original's with_state_lock takes on .argo-project/state.lock, so old bash
// scripts using `flock` on it are serialised with us.
//
// Never blocks the event loop (the shim server serves many callers at once):
// non-blocking attempts with a short back-off, behind an in-process queue per file.
// Re-entrant across processes: a holder hands ARGO_STATE_LOCK_HELD=<path>:<pid> to
// what it runs, and a caller carrying a live token for the same file does not lock
// again (with_state_lock around a script that itself calls update_state).
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { createRequire } from 'node:module';
import type { Env } from './context.js';
import { ArgoError } from './errors.js';

const require = createRequire(import.meta.url);
const fsExt = require('fs-ext') as { flockSync(fd: number, how: 'exnb' | 'un'): void };

export const LOCK_TOKEN_VAR = 'ARGO_STATE_LOCK_HELD';

export class LockOpenError extends ArgoError {
  constructor(readonly lockPath: string, readonly errno: number, reason: string) {
    super(`cannot open lock file ${lockPath}: ${reason}`);
  }
}

const queues = new Map<string, Promise<unknown>>();

export function lockToken(lockPath: string, pid = process.pid): string {
  return `${resolve(lockPath)}:${pid}`;
}

/** True when `env` carries a token for this lock whose holder is still alive. */
export function heldByAncestor(lockPath: string, env: Env): boolean {
  const token = env[LOCK_TOKEN_VAR];
  if (!token) return false;
  const at = token.lastIndexOf(':');
  if (at < 0 || token.slice(0, at) !== resolve(lockPath)) return false;
  return pidAlive(Number(token.slice(at + 1)));
}

/** A running process (a zombie that nobody reaped yet has ended: not alive). */
export function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    // /proc/<pid>/stat: "pid (comm) S …" — the state letter follows the last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true; // no /proc (not Linux): kill(0) said it exists
  }
}

/** Opens (never truncates) the lock file; errors keep the errno for exit codes. */
export function openLockFile(lockPath: string): number {
  try {
    mkdirSync(dirname(lockPath), { recursive: true });
  } catch {
    /* the open below reports the real problem */
  }
  try {
    return openSync(lockPath, 'a');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new LockOpenError(lockPath, Math.abs(err.errno ?? 1), err.code ?? err.message);
  }
}

/** Waits for the flock on an open descriptor without blocking the event loop; `onWait` once if it must wait. */
export async function flockExclusive(fd: number, onWait?: () => void): Promise<void> {
  let delay = 1;
  for (;;) {
    try {
      fsExt.flockSync(fd, 'exnb');
      return;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'EAGAIN' && code !== 'EWOULDBLOCK') throw e;
    }
    if (delay === 1) onWait?.();
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, 25);
  }
}

/**
 * Runs `fn` while holding the lock. `fn` gets the token to pass on to children
 * (empty when the lock was already held by an ancestor and not taken here).
 */
export async function withFileLock<T>(lockPath: string, env: Env, fn: (token: string) => Promise<T>): Promise<T> {
  const abs = resolve(lockPath);
  if (heldByAncestor(abs, env)) return fn(env[LOCK_TOKEN_VAR]!);
  const previous = queues.get(abs) ?? Promise.resolve();
  let release!: () => void;
  const mine = new Promise<void>((r) => (release = r));
  const tail = previous.then(() => mine);
  queues.set(abs, tail);
  await previous;
  try {
    const fd = openLockFile(abs);
    try {
      await flockExclusive(fd);
      return await fn(lockToken(abs));
    } finally {
      closeSync(fd); // closing the only descriptor releases the flock
    }
  } finally {
    release();
    if (queues.get(abs) === tail) queues.delete(abs);
  }
}

// The one cross-process lock: an exclusive flock(2) on a lock file, the same lock
// the original's with_state_lock takes on .argo-project/state.lock, so old bash
// scripts using `flock` on it are serialised with us.
//
// Node has no flock(2) and installs must not need a compiler, so the call goes
// through one of two back-ends that both lock OUR open file description — the
// kernel drops the lock the moment we die, SIGKILL included:
//   native   the prebuilt addon of the optional dependency fs-ext-extra-prebuilt
//            (binaries inside the npm package; a syscall, microseconds);
//   flock(1) util-linux `flock` run on our descriptor, passed as its fd 3: it takes
//            the lock on the description we share with it and exits (~2 ms a lock).
// ARGO_LOCK_BACKEND=native|flock picks one (default: native when it loads).
//
// Never blocks the event loop: non-blocking attempts with a short back-off (native)
// or a child that waits (flock(1)), behind an in-process queue per file.
//
// Re-entrant across processes: a holder hands ARGO_STATE_LOCK_HELD=<path>:<nonce>
// to what it runs, and holds a flock on a record file named by the nonce beside
// the lock file. A caller carrying that token does not lock again when the record
// is still flock-held — a check that needs no pid, so it works across PID
// namespaces (a holder inside a container, our helper outside) and cannot be
// fooled by a recycled pid.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, unlinkSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { dirname, resolve } from 'node:path';
import { createRequire } from 'node:module';
import type { Env, WriteGate } from './context.js';
import { ArgoError } from './errors.js';

export const LOCK_TOKEN_VAR = 'ARGO_STATE_LOCK_HELD';

export class LockOpenError extends ArgoError {
  constructor(readonly lockPath: string, readonly errno: number, reason: string) {
    super(`cannot open lock file ${lockPath}: ${reason}`);
  }
}

// ---------------------------------------------------------------- back-ends

type NativeFlock = { flockSync(fd: number, how: 'exnb' | 'un'): number };
export type LockBackend = 'native' | 'flock(1)';

let chosen: { backend: LockBackend; native?: NativeFlock } | undefined;

function loadNative(): NativeFlock | undefined {
  try {
    return createRequire(import.meta.url)('fs-ext-extra-prebuilt') as NativeFlock;
  } catch {
    return undefined; // not installed (optional) or no binary for this Node/platform
  }
}

function backend(): { backend: LockBackend; native?: NativeFlock } {
  if (chosen) return chosen;
  const wanted = process.env.ARGO_LOCK_BACKEND ?? '';
  if (wanted !== '' && wanted !== 'native' && wanted !== 'flock') {
    throw new ArgoError(`ARGO_LOCK_BACKEND must be 'native' or 'flock', not '${wanted}'`);
  }
  const native = wanted === 'flock' ? undefined : loadNative();
  if (wanted === 'native' && !native) {
    throw new ArgoError(`ARGO_LOCK_BACKEND=native but fs-ext-extra-prebuilt has no binary for Node ${process.version} (${process.platform}-${process.arch})`);
  }
  chosen = native ? { backend: 'native', native } : { backend: 'flock(1)' };
  return chosen;
}

/** Which back-end takes the locks in this process. */
export function lockBackend(): LockBackend {
  return backend().backend;
}

const CONFLICT = 75; // flock(1) -E: "busy", told apart from its usage errors (64) and others

function flockToolError(detail: string): ArgoError {
  return new ArgoError(`cannot lock with flock(1) (util-linux): ${detail}; install util-linux, or the optional dependency fs-ext-extra-prebuilt`);
}

/** One attempt, never waits: true when the lock is now ours. */
export function tryFlockSync(fd: number): boolean {
  const b = backend();
  if (b.native) {
    try {
      b.native.flockSync(fd, 'exnb');
      return true;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN' || code === 'EWOULDBLOCK') return false;
      throw e;
    }
  }
  const r = spawnSync('flock', ['-x', '-n', '-E', String(CONFLICT), '3'], { stdio: ['ignore', 'ignore', 'pipe', fd] });
  if (r.error) throw flockToolError(r.error.message);
  if (r.status === 0) return true;
  if (r.status === CONFLICT) return false;
  throw flockToolError(`exit ${r.status ?? r.signal}: ${String(r.stderr).trim()}`);
}

function abortError(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new ArgoError('lock wait aborted');
}

/** Waits for the flock on an open descriptor without blocking the event loop. */
export async function flockExclusive(fd: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) throw abortError(signal);
  if (!backend().native) return flockByChild(fd, signal);
  let delay = 1;
  while (!tryFlockSync(fd)) {
    await new Promise((r) => setTimeout(r, delay));
    if (signal?.aborted) throw abortError(signal);
    delay = Math.min(delay * 2, 25);
  }
}

function flockByChild(fd: number, signal?: AbortSignal): Promise<void> {
  return new Promise((done, fail) => {
    const child = spawn('flock', ['-x', '3'], { stdio: ['ignore', 'ignore', 'pipe', fd] });
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    const onAbort = () => child.kill('SIGKILL'); // a flock that never got the lock leaves nothing behind
    signal?.addEventListener('abort', onAbort, { once: true });
    child.on('error', (e) => fail(flockToolError(e.message)));
    child.on('close', (code, sig) => {
      signal?.removeEventListener('abort', onAbort);
      if (code === 0) done();
      else if (signal?.aborted) fail(abortError(signal));
      else fail(flockToolError(`exit ${code ?? sig}: ${stderr.trim()}`));
    });
  });
}

// ---------------------------------------------------------------- files

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

// ---------------------------------------------------------------- tokens

const NONCE = /^[0-9a-f]{32}$/;

export function lockToken(lockPath: string, nonce: string): string {
  return `${resolve(lockPath)}:${nonce}`;
}

/** The record a holder keeps flock-held while its token is valid. Ends in .lock: project_cleanup sweeps crash leftovers. */
export function tokenRecordPath(lockPath: string, nonce: string): string {
  return `${resolve(lockPath)}.${nonce}.lock`;
}

/** True when `env` carries a token for this lock whose holder still holds it. */
export function heldByAncestor(lockPath: string, env: Env): boolean {
  const token = env[LOCK_TOKEN_VAR];
  if (!token) return false;
  const at = token.lastIndexOf(':');
  const nonce = token.slice(at + 1);
  if (at < 0 || token.slice(0, at) !== resolve(lockPath) || !NONCE.test(nonce)) return false;
  const record = tokenRecordPath(lockPath, nonce);
  const held = flockHeld(record);
  if (held === false) removeQuietly(record); // its holder died without cleaning up
  return held === true;
}

/** Whether some process holds a flock on `path`; undefined when it cannot be opened (gone). */
export function flockHeld(path: string): boolean | undefined {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return undefined;
  }
  try {
    return !tryFlockSync(fd);
  } finally {
    closeSync(fd);
  }
}

function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    /* gone already */
  }
}

// ---------------------------------------------------------------- holding

export interface HeldLock {
  /** The value of ARGO_STATE_LOCK_HELD for what runs under the lock ('' when none was asked for). */
  readonly token: string;
  release(): void;
}

export interface LockOptions {
  /** Mint a token for children (costs a record file; one more flock(1) run on that back-end). */
  token?: boolean;
  signal?: AbortSignal;
  /**
   * A shim caller's gate (withFileLock): checked once the lock is held, right before
   * `fn` writes, so a caller that stopped waiting is never written for.
   */
  gate?: WriteGate;
}

/** Takes the lock, waiting as long as needed (or until `signal`). */
export async function acquireLock(lockPath: string, opts: LockOptions = {}): Promise<HeldLock> {
  const abs = resolve(lockPath);
  const fd = openLockFile(abs);
  let recordFd = -1;
  let record = '';
  let token = '';
  try {
    await flockExclusive(fd, opts.signal);
    if (opts.token) {
      const nonce = randomBytes(16).toString('hex');
      record = tokenRecordPath(abs, nonce);
      recordFd = openSync(record, 'wx', 0o600);
      await flockExclusive(recordFd); // a brand-new file nobody else knows: no wait
      token = lockToken(abs, nonce);
    }
  } catch (e) {
    if (recordFd >= 0) closeSync(recordFd);
    if (record) removeQuietly(record);
    closeSync(fd);
    throw e;
  }
  let released = false;
  return {
    token,
    release() {
      if (released) return;
      released = true;
      if (record) {
        removeQuietly(record); // gone before the lock is, so no caller trusts a freed lock
        closeSync(recordFd);
      }
      closeSync(fd); // closing the only descriptor releases the flock
    },
  };
}

const queues = new Map<string, Promise<unknown>>();

/**
 * Runs `fn` while holding the lock, or at once when an ancestor holds it for us.
 * `fn` gets the token to pass on to children: the ancestor's, a fresh one with
 * `{ token: true }`, else ''.
 */
export async function withFileLock<T>(
  lockPath: string,
  env: Env,
  fn: (token: string) => Promise<T>,
  opts: LockOptions = {},
): Promise<T> {
  const abs = resolve(lockPath);
  const open = () => {
    if (opts.gate && !opts.gate.beginWrite()) throw new ArgoError(`gave up waiting for the lock ${abs}; nothing changed`);
  };
  if (heldByAncestor(abs, env)) {
    open();
    return fn(env[LOCK_TOKEN_VAR]!);
  }
  const previous = queues.get(abs) ?? Promise.resolve();
  let release!: () => void;
  const mine = new Promise<void>((r) => (release = r));
  const tail = previous.then(() => mine);
  queues.set(abs, tail);
  await previous;
  try {
    const held = await acquireLock(abs, opts);
    try {
      open();
      return await fn(held.token);
    } finally {
      held.release();
    }
  } finally {
    release();
    if (queues.get(abs) === tail) queues.delete(abs);
  }
}

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { bufferCtx, type Env } from '../../core/context.js';
import { git, type GitResult } from '../../core/git.js';

const made: string[] = [];
afterEach(() => {
  while (made.length) rmSync(made.pop()!, { recursive: true, force: true });
});

/** A fresh temp folder, removed after the test. */
export function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'argo-unit-'));
  made.push(d);
  return d;
}

export function ctxIn(cwd: string, env: Env = {}) {
  return bufferCtx(cwd, { HOME: cwd, ...env });
}

export const ROOT = join(import.meta.dirname, '..', '..');

/**
 * How many times longer a deadline is under CI, as in the bats helpers (WAIT_SCALE):
 * ARGO_TEST_WAIT_SCALE, 3 unless set. There the whole suite runs at once on a slow 2-core
 * runner; a deadline is a hang guard, so a wait that passes is as fast as before.
 */
export const WAIT_SCALE = waitScale(process.env);

export function waitScale(env: NodeJS.ProcessEnv): number {
  const v = env.ARGO_TEST_WAIT_SCALE ?? (env.CI ? '3' : '1');
  if (!/^[1-9][0-9]?$/.test(v)) throw new Error(`ARGO_TEST_WAIT_SCALE is '${v}'; accepted: a whole number from 1 to 99`);
  return Number(v);
}

/** A deadline in ms, WAIT_SCALE times longer under CI. */
export const scaled = (ms: number): number => ms * WAIT_SCALE;

/**
 * The tests' one condition wait (never a fixed sleep): polls `probe` every `stepMs` until it
 * gives a truthy value, which it returns; after `ms`, throws naming `what`.
 */
export async function until<T>(what: string, probe: () => T | undefined | null | false, ms = 10_000, stepMs = 20): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = probe();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

/** git as the tests' user t@t, on core/git.ts's git(): the result, never a throw (a merge that stops on a conflict is an answer). */
export const gitTry = (cwd: string, ...args: string[]): GitResult => git(['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], cwd);

/** The same where it must succeed: its output, trimmed; a failure throws with git's message. */
export function gitIn(cwd: string, ...args: string[]): string {
  const r = gitTry(cwd, ...args);
  if (!r.ok) throw new Error(`git ${args.join(' ')} failed: ${r.stderr.trim()}`);
  return r.stdout.trim();
}

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { bufferCtx, type Env } from '../../core/context.js';

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

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

// Which file serves action_needed=<name> (orchestrator.ts resolveHandler): a user's
// .sh, then their .ts / .mjs, then our built-in (whose phases/<name>.sh shim yields).
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveHandler } from '../../orchestrator.js';

const ROOT = join(import.meta.dirname, '..', '..');
const temps: string[] = [];
afterEach(() => {
  for (const d of temps.splice(0)) rmSync(d, { recursive: true, force: true });
});

function install(files: Record<string, number>): string {
  const root = mkdtempSync(join(tmpdir(), 'argo-handlers-'));
  temps.push(root);
  mkdirSync(join(root, 'phases'));
  mkdirSync(join(root, 'dist', 'phases'), { recursive: true });
  writeFileSync(join(root, 'dist', 'phases', 'execution.js'), '');
  for (const [name, mode] of Object.entries(files)) {
    const path = join(root, 'phases', name);
    if (name === 'execution.sh' && mode === 0o755) copyFileSync(join(ROOT, 'phases', 'execution.sh'), path);
    else writeFileSync(path, '#!/bin/bash\n');
    chmodSync(path, mode);
  }
  return root;
}

const served = (root: string, name: string) => {
  const h = resolveHandler(root, name);
  return h && [h.cmd, ...h.args].find((a) => a.includes('/phases/'))!.replace(`${root}/`, '');
};

describe('resolveHandler', () => {
  it('a user .sh wins over their .ts and .mjs', () => {
    const root = install({ 'step.sh': 0o755, 'step.ts': 0o755, 'step.mjs': 0o755 });
    expect(served(root, 'step')).toBe('phases/step.sh');
  });

  it('.ts (run by tsx) before .mjs; non-executable files serve nothing', () => {
    const root = install({ 'step.ts': 0o755, 'step.mjs': 0o755, 'other.ts': 0o644 });
    const h = resolveHandler(root, 'step')!;
    expect(h.cmd).toBe(process.execPath);
    expect(h.args[0]).toBe('--import');
    expect(h.args[1]).toMatch(/^file:\/\/.*\/tsx\/dist\/loader\.mjs$/);
    expect(h.args[2]).toBe(join(root, 'phases', 'step.ts'));
    expect(resolveHandler(root, 'other')).toBeUndefined();
    rmSync(join(root, 'phases', 'step.ts'));
    expect(served(root, 'step')).toBe('phases/step.mjs');
  });

  it("our built-in's shim yields to a user's .ts, and serves when there is none (aliases too)", () => {
    const root = install({ 'execution.sh': 0o755, 'execution.ts': 0o755 });
    expect(served(root, 'spawn_builders')).toBe('phases/execution.ts');
    rmSync(join(root, 'phases', 'execution.ts'));
    expect(served(root, 'spawn_builders')).toBe('phases/execution.sh');
    rmSync(join(root, 'phases', 'execution.sh'));
    expect(served(root, 'execution')).toBe('dist/phases/execution.js');
  });
});

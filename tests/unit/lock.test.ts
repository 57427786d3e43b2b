// core/lock.ts on both back-ends: tokens that need no pid, re-entry, abort while waiting.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { requireTool, type Tool } from './require_tool.js';

const dir = mkdtempSync(join(tmpdir(), 'argo-lock-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function lockModule(backend: 'native' | 'flock') {
  vi.resetModules();
  process.env.ARGO_LOCK_BACKEND = backend;
  try {
    const m = await import('../../core/lock.js');
    m.lockBackend(); // chosen now, while the variable says which
    return m;
  } finally {
    delete process.env.ARGO_LOCK_BACKEND;
  }
}

const available = async (b: 'native' | 'flock') => lockModule(b).then(() => true, () => false);
const flockOnPath = spawnSync('flock', ['--version']).status === 0;
const backendTool = async (b: 'native' | 'flock'): Promise<Tool> =>
  b === 'native'
    ? { name: 'native lock addon', have: await available(b), install: `npm install the optional dependency fs-ext-extra-prebuilt (it needs a binary for Node ${process.version}, ${process.platform}-${process.arch})` }
    : { name: 'flock(1)', have: flockOnPath && (await available(b)), install: 'apt-get install -y util-linux' };

describe.each(['native', 'flock'] as const)('lock, %s back-end', async (backend) => {
  const tool = await backendTool(backend);
  beforeEach((ctx) => requireTool(ctx, tool));
  it('a token is trusted while its holder holds the lock, and only for that lock', async () => {
    const { acquireLock, heldByAncestor, lockBackend, tokenRecordPath, LOCK_TOKEN_VAR } = await lockModule(backend);
    expect(lockBackend()).toBe(backend === 'native' ? 'native' : 'flock(1)');
    const lock = join(dir, `${backend}-a.lock`);
    const held = await acquireLock(lock, { token: true });
    expect(held.token).toMatch(new RegExp(`^${lock}:[0-9a-f]{32}$`));
    expect(heldByAncestor(lock, { [LOCK_TOKEN_VAR]: held.token })).toBe(true);
    expect(heldByAncestor(join(dir, 'other.lock'), { [LOCK_TOKEN_VAR]: held.token })).toBe(false);
    expect(heldByAncestor(lock, { [LOCK_TOKEN_VAR]: `${lock}:${process.pid}` })).toBe(false); // the old pid form
    expect(heldByAncestor(lock, { [LOCK_TOKEN_VAR]: held.token.replace(/.$/, (c) => (c === '0' ? '1' : '0')) })).toBe(false);
    held.release();
    expect(heldByAncestor(lock, { [LOCK_TOKEN_VAR]: held.token })).toBe(false);
    // A record whose holder died (nobody holds it): not trusted, and swept.
    const stale = 'ab'.repeat(16);
    writeFileSync(tokenRecordPath(lock, stale), '');
    expect(heldByAncestor(lock, { [LOCK_TOKEN_VAR]: `${lock}:${stale}` })).toBe(false);
    expect(readdirSync(dir).filter((f) => f.startsWith(`${backend}-a.lock.`))).toEqual([]);
  });

  it('withFileLock re-enters under an ancestor token, and mints none unless asked', async () => {
    const { acquireLock, withFileLock, LOCK_TOKEN_VAR } = await lockModule(backend);
    const lock = join(dir, `${backend}-b.lock`);
    const held = await acquireLock(lock, { token: true });
    await expect(withFileLock(lock, { [LOCK_TOKEN_VAR]: held.token }, async (t) => t)).resolves.toBe(held.token);
    held.release();
    await expect(withFileLock(lock, {}, async (t) => t)).resolves.toBe('');
    const minted = await withFileLock(lock, {}, async (t) => t, { token: true });
    expect(minted).toMatch(/:[0-9a-f]{32}$/);
    expect(existsSync(`${minted.replace(/:([0-9a-f]{32})$/, '.$1')}.lock`)).toBe(false); // record gone after release
  });

  it('a waiter can be aborted, and the lock is free afterwards', async () => {
    const { acquireLock } = await lockModule(backend);
    const lock = join(dir, `${backend}-c.lock`);
    const held = await acquireLock(lock);
    const ac = new AbortController();
    const waiting = acquireLock(lock, { signal: ac.signal });
    setTimeout(() => ac.abort(new Error('enough')), 50);
    await expect(waiting).rejects.toThrow('enough');
    held.release();
    (await acquireLock(lock)).release();
  });
});

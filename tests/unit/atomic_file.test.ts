// core/atomic_file.ts: a file created once never replaces one that appeared meanwhile.
// The registry's first creation raced that way under load: a process that saw no
// registry wrote an empty one over the file another process had just created and
// filled under the lock (4 concurrent registrations kept 15 of 20 entries).
import { existsSync as realExists, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { tempDir } from './helpers.js';

// Paths whose existence check answers "absent" once, as if another process created
// the file just after this one looked.
const lateCreated = new Set<string>();
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const existsSync = (p: import('node:fs').PathLike) => (lateCreated.delete(String(p)) ? false : fs.existsSync(p));
  return { ...fs, default: { ...fs, existsSync }, existsSync };
});

const { createFileOnce } = await import('../../core/atomic_file.js');
const { initRegistry, listProjects } = await import('../../store/registry.js');

describe('createFileOnce', () => {
  it('creates a missing file whole, with its mode, and leaves no temp file', () => {
    const dir = tempDir();
    const f = join(dir, 'a.json');
    expect(createFileOnce(f, '{"x": 1}\n', 0o600)).toBe(true);
    expect(readFileSync(f, 'utf8')).toBe('{"x": 1}\n');
    expect(statSync(f).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toEqual(['a.json']);
  });

  it('keeps an existing file as it is and says it did not create it', () => {
    const dir = tempDir();
    const f = join(dir, 'a.json');
    writeFileSync(f, 'theirs');
    expect(createFileOnce(f, 'mine')).toBe(false);
    expect(readFileSync(f, 'utf8')).toBe('theirs');
    expect(readdirSync(dir)).toEqual(['a.json']);
  });

  it('fails on another error (a missing folder), leaving nothing behind', () => {
    const dir = tempDir();
    expect(() => createFileOnce(join(dir, 'no', 'a.json'), 'x')).toThrow(/ENOENT/);
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('initRegistry', () => {
  it('keeps the entries of a registry another process created after it looked', () => {
    const file = join(tempDir(), 'projects.json');
    const theirs = '{"projects": {"p-1": {"name": "p", "path": "/p", "status": "idle", "created": "t", "last_active": "t"}}}\n';
    writeFileSync(file, theirs);
    lateCreated.add(file);
    initRegistry(file);
    expect(lateCreated.size).toBe(0); // the check was made and answered "absent"
    expect(realExists(file) && readFileSync(file, 'utf8')).toBe(theirs);
    expect(listProjects(file).map(([id]) => id)).toEqual(['p-1']);
  });
});

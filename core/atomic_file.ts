// Whole-file replacement that never leaves a truncated or half-written file:
// a unique temp file in the same folder (so concurrent writers never share one),
// fsync, then rename over the target. Temp names end in .tmp, which
// project_cleanup knows to delete if a writer died in between.
import { closeSync, fsyncSync, linkSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';

/** Writes `text` to a fresh temp file beside `target` and returns its path. */
export function writeTemp(target: string, text: string, mode = 0o644): string {
  const tmp = `${target}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const fd = openSync(tmp, 'wx', mode);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    removeQuietly(tmp);
    throw e;
  }
  closeSync(fd);
  return tmp;
}

export function writeFileAtomic(target: string, text: string, mode = 0o644): void {
  const tmp = writeTemp(target, text, mode);
  try {
    renameSync(tmp, target);
  } catch (e) {
    removeQuietly(tmp);
    throw e;
  }
}

/**
 * Creates `target` with `text` unless it exists; true when this call created it.
 * A hard link of a complete temp file never replaces an existing name, so a writer
 * that created the file and filled it under a lock in between keeps its content
 * (exists-then-write lost a concurrent first registration that way).
 */
export function createFileOnce(target: string, text: string, mode = 0o644): boolean {
  const tmp = writeTemp(target, text, mode);
  try {
    linkSync(tmp, target);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  } finally {
    removeQuietly(tmp);
  }
}

export function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    /* already gone */
  }
}

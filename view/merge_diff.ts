// The one reader of a conflict's diff file (a builder row's `merge.diff`, issue 20). The
// path comes from state, so it is data: it is read only once proven to be a regular file
// inside this project's .argo-project/logs folder — resolved (realpath: no symlink leads
// out), opened without following a last symlink and without blocking (a FIFO is refused,
// not waited on), checked again on the open descriptor — and never more than DIFF_LIMIT
// bytes of it. Anything else shows nothing and says why in one line.
import { closeSync, constants, fstatSync, openSync, readSync, realpathSync } from 'node:fs';
import { openFdPath } from '../core/proc.js';
import { isAbsolute, join, relative } from 'node:path';
import { argoPaths } from '../store/layout.js';
import { readBuilders } from '../store/builders.js';
import { DIFF_LIMIT, MAX_NAME, mergeDetailOf, printable, type MergeDetail, type MergeDiffRead } from './merge.js';

const refused = (problem: string): MergeDiffRead => ({ text: null, bytes: null, cut: false, problem });
const shown = (recorded: string) => printable(recorded.length > MAX_NAME ? recorded.slice(0, MAX_NAME - 1) + '…' : recorded);
const inside = (root: string, p: string) => {
  const rel = relative(root, p);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
};

/** Where the open descriptor really points (core/proc.ts, Linux); null when it cannot be told. */
const openedPath = (fd: number): string | null => openFdPath(fd) ?? null;

/** The proven file's size and first `limit` bytes, or why not. */
function readProven(real: string, recorded: string, limit: number): MergeDiffRead {
  let fd: number;
  try {
    fd = openSync(real, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (e) {
    return refused(`diff not shown: ${shown(recorded)} cannot be opened (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) return refused(`diff not shown: ${shown(recorded)} is not a regular file`);
    // Swapped for something else between the proof and the open: refused.
    const at = openedPath(fd);
    if (at !== null && at !== real) return refused(`diff not shown: ${shown(recorded)} changed while it was read`);
    const buf = Buffer.alloc(Math.min(st.size, limit));
    const n = buf.length > 0 ? readSync(fd, buf, 0, buf.length, 0) : 0;
    return { text: buf.subarray(0, n).toString('utf8'), bytes: st.size, cut: st.size > limit, problem: null };
  } finally {
    closeSync(fd);
  }
}

/**
 * A merge record's diff (`recorded`: relative to the project, as merge_build writes it, or
 * absolute), proven to be this project's log file, cut to `limit` bytes.
 */
export function readMergeDiff(project: string, recorded: string, limit = DIFF_LIMIT): MergeDiffRead {
  let logs: string;
  try {
    logs = realpathSync(argoPaths(project).logs);
  } catch {
    return refused(`diff not shown: the project has no .argo-project/logs folder`);
  }
  let real: string;
  try {
    real = realpathSync(isAbsolute(recorded) ? recorded : join(project, recorded));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return refused(`diff not shown: ${shown(recorded)} ${code === 'ENOENT' ? 'does not exist' : `cannot be resolved (${code ?? 'error'})`}`);
  }
  if (!inside(logs, real)) return refused(`diff not shown: ${shown(recorded)} is not inside the project's .argo-project/logs folder (refused)`);
  return readProven(real, recorded, limit);
}

/** Every builder's merge diff of a state document that records one, read (for `argo status`). */
export function mergeDiffsOf(project: string, state: unknown, limit = DIFF_LIMIT): Record<string, MergeDiffRead> {
  const out: Record<string, MergeDiffRead> = {};
  for (const b of readBuilders(state)) if (b.merge?.diff) out[b.id] = readMergeDiff(project, b.merge.diff, limit);
  return out;
}

/**
 * One builder's merge record with its diff read (proven, cut) — the dashboard's diff
 * endpoint. The record comes from the state as stored (not a view's clipped copy), so a long
 * recorded path is proven as it is; undefined when the builder has no merge record.
 */
export function builderMergeDiff(project: string, builder: string, state: unknown): MergeDetail | undefined {
  const b = readBuilders(state).find((x) => x.id === builder);
  if (!b?.merge) return undefined;
  const diff = b.merge.diff ? readMergeDiff(project, b.merge.diff) : { text: null, bytes: null, cut: false, problem: 'diff not shown: the merge record names no diff file' };
  return mergeDetailOf(b.merge, diff) ?? undefined;
}

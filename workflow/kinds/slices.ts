// workflow.kind "slices" (issue 22: the refactor, tests and docs templates): the components
// come from `slices.paths` (files, folders or globs) instead of a design agent — one per file
// or one per folder (`slices.per`) — and every builder applies the same instruction (the
// user's query) to its own slice. Pure: the config document and the repository's file list
// in, the components or one problem line (without `ERROR: `) out. The I/O is slices_design.ts.
import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import { componentIdProblem, MAX_ID_LENGTH, type Component } from '../components.js';
import { globMatches, normalizePath, outsideRepository } from '../plan_check.js';

export type SlicePer = 'file' | 'dir';

export interface SliceSettings {
  /** Files, folders or globs (`*`, `?` within a name, `**` any depth), relative to the repository. */
  paths: string[];
  per: SlicePer;
  /** At most this many slices (builders): a glob that matches thousands of files is refused, not run. */
  max: number;
}

/** slices.max_slices when absent. */
export const DEFAULT_MAX_SLICES = 50;

import { isRecord as isObj } from '../../core/record.js';
const shown = (v: unknown) => {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 80 ? s.slice(0, 79) + '…' : s;
};
const PATHS_ACCEPTED = 'a non-empty list of files, folders or globs relative to the repository (e.g. ["src/**/*.ts"])';

/** slices.paths, slices.per and slices.max_slices, or the first problem (naming the key, the value and what is accepted). */
export function readSliceSettings(config: unknown): { settings: SliceSettings } | { problem: string } {
  const slices = isObj(config) ? config.slices : undefined;
  if (!isObj(slices)) return { problem: `slices is ${shown(slices ?? null)} in config.json (workflow.kind is "slices"); accepted: an object {"paths": [...], "per": "file" or "dir"}` };
  const raw = typeof slices.paths === 'string' ? [slices.paths] : slices.paths;
  if (!Array.isArray(raw) || raw.length === 0 || !raw.every((p) => typeof p === 'string' && p.trim() !== '')) {
    return { problem: `slices.paths is ${shown(slices.paths ?? null)} in config.json; accepted: ${PATHS_ACCEPTED}` };
  }
  const paths = raw as string[];
  const outside = paths.find(outsideRepository);
  if (outside !== undefined) return { problem: `slices.paths entry ${shown(outside)} is outside the repository; accepted: paths relative to the repository (no leading "/", "~" or "..")` };
  const per = slices.per ?? 'file';
  if (per !== 'file' && per !== 'dir') return { problem: `slices.per is ${shown(per)} in config.json; accepted: "file" (one builder per file, the default) or "dir" (one builder per folder)` };
  const max = slices.max_slices ?? DEFAULT_MAX_SLICES;
  if (typeof max !== 'number' || !Number.isInteger(max) || max < 1) return { problem: `slices.max_slices is ${shown(max)} in config.json; accepted: a whole number of at least 1 (default ${DEFAULT_MAX_SLICES})` };
  return { settings: { paths, per, max } };
}

const WILDCARD = /[*?]/;

/** The files (of `files`, the repository's) one slices.paths entry names: a glob, a file, or everything under a folder. */
export function filesOf(entry: string, files: readonly string[]): string[] {
  const p = normalizePath(entry);
  if (WILDCARD.test(p)) return files.filter((f) => globMatches(p, f));
  return files.filter((f) => p === '' || f === p || f.startsWith(p + '/'));
}

/** A short, stable tag of a path, for ids cut to length. */
const tag = (path: string) => createHash('sha256').update(path).digest('hex').slice(0, 8);

/**
 * A component id for a slice's path, safe as a branch, a folder and a log name
 * (components.ts componentIdProblem): other characters become "-", a long one is cut and
 * tagged with a hash of the path, and one already `taken` gets "-2", "-3" …
 */
export function sliceId(path: string, taken: ReadonlySet<string>): string {
  let base = path
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/\.{2,}/g, '.')
    .replace(/-{2,}/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '')
    .replace(/[-._]+$/, '')
    .replace(/\.lock$/, '-lock');
  if (base === '') base = path === '.' || path === '' ? 'root' : `slice-${tag(path)}`;
  if (base.length > MAX_ID_LENGTH) base = `${base.slice(0, MAX_ID_LENGTH - 9).replace(/[-._]+$/, '')}-${tag(path)}`;
  const fits = (id: string) => !taken.has(id) && componentIdProblem(id) === undefined;
  if (fits(base)) return base;
  for (let n = 2; ; n++) {
    const suffix = `-${n}`;
    const id = `${base.slice(0, MAX_ID_LENGTH - suffix.length).replace(/[-._]+$/, '')}${suffix}`;
    if (fits(id)) return id;
  }
}

/**
 * The slices of the repository: each file matched by some entry once (the first entry that
 * names it), grouped per file or per folder, in path order; or the first problem — an entry
 * that matches no file, or more slices than slices.max_slices.
 */
export function planSlices(s: SliceSettings, files: readonly string[]): { components: Component[] } | { problem: string } {
  const chosen = new Set<string>();
  for (const entry of s.paths) {
    const hits = filesOf(entry, files);
    if (hits.length === 0) return { problem: `slices.paths entry ${shown(entry)} matches no file committed at HEAD; accepted: files, folders or globs (*, ? within a name, ** any depth) naming files of the repository` };
    for (const f of hits) chosen.add(f);
  }
  const groups = new Map<string, string[]>();
  for (const f of [...chosen].sort()) {
    const key = s.per === 'file' ? f : posix.dirname(f);
    groups.set(key, [...(groups.get(key) ?? []), f]);
  }
  if (groups.size > s.max) return { problem: `slices.paths makes ${groups.size} slices (one per ${s.per}), more than slices.max_slices (${s.max}); accepted: narrower paths, slices.per "dir", or a larger slices.max_slices` };
  const taken = new Set<string>();
  const components: Component[] = [];
  for (const [key, paths] of groups) {
    const id = sliceId(key, taken);
    taken.add(id);
    const where = s.per === 'file' ? key : `${key === '.' ? 'the repository root' : `${key}/`} (${paths.length} file${paths.length === 1 ? '' : 's'})`;
    components.push({ id, description: `Slice: ${where}`, paths });
  }
  return { components };
}

/** The design's text for a slices workflow (design.summary): the instruction and how it was sliced. */
export function slicesSummary(query: string, s: SliceSettings, count: number): string {
  return [
    `Slices (workflow.kind "slices"): ${count} slice${count === 1 ? '' : 's'}, one per ${s.per}, from slices.paths ${JSON.stringify(s.paths)}; no design agent was asked.`,
    'Every builder applies the same instruction to the files of its own slice:',
    '',
    query,
  ].join('\n');
}

// What a person sees of the integration engine (issue 20, items 4 and 5): each builder's
// merge record as the view shows it (bounded: a file list from state may be huge, a name
// may hold a newline or markup), the totals per merge status, and the sentence that tells
// a person where to step in. Pure: the diff's text is read at the edge (merge_diff.ts)
// and handed in.
import { BUILDER_MERGE_STATUSES, type BuilderMerge } from '../store/builders.js';

/** The most conflicted file names a view carries per builder (the rest are counted in files_total). */
export const MAX_FILES_SHOWN = 50;
/** The longest file name (or path, branch, message) a view carries; longer ones are cut with `…`. */
export const MAX_NAME = 256;
/** The most of a conflict's diff `argo status --json` and the dashboard show. */
export const DIFF_LIMIT = 16 * 1024;
/** The most file names a sentence (the next step, a notification) names per builder. */
export const FILES_IN_SENTENCE = 5;
/** The most builders the next step's sentence describes one by one (the rest are counted; `argo status` lists them all). */
export const BUILDERS_IN_SENTENCE = 10;

/** `parts` joined with `sep`, at most BUILDERS_IN_SENTENCE of them, then how many more. */
function bounded(parts: string[], sep: string): string {
  const more = parts.length - BUILDERS_IN_SENTENCE;
  return parts.slice(0, BUILDERS_IN_SENTENCE).join(sep) + (more > 0 ? `${sep}and ${more} more (argo status lists them)` : '');
}

/** What the edge found reading a merge record's diff file (merge_diff.ts readMergeDiff). */
export interface MergeDiffRead {
  /** The diff's first DIFF_LIMIT bytes as text; null when it was not read. */
  text: string | null;
  /** The whole file's size in bytes; null when not read. */
  bytes: number | null;
  cut: boolean;
  /** One line: why the diff is not shown (outside the logs folder, a symlink out, missing …); null when shown. */
  problem: string | null;
}

/** A builder's `merge` record (store/builders.ts BuilderMerge) as the view carries it. */
export interface MergeDetail {
  status: string;
  commit: string | null;
  target: string | null;
  attempts: number;
  output: string | null;
  /** At most MAX_FILES_SHOWN names, each at most MAX_NAME characters. */
  files: string[];
  /** How many files the record names in all. */
  files_total: number;
  /** The diff file as recorded (a path under .argo-project/logs). */
  diff: string | null;
  worktree: string | null;
  branch: string | null;
  message: string | null;
  /** Only where the reader asked for it (`argo status`, the dashboard's diff endpoint): the diff, cut to DIFF_LIMIT. */
  diff_text: string | null;
  diff_bytes: number | null;
  diff_cut: boolean;
  /** When cut: `cut at 16384 of <n> bytes; the whole diff is <file>`. */
  diff_note: string | null;
  /** Why the diff is not shown, when it was looked for and refused or missing. */
  diff_problem: string | null;
}

const clipName = (s: string): string => (s.length > MAX_NAME ? s.slice(0, MAX_NAME - 1) + '…' : s);
const clipOrNull = (s: string | null): string | null => (s === null ? null : clipName(s));

/**
 * `s` safe on one line of a terminal or a chat message: control characters (newline,
 * escape …), line and paragraph separators and bidirectional overrides become visible
 * escapes (`\n`, `\x1b`, `\u202e`). A file name from state never starts a line of its own.
 */
export function printable(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (c) => {
    if (c === '\n') return '\\n';
    if (c === '\r') return '\\r';
    if (c === '\t') return '\\t';
    const code = c.charCodeAt(0);
    return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16)}`;
  });
}

/** The record as the view carries it, with what the edge read of its diff (when asked). */
export function mergeDetailOf(m: BuilderMerge | null, diff?: MergeDiffRead): MergeDetail | null {
  if (!m) return null;
  const note = diff?.cut && diff.bytes !== null ? `cut at ${DIFF_LIMIT} of ${diff.bytes} bytes; the whole diff is ${m.diff ?? 'the diff file'}` : null;
  return {
    status: m.status,
    commit: m.commit,
    target: clipOrNull(m.target),
    attempts: m.attempts,
    output: clipOrNull(m.output),
    files: m.files.slice(0, MAX_FILES_SHOWN).map(clipName),
    files_total: m.files.length,
    diff: clipOrNull(m.diff),
    worktree: clipOrNull(m.worktree),
    branch: clipOrNull(m.branch),
    message: m.message === null ? null : m.message.length > 4 * MAX_NAME ? m.message.slice(0, 4 * MAX_NAME - 1) + '…' : m.message,
    diff_text: diff?.text ?? null,
    diff_bytes: diff?.bytes ?? null,
    diff_cut: diff?.cut ?? false,
    diff_note: note,
    diff_problem: diff?.problem ?? null,
  };
}

/** Counts per merge status: the five of issue 20 always (0 when none), others (missing, failed of old states) when present. */
export function mergeTotals(statuses: readonly (string | null)[]): Record<string, number> {
  const out: Record<string, number> = Object.fromEntries(BUILDER_MERGE_STATUSES.map((s) => [s, 0]));
  for (const s of statuses) if (s !== null) out[s] = (out[s] ?? 0) + 1;
  return out;
}

/** A builder row's id and merge record: all the sentences below need. */
export interface MergeRowLike {
  id: string;
  merge_detail: MergeDetail | null;
}

/** `a.ts, b.ts (+3 more)`: at most `n` names, printable. */
export function fileList(d: Pick<MergeDetail, 'files' | 'files_total'>, n = FILES_IN_SENTENCE): string {
  const shown = d.files.slice(0, n).map(printable);
  const more = d.files_total - shown.length;
  return `${shown.join(', ')}${more > 0 ? ` (+${more} more)` : ''}`;
}

/** Where to work: `work in <worktree> on branch <branch>` (each one printable word; what is missing is left out). */
export function whereText(d: Pick<MergeDetail, 'worktree' | 'branch'>, word: (s: string) => string): string {
  const parts = [d.worktree ? `work in ${word(printable(d.worktree))}` : null, d.branch ? `on branch ${word(printable(d.branch))}` : null].filter((x) => x !== null);
  return parts.join(' ');
}

/** One builder's conflict, for the next step: files, where to work, the diff file. */
function conflictClause(r: MergeRowLike & { merge_detail: MergeDetail }, word: (s: string) => string): string {
  const d = r.merge_detail;
  const files = d.files_total > 0 ? `${d.files_total} conflicted file${d.files_total === 1 ? '' : 's'} (${fileList(d)})` : 'conflicted files not recorded';
  const where = whereText(d, word);
  const target = d.target ? `, bring ${word(printable(d.target))} in there, resolve and commit` : ', resolve and commit';
  const diff = d.diff ? `; diff: ${word(printable(d.diff))}` : '';
  return `${printable(r.id)}: ${files}${where ? ` - ${where}${target}` : ''}${diff}`;
}

const withDetail = (rows: readonly MergeRowLike[], status: string) =>
  rows.filter((r): r is MergeRowLike & { merge_detail: MergeDetail } => r.merge_detail !== null && r.merge_detail.status === status);

/**
 * What the person is told when merge_build hands conflicts over: per conflicted builder its
 * files, the worktree and branch to work in, the diff; null when no row carries a conflict
 * record (an old state: the caller keeps the original sentence).
 */
export function conflictDetails(rows: readonly MergeRowLike[], word: (s: string) => string): string | null {
  const conflicted = withDetail(rows, 'conflict');
  if (conflicted.length === 0) return null;
  return bounded(conflicted.map((r) => conflictClause(r, word)), '; ');
}

/** The builders whose merged tree failed the verify gate out of retries: output file and where to fix it; null: none. */
export function verifyFailedDetails(rows: readonly MergeRowLike[], word: (s: string) => string): string | null {
  const failed = withDetail(rows, 'verify_failed');
  if (failed.length === 0) return null;
  const clause = (r: (typeof failed)[number]) => {
    const d = r.merge_detail;
    const where = whereText(d, word);
    const out = d.output ? `, output ${word(printable(d.output))}` : '';
    return `${printable(r.id)} (after ${d.attempts} verify run${d.attempts === 1 ? '' : 's'}${out}${where ? `; fix it: ${where}` : ''})`;
  };
  return bounded(failed.map(clause), ', ');
}

/** Ids of the rows with a merge record of `status`. */
export const idsWithMerge = (rows: readonly MergeRowLike[], status: string): string[] => withDetail(rows, status).map((r) => r.id);

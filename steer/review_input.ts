// argo review's pure half (issue 21): its arguments, the comments file the dashboard
// sends (a JSON array of {file, line, text}), which builders a person may review now, and
// the comments as the one message the builder's agent is sent. Every refusal is one
// sentence naming the value and what is accepted; nothing here writes.
import type { BuilderRecord, ReviewComment } from '../store/builders.js';
import { isRecord as isObj } from '../core/record.js';

export const COMMENT_MAX_BYTES = 2048;
export const COMMENTS_MAX = 100;
/** A comments file larger than this cannot hold ≤ 100 comments of ≤ 2 KB (with JSON's escapes): refused unread. */
export const COMMENTS_FILE_MAX_BYTES = 1024 * 1024;

export type ReviewAction = { kind: 'list' } | { kind: 'approve' } | { kind: 'request'; comments: Omit<ReviewComment, 'at'>[] } | { kind: 'comments_file'; file: string };

export interface ReviewArgs {
  path?: string;
  id?: string;
  action: ReviewAction;
}

const USAGE = 'usage: argo review [project_path] [<builder-id> (--approve | --request-changes "text" | --comments FILE)]';
const FLAGS = ['--approve', '--request-changes', '--comments'];

/** One comment's text checked: non-empty, ≤ 2 KB, no NUL. */
export function commentTextProblem(text: string, what: string): string | null {
  if (text.trim() === '') return `${what} is empty; accepted: a non-empty text of at most ${COMMENT_MAX_BYTES} bytes`;
  const bytes = Buffer.byteLength(text);
  if (bytes > COMMENT_MAX_BYTES) return `${what} is ${bytes} bytes; accepted: at most ${COMMENT_MAX_BYTES} bytes`;
  if (text.includes('\0')) return `${what} holds a NUL byte; accepted: text without NUL`;
  return null;
}

export function parseReviewArgs(argv: string[], isProjectDir: (p: string) => boolean): ReviewArgs | string {
  const flags = argv.filter((a) => a.startsWith('--'));
  const unknown = flags.find((f) => !FLAGS.includes(f));
  if (unknown !== undefined) return `unknown option: ${unknown} (${USAGE})`;
  if (flags.length > 1) return `one of --approve, --request-changes, --comments at a time, not ${flags.join(' and ')} (${USAGE})`;
  if (flags.length === 0) {
    if (argv.length === 0) return { action: { kind: 'list' } };
    if (argv.length === 1 && isProjectDir(argv[0]!)) return { path: argv[0]!, action: { kind: 'list' } };
    return `a builder id needs --approve, --request-changes "text" or --comments FILE (${USAGE})`;
  }
  const at = argv.indexOf(flags[0]!);
  const flag = flags[0]!;
  const takesValue = flag !== '--approve';
  const value = takesValue ? argv[at + 1] : undefined;
  if (takesValue && value === undefined) return `${flag} needs a value (${USAGE})`;
  const rest = [...argv.slice(0, at), ...argv.slice(at + (takesValue ? 2 : 1))];
  let path: string | undefined;
  let id: string | undefined;
  if (rest.length === 2) [path, id] = rest;
  else if (rest.length === 1) id = rest[0];
  else return `expected [project_path] and one builder id, got ${rest.length === 0 ? 'none' : rest.map((r) => JSON.stringify(r)).join(' ')} (${USAGE})`;
  if (flag === '--approve') return { path, id, action: { kind: 'approve' } };
  if (flag === '--comments') return { path, id, action: { kind: 'comments_file', file: value! } };
  const problem = commentTextProblem(value!, 'the --request-changes text');
  return problem ?? { path, id, action: { kind: 'request', comments: [{ file: null, line: null, text: value! }] } };
}


/** The comments file (the dashboard's line comments): a JSON array of 1–100 {file: string|null, line: integer ≥ 1|null, text}. */
export function parseCommentsFile(text: string, name: string): Omit<ReviewComment, 'at'>[] | string {
  const accepted = `accepted: a JSON array of 1 to ${COMMENTS_MAX} {"file": string|null, "line": integer|null, "text": string of at most ${COMMENT_MAX_BYTES} bytes}`;
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return `the comments file ${name} is not JSON; ${accepted}`;
  }
  if (!Array.isArray(doc) || doc.length === 0 || doc.length > COMMENTS_MAX) {
    return `the comments file ${name} holds ${Array.isArray(doc) ? `${doc.length} comments` : 'no array'}; ${accepted}`;
  }
  const out: Omit<ReviewComment, 'at'>[] = [];
  for (const [i, c] of doc.entries()) {
    const where = `comment ${i + 1} of ${name}`;
    if (!isObj(c)) return `${where} is not an object; ${accepted}`;
    const extra = Object.keys(c).find((k) => !['file', 'line', 'text'].includes(k));
    if (extra !== undefined) return `${where} has the key ${JSON.stringify(extra)}; ${accepted}`;
    if (typeof c.text !== 'string') return `${where}: text is ${JSON.stringify(c.text) ?? 'absent'}; ${accepted}`;
    const problem = commentTextProblem(c.text, `${where}: text`);
    if (problem) return problem;
    const file = c.file ?? null;
    if (file !== null && (typeof file !== 'string' || file === '' || file.length > 1024 || file.includes('\0'))) return `${where}: file is ${JSON.stringify(file)}; ${accepted}`;
    const line = c.line ?? null;
    if (line !== null && !(typeof line === 'number' && Number.isInteger(line) && line >= 1)) return `${where}: line is ${JSON.stringify(line)}; ${accepted}`;
    out.push({ file: file as string | null, line: line as number | null, text: c.text });
  }
  return out;
}

/** Waiting for review (the only builders `--approve` / `--request-changes` act on): the workflow waits with review_builder, the row is completed and its review pending. */
export function waitsForReview(b: Pick<BuilderRecord, 'status' | 'review'>, state: { action_needed?: unknown }): boolean {
  return state.action_needed === 'review_builder' && b.status === 'completed' && b.review?.status === 'pending';
}

/** Why builder `id` cannot be reviewed now, or null. */
export function reviewRefusal(builders: readonly BuilderRecord[], id: string, state: { action_needed?: unknown }): string | null {
  const b = builders.find((r) => r.id === id);
  if (!b) return `no builder '${id}' (builders: ${builders.map((r) => r.id).join(', ') || 'none'})`;
  if (waitsForReview(b, state)) return null;
  const review = b.review ? `review ${b.review.status}` : 'never held for review';
  return `builder '${id}' is not waiting for review (status ${b.status ?? 'null'}, ${review}, workflow action ${String(state.action_needed ?? 'null')}); accepted: a builder merge_build holds for review (argo review lists them)`;
}

/** The comments as one message (the send-back's tail): `file:line: text`, `file: text`, or the text alone. */
export function commentsMessage(comments: readonly Omit<ReviewComment, 'at'>[]): string {
  return comments.map((c) => (c.file ? `${c.file}${c.line !== null ? `:${c.line}` : ''}: ${c.text}` : c.text)).join('\n');
}

/** A target name from state is data: a plain branch name only, before it reaches git. */
export const plainBranch = (t: string): boolean => /^[A-Za-z0-9._][A-Za-z0-9._/-]*$/.test(t) && !t.includes('..') && !t.endsWith('.lock');

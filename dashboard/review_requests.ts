// The page's review and start requests, checked before any command runs (bounds and types):
// a body that fails here never reaches `argo`, and the answer says what is accepted. The
// CLI checks again (argo review, argo start): these bounds are the contract's, not looser.
import { NAME_ACCEPTED, TEMPLATE_NAME } from '../template_files/schema.js';
import type { ActionRequest, LineComment, ReviewVerdict, StartRequest } from './messages.js';

/** The most comments one batch may hold, and the most bytes one comment's text may have (issue 21's contract). */
export const MAX_COMMENTS = 100;
export const COMMENT_MAX_BYTES = 2048;
/** A file path of the diff, a query and a project path: bounded text. */
const FILE_MAX = 1024;
export const QUERY_MAX_BYTES = 32 * 1024;
const PATH_MAX = 4096;

const bytes = (s: string) => Buffer.byteLength(s);
/** Text that could not be one argument or one line of a file name: NUL, or a line break in a path. */
const badPath = (s: string) => /[\0\r\n]/.test(s);

/** A comment's text as argo review accepts it: not blank, at most COMMENT_MAX_BYTES, no NUL. */
const goodText = (t: unknown): t is string => typeof t === 'string' && t.trim() !== '' && bytes(t) <= COMMENT_MAX_BYTES && !t.includes('\0');

/** One comment of the batch, or why it is refused (`at` names it: `comments[3]`). */
function lineComment(c: unknown, at: string): LineComment | string {
  if (typeof c !== 'object' || c === null || Array.isArray(c)) return `${at} must be an object {"file", "line", "text"}`;
  const o = c as Record<string, unknown>;
  const extra = Object.keys(o).filter((k) => !['file', 'line', 'text'].includes(k));
  if (extra.length) return `${at} has an unknown key ${JSON.stringify(extra[0])} (accepted: file, line, text)`;
  const file = o.file ?? null;
  const line = o.line ?? null;
  if (file !== null && (typeof file !== 'string' || file === '' || file.length > FILE_MAX || badPath(file))) return `${at}.file must be a path of the diff (1 to ${FILE_MAX} characters, one line) or null`;
  if (line !== null && (typeof line !== 'number' || !Number.isInteger(line) || line < 1 || line > 10_000_000)) return `${at}.line must be a line number (an integer from 1) or null`;
  if (line !== null && file === null) return `${at}.line needs a file`;
  if (!goodText(o.text)) return `${at}.text must be text of 1 to ${COMMENT_MAX_BYTES} bytes, without NUL`;
  return { file, line, text: o.text };
}

/** The batch of line comments: 1 to MAX_COMMENTS, each checked. */
function commentBatch(v: unknown): LineComment[] | string {
  if (!Array.isArray(v) || v.length === 0 || v.length > MAX_COMMENTS) return `comments must be a JSON array of 1 to ${MAX_COMMENTS} comments`;
  const out: LineComment[] = [];
  for (const [i, c] of v.entries()) {
    const one = lineComment(c, `comments[${i}]`);
    if (typeof one === 'string') return one;
    out.push(one);
  }
  return out;
}

/**
 * `{"builder", "approve": true}`, `{"builder", "request_changes": "text"}` or
 * `{"builder", "comments": [...]}` — exactly one verdict.
 */
export function reviewRequest(o: Record<string, unknown>): ActionRequest | string {
  const accepted = 'review needs {"builder": "<id>"} and exactly one of "approve": true, "request_changes": "<text>", "comments": [{"file", "line", "text"}, …]';
  if (typeof o.builder !== 'string' || !o.builder || o.builder.length > 200 || o.builder.startsWith('-') || badPath(o.builder)) return accepted;
  const given = ['approve', 'request_changes', 'comments'].filter((k) => o[k] !== undefined);
  if (given.length !== 1) return accepted;
  let verdict: ReviewVerdict;
  if (given[0] === 'approve') {
    if (o.approve !== true) return `${accepted}; approve must be true`;
    verdict = { approve: true };
  } else if (given[0] === 'request_changes') {
    const t = o.request_changes;
    if (!goodText(t)) return `request_changes must be text of 1 to ${COMMENT_MAX_BYTES} bytes, without NUL`;
    verdict = { request_changes: t };
  } else {
    const batch = commentBatch(o.comments);
    if (typeof batch === 'string') return batch;
    verdict = { comments: batch };
  }
  return { action: 'review', builder: o.builder, verdict };
}

/** POST /api/start: `{"query": "<text>", "path": "<absolute project folder>"}`. */
export function startRequest(body: string): StartRequest | string {
  const accepted = `start needs {"query": "<what to build, 1 to ${QUERY_MAX_BYTES} bytes>", "path": "<the project's absolute folder>"}`;
  let o: unknown;
  try {
    o = JSON.parse(body);
  } catch {
    return 'the body is not valid JSON';
  }
  if (typeof o !== 'object' || o === null || Array.isArray(o)) return 'the body must be a JSON object';
  const { query, path, template } = o as Record<string, unknown>;
  if (typeof query !== 'string' || query.trim() === '' || bytes(query) > QUERY_MAX_BYTES || query.includes('\0')) return accepted;
  if (typeof path !== 'string' || !path.startsWith('/') || path.length > PATH_MAX || badPath(path)) return accepted;
  if (template === undefined || template === null || template === '') return { query, path };
  if (typeof template !== 'string' || !TEMPLATE_NAME.test(template)) return `template is ${JSON.stringify(template)}; accepted: a template name (${NAME_ACCEPTED}) or none`;
  return { query, path, template };
}

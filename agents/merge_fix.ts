// The fix run (issue 20): a builder the merge gate sent back (`merge_feedback` on its row)
// runs again — locally or on an `argo worker`, through agents/build.ts alike. Before its
// agent starts, the target at the gate's commit (`base`) is merged into the builder's
// branch in its worktree; a conflict there is left in progress for the agent, its files
// named in the prompt. The prompt (pure) gives the verify command and the end of its
// output, the components merged since (what they do, how to tell they work) and asks for
// a passing verify and a commit.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { resolve, sep } from 'node:path';
import { git, gitShielded, isAncestor, unmergedFiles } from '../core/git.js';
import { readBuilders, type BuilderReview, type MergeFeedback } from '../store/builders.js';
import { mutateState, type StatePaths } from '../store/state.js';
import { JsonObject, fromPlain } from '../core/json_doc.js';
import { utcTimestamp } from '../core/time.js';
import { commitIdentity } from '../workflow/worktrees.js';

/** A component merged onto the target since the builder's work began. */
export interface MergedComponent {
  id: string;
  description: string | null;
  acceptance: string | null;
}

/** What a fix run is told and merged with (a job carries it to a worker as data). */
export interface MergeFixBrief {
  feedback: MergeFeedback;
  merged: MergedComponent[];
  /** The gate's command (verify.merge_command, else verify.command); null: none. */
  verify: string | null;
}

/** The gate's verify command of a config: verify.merge_command, else verify.command (a non-empty string), else null. */
export function mergeVerifyCommand(config: unknown): string | null {
  const v = (config as { verify?: { merge_command?: unknown; command?: unknown } } | null)?.verify;
  for (const c of [v?.merge_command, v?.command]) if (typeof c === 'string' && c.trim() !== '') return c;
  return null;
}

/** The brief of a builder row's merge_feedback, the components named by its ids looked up in `rows`. */
export function mergeFixBrief(feedback: MergeFeedback, rows: readonly MergedComponent[], verify: string | null): MergeFixBrief {
  const merged = feedback.merged_since.map((id) => rows.find((r) => r.id === id) ?? { id, description: null, acceptance: null });
  return { feedback, merged, verify };
}

/** A person's requested changes (kind review, issue 21): the comments as one message. */
function reviewFixPrompt(id: string, brief: MergeFixBrief, conflicted: readonly string[]): string {
  const f = brief.feedback;
  return [
    `A person reviewed your work on the '${id}' component and asks for these changes:`,
    '',
    f.tail.trim(),
    '',
    `${f.target} at ${f.base.slice(0, 12)} has been merged into your branch, so you now work on top of it.`,
    ...(conflicted.length > 0 ? ['', `Merging ${f.target} into your branch conflicted; resolve these files first (remove every conflict marker, git add them), then commit to conclude the merge:`, ...conflicted.map((c) => `- ${JSON.stringify(c)}`)] : []),
    '',
    brief.verify ? `Make them, keep the verify command passing (${brief.verify}), and commit your changes.` : 'Make them, keep the tests passing, and commit your changes.',
    'End with a short answer to the reviewer: what you changed, and anything you did not change and why.',
  ].join('\n');
}

/** The fields a completed fix run of kind review writes (pure): the gate holds it again (pending), its answer kept (≤ 4 KB). */
export function reviewAnswered(review: BuilderReview | null, reply: string | null, at: string): BuilderReview {
  return { status: 'pending', comments: review?.comments ?? [], reply: reply === null ? (review?.reply ?? null) : cutReply(reply), updated: at };
}

export const REPLY_MAX_BYTES = 4096;

/** The builder log's line for the agent's answer to a review (event review_reply): one line, at most 500 characters. */
export function reviewReplyLine(reply: string | null): string {
  const one = (reply ?? '').trim().replace(/\s*\n\s*/g, ' | ');
  return one === '' ? '(the agent gave no answer)' : one.length > 500 ? `${one.slice(0, 499)}…` : one;
}

/** The same, written to the row as it is now (the coordinator's path: its builder carries no review record). */
export function recordReviewAnswer(state: StatePaths, id: string, reply: string | null): Promise<void> {
  return mutateState(state, (doc) => {
    const row = readBuilders(doc).find((b) => b.id === id);
    if (row) return setRowFields(doc, id, { review: reviewAnswered(row.review, reply, utcTimestamp()) });
  });
}

function setRowFields(doc: unknown, id: string, fields: Record<string, unknown>): void {
  const exec = doc instanceof JsonObject ? doc.get('execution') : undefined;
  const list = exec instanceof JsonObject ? exec.get('builders') : undefined;
  if (!Array.isArray(list)) return;
  for (const b of list) if (b instanceof JsonObject && String(b.get('id') ?? 'null') === id) for (const [k, v] of Object.entries(fields)) b.set(k, fromPlain(v));
}

export function cutReply(text: string): string {
  const buf = Buffer.from(text, 'utf8');
  if (buf.length <= REPLY_MAX_BYTES) return text;
  // Cut on a character boundary (a partial UTF-8 sequence at the end is dropped).
  return buf.subarray(0, REPLY_MAX_BYTES - 3).toString('utf8').replace(/\uFFFD$/, '') + '…';
}

export function mergeFixPrompt(id: string, brief: MergeFixBrief, conflicted: readonly string[]): string {
  const f = brief.feedback;
  if (f.kind === 'review') return reviewFixPrompt(id, brief, conflicted);
  const why = f.kind === 'verify' ? `the verify command failed on ${f.target} with your work merged` : `merging your work into ${f.target} conflicted`;
  const tailLines = f.tail.trim() ? ['', f.kind === 'verify' ? 'The end of its output:' : 'The conflict:', '```', f.tail.trim(), '```'] : [];
  return [
    `Your work on the '${id}' component was sent back by the merge gate (attempt ${f.attempt}): ${why}.`,
    `${f.target} at ${f.base.slice(0, 12)} has been merged into your branch, so you now work on top of it.`,
    '',
    `Components merged onto ${f.target} since your work began:`,
    ...(brief.merged.length > 0 ? brief.merged.flatMap((m) => [`- ${m.id}: ${m.description ?? '(no description)'}`, `  acceptance: ${m.acceptance ?? '(none given)'}`]) : ['- (none)']),
    ...(conflicted.length > 0
      ? ['', `Merging ${f.target} into your branch conflicted; the merge is in progress. Resolve these files first (keep both sides' intent, remove every conflict marker, git add them), then commit to conclude the merge:`, ...conflicted.map((c) => `- ${JSON.stringify(c)}`)]
      : []),
    '',
    brief.verify ? `The verify command: ${brief.verify}` : 'No verify command is configured.',
    ...tailLines,
    '',
    `Make the verify command pass with your work and theirs together, and commit your changes.`,
  ].join('\n');
}

export type TargetMerge = { kind: 'merged'; conflicted: string[]; message: string } | { kind: 'failed'; message: string };

/**
 * Merges the gate's commit into the builder's branch in its worktree: nothing when it is
 * already there; a conflict is left in progress (the files returned); any other failure is
 * reported and the worktree restored (merge --abort).
 */
export async function mergeTargetInto(worktree: string, branch: string, feedback: MergeFeedback): Promise<TargetMerge> {
  const base = feedback.base;
  if (!git(['rev-parse', '-q', '--verify', '--end-of-options', `${base}^{commit}`], worktree).ok) return { kind: 'failed', message: `the target's commit ${base} is not in this repository` };
  // An earlier attempt (stopped, or failed) left this very merge in progress: the agent goes on with it.
  const inProgress = git(['rev-parse', '-q', '--verify', 'MERGE_HEAD'], worktree).stdout.trim();
  if (inProgress === base) return { kind: 'merged', conflicted: unmergedFiles(worktree), message: `the merge of ${feedback.target} (${base.slice(0, 12)}) into ${branch} is still in progress: left for the agent` };
  if (isAncestor(base, 'HEAD', worktree)) return { kind: 'merged', conflicted: [], message: `${feedback.target} (${base.slice(0, 12)}) is already in ${branch}` };
  const args = [...commitIdentity(worktree), 'merge', '-q', '--no-ff', '--no-edit', '-m', `argo: merge ${feedback.target} into ${branch} (sent back by the merge gate)`, '--end-of-options', base];
  const r = await gitShielded(args, worktree);
  if (r.ok) return { kind: 'merged', conflicted: [], message: `${feedback.target} (${base.slice(0, 12)}) merged into ${branch}` };
  const files = unmergedFiles(worktree);
  if (files.length > 0) return { kind: 'merged', conflicted: files, message: `merging ${feedback.target} (${base.slice(0, 12)}) into ${branch} conflicts in ${files.join(', ')}: left for the agent` };
  if (git(['rev-parse', '-q', '--verify', 'MERGE_HEAD'], worktree).ok) await gitShielded(['merge', '--abort'], worktree);
  return { kind: 'failed', message: `could not merge ${feedback.target} (${base.slice(0, 12)}) into ${branch}: ${(r.stderr || r.stdout).trim().split('\n')[0] ?? ''}` };
}

/** Lines git writes as conflict markers (a lone `=======` is ordinary text too often: a heading underline). */
const MARKER = /^(<{7} |>{7} |\|{7} )|^(<{7}|>{7}|\|{7})$/m;

export function hasConflictMarkers(text: string): boolean {
  return MARKER.test(text);
}

/** Of `files` (names from git: data), those under `dir` that still hold conflict markers; an unreadable one counts. */
export function filesWithMarkers(dir: string, files: readonly string[]): string[] {
  const root = resolve(dir);
  return files.filter((f) => {
    const p = resolve(root, f);
    if (p !== root && !p.startsWith(root + sep)) return false;
    try {
      return existsSync(p) && statSync(p).isFile() && hasConflictMarkers(readFileSync(p, 'utf8'));
    } catch {
      return true;
    }
  });
}

/** After a fix run's attempt: why the conflict it was given is not resolved (still merging, markers left), or null. */
export function conflictLeft(worktree: string, conflicted: readonly string[]): string | null {
  if (conflicted.length === 0) return null;
  if (git(['rev-parse', '-q', '--verify', 'MERGE_HEAD'], worktree).ok) return 'the merge of the target is still in progress (not committed)';
  const marked = filesWithMarkers(worktree, conflicted);
  return marked.length > 0 ? `conflict markers left in ${marked.join(', ')}` : null;
}

// argo review [project_path] [<builder-id> (--approve | --request-changes "text" | --comments FILE)]
// (issue 21, review.required): a person's verdict on a builder merge_build holds for review.
// Approve: review.status approved; once none is left pending, merge_build runs again (relay
// to merge_build / merge_branches / code). Request changes: the comments are appended to
// review.comments and the builder is sent back to its agent with them as one message
// (merge_feedback kind review; failed / review_changes; execution.retry_only; relay to
// execution) — check and hand-off in ONE locked write. Both under the start lock, starting
// an orchestrator when none runs (steer/launch.ts), as argo retry does. No flag: the list.
import { readFileSync, statSync } from 'node:fs';
import { runIfEntry } from '../core/cli.js';
import { ArgoError, errorMessage } from '../core/errors.js';
import { git } from '../core/git.js';
import { JsonObject, fromPlain, toPlain } from '../core/json_doc.js';
import { utcTimestamp } from '../core/time.js';
import { orchestratorEnv } from '../store/agent_env.js';
import { readBuilders, type BuilderRecord, type MergeFeedback, type ReviewComment } from '../store/builders.js';
import { handTo, relay } from '../store/hand_off.js';
import { argoPaths } from '../store/layout.js';
import { logBuilder, projectLogPaths } from '../store/logs.js';
import { isProject, projectArg } from '../store/project_arg.js';
import { mutateState, projectStatePaths } from '../store/state.js';
import { START_LOCK_WAIT_MS, startLockPath, takeStartLock } from '../store/start_lock.js';
import { chooseTarget } from '../workflow/merge_place.js';
import { argoCommand } from '../view/argo_command.js';
import { readStatePlain } from '../view/read.js';
import { runningOrchestrator, spawnOrchestrator } from './launch.js';
import { COMMENTS_FILE_MAX_BYTES, commentsMessage, parseCommentsFile, parseReviewArgs, plainBranch, reviewRefusal, waitsForReview, type ReviewAction } from './review_input.js';

type Comments = Omit<ReviewComment, 'at'>[];

function readComments(file: string): Comments {
  let size: number;
  try {
    const st = statSync(file);
    if (!st.isFile()) throw new ArgoError(`the comments file ${file} is not a regular file; accepted: a JSON file of line comments`);
    size = st.size;
  } catch (e) {
    if (e instanceof ArgoError) throw e;
    throw new ArgoError(`the comments file ${file} cannot be read (${errorMessage(e)}); accepted: a readable JSON file`);
  }
  if (size > COMMENTS_FILE_MAX_BYTES) throw new ArgoError(`the comments file ${file} is ${size} bytes; accepted: at most ${COMMENTS_FILE_MAX_BYTES} bytes`);
  const parsed = parseCommentsFile(readFileSync(file, 'utf8'), file);
  if (typeof parsed === 'string') throw new ArgoError(parsed);
  return parsed;
}

function rowOf(doc: JsonObject, id: string): JsonObject {
  const exec = doc.get('execution');
  const list = exec instanceof JsonObject ? exec.get('builders') : undefined;
  const row = Array.isArray(list) ? list.find((b) => b instanceof JsonObject && String(b.get('id') ?? 'null') === id) : undefined;
  if (!(row instanceof JsonObject)) throw new ArgoError(`no builder '${id}'`);
  return row;
}

/** The row checked (waiting for review, read under the lock) — or the refusal thrown. */
function checked(doc: JsonObject, id: string): { b: BuilderRecord; row: JsonObject; builders: BuilderRecord[] } {
  const builders = readBuilders(doc);
  const refusal = reviewRefusal(builders, id, { action_needed: toPlain(doc.get('action_needed')) });
  if (refusal) throw new ArgoError(refusal);
  return { b: builders.find((r) => r.id === id)!, row: rowOf(doc, id), builders };
}

/** Approve: one locked write; true when it handed on to merge_build (none left pending). */
async function approve(project: string, id: string): Promise<boolean> {
  return mutateState(projectStatePaths(project), (doc) => {
    if (!(doc instanceof JsonObject)) throw new ArgoError('state.json is not a JSON object');
    const { b, row, builders } = checked(doc, id);
    row.set('review', fromPlain({ ...b.review!, status: 'approved', updated: utcTimestamp() }));
    const left = builders.filter((r) => r.id !== id && waitsForReview(r, { action_needed: 'review_builder' }));
    if (left.length > 0) return false;
    handTo(doc, 'merge_build', 'merge_branches', 'code');
    return true;
  });
}

/** The target's tip the fix run builds on (the row's recorded target, else main/master). */
function targetTip(project: string, b: BuilderRecord): { target: string; base: string } {
  const target = b.merge?.target ?? chooseTarget(project);
  if (!target || !plainBranch(target)) throw new ArgoError(`builder '${b.id}': merge.target ${JSON.stringify(target)} is not a branch name (accepted: a plain branch name)`);
  const r = git(['rev-parse', '-q', '--verify', '--end-of-options', `refs/heads/${target}^{commit}`], project);
  if (!r.ok) throw new ArgoError(`builder '${b.id}': the target branch ${target} does not exist; nothing changed`);
  return { target, base: r.stdout.trim() };
}

/** Request changes: the review record, the send-back and the relay to execution — one locked write. */
async function requestChanges(project: string, id: string, comments: Comments): Promise<string> {
  const plain = readStatePlain(project);
  const builders = readBuilders(plain);
  const refusal = reviewRefusal(builders, id, plain);
  if (refusal) throw new ArgoError(refusal);
  const { target, base } = targetTip(project, builders.find((r) => r.id === id)!);
  const at = utcTimestamp();
  const message = commentsMessage(comments);
  await relay(projectStatePaths(project), { phase: 'execution', needed: 'execution', owner: 'code' }, (doc) => {
    const { b, row } = checked(doc, id);
    const rounds = new Set((b.review?.comments ?? []).map((c) => c.at)).size;
    const review = { status: 'changes_requested', comments: [...(b.review?.comments ?? []), ...comments.map((c) => ({ at, ...c }))], reply: b.review?.reply ?? null, updated: at };
    const feedback: MergeFeedback = { kind: 'review', target, base, output: null, tail: message, merged_since: [], files: [], attempt: rounds + 1 };
    for (const [k, v] of Object.entries({ review, merge_feedback: feedback, status: 'failed', failure: 'review_changes', failure_message: 'a person requested changes (argo review)' })) row.set(k, fromPlain(v));
    const exec = doc.get('execution') as JsonObject;
    const retry = toPlain(exec.get('retry_only'));
    exec.set('retry_only', fromPlain([...new Set([...(Array.isArray(retry) ? retry : []), id])]));
    exec.delete('halt_reason');
  });
  return message;
}

function list(project: string): void {
  const state = readStatePlain(project);
  const builders = readBuilders(state);
  const argo = argoCommand();
  process.stdout.write(`Review of ${project} (workflow: ${String(state.phase ?? 'null')} / ${String(state.action_needed ?? 'null')})\n`);
  if (builders.length === 0) process.stdout.write('  no builders yet\n');
  for (const b of builders) {
    const r = b.review;
    const what = r ? `review ${r.status} (${r.comments.length} comment${r.comments.length === 1 ? '' : 's'}${r.reply ? ', agent replied' : ''})` : 'not held for review';
    process.stdout.write(`  ${b.id}: ${b.status ?? 'null'}, ${what}\n`);
    if (waitsForReview(b, state)) {
      process.stdout.write(`    ${argo} diff ${project} ${b.id}\n    ${argo} review ${project} ${b.id} --approve\n    ${argo} review ${project} ${b.id} --request-changes "..."\n`);
    }
  }
}

/** An orchestrator to carry the hand-off on, when none runs (under the start lock). */
async function ensureOrchestrator(project: string): Promise<void> {
  if (runningOrchestrator(project) !== undefined) return;
  const { pid, up } = await spawnOrchestrator(project, { env: orchestratorEnv(project) });
  if (!up) throw new ArgoError(`the orchestrator (PID ${pid}) did not come up for ${project}; the review is recorded: see ${argoPaths(project).orchestratorLog}, then run argo resume ${project}`);
  process.stdout.write(`Orchestrator started (PID ${pid})\n`);
}

async function act(project: string, id: string, action: Exclude<ReviewAction, { kind: 'list' }>): Promise<void> {
  const logs = projectLogPaths(project);
  if (action.kind === 'approve') {
    const handed = await approve(project, id);
    logBuilder(logs, id, 'review_approved', 'Approved by a person (argo review)');
    process.stdout.write(handed ? `Approved ${id}; no builder waits for review: merge_build comes next\n` : `Approved ${id}; others still wait for review (argo review ${project})\n`);
    if (handed) await ensureOrchestrator(project);
    return;
  }
  const comments = action.kind === 'comments_file' ? readComments(action.file) : action.comments;
  const message = await requestChanges(project, id, comments);
  logBuilder(logs, id, 'review_changes', `Changes requested (argo review): ${message.replace(/\n/g, ' | ')}`);
  process.stdout.write(`Sent ${comments.length} comment(s) back to ${id}'s agent; execution comes next\n`);
  await ensureOrchestrator(project);
}

export async function main(argv: string[]): Promise<number> {
  const parsed = parseReviewArgs(argv, isProject);
  if (typeof parsed === 'string') {
    process.stderr.write(`ERROR: ${parsed}\n`);
    return 1;
  }
  const project = projectArg(parsed.path);
  if (!project) return 1;
  if (parsed.action.kind === 'list' || parsed.id === undefined) {
    list(project);
    return 0;
  }
  const lock = await takeStartLock(project, (file) => process.stdout.write(`Waiting for a start or stop of this project to finish (${file})...\n`)).catch(() => undefined);
  try {
    if (!lock) throw new ArgoError(`another start or stop of ${project} held ${startLockPath(project)} for ${START_LOCK_WAIT_MS / 1000} s; nothing changed`);
    await act(project, parsed.id, parsed.action);
    return 0;
  } catch (e) {
    process.stderr.write(`ERROR: ${errorMessage(e)}\n`);
    return 1;
  } finally {
    lock?.release();
  }
}

runIfEntry('steer/review', main);

// design_program for workflow.kind "review": no design and no builders — the reviewers
// (review_run.reviewers, else the workflow's CI tool) each read the range in a checkout of
// its tip and answer with findings; each answer goes to `.argo-project/reviews/<id>.md`, the
// summary to state root `reviews`, and the workflow ends in storage. Nothing is merged, and
// the repository is proven unmoved: every ref, the project checkout and each reviewer's checkout
// are compared before and after (a reviewer that changed something is named, its checkout kept).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ciToolAvailable } from '../agents/ci_tool.js';
import { PRESET_NAMES, presetNamed } from '../agents/presets/index.js';
import { choiceLabel, choiceProgram, chooseCi, type CiChoice } from '../agents/select.js';
import { complain, say } from '../core/cli.js';
import { errorMessage } from '../core/errors.js';
import { fromPlain } from '../core/json_doc.js';
import { onTermination } from '../core/termination.js';
import { utcTimestamp } from '../core/time.js';
import { argoPaths } from '../store/layout.js';
import { logStateTransition, writeLog } from '../store/logs.js';
import type { Project } from '../store/project.js';
import { mutateState, readState, updateState } from '../store/state.js';
import { WRITE_ORDERS, writeInOrder } from '../store/write_orders.js';
import { countFindings, findingsDocument, readReviewSettings, reviewIds, reviewPrompt, type RangeFacts, type ReviewerRecord, type ReviewRange } from '../workflow/kinds/review.js';
import { askReviewer } from './reviewer.js';
import { addReviewWorktree, movedBetween, rangeFacts, removeReviewWorktree, snapshot, worktreeChanges } from './repo.js';

async function refuse(project: Project, problem: string): Promise<number> {
  complain(`ERROR: ${problem}`);
  await updateState(project.state, 'error_recovery.last_error', `Review refused: ${problem}`).catch(() => undefined);
  return 1;
}

/** The reviewers' choices: each named preset (ci.agents overrides and ci.model apply), else the workflow's own. */
function reviewerChoices(names: readonly string[], config: unknown, own: CiChoice, dir: string): CiChoice[] | string {
  const unknown = names.find((n) => !presetNamed(n));
  if (unknown !== undefined) return `review_run.reviewers: unknown agent '${unknown}' (known: ${PRESET_NAMES.join(', ')})`;
  let choices: CiChoice[];
  try {
    // As ci.agent would choose it: ci.agents.<name> overrides and ci.model apply.
    choices = names.length === 0 ? [own] : names.map((n) => ({ ...chooseCi({ ARGO_AGENT: n }, config), source: 'review_run.reviewers' }));
  } catch (e) {
    return `review_run.reviewers: ${errorMessage(e)}`;
  }
  const missing = choices.find((c) => !ciToolAvailable(choiceProgram(c), dir, process.env));
  return missing ? `CI tool not found: ${choiceProgram(missing)} (a reviewer)` : choices;
}

interface Review {
  project: Project;
  range: ReviewRange;
  facts: RangeFacts;
  prompt: string;
  timeoutMs: number;
  pricing: unknown;
  signal: AbortSignal;
}

/** One reviewer: its checkout, its answer, what it moved, its findings file; its state record. */
async function review(r: Review, id: string, choice: CiChoice): Promise<ReviewerRecord> {
  const { project, facts } = r;
  const reviewer = choice.kind === 'preset' ? choice.preset.name : choiceProgram(choice);
  const file = join(argoPaths(project.dir).reviews, `${id}.md`);
  const base: ReviewerRecord = { id, reviewer, status: 'failed', findings: 0, by_severity: { high: 0, medium: 0, low: 0 }, file, error: null, moved: [] };
  const cwd = addReviewWorktree(project.dir, id, facts.tip);
  if (typeof cwd !== 'string') return { ...base, error: cwd.problem };
  say(`Reviewer ${id}: ${choiceLabel(choice)}`);
  const answer = await askReviewer({ project: project.dir, id, choice, prompt: r.prompt, cwd, timeoutMs: r.timeoutMs, signal: r.signal, pricing: r.pricing });
  const moved = worktreeChanges(cwd, facts.tip);
  if (moved.length === 0) removeReviewWorktree(project.dir, cwd, facts.tip);
  else moved.push(`its checkout is kept at ${cwd}`);
  const by = countFindings(answer.text);
  const record: ReviewerRecord = { ...base, status: answer.ok ? 'done' : 'failed', error: answer.error, moved, findings: by.high + by.medium + by.low, by_severity: by, ...(answer.usage ? { usage: answer.usage } : {}) };
  mkdirSync(argoPaths(project.dir).reviews, { recursive: true });
  writeFileSync(file, findingsDocument(record, r.range, facts, answer.text, utcTimestamp()));
  writeLog(project.logs, answer.ok ? 'INFO' : 'ERROR', `Reviewer ${id} (${reviewer}): ${answer.ok ? `${record.findings} findings` : `failed: ${answer.error}`}`);
  return record;
}

/** Runs the review; returns the handler's exit code. */
export async function runReview(project: Project, config: Record<string, unknown>, own: CiChoice, limits: { designTimeoutMs: number }): Promise<number> {
  const read = readReviewSettings(config);
  if ('problem' in read) return refuse(project, read.problem);
  const choices = reviewerChoices(read.settings.reviewers, config, own, project.dir);
  if (typeof choices === 'string') return refuse(project, choices);
  const range = read.settings.range;
  const facts = rangeFacts(range, project.dir);
  if ('problem' in facts) return refuse(project, facts.problem);
  const query = (await readState(project.state, 'user_query')).replace(/\n$/, '');
  say(`Reviewing ${range.text} (${facts.base.slice(0, 12)}..${facts.tip.slice(0, 12)}) with ${choices.length} reviewer${choices.length === 1 ? '' : 's'}; nothing will be merged`);
  const started = utcTimestamp();
  const ids = reviewIds(started, choices.map((c) => (c.kind === 'preset' ? c.preset.name : choiceProgram(c))));
  const before = snapshot(project.dir);
  const term = onTermination();
  try {
    const r: Review = { project, range, facts, prompt: reviewPrompt(range, facts, query === 'null' ? '' : query), timeoutMs: limits.designTimeoutMs, pricing: config.pricing, signal: term.signal };
    const records = await Promise.all(choices.map((c, i) => review(r, ids[i]!, c)));
    if (term.signal.aborted) return term.status()!;
    const moved = movedBetween(before, snapshot(project.dir));
    return await settle(project, { range: range.text, base: facts.base, tip: facts.tip, started, completed: utcTimestamp(), unmoved: moved.length === 0 && records.every((x) => x.moved.length === 0), moved, reviewers: records });
  } finally {
    term.dispose();
  }
}

/** Saves state `reviews` and ends in storage; every reviewer failed: an ERROR, for a retry. */
async function settle(project: Project, reviews: { moved: string[]; reviewers: ReviewerRecord[] } & Record<string, unknown>): Promise<number> {
  await mutateState(project.state, (d) => void d.set('reviews', fromPlain(reviews)));
  for (const m of reviews.moved) say(`WARNING: the repository changed during the review: ${m}`);
  for (const x of reviews.reviewers) for (const m of x.moved) say(`WARNING: reviewer ${x.id}: ${m}`);
  for (const x of reviews.reviewers) say(`Reviewer ${x.id}: ${x.status === 'done' ? `${x.findings} findings` : `failed: ${x.error}`} - ${x.file}`);
  if (reviews.reviewers.every((x) => x.status === 'failed')) {
    const why = reviews.reviewers.map((x) => `${x.id}: ${x.error}`).join('; ');
    return refuse(project, `every reviewer failed (${why})`);
  }
  logStateTransition(project.logs, 'init', 'storage');
  await writeInOrder(project.state, WRITE_ORDERS.reviewed());
  say(`Review complete - findings in ${argoPaths(project.dir).reviews}; nothing was merged`);
  say();
  return 0;
}

// What a person reviews of one builder (issue 21, the dashboard's review box): its changes
// (builder_diff.ts), the agent's final message and the verify result beside them.
// The final message is read back from the preset's output file under .argo-project/logs
// (`builder-<id>.agent.out`, written by the run) through the preset's own parser — the
// agent named by the row's usage record — and cut to FINAL_MESSAGE_LIMIT; a plain CI tool
// or a builder that ran elsewhere has none. The verify result is the builder log's last
// `verified` / `verify_failed` line, and the merge gate's when merge_build ran verify.
import { existsSync } from 'node:fs';
import { parseOutputFile } from '../agents/run/output_file.js';
import { presetNamed } from '../agents/presets/index.js';
import { readBuilders, type BuilderRecord, type BuilderReview as ReviewRecord } from '../store/builders.js';
import { builderLogFile, projectLogPaths } from '../store/logs.js';
import { builderChanges, type BuilderChanges } from './builder_diff.js';
import { tailLines } from './read.js';

export const FINAL_MESSAGE_LIMIT = 4096;

export interface BuilderReview {
  builder: string;
  status: string | null;
  changes: BuilderChanges;
  /** The agent's last answer (cut to FINAL_MESSAGE_LIMIT), or null with `final_message_note` saying why. */
  final_message: string | null;
  final_message_note: string | null;
  /** The last verify result: passed | failed, its line; null when verify never ran. */
  verify: { result: 'passed' | 'failed'; line: string; where: 'builder' | 'merge' } | null;
  /** The review gate's record (the row's `review`; null: never reviewed), bounded: the last REVIEW_COMMENTS_SHOWN comments, each cut. */
  review: ReviewRecord | null;
}

/** The most comments of the history sent to the page, and the most characters of each (the reply: FINAL_MESSAGE_LIMIT). */
export const REVIEW_COMMENTS_SHOWN = 20;
export const REVIEW_COMMENT_LIMIT = 2048;

/** The row's review record as the page shows it (pure): the newest comments, every text cut. */
export function shownReview(r: ReviewRecord | null): ReviewRecord | null {
  if (!r) return null;
  const comments = r.comments.slice(-REVIEW_COMMENTS_SHOWN).map((c) => ({ ...c, text: cutText(c.text, REVIEW_COMMENT_LIMIT) }));
  return { ...r, comments, reply: r.reply === null ? null : cutText(r.reply) };
}

/** Where a preset's stdout went (agents run it there; see distributed/local_builder.ts). */
export const agentOutputFile = (project: string, id: string) => builderLogFile(projectLogPaths(project), id).replace(/\.log$/, '.agent.out');

/** The text cut to `limit` characters, marked when cut. */
export const cutText = (s: string, limit = FINAL_MESSAGE_LIMIT) => (s.length > limit ? s.slice(0, limit - 1) + '…' : s);

/** The agent's final message from its output file, or why there is none. */
export async function finalMessage(project: string, b: BuilderRecord): Promise<{ text: string | null; note: string | null }> {
  const usage = b.raw.usage as Record<string, unknown> | undefined;
  const agent = typeof usage?.agent === 'string' ? usage.agent : null;
  const preset = agent ? presetNamed(agent) : undefined;
  if (!preset) return { text: null, note: 'no agent preset recorded for this builder (a plain CI tool prints to its log)' };
  let file: string;
  try {
    file = agentOutputFile(project, b.id);
  } catch {
    return { text: null, note: `builder id '${b.id}' cannot name a file` };
  }
  if (!existsSync(file)) return { text: null, note: 'no agent output recorded on this machine' };
  const outcome = await parseOutputFile(preset.parser, file, 0);
  const text = outcome.text.trim();
  return text ? { text: cutText(text), note: null } : { text: null, note: 'the agent left no final message' };
}

/** The last verify line of a builder log's tail (pure): `[ts] verified - …` or `[ts] verify_failed - …`. */
export function lastVerify(lines: string[]): { result: 'passed' | 'failed'; line: string } | null {
  for (let i = lines.length - 1; i >= 0; i--) {
    const m = /^\[[^\]]*\] (verified|verify_failed) - (.*)$/.exec(lines[i]!);
    if (m) return { result: m[1] === 'verified' ? 'passed' : 'failed', line: m[2]! };
  }
  return null;
}

/** The verify result: the merge gate's when it failed there, else the builder's own last run. */
export function verifyOf(project: string, b: BuilderRecord): BuilderReview['verify'] {
  if (b.merge?.status === 'verify_failed') return { result: 'failed', line: b.merge.message ?? 'the verify command failed on the merged tree', where: 'merge' };
  let lines: string[] = [];
  try {
    lines = tailLines(builderLogFile(projectLogPaths(project), b.id), 400);
  } catch {
    /* an id that cannot be a file name: no log */
  }
  const own = lastVerify(lines);
  return own ? { ...own, where: 'builder' } : null;
}

/** One builder's review, from the state as stored; undefined when no builder has that id. */
export async function builderReview(project: string, builder: string, state: unknown): Promise<BuilderReview | undefined> {
  const b = readBuilders(state).find((x) => x.id === builder);
  if (!b) return undefined;
  const message = await finalMessage(project, b);
  return { builder: b.id, status: b.status, changes: builderChanges(project, b), final_message: message.text, final_message_note: message.note, verify: verifyOf(project, b), review: shownReview(b.review) };
}

// One reviewer's run (workflow.kind "review"): the agent asked as a design is asked — read-only
// (Claude Code in plan mode, Codex in its read-only sandbox, Gemini without --yolo: see
// agents/presets) — in its own checkout of the range's tip, stdin /dev/null, its own process
// group, limits.design_timeout_seconds, ended on a stop. Its final message is the findings.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { designWrapperArgv, runCiCaptured } from '../agents/ci_tool.js';
import { usageRecord } from '../agents/build.js';
import { invocationFor } from '../agents/invocation.js';
import { DOC_LIMIT, tail } from '../agents/presets/contract.js';
import { BoundedLines } from '../agents/run/bounded_lines.js';
import { runAgent } from '../agents/run/runner.js';
import { choiceProgram, type CiChoice } from '../agents/select.js';
import { argoPaths } from '../store/layout.js';

export interface ReviewerAnswer {
  ok: boolean;
  text: string;
  error: string | null;
  usage: ReturnType<typeof usageRecord> | null;
}

/** How much of a plain CI tool's answer is kept as findings. */
const ANSWER_BYTES = 1024 * 1024;

export interface ReviewerRun {
  project: string;
  id: string;
  choice: CiChoice;
  prompt: string;
  cwd: string;
  timeoutMs: number;
  signal: AbortSignal;
  pricing: unknown;
}

function promptFile(project: string, id: string, text: string): string {
  const folder = argoPaths(project).prompts;
  mkdirSync(folder, { recursive: true });
  const file = join(folder, `review-${id}.txt`);
  writeFileSync(file, text);
  return file;
}

const noAnswerIn = (ms: number) => `no answer within limits.design_timeout_seconds (${ms / 1000} s)`;

/** Runs the reviewer and reads its findings (a preset's final message, a plain tool's output). */
export async function askReviewer(r: ReviewerRun): Promise<ReviewerAnswer> {
  const writePrompt = (text: string) => promptFile(r.project, r.id, text);
  if (r.choice.kind !== 'preset') {
    const argv = r.choice.kind === 'command' ? invocationFor(r.choice, 'design', { prompt: r.prompt, worktree: r.cwd, writePrompt }, process.env).argv : undefined;
    const a = await runCiCaptured(choiceProgram(r.choice), r.prompt, r.cwd, process.env, { keepBytes: ANSWER_BYTES, argv, signal: r.signal, timeoutMs: r.timeoutMs });
    const error = a.cause === 'timeout' ? noAnswerIn(r.timeoutMs) : a.code !== 0 ? `exit status ${a.code}` : null;
    return { ok: error === null, text: a.output, error, usage: null };
  }
  const choice = r.choice;
  const inv = invocationFor(choice, 'design', { prompt: r.prompt, worktree: r.cwd, writePrompt }, process.env);
  const parser = choice.preset.parser;
  let state = parser.init();
  let errTail = '';
  const lines = new BoundedLines((line) => void (state = parser.line(state, line)), DOC_LIMIT);
  const run = await runAgent({
    argv: designWrapperArgv(inv.argv, false),
    cwd: r.cwd,
    env: inv.env,
    signal: r.signal,
    timeoutMs: r.timeoutMs,
    onStdout: (d) => lines.push(d),
    onStderr: (d) => void (errTail = (errTail + d).slice(-4096)),
  });
  lines.end();
  const outcome = parser.end(state, run.code);
  let error = outcome.ok ? null : (outcome.error ?? 'no answer');
  if (run.timedOut) error = noAnswerIn(r.timeoutMs);
  else if (run.startError) error = `could not start ${inv.argv[0]}: ${run.startError}`;
  else if (error && errTail.trim()) error = `${error} (stderr: ${tail(errTail)})`;
  return { ok: error === null, text: outcome.text, error, usage: usageRecord(choice, outcome, r.pricing) };
}

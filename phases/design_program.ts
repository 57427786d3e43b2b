// design_program: asks the CI tool for a design and hands it to `ci` for approval.
import { closeSync, fstatSync, mkdirSync, openSync, readSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { onTermination } from '../core/termination.js';
import { runIfEntry } from '../core/cli.js';
import { ciToolAvailable, designWrapperArgv, runCiCaptured, type CapturedAnswer } from '../agents/ci_tool.js';
import { extractComponentsLenient, type Component, type RejectedComponent } from '../workflow/components.js';
import { errorMessage } from '../core/errors.js';
import { fromPlain, toPlain } from '../core/json_doc.js';
import { logStateTransition, writeLog } from '../store/logs.js';
import { mutateState, readState, readStateDoc } from '../store/state.js';
import { DOC_LIMIT, tail, type AgentOutcome } from '../agents/presets/contract.js';
import { invocationFor } from '../agents/invocation.js';
import { BoundedLines } from '../agents/run/bounded_lines.js';
import { runAgent } from '../agents/run/runner.js';
import { choiceLabel, choiceProgram, type CiChoice } from '../agents/select.js';
import { usageRecord } from '../agents/build.js';
import { utcTimestamp } from '../core/time.js';
import { readCiChoice } from '../agents/ci_choice.js';
import { complain, enterProject, limitsOrRefuse, recordError, say, type Project } from './handler.js';
import { argoPaths } from '../store/layout.js';
import { WRITE_ORDERS, writeInOrder } from '../store/write_orders.js';

export function designPrompt(query: string): string {
  return [
    'Please create a high-level software design for the following requirement.',
    '',
    `Requirement: ${query}`,
    '',
    'Provide:',
    '1. A short overview of the approach',
    '2. The main components to build',
    '3. Key technologies or design patterns worth using',
    '',
    'Keep it high-level and focus on the decomposition into components.',
  ].join('\n');
}

/** How much of the answer the state keeps in design.summary. */
export const SUMMARY_BYTES = 64 * 1024;
/** How much of a large answer file is searched for the component list (its head, then its tail). */
export const COMPONENT_SEARCH_BYTES = 2 * 1024 * 1024;

/** The head and the tail of a large answer file, each at most COMPONENT_SEARCH_BYTES (bounded reads). */
export function answerExcerpts(file: string): string[] {
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    const read = (at: number, length: number) => {
      const buf = Buffer.alloc(length);
      const n = readSync(fd, buf, 0, length, at);
      return buf.subarray(0, n).toString('utf8');
    };
    if (size <= 2 * COMPONENT_SEARCH_BYTES) return [read(0, size)];
    return [read(0, COMPONENT_SEARCH_BYTES), read(size - COMPONENT_SEARCH_BYTES, COMPONENT_SEARCH_BYTES)];
  } finally {
    closeSync(fd);
  }
}

/** The state's `limits` (a missing or unreadable state: none set there). */
async function stateLimits(project: { state: { stateFile: string } }): Promise<unknown> {
  try {
    return toPlain((await readStateDoc(project.state.stateFile)).get('limits'));
  } catch {
    return null;
  }
}

/**
 * A preset's answer (the text its parser read) as a captured answer: the state keeps
 * `keep` bytes, a longer text goes whole to `file` — the same bounds as a CI tool's.
 */
export function answerFromText(text: string, code: number, file: string, keep: number): CapturedAnswer {
  const all = Buffer.from(text, 'utf8');
  if (all.length <= keep) return { code, output: text, bytes: all.length, truncated: false };
  let fileError: string | undefined;
  try {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, all, { mode: 0o600 });
  } catch (e) {
    fileError = `cannot write ${file}: ${errorMessage(e)}`;
  }
  // a character split at the cut is dropped
  const output = new TextDecoder('utf-8', { fatal: false }).decode(all.subarray(0, keep)).replace(/\uFFFD$/, '');
  return { code, output, bytes: all.length, truncated: true, ...(fileError ? { fileError } : {}) };
}

/**
 * A preset asked for the design through the agent runner: stdin /dev/null, its own
 * group, limits.design_timeout_seconds, ended when `signal` (the handler's stop) aborts. Its stdout is read
 * line by line through the preset's parser (never held whole).
 */
async function askAgent(choice: CiChoice & { kind: 'preset' }, prompt: string, dir: string, timeoutMs: number, signal: AbortSignal): Promise<{ code: number; outcome: AgentOutcome }> {
  const inv = invocationFor(choice, 'design', {
    prompt,
    worktree: dir,
    writePrompt: (text) => writePromptFile(dir, text),
  }, process.env);
  const parser = choice.preset.parser;
  let state = parser.init();
  let errTail = '';
  // Bounded whatever the line lengths: the answer is the design, so a line may be as long
  // as a whole answer document (DOC_LIMIT); a longer one is skimmed, never held.
  const lines = new BoundedLines((line) => void (state = parser.line(state, line)), DOC_LIMIT);
  const feed = (chunk: string) => lines.push(chunk);
  const r = await runAgent({
    argv: designWrapperArgv(inv.argv, false),
    cwd: dir,
    env: inv.env,
    signal,
    timeoutMs,
    onStdout: feed,
    onStderr: (d) => void (errTail = (errTail + d).slice(-4096)),
  });
  lines.end();
  let outcome = parser.end(state, r.code);
  if (r.timedOut) outcome = { ...outcome, ok: false, error: timeLimitError(timeoutMs) };
  else if (r.startError) outcome = { ...outcome, ok: false, error: `could not start ${inv.argv[0]}: ${r.startError}` };
  else if (!outcome.ok && errTail.trim()) outcome = { ...outcome, error: `${outcome.error} (stderr: ${tail(errTail)})` };
  return { code: r.code, outcome };
}

const timeLimitError = (timeoutMs: number) => `no answer within limits.design_timeout_seconds (${timeoutMs / 1000} s)`;

function writePromptFile(dir: string, text: string): string {
  const folder = argoPaths(dir).prompts;
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, 'design.txt'), text);
  return join(folder, 'design.txt');
}

export async function main(argv: string[]): Promise<number> {
  const project = enterProject(argv, 'design_program');
  if (typeof project === 'number') return project;
  const ci = readCiChoice(project);
  if ('error' in ci) {
    complain(`ERROR: ${ci.error}`);
    await recordError(project, 'CI tool not available');
    return 1;
  }
  const { config, choice } = ci;
  const tool = choice.kind === 'word' ? choice.tool : choiceLabel(choice);
  // Checked for every CI tool: the design's cost counts towards limits.max_cost_usd.
  const limits = await limitsOrRefuse(project, await stateLimits(project), config);
  if (typeof limits === 'number') return limits;

  // As the original: `read_state user_query` (so a multi-line or numeric query reads the same).
  const query = (await readState(project.state, 'user_query')).replace(/\n$/, '');
  if (query === '' || query === 'null') {
    complain('ERROR: No user query found in state');
    await recordError(project, 'Missing user query');
    return 1;
  }
  say(`User query: ${query}`);
  say(`Asking CI tool (${tool}) for a design...`);
  if (!ciToolAvailable(choiceProgram(choice), project.dir, process.env)) {
    complain(`ERROR: CI tool not found: ${choiceProgram(choice)}`);
    await recordError(project, 'CI tool not available');
    return 1;
  }
  // One termination edge: a stop ends the tool's group, then we return as a signalled handler.
  const term = onTermination();
  try {
    const asked = await askForDesign(project, choice, query, limits, config.pricing, term.signal);
    if (term.signal.aborted) {
      rmSync(asked.answerFile, { force: true }); // a stopped run saved nothing
      return term.status()!;
    }
    return await saveDesign(project, asked);
  } finally {
    term.dispose();
  }
}

interface Asked {
  answer: CapturedAnswer;
  answerFile: string;
  usage: ReturnType<typeof usageRecord> | null;
  /** Why the tool gave no answer (': …'), '' when it did. */
  failure: string;
}

/**
 * Asks the CI tool: a preset through the agent runner, a single word or a command
 * line through the captured run — each in its own group, under
 * limits.design_timeout_seconds, ended when `signal` aborts. The answer streams to a
 * file; memory and state keep a bounded excerpt (issue 6 point 8).
 */
async function askForDesign(project: Project, choice: CiChoice, query: string, limits: { designTimeoutMs: number }, pricing: Parameters<typeof usageRecord>[2], signal: AbortSignal): Promise<Asked> {
  const answerFile = join(argoPaths(project.dir).design, `answer-${utcTimestamp().replace(/[-:]/g, '')}-${process.pid}.txt`);
  if (choice.kind === 'preset') {
    // A preset: the answer is what its parser read (Claude's `result` …), usage recorded.
    const r = await askAgent(choice, designPrompt(query), project.dir, limits.designTimeoutMs, signal);
    const answer = answerFromText(r.outcome.text, r.outcome.ok ? 0 : r.code || 1, answerFile, SUMMARY_BYTES);
    return { answer, answerFile, usage: usageRecord(choice, r.outcome, pricing), failure: r.outcome.ok ? '' : `: ${r.outcome.error ?? 'no answer'}` };
  }
  // A single word (as the original) or a command line with arguments (D16).
  const argv = choice.kind === 'command' ? invocationFor(choice, 'design', { prompt: designPrompt(query), worktree: project.dir, writePrompt: (text) => writePromptFile(project.dir, text) }, process.env).argv : undefined;
  const answer = await runCiCaptured(choiceProgram(choice), designPrompt(query), project.dir, process.env, { file: answerFile, keepBytes: SUMMARY_BYTES, argv, signal, timeoutMs: limits.designTimeoutMs });
  return { answer, answerFile, usage: null, failure: answer.cause === 'timeout' ? `: ${timeLimitError(limits.designTimeoutMs)}` : '' };
}

/** Keeps the answer as the design (summary, components, usage) and hands it to `ci` for approval. */
async function saveDesign(project: Project, { answer, answerFile, usage, failure }: Asked): Promise<number> {
  const { code, output } = answer;
  if (code !== 0 || !answer.truncated) rmSync(answerFile, { force: true }); // all of it is in the summary (or failed)
  if (code !== 0) {
    complain(`ERROR: CI query failed with exit code ${code}${failure}`);
    await recordError(project, 'CI query failed');
    return 1;
  }
  say('CI tool answered');
  if (answer.fileError) {
    if (answer.truncated) say(`WARNING: ${answer.fileError}: the design keeps only the first ${SUMMARY_BYTES} of ${answer.bytes} bytes`);
    rmSync(answerFile, { force: true }); // a partial copy would pass for the answer
  } else if (answer.truncated) {
    say(`The answer is ${answer.bytes} bytes: the design keeps its first ${SUMMARY_BYTES} bytes, the whole text is in ${answerFile}`);
  }

  let components: Component[] = [];
  let rejected: RejectedComponent[] = [];
  try {
    const texts = answer.truncated && !answer.fileError ? answerExcerpts(answerFile) : [output];
    for (const text of texts) {
      const found = extractComponentsLenient(text);
      if (found) {
        ({ components, rejected } = found);
        break;
      }
    }
  } catch (e) {
    say(`WARNING: ignoring the component list in the answer: ${errorMessage(e)}`);
  }
  // One bad id costs only itself: the others are kept, each rejection is said, logged and kept in state.
  for (const r of rejected) {
    say(`WARNING: component rejected: ${r.reason}`);
    writeLog(project.logs, 'WARN', `Design component rejected: ${r.reason}`);
  }
  const plain: Record<string, unknown> = { summary: output.replace(/\n+$/, ''), components, created: utcTimestamp(), approved: false };
  if (rejected.length > 0) plain.rejected_components = rejected;
  if (answer.truncated && !answer.fileError) {
    plain.answer_file = answerFile;
    plain.answer_bytes = answer.bytes;
  }
  if (usage) plain.usage = usage;
  const design = fromPlain(plain);
  try {
    await mutateState(project.state, (d) => void d.set('design', design));
  } catch (e) {
    complain(`ERROR: Failed to save design: ${errorMessage(e)}`);
    return 1;
  }
  say(`Design saved to state (${components.length} components)`);

  logStateTransition(project.logs, 'init', 'design');
  await writeInOrder(project.state, WRITE_ORDERS.designed());
  say('Design phase complete - awaiting design approval');
  say();
  return 0;
}

runIfEntry(import.meta.url, main);

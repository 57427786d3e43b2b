// design_program: asks the CI tool for a design and hands it to `ci` for approval.
import { closeSync, fstatSync, mkdirSync, openSync, readSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { onTermination } from '../core/termination.js';
import { runIfEntry } from '../core/cli.js';
import { ciToolAvailable, designWrapperArgv, runCiCaptured, type CapturedAnswer } from '../agents/ci_tool.js';
import { findComponentList, partitionComponents, type Component, type RejectedComponent } from '../workflow/components.js';
import { checkPlan } from '../workflow/plan_check.js';
import { answerTail, asksForPlan, readableSummary, designPromptFor, designPromptSource, followUpPrompt, originalDesignPrompt, PLAN_SCHEMA_TEXT, planSetting, type PlanFormat } from '../workflow/plan_prompt.js';
import { designTakesSchema } from '../agents/presets/index.js';
import { runShare, sumUsage } from '../agents/settings.js';
import { errorMessage } from '../core/errors.js';
import { fromPlain, toPlain } from '../core/json_doc.js';
import { logStateTransition, writeLog } from '../store/logs.js';
import { mutateState, readState, readStateDoc } from '../store/state.js';
import { DOC_LIMIT, tail, type AgentOutcome, type AgentUsage } from '../agents/presets/contract.js';
import { invocationFor } from '../agents/invocation.js';
import { BoundedLines } from '../agents/run/bounded_lines.js';
import { runAgent } from '../agents/run/runner.js';
import { choiceLabel, choiceProgram, type CiChoice } from '../agents/select.js';
import { usageRecord } from '../agents/build.js';
import { utcTimestamp } from '../core/time.js';
import { readDesignChoice } from '../agents/ci_choice.js';
import { complain, enterProject, limitsOrRefuse, recordError, say, type Project } from './handler.js';
import { argoPaths } from '../store/layout.js';
import { WRITE_ORDERS, writeInOrder } from '../store/write_orders.js';
import { designModePlan, modeOf } from './modes/fixed_plan.js';
import { readWorkflowKind } from '../workflow/kind.js';
import { designSlices } from '../workflow/kinds/slices_design.js';
import { runReview } from '../review/run.js';

/** The original's design prompt (COMPAT §5.5), what a single-word CI tool is asked. */
export const designPrompt = originalDesignPrompt;

/** How the design is asked: the prompt, and the form of the plan (null: the original's, no plan asked). */
export interface DesignAsk {
  prompt: string;
  plan: PlanFormat | null;
}

/**
 * The prompt for this CI choice and config: a plan for a preset or a command line (through
 * the CLI's structured output when its design takes the schema), the original's text for a
 * single word, `design.plan` deciding otherwise; the project's design.md when it has one.
 * Throws (naming the key or the file) on a bad design.plan or template.
 */
export function designAsk(dir: string, choice: CiChoice, config: Record<string, unknown>, query: string): DesignAsk {
  const plan = asksForPlan(choice.kind, planSetting(config)) ? (choice.kind === 'preset' && designTakesSchema(choice.preset) ? 'structured' : 'fenced') : null;
  return { plan, prompt: designPromptFor(query, plan, designPromptSource(dir)) };
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
async function askAgent(choice: CiChoice & { kind: 'preset' }, run: AgentRun, dir: string, timeoutMs: number, signal: AbortSignal): Promise<{ code: number; outcome: AgentOutcome; resumed: boolean }> {
  const inv = invocationFor(choice, run.kind, {
    prompt: run.prompt,
    worktree: dir,
    sessionId: run.sessionId,
    schema: run.plan ? PLAN_SCHEMA_TEXT : null,
    writeSchema: () => writeSchemaFile(dir),
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
  return { code: r.code, outcome, resumed: inv.resumed };
}

/** One run of a preset for the design: the first question, or the follow-up (resuming its session when it can). */
interface AgentRun {
  kind: 'design' | 'design_resume';
  prompt: string;
  sessionId: string | null;
  plan: PlanFormat | null;
}

/** The plan's schema as a file (Codex `--output-schema FILE`), beside the prompt files. */
function writeSchemaFile(dir: string): string {
  const folder = argoPaths(dir).prompts;
  mkdirSync(folder, { recursive: true });
  const file = join(folder, 'plan-schema.json');
  writeFileSync(file, PLAN_SCHEMA_TEXT + '\n');
  return file;
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
  const ci = readDesignChoice(project);
  if ('error' in ci) {
    complain(`ERROR: ${ci.error}`);
    await recordError(project, 'CI tool not available');
    return 1;
  }
  const { config, choice } = ci;
  const kind = readWorkflowKind(config);
  if ('problem' in kind) return refuseKind(project, kind.problem);
  if (kind.kind === 'slices') return designSlices(project, config);
  const tool = choice.kind === 'word' ? choice.tool : choiceLabel(choice);
  // Checked for every CI tool: the design's cost counts towards limits.max_cost_usd.
  const limits = await limitsOrRefuse(project, await stateLimits(project), config);
  if (typeof limits === 'number') return limits;
  if (kind.kind === 'review') return runReview(project, config, choice, limits);

  // As the original: `read_state user_query` (so a multi-line or numeric query reads the same).
  const query = (await readState(project.state, 'user_query')).replace(/\n$/, '');
  if (query === '' || query === 'null') {
    complain('ERROR: No user query found in state');
    await recordError(project, 'Missing user query');
    return 1;
  }
  if (modeOf(config) !== null) return await designModePlan(project, config, query); // workflow.kind bugfix / best_of_n: a fixed plan (phases/modes)
  let ask: DesignAsk;
  try {
    ask = designAsk(project.dir, choice, config, query);
  } catch (e) {
    // design.plan of the config or the project's design.md: named, nothing asked.
    complain(`ERROR: ${errorMessage(e)}`);
    await recordError(project, `Design prompt refused: ${errorMessage(e)}`);
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
    const asking: Asking = { project, choice, query, ask, limits, pricing: config.pricing, signal: term.signal };
    const asked = await askForDesign(asking);
    if (term.signal.aborted) {
      rmSync(asked.answerFile, { force: true }); // a stopped run saved nothing
      return term.status()!;
    }
    if (!answered(asked)) return await refuseAnswer(project, asked);
    reportAnswer(asked);
    let plan = planOf(asked);
    let followUp: FollowUp | null = null;
    if (ask.plan && !(plan && plan.components.length > 0)) {
      say(`The answer carries no component list: asking ${tool} once more for only the list`);
      followUp = await askAgain(asking, asked);
      if (term.signal.aborted) {
        rmSync(asked.answerFile, { force: true });
        return term.status()!;
      }
      if (followUp.plan) plan = followUp.plan;
    }
    return await saveDesign(project, asked, plan, followUp);
  } finally {
    term.dispose();
  }
}

/** A bad workflow.kind: one ERROR line, nothing asked. */
async function refuseKind(project: Project, problem: string): Promise<number> {
  complain(`ERROR: ${problem}`);
  await recordError(project, problem);
  return 1;
}

/** What asking needs: the project, the tool, the question and its limits. */
interface Asking {
  project: Project;
  choice: CiChoice;
  query: string;
  ask: DesignAsk;
  limits: { designTimeoutMs: number };
  pricing: Parameters<typeof usageRecord>[2];
  signal: AbortSignal;
}

interface Asked {
  answer: CapturedAnswer;
  answerFile: string;
  usage: ReturnType<typeof usageRecord> | null;
  /** Why the tool gave no answer (': …'), '' when it did. */
  failure: string;
  /** A preset's run: its parsed outcome (session, structured output, raw usage). */
  outcome?: AgentOutcome;
}

/** The components an answer carries (and the entries that could not be components), or undefined without a list. */
type Plan = { components: Component[]; rejected: RejectedComponent[]; raw: unknown[] };

/** The follow-up's result: whether it gave a list, and its usage. */
interface FollowUp {
  plan: Plan | undefined;
  usage: ReturnType<typeof usageRecord> | null;
}

const answerFileIn = (dir: string, tag = '') => join(argoPaths(dir).design, `answer-${utcTimestamp().replace(/[-:]/g, '')}-${process.pid}${tag}.txt`);

/**
 * Asks the CI tool: a preset through the agent runner, a single word or a command
 * line through the captured run — each in its own group, under
 * limits.design_timeout_seconds, ended when `signal` aborts. The answer streams to a
 * file; memory and state keep a bounded excerpt (issue 6 point 8).
 */
async function askForDesign(a: Asking, prompt = a.ask.prompt, answerFile = answerFileIn(a.project.dir), resume: { session: string; earlier: AgentUsage[] } | null = null): Promise<Asked> {
  const { project, choice, limits, signal } = a;
  if (choice.kind === 'preset') {
    // A preset: the answer is what its parser read (Claude's `result` …), usage recorded.
    const run: AgentRun = { kind: resume ? 'design_resume' : 'design', prompt, sessionId: resume?.session ?? null, plan: a.ask.plan };
    const r = await askAgent(choice, run, project.dir, limits.designTimeoutMs, signal);
    const answer = answerFromText(r.outcome.text, r.outcome.ok ? 0 : r.code || 1, answerFile, SUMMARY_BYTES);
    // A resumed session that reports the whole session's usage (Codex): only this run's share.
    const own = r.resumed && choice.preset.resumeReportsSessionTotal ? runShare(r.outcome.usage, resume?.earlier ?? []) : r.outcome.usage;
    return { answer, answerFile, usage: usageRecord(choice, { ...r.outcome, usage: own }, a.pricing), failure: r.outcome.ok ? '' : `: ${r.outcome.error ?? 'no answer'}`, outcome: r.outcome };
  }
  // A single word (as the original) or a command line with arguments (D16).
  const argv = choice.kind === 'command' ? invocationFor(choice, 'design', { prompt, worktree: project.dir, writePrompt: (text) => writePromptFile(project.dir, text) }, process.env).argv : undefined;
  const answer = await runCiCaptured(choiceProgram(choice), prompt, project.dir, process.env, { file: answerFile, keepBytes: SUMMARY_BYTES, argv, signal, timeoutMs: limits.designTimeoutMs });
  return { answer, answerFile, usage: null, failure: answer.cause === 'timeout' ? `: ${timeLimitError(limits.designTimeoutMs)}` : '' };
}

/**
 * The one follow-up question: the same session resumed when the preset can (it knows the
 * requirement and its answer), else a question that stands alone, quoting the end of the
 * first answer. Its usage is its own share; its answer file is not kept.
 */
async function askAgain(a: Asking, first: Asked): Promise<FollowUp> {
  const session = a.choice.kind === 'preset' && a.choice.preset.designResume ? (first.outcome?.session_id ?? null) : null;
  const prompt = followUpPrompt(a.query, a.ask.plan!, session !== null, answerTail(first.answer.output));
  const again = await askForDesign(a, prompt, answerFileIn(a.project.dir, '-followup'), session === null ? null : { session, earlier: [first.outcome!.usage] });
  const usage = again.usage;
  const plan = answered(again) ? planOf(again) : undefined;
  rmSync(again.answerFile, { force: true });
  if (!answered(again)) say(`WARNING: the follow-up question failed${again.failure || ` (exit code ${again.answer.code})`}`);
  return { plan, usage };
}

const answered = (asked: Asked) => asked.answer.code === 0;

/** A failed answer: the ERROR line and last_error, nothing saved. */
async function refuseAnswer(project: Project, { answer, answerFile, failure }: Asked): Promise<number> {
  rmSync(answerFile, { force: true });
  complain(`ERROR: CI query failed with exit code ${answer.code}${failure}`);
  await recordError(project, 'CI query failed');
  return 1;
}

/** 'CI tool answered', and where a large answer is; the answer file goes when the summary holds all of it (or it is partial). */
function reportAnswer({ answer, answerFile }: Asked): void {
  if (!answer.truncated) rmSync(answerFile, { force: true }); // all of it is in the summary
  say('CI tool answered');
  if (answer.fileError) {
    if (answer.truncated) say(`WARNING: ${answer.fileError}: the design keeps only the first ${SUMMARY_BYTES} of ${answer.bytes} bytes`);
    rmSync(answerFile, { force: true }); // a partial copy would pass for the answer
  } else if (answer.truncated) {
    say(`The answer is ${answer.bytes} bytes: the design keeps its first ${SUMMARY_BYTES} bytes, the whole text is in ${answerFile}`);
  }
}

/** The component list of an answer: the structured output it returned, else a list in its text (head, then tail of a large one). */
function planOf({ answer, answerFile, outcome }: Asked): Plan | undefined {
  const structured = outcome?.structured as { components?: unknown } | undefined;
  if (structured && Array.isArray(structured.components)) return { ...partitionComponents(structured.components, 'CI answer'), raw: structured.components };
  try {
    const texts = answer.truncated && !answer.fileError ? answerExcerpts(answerFile) : [answer.output];
    for (const text of texts) {
      const list = findComponentList(text);
      if (list) return { ...partitionComponents(list, 'CI answer'), raw: list };
    }
  } catch (e) {
    say(`WARNING: ignoring the component list in the answer: ${errorMessage(e)}`);
  }
  return undefined;
}

/** Keeps the answer as the design (summary, components, usage, the plan's warnings) and hands it to `ci` for approval. */
async function saveDesign(project: Project, { answer, answerFile, usage, outcome }: Asked, plan: Plan | undefined, followUp: FollowUp | null): Promise<number> {
  const { output } = answer;
  const rejected = plan?.rejected ?? [];
  // One bad id costs only itself: the others are kept, each rejection is said, logged and kept in state.
  for (const r of rejected) {
    say(`WARNING: component rejected: ${r.reason}`);
    writeLog(project.logs, 'WARN', `Design component rejected: ${r.reason}`);
  }
  const checked = checkPlan(plan?.components ?? [], plan?.raw);
  for (const w of checked.warnings) say(`WARNING: plan: ${w}`);
  const components = checked.components;
  // A plan returned as structured output reads as its overview and a fenced list.
  const summary = answer.truncated ? output : readableSummary(output, outcome?.structured);
  const plain: Record<string, unknown> = { summary: summary.replace(/\n+$/, ''), components, created: utcTimestamp(), approved: false };
  if (rejected.length > 0) plain.rejected_components = rejected;
  if (checked.warnings.length > 0) plain.warnings = checked.warnings;
  if (answer.truncated && !answer.fileError) {
    plain.answer_file = answerFile;
    plain.answer_bytes = answer.bytes;
  }
  const usages = [usage, followUp?.usage ?? null].filter((u) => u !== null);
  if (usages.length > 0) plain.usage = { ...usages[0], ...sumUsage(usages) };
  if (followUp) plain.plan_followup = true;
  if (followUp && components.length === 0) say('WARNING: still no component list: add the components before approving (argo approve --components FILE, or the dashboard)');
  try {
    await mutateState(project.state, (d) => void d.set('design', fromPlain(plain)));
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

runIfEntry('phases/design_program', main);

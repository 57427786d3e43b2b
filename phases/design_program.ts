// design_program: asks the CI tool for a design and hands it to `ci` for approval.
import { runIfEntry } from '../lib/cli.js';
import { readConfigObject } from '../lib/config.js';
import { ciToolAvailable, designWrapperArgv, runCiCaptured } from '../lib/ci_tool.js';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { emptyUsage, tail, type AgentOutcome } from '../agents/contract.js';
import { invocationFor } from '../agents/invocation.js';
import { runAgent } from '../agents/runner.js';
import { chooseCi, choiceLabel, choiceProgram, type CiChoice } from '../agents/select.js';
import { agentLimits, withCost } from '../agents/settings.js';
import { extractComponents, type Component } from '../lib/components.js';
import { errorMessage } from '../lib/errors.js';
import { fromPlain, toPlain } from '../lib/json_doc.js';
import { logStateTransition } from '../lib/logging_enhanced.js';
import { mutateState, readState, readStateDoc, updateState } from '../lib/state_file.js';
import { utcTimestamp } from '../lib/time.js';
import { complain, enterProject, recordError, say } from './handler.js';

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

/** The state's `limits` (a missing or unreadable state leaves the defaults). */
async function readStateDocSafe(project: { state: { stateFile: string } }): Promise<unknown> {
  try {
    return toPlain((await readStateDoc(project.state.stateFile)).get('limits'));
  } catch {
    return null;
  }
}

/**
 * A command line or a preset asked for the design through the agent runner: stdin
 * /dev/null, its own group, limits.design_timeout_seconds, ended with the handler.
 */
async function askAgent(choice: CiChoice, prompt: string, dir: string, timeoutMs: number): Promise<{ code: number; outcome: AgentOutcome; usage: boolean }> {
  const inv = invocationFor(choice, 'design', {
    prompt,
    worktree: dir,
    writePrompt: (text) => {
      const folder = join(dir, '.argo-project', 'prompts');
      mkdirSync(folder, { recursive: true });
      writeFileSync(join(folder, 'design.txt'), text);
      return join(folder, 'design.txt');
    },
  }, process.env);
  const preset = inv.preset;
  let state = preset?.parser.init();
  let pending = '';
  let raw = '';
  let errTail = '';
  const feed = (chunk: string) => {
    if (!preset) {
      raw += chunk; // a command line's answer is its whole output, as the single word's
      return;
    }
    pending += chunk;
    let nl: number;
    while ((nl = pending.indexOf('\n')) >= 0) {
      state = preset.parser.line(state, pending.slice(0, nl));
      pending = pending.slice(nl + 1);
    }
  };
  const abort = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    abort.abort();
    stopping = signal;
  };
  let stopping: NodeJS.Signals | null = null;
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  try {
    const r = await runAgent({
      argv: designWrapperArgv(inv.argv, !preset),
      cwd: dir,
      env: inv.env,
      signal: abort.signal,
      timeoutMs,
      onStdout: feed,
      onStderr: (d) => (preset ? (errTail = (errTail + d).slice(-4096)) : feed(d)),
    });
    if (stopping) process.exit(stopping === 'SIGINT' ? 130 : 143);
    if (preset && pending) state = preset.parser.line(state, pending);
    let outcome: AgentOutcome = preset
      ? preset.parser.end(state, r.code)
      : { ok: r.code === 0, text: raw, usage: emptyUsage(), session_id: null, error: r.code === 0 ? null : `exit status ${r.code}` };
    if (r.timedOut) outcome = { ...outcome, ok: false, error: `no answer within limits.design_timeout_seconds (${timeoutMs / 1000} s)` };
    else if (r.startError) outcome = { ...outcome, ok: false, error: `could not start ${inv.argv[0]}: ${r.startError}` };
    else if (!outcome.ok && errTail.trim() && preset) outcome = { ...outcome, error: `${outcome.error} (stderr: ${tail(errTail)})` };
    return { code: r.code, outcome, usage: !!preset };
  } finally {
    process.removeListener('SIGTERM', onSignal);
    process.removeListener('SIGINT', onSignal);
  }
}

export async function main(argv: string[]): Promise<number> {
  const project = enterProject(argv, 'design_program');
  if (typeof project === 'number') return project;
  // D14: the CI tool comes from this project's config, read after entering it.
  let config: Record<string, unknown>;
  let choice: CiChoice;
  try {
    config = readConfigObject(project.configFile);
    choice = chooseCi(process.env, config, (w) => ciToolAvailable(w, project.dir, process.env));
  } catch (e) {
    complain(`ERROR: ${errorMessage(e)}`);
    await recordError(project, 'CI tool not available');
    return 1;
  }
  const tool = choice.kind === 'word' ? choice.tool : choiceLabel(choice);

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
  let output: string;
  let usage: Record<string, unknown> | null = null;
  if (choice.kind === 'word') {
    const r = await runCiCaptured(choice.tool, designPrompt(query), project.dir, process.env);
    if (r.code !== 0) {
      complain(`ERROR: CI query failed with exit code ${r.code}`);
      await recordError(project, 'CI query failed');
      return 1;
    }
    output = r.output;
  } else {
    const limits = agentLimits(await readStateDocSafe(project), config, (m) => say(`WARNING: ${m}`));
    const r = await askAgent(choice, designPrompt(query), project.dir, limits.designTimeoutMs);
    if (r.usage && choice.kind === 'preset') {
      const model = choice.model ?? r.outcome.model ?? null;
      usage = { ...withCost(r.outcome.usage, model, config.pricing, choice.preset.inputIncludesCache), session_id: r.outcome.session_id, agent: choice.preset.name, model };
    }
    if (!r.outcome.ok) {
      complain(`ERROR: CI query failed with exit code ${r.code}: ${r.outcome.error ?? 'no answer'}`);
      await recordError(project, 'CI query failed');
      return 1;
    }
    output = r.outcome.text;
  }
  say('CI tool answered');

  let components: Component[] = [];
  try {
    components = extractComponents(output) ?? [];
  } catch (e) {
    say(`WARNING: ignoring the component list in the answer: ${errorMessage(e)}`);
  }
  const design = fromPlain({ summary: output.replace(/\n+$/, ''), components, created: utcTimestamp(), approved: false, ...(usage ? { usage } : {}) });
  try {
    await mutateState(project.state, (d) => void d.set('design', design));
  } catch (e) {
    complain(`ERROR: Failed to save design: ${errorMessage(e)}`);
    return 1;
  }
  say(`Design saved to state (${components.length} components)`);

  logStateTransition(project.logs, 'init', 'design');
  await updateState(project.state, 'phase', 'design');
  await updateState(project.state, 'action_owner', 'ci');
  await updateState(project.state, 'action_needed', 'approve_design');
  say('Design phase complete - awaiting design approval');
  say();
  return 0;
}

runIfEntry(import.meta.url, main);

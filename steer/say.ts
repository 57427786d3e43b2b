// argo say [project_path] <builder-id> "text": a message to one builder's agent session
// (issue 21), sent by resuming that session in the builder's worktree, as a verify retry
// does. It never races a builder: it holds the project's start lock (no start, stop,
// resume or retry acts meanwhile) and the merge lock (merge_build and the waves neither
// merge nor remove the builder's branch and worktree meanwhile), and it refuses a builder
// that is pending, running or waiting — or failed while execution is about to run it
// again. The agent runs in the same wrapper as a builder (what it leaves uncommitted is
// committed to the builder's branch); its reply and the new commits go to the builder's
// log, its usage adds to the builder's. A plain CI tool, an agent that cannot resume, no
// session or no worktree: one ERROR line saying why.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runIfEntry } from '../core/cli.js';
import { ArgoError, errorMessage } from '../core/errors.js';
import { builderWrapperArgv } from '../agents/ci_tool.js';
import { readCiChoice } from '../agents/ci_choice.js';
import { invocationFor } from '../agents/invocation.js';
import { presetNamed } from '../agents/presets/index.js';
import type { Preset } from '../agents/presets/contract.js';
import { parseOutputFile } from '../agents/run/output_file.js';
import { runAgent } from '../agents/run/runner.js';
import { withCost } from '../agents/settings.js';
import { committedSummary, headOf } from '../agents/worktree.js';
import { orchestratorEnv } from '../store/agent_env.js';
import { builderBranchOf, readBuilders, setBuilderFields, type BuilderRecord } from '../store/builders.js';
import { argoPaths } from '../store/layout.js';
import { builderLogFile, logBuilder, projectLogPaths } from '../store/logs.js';
import { projectAt } from '../store/project.js';
import { isProject, projectArg } from '../store/project_arg.js';
import { projectStatePaths } from '../store/state.js';
import { START_LOCK_WAIT_MS, startLockPath, takeLock, takeStartLock, type StartLock } from '../store/start_lock.js';
import { addUsageByAgent, sumUsage, usageByAgentOf } from '../store/usage.js';
import { proveOurWorktree } from '../workflow/worktrees.js';
import { readLimits } from '../workflow/limits.js';
import { readStatePlain } from '../view/read.js';

/** The longest message (a message is a prompt, passed on the agent's command line). */
export const SAY_MAX_BYTES = 32 * 1024;

export interface SayArgs {
  path?: string;
  id: string;
  text: string;
}

export function parseSayArgs(argv: string[], isProjectDir: (p: string) => boolean = isProject): SayArgs | string {
  const usage = 'usage: argo say [project_path] <builder-id> "text"';
  const bad = argv.find((a) => a.startsWith('-') && a !== '-');
  if (bad !== undefined && argv.indexOf(bad) < argv.length - 1) return `unknown option: ${bad} (${usage})`;
  const [a, b, c] = argv;
  let parsed: SayArgs;
  if (argv.length === 3) parsed = { path: a!, id: b!, text: c! };
  else if (argv.length === 2 && !isProjectDir(a!)) parsed = { id: a!, text: b! };
  else return `expected a builder id and the text (${usage})`;
  if (parsed.text.trim() === '') return `the text is empty (${usage})`;
  const bytes = Buffer.byteLength(parsed.text);
  if (bytes > SAY_MAX_BYTES) return `the text is ${bytes} bytes; at most ${SAY_MAX_BYTES} are accepted`;
  if (parsed.text.includes('\0')) return 'the text holds a NUL byte';
  return parsed;
}

/** Whether the builder can be talked to now (pure): its preset, or why not. */
export function sayDecision(b: BuilderRecord, state: { action_needed?: unknown; action_owner?: unknown }): { preset: Preset } | { error: string } {
  const status = b.status ?? 'pending';
  if (status === 'pending' || status === 'running' || status === 'waiting') {
    return { error: `builder '${b.id}' is ${status}: argo say does not talk to a builder that may be running (it refuses, it does not queue); send the message once it has ended` };
  }
  if (status === 'failed' && state.action_needed === 'execution' && state.action_owner === 'code') {
    return { error: `builder '${b.id}' failed and execution is about to run it again; send the message once it has ended` };
  }
  const usage = b.raw.usage as Record<string, unknown> | undefined;
  const agent = typeof usage?.agent === 'string' ? usage.agent : null;
  if (agent === null) return { error: `builder '${b.id}' ran a plain CI tool (no agent preset recorded in usage.agent): there is no agent session to resume` };
  const preset = presetNamed(agent);
  if (!preset) return { error: `builder '${b.id}': usage.agent ${JSON.stringify(agent)} is not a known agent preset` };
  if (preset.resume === null) return { error: `builder '${b.id}' ran ${agent}, which cannot resume a session (no resume in its preset)` };
  if (b.session_id === null) return { error: `builder '${b.id}' has no agent session recorded (usage.session_id): nothing to resume` };
  if (b.worktree === null) return { error: `builder '${b.id}' has no worktree recorded: nothing to resume in` };
  return { preset };
}

/** Both locks, the start lock first (the order every holder of both takes them). */
async function takeLocks(project: string): Promise<StartLock[]> {
  const waiting = (file: string) => process.stdout.write(`Waiting for ${file} (a start, stop, retry or merge of this project)...\n`);
  const start = await takeStartLock(project, waiting);
  if (!start) throw new ArgoError(`another start or stop of ${project} held ${startLockPath(project)} for ${START_LOCK_WAIT_MS / 1000} s; nothing sent`);
  const merge = await takeLock(argoPaths(project).mergeLock, waiting, AbortSignal.timeout(START_LOCK_WAIT_MS));
  if (!merge) {
    start.release();
    throw new ArgoError(`a merge of ${project} held ${argoPaths(project).mergeLock} for ${START_LOCK_WAIT_MS / 1000} s; nothing sent`);
  }
  return [start, merge];
}

/** The project's config document ({} when unreadable: the builder's preset as it is, no pricing). */
function configOf(project: string): Record<string, unknown> {
  const r = readCiChoice(projectAt(project));
  return 'error' in r ? {} : r.config;
}

/** The project's choice when it is the builder's agent (its model and overrides), else the preset as it is. */
function choiceFor(project: string, preset: Preset): { kind: 'preset'; preset: Preset; model: string | null; source: string } {
  const r = readCiChoice(projectAt(project));
  if (!('error' in r) && r.choice.kind === 'preset' && r.choice.preset.name === preset.name) return r.choice;
  return { kind: 'preset', preset, model: null, source: 'the builder\'s usage.agent' };
}

/**
 * What the agent is sent: the person's text under a line saying who speaks. Codex, opencode
 * and Cursor take the prompt as the last word of their command line, so a text of its own
 * could start with "-" and be read as an option; the framed message never does.
 */
export function sayPrompt(text: string): string {
  return `A message from the person overseeing your work on this component:\n\n${text}`;
}

/** Runs the resumed session; records the message, the reply, the commits and the usage. */
async function converse(project: string, b: BuilderRecord, preset: Preset, worktree: string, text: string): Promise<number> {
  const logs = projectLogPaths(project);
  const choice = choiceFor(project, preset);
  const config = configOf(project);
  const limits = readLimits(readStatePlain(project).limits, config).limits;
  const outputFile = builderLogFile(logs, b.id).replace(/\.log$/, '.say.out');
  const promptFile = builderLogFile(logs, b.id).replace(/\.log$/, '.say.prompt');
  const inv = invocationFor(choice, 'resume', { prompt: sayPrompt(text), worktree, sessionId: b.session_id, writePrompt: (p) => (writeFile(promptFile, p), promptFile) }, orchestratorEnv(project));
  if (!inv.resumed) throw new ArgoError(`builder '${b.id}': ${preset.name} could not be asked to resume session ${b.session_id}`);
  const before = headOf(worktree);
  // The wrapper writes the exit status to .build_result: the builder's own result is put back after.
  const resultFile = join(worktree, '.build_result');
  const result = existsSync(resultFile) ? readFileSync(resultFile, 'utf8') : null;
  logBuilder(logs, b.id, 'say', `Message to agent session ${b.session_id}: ${oneLine(text)}`);
  writeFile(outputFile, '');
  const r = await runAgent({
    argv: builderWrapperArgv(inv.argv, { id: b.id, branch: builderBranchOf(b) }),
    cwd: worktree, env: inv.env, timeoutMs: limits?.builderTimeoutMs, stallMs: limits?.stallMs, watchDir: worktree,
    stdoutFile: outputFile, stderrFile: builderLogFile(logs, b.id),
  });
  if (result !== null) writeFileSync(resultFile, result);
  else rmSync(resultFile, { force: true });
  const outcome = await parseOutputFile(preset.parser, outputFile, r.code);
  const after = headOf(worktree);
  const commits = after !== null && after !== before ? committedSummary(worktree, before) : '';
  const reply = outcome.ok ? outcome.text.trim() : (outcome.error ?? `exit status ${r.code}`);
  logBuilder(logs, b.id, outcome.ok && r.code === 0 ? 'say_reply' : 'say_failed', reply.split('\n').join('\n    '));
  if (commits) logBuilder(logs, b.id, 'say_commits', `New commits on ${builderBranchOf(b)}:\n    ${commits.trim().split('\n').filter((l) => l.trim() !== '').join('\n    ')}`);
  await recordUsage(project, b, choice, outcome);
  process.stdout.write(`${reply}\n`);
  process.stdout.write(commits ? `New commits on ${builderBranchOf(b)}:\n${commits.trim()}\n` : `No new commits on ${builderBranchOf(b)}.\n`);
  return outcome.ok && r.code === 0 ? 0 : 1;
}

const oneLine = (s: string) => {
  const l = s.replace(/\s+/g, ' ').trim();
  return l.length > 200 ? l.slice(0, 199) + '…' : l;
};

const writeFile = (file: string, text: string) => writeFileSync(file, text, { mode: 0o600 });

async function recordUsage(project: string, b: BuilderRecord, choice: ReturnType<typeof choiceFor>, outcome: Awaited<ReturnType<typeof parseOutputFile>>): Promise<void> {
  const recorded = (b.raw.usage as Record<string, unknown> | undefined)?.model;
  const model = choice.model ?? outcome.model ?? (typeof recorded === 'string' ? recorded : null);
  const config = configOf(project);
  const run = withCost(outcome.usage, model, config.pricing ?? null, choice.preset.inputIncludesCache);
  const usage = { ...sumUsage([...(b.usage ? [b.usage] : []), run]), session_id: outcome.session_id ?? b.session_id, agent: choice.preset.name, model };
  await setBuilderFields(projectStatePaths(project), b.id, { usage, usage_by_agent: addUsageByAgent(usageByAgentOf(b.raw), choice.preset.name, [run]) }, true);
}

/** Under both locks: the builder read afresh, checked, its worktree proven ours, then the conversation. */
async function say(project: string, id: string, text: string): Promise<number> {
  const state = readStatePlain(project);
  const builders = readBuilders(state);
  const b = builders.find((x) => x.id === id);
  if (!b) throw new ArgoError(`builder-id '${id}' names no builder (builders: ${builders.map((x) => x.id).join(', ') || 'none'})`);
  const decision = sayDecision(b, state);
  if ('error' in decision) throw new ArgoError(decision.error);
  const proof = proveOurWorktree(project, b.worktree!);
  if (proof.kind !== 'ours') throw new ArgoError(`builder '${b.id}': its worktree cannot be used (${proof.reason}); after the merge it is gone — argo diff shows what it did`);
  return converse(project, b, decision.preset, proof.path, text);
}

export async function main(argv: string[]): Promise<number> {
  const a = parseSayArgs(argv);
  if (typeof a === 'string') {
    process.stderr.write(`ERROR: ${a}\n`);
    return 2;
  }
  const project = projectArg(a.path);
  if (!project) return 1;
  let locks: StartLock[] = [];
  try {
    locks = await takeLocks(project);
    return await say(project, a.id, a.text);
  } catch (e) {
    process.stderr.write(`ERROR: ${errorMessage(e)}\n`);
    return 1;
  } finally {
    for (const l of locks.reverse()) l.release();
  }
}

runIfEntry('steer/say', main);

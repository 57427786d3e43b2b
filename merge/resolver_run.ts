// One run of the conflict resolver's agent in the integration worktree: the invocation a
// builder's agent gets (edits and shell allowed), stdin /dev/null, its own process group,
// limits.builder_timeout_seconds, ended by the caller's signal (a stop). A preset's usage is
// added to root `merge.usage` at once (never replaced), where the budget counts it.
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fromPlain, JsonObject, toPlain } from '../core/json_doc.js';
import { mutateState, type StatePaths } from '../store/state.js';
import { recordedUsageOf, sumUsage } from '../store/usage.js';
import { emptyUsage, type AgentOutcome, type AgentUsage } from '../agents/presets/contract.js';
import { invocationFor } from '../agents/invocation.js';
import { runAgent } from '../agents/run/runner.js';
import { parseOutputFile } from '../agents/run/output_file.js';
import { usageRecord } from '../agents/build.js';
import { choiceProgram, type CiChoice } from '../agents/select.js';
import { gitCommonDir, gitDir } from '../agents/worktree.js';

export interface ResolverRun {
  choice: CiChoice;
  dir: string;
  prompt: string;
  timeoutMs: number;
  signal: AbortSignal;
  /** The agent's stdout (a preset's output, parsed), its stderr, the prompt file when one is used. */
  outFile: string;
  logFile: string;
  promptFile: string;
  pricing: unknown;
  state: Pick<StatePaths, 'stateFile'> & { lockFile?: string };
}

export interface ResolverRunResult {
  agent: string;
  usage: AgentUsage | null;
  /** Why the run itself failed (stopped, time limit, an error reported); null: it ended normally. */
  problem: string | null;
}

/** Adds one run's usage to root `merge.usage` (the sum of every resolver run; the last run's agent and model). */
export async function addMergeUsage(state: ResolverRun['state'], usage: AgentUsage & { agent: string; model: string | null }): Promise<void> {
  const paths: StatePaths = { stateFile: state.stateFile, lockFile: state.lockFile ?? join(dirname(state.stateFile), 'state.lock'), env: process.env };
  await mutateState(paths, (doc) => {
    let merge = doc.get('merge');
    if (!(merge instanceof JsonObject)) {
      merge = new JsonObject();
      doc.set('merge', merge);
    }
    const m = merge as JsonObject;
    const before = recordedUsageOf(toPlain(m.get('usage')));
    m.set('usage', fromPlain({ ...sumUsage(before ? [before, usage] : [usage]), agent: usage.agent, model: usage.model }));
  });
}

export async function runResolverAgent(r: ResolverRun): Promise<ResolverRunResult> {
  const preset = r.choice.kind === 'preset' ? r.choice : null;
  const inv = invocationFor(r.choice, 'builder', {
    prompt: r.prompt, worktree: r.dir, gitCommonDir: () => gitCommonDir(r.dir), gitDir: () => gitDir(r.dir),
    writePrompt: (text) => (writeFileSync(r.promptFile, text), r.promptFile),
  }, process.env);
  const agent = preset ? preset.preset.name : choiceProgram(r.choice);
  writeFileSync(r.outFile, '');
  const run = await runAgent({ argv: inv.argv, cwd: r.dir, env: inv.env, signal: r.signal, timeoutMs: r.timeoutMs, stdoutFile: r.outFile, stderrFile: r.logFile });
  const outcome: AgentOutcome = preset ? await parseOutputFile(preset.preset.parser, r.outFile, run.code) : { ok: run.code === 0, text: '', usage: emptyUsage(), session_id: null, error: null };
  let usage: AgentUsage | null = null;
  if (preset) {
    const rec = usageRecord(preset, outcome, r.pricing);
    const { input_tokens, output_tokens, cache_read_tokens, cost_usd } = rec;
    usage = { input_tokens, output_tokens, cache_read_tokens, cost_usd };
    // Spent even when the run was stopped or failed: it counts.
    if (Object.values(usage).some((n) => n !== null)) await addMergeUsage(r.state, rec);
  }
  let problem: string | null = null;
  if (run.canceled) problem = 'stopped';
  else if (run.timedOut) problem = `the time limit (limits.builder_timeout_seconds, ${r.timeoutMs / 1000} s) ended it`;
  else if (run.startError) problem = `could not start ${inv.argv[0]}: ${run.startError}`;
  else if (preset && !outcome.ok) problem = outcome.error ?? `exit status ${run.code}`;
  return { agent, usage, problem };
}

// argo budget [project_path] [--raise USD]: the budget (limits.max_cost_usd) and the spend
// so far per agent; with --raise, the new total limit. It is written where the limit in
// force comes from — config.json when it sets the key (config wins, workflow/limits.ts),
// else state.json — and, when the workflow waits on `review_budget`, the workflow
// continues in the same state write: the builders the budget stopped run again
// (execution.retry_only), control goes to code (execution), as `argo retry` hands on. As
// retry does, all of it happens under the project's start lock, through the one relay
// (store/hand_off.ts) and the one launcher (steer/launch.ts). A refused raise writes nothing.
import { orchestratorEnv, recordAgentEnv, takeEnvFlag } from '../store/agent_env.js';
import { runIfEntry } from '../core/cli.js';
import { ArgoError, errorMessage } from '../core/errors.js';
import { JsonObject, fromPlain, toPlain, type Json } from '../core/json_doc.js';
import { utcTimestamp } from '../core/time.js';
import { projectLogPaths, writeLog } from '../store/logs.js';
import { mutateState, projectStatePaths, readStateDoc, type StatePaths } from '../store/state.js';
import { relay } from '../store/hand_off.js';
import { readConfigObject, setConfigValue } from '../store/config.js';
import { START_LOCK_WAIT_MS, startLockPath, takeStartLock } from '../store/start_lock.js';
import { argoPaths } from '../store/layout.js';
import { projectArg } from '../store/project_arg.js';
import { CONFIG_SOURCE } from '../workflow/limits.js';
import { BUDGET_KEY, budgetLimit, decideRaise, spendSoFar, suggestedLimit, type RaiseDecision } from '../workflow/budget.js';
import { runningOrchestrator, spawnOrchestrator } from './launch.js';

export const USAGE = 'argo budget [project_path] [--raise USD]';

/** The command line (pure): the project, the --raise text (null: show only), --env-from-here. */
export function budgetArgs(args: string[]): { project: string | undefined; raise: string | null; fromHere: boolean } | { error: string } {
  const { argv, fromHere } = takeEnvFlag(args);
  let project: string | undefined;
  let raise: string | null = null;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--raise' || a.startsWith('--raise=')) {
      if (raise !== null) return { error: `--raise is given twice; usage: ${USAGE}` };
      const value = a === '--raise' ? argv[++i] : a.slice('--raise='.length);
      if (value === undefined || value === '') return { error: `--raise needs the new total limit of ${BUDGET_KEY} in US dollars (e.g. --raise 25); usage: ${USAGE}` };
      raise = value;
    } else if (a.startsWith('-') && a !== '-') return { error: `unknown option '${a}'; usage: ${USAGE}` };
    else if (project !== undefined) return { error: `one project folder only (got '${project}' and '${a}'); usage: ${USAGE}` };
    else project = a;
  }
  return { project, raise, fromHere };
}

const usd = (n: number | null) => (n === null ? 'unknown' : `${n} USD`);

/** What `argo budget` prints (pure). */
export function budgetLines(state: Record<string, unknown>, config: Record<string, unknown>, project: string): string[] {
  const limit = budgetLimit(state, config);
  const spend = spendSoFar(state);
  const lines = [
    limit.problem
      ? `Budget (${BUDGET_KEY}): bad - ${limit.problem}`
      : `Budget (${BUDGET_KEY}): ${limit.usd === null ? 'no limit' : `${limit.usd} USD`}${limit.source === 'default' ? '' : ` (${limit.source})`}`,
    `Spent so far: ${usd(spend.total_usd)}`,
  ];
  for (const a of spend.by_agent) {
    const tokens = a.input_tokens !== null || a.output_tokens !== null ? `, tokens ${a.input_tokens ?? 0} in / ${a.output_tokens ?? 0} out` : '';
    lines.push(`  ${a.agent}: ${usd(a.cost_usd)}${tokens} (${a.runs.join(', ')})`);
  }
  if (state.action_needed === 'review_budget') {
    lines.push(`The workflow waits on review_budget: argo budget ${project} --raise ${suggestedLimit(limit.usd, spend.total_usd ?? 0)} (the new total limit in USD) continues it`);
  }
  return lines;
}

/** The raise on a state document: the limit (when state holds it) and, when continuing, which builders run again. */
function applyRaise(doc: JsonObject, d: Extract<RaiseDecision, { kind: 'raise' }>): void {
  if (d.where !== CONFIG_SOURCE) {
    let limits = doc.get('limits');
    if (!(limits instanceof JsonObject)) doc.set('limits', (limits = new JsonObject()));
    limits.set('max_cost_usd', d.usd);
  }
  if (!d.resume) return;
  const exec = doc.get('execution');
  if (!(exec instanceof JsonObject)) throw new ArgoError('no execution in the state: nothing to continue');
  // Only the builders the budget stopped: one that failed on its own stays failed (argo retry is for it).
  exec.set('retry_only', fromPlain(d.resume.ids));
  exec.delete('halt_reason');
}

/**
 * The one state write: the decision taken again on the document under the lock (a
 * writer between our read and the lock cannot make us act on what is no longer there).
 */
async function writeRaise(state: StatePaths, config: Record<string, unknown>, text: string, first: Extract<RaiseDecision, { kind: 'raise' }>): Promise<Extract<RaiseDecision, { kind: 'raise' }>> {
  const again = (doc: JsonObject) => {
    const d = decideRaise(toPlain(doc) as Record<string, unknown>, config, text);
    if (d.kind === 'refuse') throw new ArgoError(d.message);
    if ((d.resume === null) !== (first.resume === null)) throw new ArgoError(`the workflow changed while the budget was raised (action_needed is now ${String(toPlain(doc.get('action_needed') ?? null))}); run argo budget again`);
    applyRaise(doc, d);
    return d;
  };
  if (first.resume) return relay(state, { phase: 'execution', needed: 'execution', owner: 'code' }, again);
  if (first.where === CONFIG_SOURCE) return first; // config.json alone holds the limit: the state is not touched
  return mutateState(state, (doc) => {
    const d = again(doc);
    doc.set('last_update', utcTimestamp());
    return d;
  });
}

/** Raises the budget under the start lock; 0, or 1 after one ERROR line (nothing changed). */
async function raise(project: string, text: string, fromHere: boolean): Promise<number> {
  const state = projectStatePaths(project);
  const configFile = argoPaths(project).config;
  const config = readConfigObject(configFile);
  const first = decideRaise(toPlain(await readStateDoc(state.stateFile)) as Record<string, unknown>, config, text);
  if (first.kind === 'refuse') throw new ArgoError(first.message);
  if (fromHere) recordAgentEnv(project, process.env);
  const env = orchestratorEnv(project); // read before anything changes: an untrusted record is refused here
  let before: { value: Json | undefined } | undefined;
  if (first.where === CONFIG_SOURCE) before = { value: await setConfigValue(configFile, ['limits', 'max_cost_usd'], first.usd) };
  let d: Extract<RaiseDecision, { kind: 'raise' }>;
  try {
    d = await writeRaise(state, config, text, first);
  } catch (e) {
    // The state write was refused: config.json goes back to what it held, so nothing changed.
    if (before) await setConfigValue(configFile, ['limits', 'max_cost_usd'], before.value ?? null).catch(() => undefined);
    throw e;
  }
  const raised = `${BUDGET_KEY} raised from ${d.from === null ? 'no limit' : `${d.from} USD`} to ${d.usd} USD in ${d.where} (spent so far: ${d.spent} USD)`;
  writeLog(projectLogPaths(project), 'BUDGET', raised);
  process.stdout.write(`${raised}\n`);
  if (!d.resume) {
    process.stdout.write('The workflow does not wait on the budget: nothing else changed (an execution already running keeps the limit it started with)\n');
    return 0;
  }
  const ids = d.resume.ids;
  writeLog(projectLogPaths(project), 'BUDGET', `Continuing after review_budget: ${ids.length ? `builders run again: ${ids.join(' ')}` : 'no builder to run again'}`);
  process.stdout.write(`Continuing: ${ids.length ? `${ids.length} builder(s) stopped by the budget run again: ${ids.join(' ')}` : 'no builder was stopped by the budget'}; execution comes next\n`);
  if (runningOrchestrator(project) === undefined) {
    const { pid, up } = await spawnOrchestrator(project, { env });
    if (!up) throw new ArgoError(`the orchestrator (PID ${pid}) did not come up for ${project}; the raise is recorded: see ${argoPaths(project).orchestratorLog}, then run argo resume ${project}`);
    process.stdout.write(`Orchestrator started (PID ${pid})\n`);
  }
  return 0;
}

export async function main(args: string[]): Promise<number> {
  const parsed = budgetArgs(args);
  if ('error' in parsed) {
    process.stderr.write(`ERROR: ${parsed.error}\n`);
    return 2;
  }
  const project = projectArg(parsed.project);
  if (!project) return 1;
  try {
    if (parsed.raise === null) {
      const state = toPlain(await readStateDoc(projectStatePaths(project).stateFile)) as Record<string, unknown>;
      process.stdout.write(budgetLines(state, readConfigObject(argoPaths(project).config), project).join('\n') + '\n');
      return 0;
    }
    const lock = await takeStartLock(project, (file) => process.stdout.write(`Waiting for a start or stop of this project to finish (${file})...\n`));
    if (!lock) throw new ArgoError(`another start or stop of ${project} held ${startLockPath(project)} for ${START_LOCK_WAIT_MS / 1000} s; nothing changed`);
    try {
      return await raise(project, parsed.raise, parsed.fromHere);
    } finally {
      lock.release();
    }
  } catch (e) {
    process.stderr.write(`ERROR: ${errorMessage(e)}\n`);
    return 1;
  }
}

runIfEntry('steer/budget', main);

// stop_workflow: ends a project's orchestrator and the builder process groups it
// recorded — by PID, never by name, and only a pid proven to be ours
// (store/processes.ts): a stale or forged pid is reported and left alone. It waits for
// a start of the same project in progress (store/start_lock.ts).
import { existsSync, readFileSync } from 'node:fs';
import { runIfEntry } from './core/cli.js';
import { parseJson, toPlain } from './core/json_doc.js';
import { builderGroupProof, orchestratorProof, projectProcesses } from './store/processes.js';
import { killGroup, terminate } from './core/proc.js';
import { LockOpenError } from './core/lock.js';
import { START_LOCK_WAIT_MS, startLockPath, withStartLock } from './store/start_lock.js';
import { sweepRuns } from './store/sweep.js';
import { builderRunTokens, liveJobIds, runningBuilderPids } from './store/builders.js';
import { argoPaths } from './store/layout.js';
import { projectArg } from './store/project_arg.js';

const out = (line: string) => void process.stdout.write(line + '\n');

export async function main(argv: string[]): Promise<number> {
  const project = projectArg(argv[0]);
  if (!project) return 1;
  // A start in progress finishes first: what we then stop is what it started.
  let done: { value: number } | undefined;
  try {
    done = await withStartLock(
      project,
      (lockFile) => out(`A start_workflow of this project is running; waiting for it (${lockFile})...`),
      () => stopLocked(project),
    );
  } catch (e) {
    if (!(e instanceof LockOpenError)) throw e;
    process.stderr.write(`ERROR: ${e.message}\n`);
    return 1;
  }
  if (!done) {
    process.stderr.write(`ERROR: another start_workflow or stop_workflow of ${project} still holds ${startLockPath(project)} after ${START_LOCK_WAIT_MS / 1000} s; nothing signalled\n`);
    return 1;
  }
  return done.value;
}

async function stopLocked(project: string): Promise<number> {
  const pidFile = argoPaths(project).orchestratorPid;
  const pids = new Set<number>();
  if (existsSync(pidFile)) {
    let text = '';
    try {
      text = readFileSync(pidFile, 'utf8');
    } catch {
      /* removed meanwhile */
    }
    const proof = orchestratorProof(text, project);
    if (proof.ours) pids.add(proof.info.pid);
    else out(`Stale PID file ${pidFile} (${proof.reason}); nothing signalled`);
  }
  // an orchestrator of this project whose pid file was lost or overwritten
  const found = projectProcesses(project);
  for (const pid of found.orchestrators) pids.add(pid);
  if (pids.size === 0) out('Orchestrator not running');
  for (const pid of pids) {
    out(`Stopping orchestrator (PID ${pid})...`);
    await terminate(pid, 5000, () => orchestratorProof(String(pid), project).ours);
    out('Orchestrator stopped');
  }
  const file = argoPaths(project).state;
  let state: unknown;
  try {
    state = toPlain(parseJson(readFileSync(file, 'utf8'), file));
  } catch {
    state = undefined; // no state: only what the scan found
  }
  const stopped = new Set<number>();
  for (const b of runningBuilderPids(state)) {
    const proof = builderGroupProof(b.pid, project);
    if (proof.ours) {
      stopped.add(proof.info.pid);
      if (killGroup(proof.info.pid)) out(`Stopped builder ${b.id} (process group ${proof.info.pid})`);
    } else {
      out(`Builder ${b.id}: PID ${JSON.stringify(b.pid)} left alone (${proof.reason})`);
    }
  }
  for (const b of found.builders) {
    if (!stopped.has(b.pid) && builderGroupProof(String(b.pid), project).ours && killGroup(b.pid)) out(`Stopped builder ${b.id} (process group ${b.pid})`);
  }
  // What builders left running outside their groups (setsid daemons), by their runs' tokens.
  for (const b of builderRunTokens(state)) {
    const swept = await sweepRuns([b.token]);
    if (swept.ended.length > 0) out(`Ended ${swept.ended.length} process(es) builder ${b.id} left running (PIDs ${swept.ended.join(' ')})`);
  }
  // Builders on other machines (execution.backend = "postgres"): cancel their jobs.
  const ids = liveJobIds(state);
  if (ids.length === 0) return 0;
  const remote = await import('./distributed/stop.js');
  return remote.cancelLiveJobs(argoPaths(project).config, ids, out, (l) => void process.stderr.write(l + '\n'));
}

runIfEntry('stop_workflow', main);

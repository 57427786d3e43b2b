// stop_workflow: ends a project's orchestrator and the builder process groups it
// recorded — by PID, never by name. (The original advertised it but never shipped it.)
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runIfEntry } from './lib/cli.js';
import { parseJson, toPlain } from './lib/json_doc.js';
import { killGroup, pidAlive, terminate } from './lib/process.js';
import { isDir, resolveProjectDir } from './lib/project_dir.js';
import { liveJobIds } from './distributed/live_jobs.js';

export function runningBuilderPids(state: unknown): { id: string; pid: number }[] {
  const builders = ((state as { execution?: { builders?: unknown } })?.execution?.builders ?? []) as Record<string, unknown>[];
  if (!Array.isArray(builders)) return [];
  return builders
    .filter((b) => b?.status === 'running')
    .map((b) => ({ id: String(b.id), pid: Number(b.pid) }))
    .filter((b) => Number.isInteger(b.pid) && b.pid > 0);
}

export async function main(argv: string[]): Promise<number> {
  const arg = argv[0] ?? '.';
  const project = resolveProjectDir(arg);
  if (!project || !isDir(join(project, '.argo-project'))) {
    process.stderr.write(`ERROR: not an Argo project (no .argo-project/): ${arg}\n`);
    return 1;
  }
  const pidFile = join(project, '.argo-project', 'orchestrator.pid');
  let pid = 0;
  try {
    pid = Number(readFileSync(pidFile, 'utf8').trim());
  } catch {
    /* no pid file */
  }
  if (Number.isInteger(pid) && pid > 0 && pidAlive(pid)) {
    process.stdout.write(`Stopping orchestrator (PID ${pid})...\n`);
    await terminate(pid);
    process.stdout.write('Orchestrator stopped\n');
  } else {
    process.stdout.write('Orchestrator not running\n');
  }
  let state: unknown;
  try {
    const file = join(project, '.argo-project', 'state.json');
    state = toPlain(parseJson(readFileSync(file, 'utf8'), file));
  } catch {
    return 0; // no state: nothing else to stop
  }
  for (const b of runningBuilderPids(state)) {
    if (pidAlive(b.pid) && killGroup(b.pid)) process.stdout.write(`Stopped builder ${b.id} (process group ${b.pid})\n`);
  }
  // Builders on other machines (execution.backend = "postgres"): cancel their jobs.
  const ids = liveJobIds(state);
  if (ids.length === 0) return 0;
  const remote = await import('./distributed/stop.js');
  const say = (l: string) => void process.stdout.write(l + '\n');
  return remote.cancelLiveJobs(join(project, '.argo-project', 'config.json'), ids, say, (l) => void process.stderr.write(l + '\n'));
}

runIfEntry(import.meta.url, main);

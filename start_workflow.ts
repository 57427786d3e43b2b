// start_workflow: stores the user's query, hands control to `code` and starts one
// orchestrator for the project (D1/D20: an old one is stopped first and waited for;
// the new one writes its own pid file, and we wait to print the pid it wrote).
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { programName, runIfEntry } from './lib/cli.js';
import { errorMessage } from './lib/errors.js';
import { logStateTransition, projectLogPaths } from './lib/logging_enhanced.js';
import { pidAlive, sleep, terminate } from './lib/process.js';
import { isDir, resolveProjectDir } from './lib/project_dir.js';
import { projectStatePaths, updateState } from './lib/state_file.js';
import { ROOT } from './orchestrator.js';

const out = (line = '') => void process.stdout.write(line + '\n');
const err = (line: string) => void process.stderr.write(line + '\n');

/** A path as one shell word, quoted only when it needs it. */
function shellWord(s: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

function readPid(file: string): number | undefined {
  try {
    const n = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

/** Waits until the orchestrator `pid` wrote itself into the pid file (or died). */
async function waitForOrchestrator(pidFile: string, pid: number): Promise<boolean> {
  const deadline = Date.now() + 3000;
  while (Date.now() < deadline) {
    if (readPid(pidFile) === pid) return true;
    if (!pidAlive(pid)) return false;
    await sleep(5);
  }
  return readPid(pidFile) === pid;
}

export async function main(argv: string[]): Promise<number> {
  const [query = '', pathArg = '.'] = argv;
  const me = programName();
  if (!query) {
    err('ERROR: User query required');
    err(`Usage: ${me} <user_query> [project_path]`);
    err('');
    err('Example:');
    err(`  ${me} "Build a REST API for managing todos" /path/to/project`);
    return 1;
  }
  const project = resolveProjectDir(pathArg);
  if (!project) {
    err(`ERROR: Invalid project path: ${pathArg}`);
    return 1;
  }
  process.chdir(project);
  if (!isDir(join(project, '.argo-project'))) {
    err(`ERROR: .argo-project directory not found in ${project}`);
    err(`Run templates/project_setup.sh first to initialise the project`);
    return 1;
  }
  const state = projectStatePaths(project);
  if (!existsSync(state.stateFile)) {
    err(`ERROR: State file not found: ${state.stateFile}`);
    err('Re-run templates/project_setup.sh to recreate it');
    return 1;
  }
  out('=== Starting Argo Workflow ===');
  out(`Project: ${project}`);
  out(`Query: ${query}`);
  out();

  // D20: an orchestrator still running is stopped, and really gone, before the state changes.
  const pidFile = join(project, '.argo-project', 'orchestrator.pid');
  const old = readPid(pidFile);
  if (old !== undefined && pidAlive(old)) {
    err(`WARNING: Orchestrator already running (PID ${old})`);
    out('Stopping the existing orchestrator...');
    await terminate(old);
  }
  rmSync(pidFile, { force: true });

  try {
    await updateState(state, 'user_query', query);
  } catch (e) {
    err(`ERROR: Failed to save user query: ${errorMessage(e)}`);
    return 1;
  }
  for (const [key, value] of [['phase', 'init'], ['action_owner', 'code'], ['action_needed', 'design_program']] as const) {
    await updateState(state, key, value).catch(() => undefined);
  }
  logStateTransition(projectLogPaths(project), 'idle', 'init');

  const child = spawn(join(ROOT, 'orchestrator.sh'), [project], { cwd: project, detached: true, stdio: 'ignore' });
  child.on('error', () => undefined);
  child.unref();
  const pid = child.pid ?? 0;
  if (!(await waitForOrchestrator(pidFile, pid))) {
    err(`WARNING: the orchestrator (PID ${pid}) did not come up; run ${join(ROOT, 'orchestrator.sh')} ${project} to see why`);
  }
  out('Workflow started');
  out(`Orchestrator PID: ${pid}`);
  out();
  out('Monitor progress:');
  out('  ./workflows/status.sh');
  out('  tail -f .argo-project/logs/workflow.log');
  out();
  out('Stop workflow:');
  out('  ./workflows/stop_workflow.sh');
  // The lines above are the original's (COMPAT §5.1) and name files that never existed;
  // these name the commands of this install.
  const p = shellWord(project);
  const argo = join(ROOT, 'compat', 'argo');
  out();
  out('Commands of this install:');
  const hints: [string, string][] = [
    [`${join(ROOT, 'status.sh')} ${p}`, 'where it is'],
    [`${argo} status --watch ${p}`, 'the same, following every change'],
    [`${argo} logs -f ${p}`, 'the workflow log, live'],
    [`${join(ROOT, 'stop_workflow.sh')} ${p}`, 'stop it'],
    [`${argo} resume ${p}`, 'start the orchestrator again after a stop'],
    [`${argo} dashboard`, 'every project in a browser'],
  ];
  const width = Math.max(...hints.map(([c]) => c.length));
  for (const [cmd, what] of hints) out(`  ${cmd.padEnd(width)}   ${what}`);
  return 0;
}

runIfEntry(import.meta.url, main);

// What every phase handler does first (the original's handler prologue), and the
// paths a handler works with once it is in the project folder.
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { projectStatePaths, updateState, type StatePaths } from '../lib/state_file.js';
import { projectLogPaths, type LogPaths } from '../lib/logging_enhanced.js';
import { safeCwd } from '../lib/context.js';

export interface Project {
  dir: string;
  state: StatePaths;
  logs: LogPaths;
  configFile: string;
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** Checks the argument, enters the project, prints the banner; a number is the exit code. */
export function enterProject(argv: string[], name: string): Project | number {
  const arg = argv[0] ?? '';
  if (!arg) {
    process.stderr.write(`ERROR: Project path required\nUsage: ${name}.sh <project_path>\n`);
    return 1;
  }
  if (!isDir(join(arg, '.argo-project'))) {
    process.stderr.write(`ERROR: .argo-project not found in ${arg}\n`);
    return 1;
  }
  try {
    process.chdir(arg);
  } catch (e) {
    process.stderr.write(`ERROR: Cannot change to project directory: ${arg} (${(e as Error).message})\n`);
    return 1;
  }
  const dir = safeCwd();
  process.stdout.write(`=== ${name} phase ===\n`);
  return {
    dir,
    state: projectStatePaths(dir),
    logs: projectLogPaths(dir),
    configFile: join(dir, '.argo-project', 'config.json'),
  };
}

/** Records why a handler gave up, as the original (error_recovery.last_error). */
export async function recordError(project: Project, message: string): Promise<void> {
  try {
    await updateState(project.state, 'error_recovery.last_error', message);
  } catch {
    /* the handler's own ERROR line already says what went wrong */
  }
}

export const say = (line = '') => void process.stdout.write(line + '\n');
export const complain = (line: string) => void process.stderr.write(line + '\n');

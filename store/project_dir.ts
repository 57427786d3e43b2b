// Project paths as the entry points take them: `.` is the current folder, anything
// else is resolved logically (like `cd X && pwd`), without process.cwd() when the
// current folder may have been deleted and the path is absolute.
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { safeCwd, type Env } from '../core/context.js';
import { argoPaths } from './layout.js';

export function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/**
 * The absolute project folder, or undefined when `arg` is not a folder. `at`: whose folder a
 * relative `arg` starts from (its $PWD, else its cwd); default this process (the shim helper
 * passes its caller's).
 */
export function resolveProjectDir(arg: string, at?: { cwd: string; env: Env }): string | undefined {
  const pwd = (at ? at.env : process.env).PWD;
  const abs = arg.startsWith('/') ? resolve(arg) : resolve(pwd && isDir(pwd) ? pwd : (at?.cwd ?? safeCwd()), arg || '.');
  return isDir(abs) ? abs : undefined;
}

/**
 * The prologue the orchestrator and every handler share: the project argument is
 * required, must hold `.argo-project/`, and becomes the current folder. Returns the
 * absolute project folder, or the exit code after one ERROR line.
 */
export function enterProjectDir(arg: string, program: string): string | number {
  if (!arg) {
    process.stderr.write(`ERROR: Project path required\nUsage: ${program} <project_path>\n`);
    return 1;
  }
  if (!isDir(argoPaths(arg).dir)) {
    process.stderr.write(`ERROR: .argo-project not found in ${arg}\n`);
    return 1;
  }
  try {
    process.chdir(arg);
  } catch (e) {
    process.stderr.write(`ERROR: Cannot change to project directory: ${arg} (${(e as Error).message})\n`);
    return 1;
  }
  return safeCwd();
}

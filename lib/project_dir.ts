// Project paths as the entry points take them: `.` is the current folder, anything
// else is resolved logically (like `cd X && pwd`), without process.cwd() when the
// current folder may have been deleted and the path is absolute.
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { safeCwd } from './context.js';

export function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** The absolute project folder, or undefined when `arg` is not a folder. */
export function resolveProjectDir(arg: string): string | undefined {
  const abs = arg.startsWith('/') ? resolve(arg) : resolve(process.env.PWD && isDir(process.env.PWD) ? process.env.PWD : safeCwd(), arg || '.');
  return isDir(abs) ? abs : undefined;
}

// The workflow log: `[<TS>] [<TAG>] <message>`, one append per line, so lines of
// concurrent writers never interleave (O_APPEND, a single write each).
import { appendFileSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Ctx } from '../core/context.js';
import { ArgoError } from '../core/errors.js';
import { utcTimestamp } from '../core/time.js';

import { DEFAULT_LOG_DIR } from './layout.js';

export { DEFAULT_LOG_DIR };

export interface LogPaths {
  logDir: string;
  workflowLog: string;
}

export function logPaths(ctx: Ctx): LogPaths {
  const logDir = resolve(ctx.cwd, ctx.env.LOG_DIR || DEFAULT_LOG_DIR);
  const workflowLog = ctx.env.WORKFLOW_LOG ? resolve(ctx.cwd, ctx.env.WORKFLOW_LOG) : join(logDir, 'workflow.log');
  return { logDir, workflowLog };
}

export function projectLogPaths(projectDir: string): LogPaths {
  const logDir = join(projectDir, DEFAULT_LOG_DIR);
  return { logDir, workflowLog: join(logDir, 'workflow.log') };
}

export function ensureLogDir(paths: LogPaths): void {
  try {
    mkdirSync(paths.logDir, { recursive: true });
  } catch {
    /* the append reports it, as the original */
  }
}

function appendLine(file: string, line: string): void {
  appendFileSync(file, line + '\n');
}

export function writeLog(paths: LogPaths, tag: string, message: string): void {
  ensureLogDir(paths);
  appendLine(paths.workflowLog, `[${utcTimestamp()}] [${tag}] ${message}`);
}

/** Builder ids become file names: refuse the ones that would escape the log folder. */
export function builderLogFile(paths: LogPaths, id: string): string {
  if (id.includes('/') || id.includes('\0') || id === '..' || id === '.') {
    throw new ArgoError(`invalid builder id for a log file name: '${id}'`);
  }
  return join(paths.logDir, `builder-${id}.log`);
}

export function logBuilder(paths: LogPaths, id: string, event: string, message: string): void {
  const file = builderLogFile(paths, id);
  writeLog(paths, 'BUILDER', `[${id}] ${event} - ${message}`);
  appendLine(file, `[${utcTimestamp()}] ${event} - ${message}`);
}

export const progressText = (id: string, pct: string, message: string) => `[${id}] ${pct}% - ${message}`;

export function logProgress(paths: LogPaths, id: string, pct: string, message: string): void {
  writeLog(paths, 'PROGRESS', progressText(id, pct, message));
}
export const logCheckpoint = (p: LogPaths, name: string, desc: string) => writeLog(p, 'CHECKPOINT', `Saved: ${name} - ${desc}`);
export const logUserQuery = (p: LogPaths, query: string) => writeLog(p, 'USER_QUERY', query);
export const logMerge = (p: LogPaths, event: string, msg: string) => writeLog(p, 'MERGE', `${event} - ${msg}`);
export const logStateTransition = (p: LogPaths, from: string, to: string) =>
  writeLog(p, 'STATE', `Phase transition: ${from} -> ${to}`);

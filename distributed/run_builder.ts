// The one place a worker runs a builder. Today it is the wrapper the local execution
// phase uses (lib/ci_tool.ts spawnCi: own process group, leftover work committed to the
// builder's branch, `.build_result`); switch it
// here, and only here, to another runner. Every way it can end is a race against the
// exit: the AbortSignal (cancel, lost claim, worker stop) and the time limit end the
// builder's whole process group, SIGKILL after a grace period.
import { closeSync, openSync } from 'node:fs';
import type { Env } from '../lib/context.js';
import { spawnCi } from '../lib/ci_tool.js';
import { killGroup } from '../lib/process.js';

export interface RunBuilderOptions {
  tool: string;
  prompt: string;
  cwd: string;
  env: Env;
  logFile: string;
  signal: AbortSignal;
  timeoutMs: number | null;
  graceMs?: number;
  /** The builder's id and branch: what the tool leaves uncommitted there is committed (lib/ci_tool.ts). */
  builder: { id: string; branch: string };
}

export interface RunBuilderOutcome {
  exitCode: number;
  timedOut: boolean;
  canceled: boolean;
  wallSeconds: number;
}

export async function runBuilder(o: RunBuilderOptions): Promise<RunBuilderOutcome> {
  const started = Date.now();
  const fd = openSync(o.logFile, 'a');
  let child;
  try {
    child = spawnCi(o.tool, o.prompt, o.cwd, o.env, fd, o.builder);
  } finally {
    closeSync(fd);
  }
  let timedOut = false;
  let canceled = false;
  let forceTimer: NodeJS.Timeout | undefined;
  const end = () => {
    killGroup(child.pid);
    forceTimer ??= setTimeout(() => killGroup(child.pid, 'SIGKILL'), o.graceMs ?? 5000);
  };
  const onAbort = () => {
    canceled = true;
    end();
  };
  const limit = o.timeoutMs
    ? setTimeout(() => {
        timedOut = true;
        end();
      }, o.timeoutMs)
    : undefined;
  if (o.signal.aborted) onAbort();
  else o.signal.addEventListener('abort', onAbort, { once: true });
  try {
    const exitCode = await new Promise<number>((done) => {
      child.on('error', () => done(127));
      child.on('exit', (code, sig) => done(code ?? 128 + (sig === 'SIGKILL' ? 9 : 15)));
    });
    return { exitCode, timedOut, canceled, wallSeconds: (Date.now() - started) / 1000 };
  } finally {
    // The wrapper has exited; anything it left in its group goes with it.
    killGroup(child.pid, 'SIGKILL');
    clearTimeout(limit);
    clearTimeout(forceTimer);
    o.signal.removeEventListener('abort', onAbort);
  }
}

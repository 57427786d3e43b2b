// The verification gate: the project's own check (config `verify.command`, e.g.
// `npm test`) run in a folder — a builder's worktree, or the merged tree. It is the
// user's shell command from their config, so bash runs it; it gets the same process
// group, time limit and /dev/null stdin as an agent.
import { appendFileSync } from 'node:fs';
import type { Env } from '../core/context.js';
import { bashArgv } from '../core/child.js';
import { runAgent } from './run/runner.js';

export interface VerifyResult {
  ok: boolean;
  code: number;
  timedOut: boolean;
  canceled: boolean;
  /** The end of its output (bounded), to show or to feed back to the agent. */
  tail: string;
}

export const VERIFY_TAIL = 8 * 1024;

/** `verify.command` from a config object: a non-empty string, else null. */
export function verifyCommand(config: unknown): string | null {
  const v = (config as { verify?: { command?: unknown } } | null)?.verify?.command;
  return typeof v === 'string' && v.trim() !== '' ? v : null;
}

export async function runVerify(command: string, cwd: string, env: Env, opts: { timeoutMs?: number; signal?: AbortSignal; logFile?: string }): Promise<VerifyResult> {
  let tail = '';
  const keep = (d: string) => {
    tail = (tail + d).slice(-VERIFY_TAIL);
    if (opts.logFile) appendFileSync(opts.logFile, d);
  };
  const r = await runAgent({ argv: bashArgv(command), cwd, env, timeoutMs: opts.timeoutMs, signal: opts.signal, onStdout: keep, onStderr: keep, graceMs: 2000 });
  return { ok: r.code === 0 && r.cause === 'exit', code: r.code, timedOut: r.timedOut, canceled: r.canceled, tail };
}

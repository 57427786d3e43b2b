// The verify gate of one integrated builder: the gate's command (verify.merge_command, else
// verify.command) run in the integration worktree, its output appended to
// `.argo-project/logs/merge-verify-<id>.log`. Only a pass lets the target move. A stop
// cancels it (canceled: neither pass nor failure — the builder is integrated again by the
// next run).
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { runVerify } from '../agents/verify.js';

export interface GateResult {
  ok: boolean;
  canceled: boolean;
  /** One line: how it ended. */
  message: string;
  output: string;
  tail: string;
}

export const gateLogFile = (logDir: string, id: string) => join(logDir, `merge-verify-${id}.log`);

export async function runGate(command: string, wt: string, logDir: string, id: string, timeoutMs: number, signal: AbortSignal): Promise<GateResult> {
  const output = gateLogFile(logDir, id);
  appendFileSync(output, `=== ${new Date().toISOString()} ${command}\n`);
  const v = await runVerify(command, wt, process.env, { timeoutMs, signal, logFile: output });
  const how = v.ok ? 'passed' : v.canceled ? 'was stopped' : v.timedOut ? 'ran out of time' : `failed with exit status ${v.code}`;
  return { ok: v.ok, canceled: v.canceled || signal.aborted, message: `the gate (${command}) ${how}`, output, tail: v.tail };
}

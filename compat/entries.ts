// The programs the shim helper runs for their entry points (start_workflow.sh, status.sh,
// and `argo start|status|approve|retry`: compat/argo), so that they answer without a cold
// node start. A table apart from the
// library functions (compat/functions.ts) on purpose: a program runs with its caller's
// whole environment — a start records it as the workflow's and hands it to the
// orchestrator — so the helper runs one only for a request that carries every exported
// variable (FULL_ENV_FIELD first; `__argo_entry` in compat/shim.bash sends it). A
// library call (`__argo_call start_workflow`, a dozen variables) is answered "not a
// shim function", and a full-environment request names no library function.
import { resolve } from 'node:path';
import type { Ctx, WriteGate } from '../core/context.js';
import { ArgoError, errorMessage } from '../core/errors.js';
import type { Reply, Request } from './shim_server.js';

/** A program as the helper runs it: its arguments, its caller's context, and its name ($0). */
export type EntryCommand = (argv: string[], ctx: Ctx, program: string) => Promise<number>;

const ENTRIES: Record<string, () => Promise<EntryCommand>> = {
  start_workflow: async () => (await import('../start_workflow.js')).startWorkflow,
  status: async () => (await import('../status.js')).statusForCaller,
  approve: async () => (await import('../approve.js')).approveFor,
  retry: async () => (await import('../steer/retry.js')).retryFor,
};

/** The first "NAME=value" field of a request sent with the caller's whole environment (no shell variable has this name). */
export const FULL_ENV_FIELD = 'argo:full-environment=1';

export function isEntryCommand(name: string): boolean {
  return Object.hasOwn(ENTRIES, name);
}

/**
 * A context whose output keeps the order of stdout and stderr writes. The reply carries it
 * in its stdout field as segments `<1|2><bytes>:<text>` (same-stream writes joined), which
 * `__argo_entry` replays to the caller's streams: `2>&1` shows what the one-shot shows.
 */
export function orderedCtx(cwd: string, env: Ctx['env']): Ctx & { encoded(): string } {
  const parts: [1 | 2, string][] = [];
  const add = (fd: 1 | 2, text: string) => {
    const t = text.replace(/\0/g, ''); // a field cannot hold NUL (bash drops them anyway)
    if (!t) return;
    const last = parts[parts.length - 1];
    if (last && last[0] === fd) last[1] += t;
    else parts.push([fd, t]);
  };
  return {
    cwd,
    env,
    out: (t) => add(1, t),
    err: (t) => add(2, t),
    encoded: () => parts.map(([fd, t]) => `${fd}${Buffer.byteLength(t, 'utf8')}:${t}`).join(''),
  };
}

/**
 * Runs the program `req.fn` for a full-environment request: `req.args` is its name ($0)
 * then its arguments. Errors it did not report itself end as the one-shot's do (core/cli.ts
 * runIfEntry): one ERROR line, the error's exit code.
 */
export async function answerEntry(req: Request, gate?: WriteGate): Promise<Reply> {
  if (!isEntryCommand(req.fn)) return { rc: 127, stdout: '', stderr: `ERROR: not a shim command: ${req.fn}\n` };
  const ctx = orderedCtx(resolve(req.cwd || '/'), req.env);
  ctx.gate = gate;
  const [program = req.fn, ...argv] = req.args;
  let rc: number;
  try {
    rc = await (await ENTRIES[req.fn]!())(argv, ctx, program);
  } catch (e) {
    ctx.err(`ERROR: ${errorMessage(e)}\n`);
    rc = e instanceof ArgoError ? e.exitCode : 1;
  }
  return { rc, stdout: ctx.encoded(), stderr: '' };
}

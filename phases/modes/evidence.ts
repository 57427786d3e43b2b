// The shared steps of the modes' merge (issue 22): handing the workflow to a person with the
// reason (nothing merged), a field of a state root, and a command from the config run as
// evidence (bugfix red/green) with its output kept bounded in state and whole in a log file.
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fromPlain, toPlain, type Json } from '../../core/json_doc.js';
import { utcTimestamp } from '../../core/time.js';
import { runVerify } from '../../agents/verify.js';
import { argoPaths } from '../../store/layout.js';
import { writeLog } from '../../store/logs.js';
import { mutateState, readStateDoc } from '../../store/state.js';
import { readLimits } from '../../workflow/limits.js';
import { complain, say, type Project } from '../handler.js';

/** Hands the workflow to the person: the reason said, logged and kept (error_recovery.last_error), `action_needed` named; nothing merged. */
export async function handToPerson(project: Project, action: string, reason: string, root: string): Promise<number> {
  complain(`ERROR: ${reason}`);
  writeLog(project.logs, 'ERROR', `merge_build: ${reason}; control handed to user (${action})`);
  await mutateState(project.state, (d) => {
    setRoot(d, root, 'refused', reason);
    const er = toPlain(d.get('error_recovery') ?? null);
    d.set('error_recovery', fromPlain({ ...(er && typeof er === 'object' && !Array.isArray(er) ? er : {}), last_error: reason }));
    d.set('action_needed', action);
    d.set('action_owner', 'user');
    d.set('last_update', utcTimestamp());
  });
  return 1; // a failure of the handler, so the orchestrator keeps last_error (a success clears it)
}

/** Sets `<root>.<key>` in the state document (the root made an object when absent). */
export function setRoot(d: Map<string, Json>, root: string, key: string, value: unknown): void {
  const cur = toPlain(d.get(root) ?? null);
  const obj = cur && typeof cur === 'object' && !Array.isArray(cur) ? (cur as Record<string, unknown>) : {};
  d.set(root, fromPlain({ ...obj, [key]: value }));
}

/** How much of a command's output the state keeps as evidence (the whole is in the log file). */
export const EVIDENCE_TAIL = 2000;

/** The builders' time limit (limits.builder_timeout_seconds) for a command run here; 0: none. */
export async function commandTimeoutMs(project: Project, config: unknown): Promise<number> {
  const limits = readLimits(toPlain((await readStateDoc(project.state.stateFile)).get('limits') ?? null), config).limits;
  return limits?.builderTimeoutMs ?? 0;
}

/** Runs a shell command from the config in `cwd` (its whole output to logs/<name>.log); passed, exit status, the output's end. */
export async function runEvidence(project: Project, command: string, cwd: string, name: string, timeoutMs: number): Promise<{ passed: boolean; exit_code: number; output_tail: string; at: string; timedOut: boolean; log: string }> {
  const log = join(argoPaths(project.dir).logs, `${name}.log`);
  mkdirSync(argoPaths(project.dir).logs, { recursive: true });
  writeFileSync(log, `$ ${command}\n(in ${cwd})\n`);
  const at = utcTimestamp();
  say(`Running ${command} in ${cwd}`);
  const r = await runVerify(command, cwd, process.env, { timeoutMs: timeoutMs > 0 ? timeoutMs : undefined, logFile: log });
  appendFileSync(log, `\nexit status ${r.code}${r.timedOut ? ' (out of time)' : ''}\n`);
  return { passed: r.ok, exit_code: r.code, output_tail: r.tail.slice(-EVIDENCE_TAIL), at, timedOut: r.timedOut, log };
}

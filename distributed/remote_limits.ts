// What the remote back-end (coordinator.ts) records when the engine decides on a limit a
// worker's agent reported (issue 19): the builder waits (status `waiting`, `resume_at`,
// `waits`) or fails `rate_limited`; each preset's quota goes to `execution.quota`; and the
// job that resumes it starts from its branch as the limited attempt left it (its work is
// kept), pushed to the remote as a base ref — never the user's branch.
import { JsonObject, fromPlain } from '../core/json_doc.js';
import { gitRemoteEnv } from '../core/git_args.js';
import { baseRef, gitOrThrow } from '../core/git_async.js';
import { utcTimestamp } from '../core/time.js';
import { setBuilderFields } from '../store/builders.js';
import { logBuilder } from '../store/logs.js';
import { mutateState } from '../store/state.js';
import type { EngineHooks } from '../workflow/engine.js';
import { isoSeconds } from '../workflow/rate_limits.js';
import type { JobSnapshot } from './backend.js';
import { redactUrl } from './config.js';
import type { CoordinatorBuilder, CoordinatorOptions } from './coordinator.js';

export function remoteLimitHooks(o: CoordinatorOptions): Required<Pick<EngineHooks<CoordinatorBuilder, JobSnapshot>, 'limited' | 'quota'>> {
  return {
    limited: async (b, step) => {
      const usage = b.usage ? { usage: b.usage } : {};
      if (step.kind === 'fail') {
        await setBuilderFields(o.state, b.id, { status: 'failed', exit_code: 1, failure: 'rate_limited', failure_message: step.message, completed: utcTimestamp(), ...usage }, !!b.usage);
        logBuilder(o.logs, b.id, 'failed', `rate_limited: ${step.message}`);
        o.say(`Builder ${b.id} failed (rate_limited)`);
        return;
      }
      const resumeAt = isoSeconds(step.resumeAt);
      await setBuilderFields(o.state, b.id, { status: 'waiting', waiting_reason: step.reason, resume_at: resumeAt, waits: step.waits, exit_code: 1, ...usage }, !!b.usage);
      logBuilder(o.logs, b.id, 'waiting', `${step.limit.kind}: ${step.limit.message} - waiting until ${resumeAt} (wait ${step.waits})`);
      o.say(`Builder ${b.id} hit a limit (${step.limit.kind}) - waiting until ${resumeAt} (wait ${step.waits})`);
    },
    quota: async (view) => {
      await mutateState(o.state, (d) => void (d.get('execution') as JsonObject | undefined)?.set('quota', fromPlain(view)));
    },
  };
}

/** The base a resumed builder's job starts from: its branch's tip (the limited attempt's work), pushed as a base ref; null: none (the branch is not there). */
export async function resumeBase(o: CoordinatorOptions, b: CoordinatorBuilder): Promise<string | null> {
  let tip: string;
  try {
    tip = await gitOrThrow(['rev-parse', '--verify', '--end-of-options', `refs/heads/${b.branch}`], o.dir);
  } catch {
    return null;
  }
  try {
    await gitOrThrow(['push', '-q', '--', o.remote, `${tip}:${baseRef(tip)}`], o.dir, gitRemoteEnv());
  } catch (e) {
    o.say(`WARNING: could not push the base of ${b.branch} to ${redactUrl(o.remote)}: ${(e as Error).message}`);
    return null;
  }
  return tip;
}

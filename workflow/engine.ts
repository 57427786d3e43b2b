// The one execution engine: how the builders of a workflow are scheduled, whatever runs
// them. A back-end is a BuilderQueue (distributed/backend.ts) plus a few hooks that record
// what happened in state.json: the in-process queue for builders on this machine
// (distributed/local_backend.ts) and PostgreSQL for `argo worker`s (distributed/coordinator.ts).
// Written once, here: at most `limit` jobs live at once (limits.max_parallel_builders), the
// budget and the workflow's end checked before every start and at every change
// (workflow/limits.ts haltFor), a halt cancels the live jobs and ends every builder not done with
// the reason, a stop (the signal) cancels the live jobs and records nothing more, and a job
// the queue retried (its attempt failed) is followed to its last attempt.
import { haltFor, type Halt, type Halting } from './limits.js';

/** What the engine reads of a job (distributed/backend.ts JobSnapshot has it, and more). */
export interface EngineJob {
  id: string;
  state: 'queued' | 'active' | 'completed' | 'failed' | 'cancelled';
}

/** What the engine needs of a queue: the BuilderQueue contract (distributed/backend.ts) has it. */
export interface EngineQueue<J extends EngineJob> {
  cancel(ids: string[]): Promise<number>;
  jobs(workflow: string): Promise<J[]>;
}

/** What the engine does next (pure: the figures in, the step out). */
export type Step = { kind: 'stop' } | { kind: 'halt'; halt: Halt } | { kind: 'finished' } | { kind: 'start'; count: number } | { kind: 'wait' };

export interface Situation {
  aborted: boolean;
  halt: Halt | null;
  waiting: number;
  live: number;
  limit: number;
}

/** A stop wins over a halt (nothing more is recorded), a halt over any start. */
export function nextStep(s: Situation): Step {
  if (s.aborted) return { kind: 'stop' };
  if (s.halt) return { kind: 'halt', halt: s.halt };
  if (s.waiting === 0 && s.live === 0) return { kind: 'finished' };
  const count = Math.min(s.waiting, Math.max(0, s.limit - s.live));
  return count > 0 ? { kind: 'start', count } : { kind: 'wait' };
}

/** A job the queue has settled for good (a failed attempt that will be retried is `queued` again). */
export function jobEnded(j: Pick<EngineJob, 'state'>): boolean {
  return j.state === 'completed' || j.state === 'failed' || j.state === 'cancelled';
}

/** How long to wait for a change: the back-end's interval, cut short by the workflow's end. */
export function waitMs(intervalMs: number, deadline: number | null | undefined, now: number): number {
  if (typeof deadline !== 'number') return intervalMs;
  return Math.max(0, Math.min(intervalMs, deadline - now));
}

/** What a back-end records, each at the moment the engine decides it. */
export interface EngineHooks<B extends { id: string }, J extends EngineJob = EngineJob> {
  /** Puts the builder's job on the queue (and records that); the job's id. */
  enqueue(b: B): Promise<string>;
  /** The job has ended (completed, failed for good, cancelled by someone else). */
  finish(b: B, j: J): Promise<void>;
  /** The workflow halted: the builder ends with the reason (`jobId`: its live job, cancelled). */
  halted(b: B, h: Halt, jobId: string | null): Promise<void>;
  /** A live job's snapshot (the remote back-end mirrors it into state). */
  live?(b: B, j: J): Promise<void>;
  /** Resolves at the next change worth a look, after `ms` at the latest, or on abort. */
  wait(ms: number, signal: AbortSignal): Promise<void>;
}

export interface EngineRun<B extends { id: string }, J extends EngineJob = EngineJob> {
  queue: EngineQueue<J>;
  /** The workflow run whose jobs are read. */
  workflow: string;
  limit: number;
  halting?: Halting;
  signal: AbortSignal;
  /** The longest wait between two looks at the queue. */
  intervalMs: number;
  say: (line: string) => void;
  /** Builders to start, in order. */
  waiting: B[];
  /** Builders whose job is already on the queue (a restart adopts it): builder → job id. */
  following?: Map<B, string>;
  /** Called once, when the first builders have been started (before the first wait). */
  onLaunched?: () => void;
}

export type EngineOutcome = 'finished' | 'aborted' | { halted: Halt };

/** Runs every builder to its end through the queue; see the header for the rules. */
export async function runEngine<B extends { id: string }, J extends EngineJob>(r: EngineRun<B, J>, hooks: EngineHooks<B, J>): Promise<EngineOutcome> {
  const waiting = [...r.waiting];
  const live = new Map<B, string>(r.following ?? []);
  let launched = false;
  for (;;) {
    const step = nextStep({ aborted: r.signal.aborted, halt: haltFor(r.halting, Date.now()), waiting: waiting.length, live: live.size, limit: r.limit });
    if (step.kind !== 'start' && !launched) {
      launched = true;
      r.onLaunched?.();
    }
    if (step.kind === 'stop') {
      await r.queue.cancel([...live.values()]);
      return 'aborted';
    }
    if (step.kind === 'halt') return halt(r, hooks, step.halt, live, waiting);
    if (step.kind === 'finished') return 'finished';
    if (step.kind === 'start') {
      for (let i = 0; i < step.count; i++) {
        const b = waiting.shift()!;
        live.set(b, await hooks.enqueue(b));
      }
      continue;
    }
    await hooks.wait(waitMs(r.intervalMs, r.halting?.deadline, Date.now()), r.signal);
    if (!r.signal.aborted) await look(r, hooks, live);
  }
}

/** One look at the queue: ended jobs are finished, live ones shown to the back-end. */
async function look<B extends { id: string }, J extends EngineJob>(r: EngineRun<B, J>, hooks: EngineHooks<B, J>, live: Map<B, string>): Promise<void> {
  let jobs: J[];
  try {
    jobs = await r.queue.jobs(r.workflow);
  } catch (e) {
    r.say(`WARNING: cannot read the job queue: ${(e as Error).message}`);
    return;
  }
  const byId = new Map(jobs.map((j) => [j.id, j]));
  for (const [b, id] of [...live]) {
    const j = byId.get(id);
    if (!j) continue;
    if (jobEnded(j)) {
      live.delete(b);
      await hooks.finish(b, j);
    } else await hooks.live?.(b, j);
  }
}

/** Budget or time spent: the live jobs are cancelled and every builder not done ends with the reason. */
async function halt<B extends { id: string }, J extends EngineJob>(r: EngineRun<B, J>, hooks: EngineHooks<B, J>, h: Halt, live: Map<B, string>, waiting: B[]): Promise<EngineOutcome> {
  r.say(`Stopping the builders: ${h.reason}`);
  await r.queue.cancel([...live.values()]);
  for (const [b, id] of live) await hooks.halted(b, h, id);
  for (const b of waiting) await hooks.halted(b, h, null);
  return { halted: h };
}

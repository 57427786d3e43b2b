// The one execution engine: how the builders of a workflow are scheduled, whatever runs
// them. A back-end is a BuilderQueue (distributed/backend.ts) plus a few hooks that record
// what happened in state.json: the in-process queue for builders on this machine
// (distributed/local_backend.ts) and PostgreSQL for `argo worker`s (distributed/coordinator.ts).
// Written once, here: at most `limit` jobs live at once (limits.max_parallel_builders), the
// budget and the workflow's end checked before every start and at every change
// (workflow/limits.ts haltFor), a halt cancels the live jobs and ends every builder not done with
// the reason, a stop (the signal) cancels the live jobs and records nothing more, and a job
// the queue retried (its attempt failed) is followed to its last attempt.
// Dependency waves (workflow/waves.ts), when some builder depends on another: a waiting
// builder is started only once its dependencies are merged into the base branch (the
// back-end's `integrate`, called the moment a dependency has completed), on a branch the
// back-end first bases on that updated base (`baseOn`); one that can never start fails
// (`blocked`). With no dependencies nothing of this runs: every builder starts in order.
// Limits an agent reports (issue 19): a job whose ending says "limited" frees its slot and
// the builder waits (status `waiting`) until its resume time, then is queued again as a
// resume of its own session — the wait lives here, never in a sleeping job; and the builders
// of that preset run fewer at once until the quota lets them (workflow/rate_limits.ts).
import { haltFor, type Halt, type Halting } from './limits.js';
import { decideWaves, type WaveStatus } from './waves.js';
import { DEFAULT_WAIT_SETTINGS, decideLimited, freshQuota, quotaAfterLimit, quotaAfterSuccess, quotaAt, quotaRoom, quotaView, type LimitDecision, type LimitSignal, type PresetQuota, type WaitSettings } from './rate_limits.js';

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
  /** Builders that may start now. */
  waiting: number;
  live: number;
  limit: number;
  /** Builders not done that may not start yet: waiting on a limit, or held back by their preset's quota. */
  held?: number;
}

/** A stop wins over a halt (nothing more is recorded), a halt over any start. */
export function nextStep(s: Situation): Step {
  if (s.aborted) return { kind: 'stop' };
  if (s.halt) return { kind: 'halt', halt: s.halt };
  if (s.waiting === 0 && s.live === 0 && !s.held) return { kind: 'finished' };
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

/** A job's ending that says the agent hit a limit: nothing is recorded yet, the engine decides (hooks.limited). */
export interface LimitedEnding {
  limited: LimitSignal;
}

/** What the engine decided for a limited builder, for the back-end to record. */
export type LimitedStep = LimitDecision & { limit: LimitSignal };

/** What a back-end records, each at the moment the engine decides it. */
export interface EngineHooks<B extends WaveMember, J extends EngineJob = EngineJob> {
  /** Puts the builder's job on the queue (and records that); the job's id. `resume`: after a wait on a limit. */
  enqueue(b: B, resume?: boolean): Promise<string>;
  /** The job has ended (completed, failed for good, cancelled by someone else); true: the builder completed; limited: see `limited`. */
  finish(b: B, j: J): Promise<boolean | void | LimitedEnding>;
  /** Limits: the builder waits (status waiting, resume_at, waits) or fails (`rate_limited`). Needed by a back-end whose finish says "limited". */
  limited?(b: B, step: LimitedStep): Promise<void>;
  /** Limits: each preset's quota changed (recorded as execution.quota for the view). */
  quota?(view: ReturnType<typeof quotaView>): Promise<void>;
  /** The workflow halted: the builder ends with the reason (`jobId`: its live job, cancelled). */
  halted(b: B, h: Halt, jobId: string | null): Promise<void>;
  /** A live job's snapshot (the remote back-end mirrors it into state). */
  live?(b: B, j: J): Promise<void>;
  /** Resolves at the next change worth a look, after `ms` at the latest, or on abort. */
  wait(ms: number, signal: AbortSignal): Promise<void>;
  /** Waves: merges a completed builder others depend on into the base branch; why not (a conflict names the files), or null. */
  integrate?(id: string): Promise<string | null>;
  /** Waves: before a builder with dependencies starts, bases its branch on the updated base branch; why not, or null. */
  baseOn?(b: B): Promise<string | null>;
  /** Waves: what the builder now waits for (recorded for the view); [] when it starts. */
  waitingFor?(b: B, ids: string[]): Promise<void>;
  /** Waves: the builder can never start (it fails with failure "dependency" and the message). */
  blocked?(b: B, message: string): Promise<void>;
}

/** A builder as the waves see it: its dependencies (BuilderRecord has them). */
export interface WaveMember {
  id: string;
  depends_on?: readonly string[];
  /** What an earlier run recorded it waiting for (cleared when it starts). */
  waiting_for?: readonly string[];
  /** How many times it has waited on a limit so far (state field `waits`). */
  waits?: number | null;
}

/** What the waves start from (EngineRun.waves). */
export interface EngineWaves {
  /** Builders of the workflow outside this run (done earlier, or left failed by `argo retry <ids>`). */
  outside: readonly { id: string; depends_on: readonly string[]; status: 'completed' | 'failed' }[];
  /** Ids already merged into the base branch (merge.merged); the run's integrations are added. */
  merged: Set<string>;
}

export interface EngineRun<B extends WaveMember, J extends EngineJob = EngineJob> {
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
  /** Dependency waves: present only when some builder depends on another. */
  waves?: EngineWaves;
  /** Builders an earlier run left waiting on a limit: builder → its resume time (ms since the epoch). */
  asleep?: Map<B, number>;
  /** limits.rate_limit_backoff_seconds and limits.rate_limit_max_waits (default 60 s and 8). */
  waits?: WaitSettings;
  /** The preset a builder runs (its quota's name); null or absent: no quota. */
  presetOf?: (b: B) => string | null;
  /** The clock (tests): ms since the epoch. */
  now?: () => number;
}

export type EngineOutcome = 'finished' | 'aborted' | { halted: Halt };

/** Runs every builder to its end through the queue; see the header for the rules. */
export async function runEngine<B extends WaveMember, J extends EngineJob>(r: EngineRun<B, J>, hooks: EngineHooks<B, J>): Promise<EngineOutcome> {
  const waiting = [...r.waiting];
  const live = new Map<B, string>(r.following ?? []);
  const waves = r.waves ? new Waves(r, hooks, waiting, live) : null;
  const limits = new RateLimits(r, hooks);
  const now = r.now ?? Date.now;
  let launched = false;
  for (;;) {
    const halting = haltFor(r.halting, now());
    // Stopped or halted: nothing more is merged behind the user's back.
    const ready = waves && !r.signal.aborted && !halting ? await waves.advance() : waiting;
    const { startable, held } = await limits.startable(ready, live, now());
    const step = nextStep({ aborted: r.signal.aborted, halt: halting, waiting: startable.length, held, live: live.size, limit: r.limit });
    if (step.kind !== 'start' && !launched) {
      launched = true;
      r.onLaunched?.();
    }
    if (step.kind === 'stop') {
      await r.queue.cancel([...live.values()]);
      return 'aborted'; // a waiting builder keeps its wait in state: a restart waits on
    }
    if (step.kind === 'halt') return halt(r, hooks, step.halt, live, [...waiting, ...limits.asleep.keys()]);
    if (step.kind === 'finished') {
      await waves?.strand(); // (none left by advance; kept so that nothing ever stays pending)
      return 'finished';
    }
    if (step.kind === 'start') {
      for (const b of startable.slice(0, step.count)) {
        // One that waited on a limit resumes in its own worktree and session: no wave step again.
        if (limits.asleep.delete(b)) {
          live.set(b, await hooks.enqueue(b, true));
          continue;
        }
        waiting.splice(waiting.indexOf(b), 1);
        if (waves && !(await waves.prepare(b))) continue;
        live.set(b, await hooks.enqueue(b));
        waves?.status.set(b.id, 'live');
      }
      continue;
    }
    const wake = earliest(r.halting?.deadline, limits.nextWake(now()));
    await hooks.wait(waitMs(r.intervalMs, wake, now()), r.signal);
    if (!r.signal.aborted) await look(r, hooks, live, waves, limits);
  }
}

function earliest(a: number | null | undefined, b: number | null): number | null {
  const times = [a, b].filter((t): t is number => typeof t === 'number');
  return times.length > 0 ? Math.min(...times) : null;
}

/**
 * The engine's bookkeeping of limits: the builders waiting on one (asleep until their resume
 * time, holding no slot), how often each has waited, and each preset's quota.
 */
class RateLimits<B extends WaveMember, J extends EngineJob> {
  readonly asleep = new Map<B, number>();
  private readonly waits = new Map<B, number>();
  private readonly quotas = new Map<string, PresetQuota>();
  private readonly settings: WaitSettings;

  constructor(
    private readonly r: EngineRun<B, J>,
    private readonly hooks: EngineHooks<B, J>,
  ) {
    this.settings = r.waits ?? DEFAULT_WAIT_SETTINGS;
    for (const [b, at] of r.asleep ?? []) this.asleep.set(b, at);
  }

  private quota(key: string): PresetQuota {
    return this.quotas.get(key) ?? freshQuota(this.r.limit);
  }

  private running(live: Map<B, string>, key: string): number {
    return [...live.keys()].filter((b) => this.r.presetOf?.(b) === key).length;
  }

  /** Of the builders due to resume (first) and the ready ones, those their quota lets start now; and how many are held back. */
  async startable(ready: B[], live: Map<B, string>, now: number): Promise<{ startable: B[]; held: number }> {
    await this.release(now);
    const due = [...this.asleep].filter(([, at]) => at <= now).sort((a, b) => a[1] - b[1]).map(([b]) => b);
    const room = new Map<string, number>();
    const startable = [...due, ...ready].filter((b) => {
      const key = this.r.presetOf?.(b) ?? null;
      if (key === null) return true;
      const left = room.get(key) ?? quotaRoom(this.quota(key), this.running(live, key), now);
      room.set(key, left - 1);
      return left > 0;
    });
    return { startable, held: this.asleep.size + ready.length - startable.length };
  }

  /** The next moment worth a look: a builder's resume time, a quota's hold ending. */
  nextWake(now: number): number | null {
    const times = [...this.asleep.values(), ...[...this.quotas.values()].map((q) => q.limitedUntil ?? Infinity)].filter((t) => t > now && t !== Infinity);
    return times.length > 0 ? Math.min(...times) : null;
  }

  /** A job's ending: a limited one waits (true) or fails; a completed one gives its preset one more slot. */
  async ended(b: B, ending: boolean | void | LimitedEnding, live: Map<B, string>, now: number): Promise<boolean> {
    const key = this.r.presetOf?.(b) ?? null;
    if (typeof ending !== 'object') {
      if (ending === true && key !== null && this.quotas.has(key)) await this.setQuota(key, quotaAfterSuccess(this.quota(key), this.r.limit));
      return false;
    }
    if (!this.hooks.limited) throw new Error('a limited ending needs the back-end\'s limited hook');
    const waits = this.waits.get(b) ?? b.waits ?? 0;
    const d = decideLimited(ending.limited, waits, this.settings, now);
    await this.hooks.limited(b, { ...d, limit: ending.limited });
    if (d.kind === 'fail') return false;
    this.waits.set(b, d.waits);
    this.asleep.set(b, d.resumeAt);
    // The limited builder ran too: it counts among those running when the quota steps down.
    if (key !== null) await this.setQuota(key, quotaAfterLimit(this.quota(key), this.running(live, key) + 1, d.resumeAt, now));
    return true;
  }

  /** Holds that have passed are lifted (and recorded). */
  private async release(now: number): Promise<void> {
    for (const [key, q] of this.quotas) if (quotaAt(q, now) !== q) await this.setQuota(key, quotaAt(q, now));
  }

  private async setQuota(key: string, q: PresetQuota): Promise<void> {
    const was = this.quotas.get(key);
    this.quotas.set(key, q);
    if (was && was.cap === q.cap && was.limitedUntil === q.limitedUntil) return;
    await this.hooks.quota?.(quotaView(this.quotas));
  }
}

/** The engine's bookkeeping of the waves: where each builder stands, what is merged, what was said. */
class Waves<B extends WaveMember, J extends EngineJob> {
  readonly status = new Map<string, WaveStatus>();
  private readonly unmergeable = new Map<string, string>();
  private readonly told = new Map<string, string>();
  private readonly warned = new Set<string>();
  private readonly deps = new Map<string, readonly string[]>();

  constructor(
    private readonly r: EngineRun<B, J>,
    private readonly hooks: EngineHooks<B, J>,
    private readonly waiting: B[],
    live: Map<B, string>,
  ) {
    if (!hooks.integrate || !hooks.blocked) throw new Error('dependency waves need the back-end\'s integrate and blocked hooks');
    for (const o of r.waves!.outside) (this.status.set(o.id, o.status), this.deps.set(o.id, o.depends_on));
    for (const b of live.keys()) (this.status.set(b.id, 'live'), this.deps.set(b.id, b.depends_on ?? []));
    for (const b of waiting) (this.status.set(b.id, 'waiting'), this.deps.set(b.id, b.depends_on ?? []), this.told.set(b.id, (b.waiting_for ?? []).join(' ')));
  }

  private decide() {
    const builders = [...this.status].map(([id, status]) => ({ id, status, depends_on: this.deps.get(id) ?? [] }));
    return decideWaves({ builders, merged: this.r.waves!.merged, unmergeable: this.unmergeable });
  }

  /** Fails what can never start, merges what others wait for, records who waits for what; the builders that may start. */
  async advance(): Promise<B[]> {
    for (;;) {
      const d = this.decide();
      for (const u of d.unknown) {
        const key = `${u.id}\n${u.dependency}`;
        if (!this.warned.has(key)) this.r.say(`WARNING: builder ${u.id} depends on ${u.dependency}, which is not a builder of this workflow - ignored`);
        this.warned.add(key);
      }
      for (const x of d.blocked) await this.fail(this.waiting.find((b) => b.id === x.id)!, x.message);
      if (d.integrate.length > 0) {
        for (const id of d.integrate) {
          const problem = await this.hooks.integrate!(id);
          if (problem === null) this.r.waves!.merged.add(id);
          else this.unmergeable.set(id, problem);
        }
        continue; // decide again on the new base
      }
      for (const w of d.waiting) await this.tell(this.waiting.find((b) => b.id === w.id)!, w.for);
      const ready = new Set(d.ready);
      return this.waiting.filter((b) => ready.has(b.id));
    }
  }

  private async tell(b: B, ids: string[]): Promise<void> {
    const said = ids.join(' ');
    if (this.told.get(b.id) === said) return;
    if (said !== '') this.r.say(`Builder ${b.id} waits for: ${ids.join(', ')}`);
    this.told.set(b.id, said);
    await this.hooks.waitingFor?.(b, ids);
  }

  private async fail(b: B, message: string): Promise<void> {
    this.waiting.splice(this.waiting.indexOf(b), 1);
    this.status.set(b.id, 'failed');
    await this.hooks.blocked!(b, message);
  }

  /** Just before a builder starts: no longer waiting, and (with dependencies) based on the new base. False: it failed. */
  async prepare(b: B): Promise<boolean> {
    if (this.told.get(b.id)) await this.tell(b, []);
    if ((b.depends_on ?? []).length === 0 || !this.hooks.baseOn) return true;
    const problem = await this.hooks.baseOn(b);
    if (problem === null) return true;
    this.status.set(b.id, 'failed');
    await this.hooks.blocked!(b, problem);
    return false;
  }

  /** A job has ended: how it ended counts for its dependents. */
  ended(b: B, completed: boolean | void): void {
    this.status.set(b.id, completed === true ? 'completed' : 'failed');
  }

  /** Nothing runs and nothing can start: whatever still waits fails (the decision leaves none; this is the guard). */
  async strand(): Promise<void> {
    for (const b of [...this.waiting]) await this.fail(b, `waiting for ${(b.depends_on ?? []).join(', ')}, which will not be merged`);
  }
}

/** One look at the queue: ended jobs are finished, live ones shown to the back-end. */
async function look<B extends WaveMember, J extends EngineJob>(r: EngineRun<B, J>, hooks: EngineHooks<B, J>, live: Map<B, string>, waves: Waves<B, J> | null, limits: RateLimits<B, J>): Promise<void> {
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
      const ending = await hooks.finish(b, j);
      // A builder waiting on a limit has not ended: its dependents keep waiting for it.
      if (await limits.ended(b, ending, live, (r.now ?? Date.now)())) continue;
      waves?.ended(b, ending === true);
    } else await hooks.live?.(b, j);
  }
}

/** Budget or time spent: the live jobs are cancelled and every builder not done (waiting ones too) ends with the reason. */
async function halt<B extends WaveMember, J extends EngineJob>(r: EngineRun<B, J>, hooks: EngineHooks<B, J>, h: Halt, live: Map<B, string>, waiting: B[]): Promise<EngineOutcome> {
  r.say(`Stopping the builders: ${h.reason}`);
  await r.queue.cancel([...live.values()]);
  for (const [b, id] of live) await hooks.halted(b, h, id);
  for (const b of waiting) await hooks.halted(b, h, null);
  return { halted: h };
}

// The in-process builder queue: the BuilderQueue contract (backend.ts) held in memory, for
// builders that run on this machine. The execution engine (workflow/engine.ts) drives it
// exactly as it drives the PostgreSQL adapter; its worker is local_worker.ts. Beyond the
// contract it tells in-process listeners at once that something changed (no polling), and
// gives each attempt an AbortSignal that fires when the attempt stops being its holder's
// (cancelled, superseded, the queue closed) — what a remote worker learns from its heartbeat.
import { randomUUID } from 'node:crypto';
import type { BuilderJob, BuilderQueue, BuilderResult, Claim, JobSnapshot, JobState } from './backend.js';

interface Job {
  id: string;
  key: string;
  data: BuilderJob;
  state: JobState;
  attempt: number;
  output: BuilderResult | null;
  host: string | null;
  error?: string;
  /** Aborted when the current attempt is no longer its holder's. */
  held: AbortController | null;
}

/** A wake-up latch: a notify() before anyone waits is kept, so no change is ever missed. */
export class Latch {
  private pending = false;
  private waiters: (() => void)[] = [];

  notify(): void {
    const waiters = this.waiters.splice(0);
    if (waiters.length === 0) this.pending = true;
    for (const w of waiters) w();
  }

  /** Resolves at the next notify (or at once for one that came first), after `ms`, or on abort. */
  wait(ms: number, signal?: AbortSignal): Promise<void> {
    if (this.pending || signal?.aborted) {
      this.pending = false;
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        this.waiters = this.waiters.filter((w) => w !== done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      signal?.addEventListener('abort', done, { once: true });
      this.waiters.push(done);
    });
  }
}

const LIVE: ReadonlySet<JobState> = new Set(['queued', 'active']);

export class LocalQueue implements BuilderQueue {
  private jobsById = new Map<string, Job>();
  private closed = false;
  /** Notified on every change of any job (the engine and the worker wait on it). */
  readonly changed = new Latch();
  /** Notified when a job becomes claimable (the worker waits on it). */
  readonly claimable = new Latch();

  /** `retryLimit`: how many further attempts a failed attempt gets (the contract's retry). */
  constructor(private readonly retryLimit = 0) {}

  private touch(claimable = false): void {
    this.changed.notify();
    if (claimable) this.claimable.notify();
  }

  /** The job when `claim` is still its current, active attempt. */
  private held(claim: Claim): Job | undefined {
    const j = this.jobsById.get(claim.id);
    return j && j.state === 'active' && j.attempt === claim.attempt ? j : undefined;
  }

  private release(j: Job): void {
    j.held?.abort();
    j.held = null;
  }

  async enqueue(key: string, data: BuilderJob): Promise<string> {
    for (const j of this.jobsById.values()) if (j.key === key && LIVE.has(j.state)) return j.id;
    const id = data.job_id ?? randomUUID();
    this.jobsById.set(id, { id, key, data, state: 'queued', attempt: 0, output: null, host: null, held: null });
    this.touch(true);
    return id;
  }

  async claim(): Promise<Claim | undefined> {
    if (this.closed) return undefined;
    for (const j of this.jobsById.values()) {
      if (j.state !== 'queued') continue;
      j.state = 'active';
      j.held = new AbortController();
      this.touch();
      return { id: j.id, attempt: j.attempt, data: j.data };
    }
    return undefined;
  }

  /** Aborted when this attempt is no longer the holder's (already aborted for a stale claim). */
  attemptSignal(claim: Claim): AbortSignal {
    return this.held(claim)?.held?.signal ?? AbortSignal.abort();
  }

  async announce(claim: Claim, host: string): Promise<void> {
    const j = this.held(claim);
    if (!j) return;
    j.host = host;
    this.touch();
  }

  async heartbeat(claim: Claim): Promise<boolean> {
    return this.held(claim) !== undefined;
  }

  async complete(claim: Claim, result: BuilderResult): Promise<boolean> {
    const j = this.held(claim);
    if (!j) return false;
    j.state = 'completed';
    j.output = result;
    j.held = null;
    this.touch();
    return true;
  }

  async fail(claim: Claim, reason: string): Promise<boolean> {
    const j = this.held(claim);
    if (!j) return false;
    this.release(j);
    j.error = reason;
    if (j.attempt >= this.retryLimit) j.state = 'failed';
    else {
      j.state = 'queued';
      j.attempt += 1;
      j.host = null;
    }
    this.touch(j.state === 'queued');
    return true;
  }

  async refuse(claim: Claim, reason: string): Promise<boolean> {
    const j = this.held(claim);
    if (!j) return false;
    this.release(j);
    j.state = 'failed';
    j.error = reason;
    this.touch();
    return true;
  }

  async cancel(ids: string[]): Promise<number> {
    let n = 0;
    for (const id of ids) {
      const j = this.jobsById.get(id);
      if (!j || !LIVE.has(j.state)) continue;
      j.state = 'cancelled';
      this.release(j);
      n++;
    }
    if (n > 0) this.touch();
    return n;
  }

  async jobs(workflow: string): Promise<JobSnapshot[]> {
    return [...this.jobsById.values()]
      .filter((j) => j.data.workflow === workflow)
      .map((j) => ({ id: j.id, key: j.key, builder: j.data.builder, state: j.state, attempt: j.attempt, output: j.output, host: j.host, ...(j.error !== undefined ? { error: j.error } : {}) }));
  }

  /** Every live attempt ends (its signal fires); nothing is claimable any more. */
  async close(): Promise<void> {
    this.closed = true;
    for (const j of this.jobsById.values()) if (LIVE.has(j.state)) this.release(j);
    this.touch(true);
  }
}

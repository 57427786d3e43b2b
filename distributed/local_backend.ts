// The local back-end of the execution engine (workflow/engine.ts): builders run on this
// machine, through the in-process queue (local_queue.ts) and its worker (local_worker.ts),
// each job's work being one LocalBuilder (local_builder.ts). Here is what the local
// back-end records in state.json when the engine decides (the same fields, in the same
// writes, as before there was one engine), and its stop: every run we started ends, every
// write in flight is awaited (the promises themselves), nothing further is written, and
// the builders that were running get `stopped` (their status stays `running`: a resume
// adopts or restarts them).
import { hostname } from 'node:os';
import { logBuilder } from '../store/logs.js';
import type { StatePaths } from '../store/state.js';
import { utcTimestamp } from '../core/time.js';
import type { AgentUsage } from '../agents/presets/contract.js';
import type { Failed } from '../agents/build.js';
import { reviewAnswered, reviewReplyLine } from '../agents/merge_fix.js';
import { REMOVE_FIELD, setBuilderFields, type BuilderRecord } from '../store/builders.js';
import type { EngineHooks, LimitedEnding, LimitedStep } from '../workflow/engine.js';
import { isoSeconds } from '../workflow/rate_limits.js';
import { mutateState } from '../store/state.js';
import { JsonObject, fromPlain } from '../core/json_doc.js';
import type { BuilderJob, BuilderResult, Claim, JobSnapshot } from './backend.js';
import { LocalBuilder, type LocalEnding, type LocalSetup, type LocalWork } from './local_builder.js';
import { LocalQueue } from './local_queue.js';
import { LocalWorker } from './local_worker.js';

/** The workflow name of the local queue's jobs (one queue per handler run). */
export const LOCAL_WORKFLOW = 'local';

export class LocalBackend {
  /** Retries 0: a local attempt that throws is a bug, not a lost machine; it is not run twice. */
  readonly queue = new LocalQueue(0);
  private readonly worker: LocalWorker;
  private readonly builder: LocalBuilder;
  /** Each job's work, by builder id (start, adopt, result), and the builders by id. */
  private readonly works = new Map<string, LocalWork>();
  private readonly builders = new Map<string, BuilderRecord>();
  /** Each claimed job's ending, by job id (set the moment the worker claims it). */
  private readonly endings = new Map<string, Promise<LocalEnding>>();
  /** Endings that said "limited", by builder id, until the engine decides (hooks.limited). */
  private readonly limitedEndings = new Map<string, Extract<LocalEnding, { kind: 'ended' }>>();
  /** Builders whose run we started and that have not ended: a stop records `stopped` for them. */
  private readonly running = new Set<string>();
  private readonly writes = new Set<Promise<void>>();
  private stopping = false;
  private stopped: Promise<void> | null = null;
  /** The engine's stop edge. */
  private readonly abort = new AbortController();
  readonly signal = this.abort.signal;
  /** The signal that stopped the run, if one did. */
  stoppedBy: NodeJS.Signals | null = null;

  constructor(
    private readonly state: StatePaths,
    private readonly s: LocalSetup,
  ) {
    this.builder = new LocalBuilder(s, (id, fields, totals) => this.write(id, fields, totals), () => this.queue.changed.notify());
    this.worker = new LocalWorker(this.queue, (claim, signal) => this.work(claim, signal));
  }

  /** Direct write of builder fields (no last_update bump); none once stopping. */
  private write(id: string, fields: Record<string, unknown>, totals = false): Promise<void> {
    if (this.stopping) return Promise.resolve(); // a stopping handler leaves the state as the signal found it
    const w = setBuilderFields(this.state, id, fields, totals).finally(() => this.writes.delete(w));
    this.writes.add(w);
    return w;
  }

  /** A write of builder fields for the engine's other steps (the dependency waves); none once stopping. */
  writeFields(id: string, fields: Record<string, unknown>): Promise<void> {
    return this.write(id, fields);
  }

  /** A builder the engine will run, with what its job does. */
  plan(b: BuilderRecord, work: LocalWork): void {
    this.builders.set(b.id, b);
    this.works.set(b.id, work);
  }

  /** Puts a job on the queue for a builder already planned (adopted ones go first, beyond the engine's starts). */
  enqueue(b: BuilderRecord): Promise<string> {
    this.limitedEndings.delete(b.id);
    const job: BuilderJob = { workflow: LOCAL_WORKFLOW, project: this.s.dir, builder: b.id, prompt: '', tool: '', remote: '', base: '', branch: b.branch ?? '', timeoutSeconds: null };
    return this.queue.enqueue(`${LOCAL_WORKFLOW}/${b.id}`, job);
  }

  private async work(claim: Claim, signal: AbortSignal): Promise<BuilderResult> {
    const id = claim.data.builder;
    const work = this.works.get(id) ?? { kind: 'start' };
    if (work.kind === 'start') this.running.add(id);
    const ending = this.builder.work(this.builders.get(id)!, work, signal);
    this.endings.set(claim.id, ending);
    const e = await ending.finally(() => this.running.delete(id));
    return { exit_code: e.code, ref: null, commit: null, host: hostname(), attempt: claim.attempt, usage: { wall_seconds: 0 }, timed_out: false, log_tail: '' };
  }

  /** How the engine drives this back-end. */
  readonly hooks: EngineHooks<BuilderRecord, JobSnapshot> = {
    enqueue: (b, resume) => {
      if (resume) this.s.say(`Resuming builder: ${b.id} (after waiting on a limit)`);
      else if (this.works.get(b.id)?.kind !== 'adopt') this.s.say(`Spawning builder: ${b.id}`);
      return this.enqueue(b);
    },
    finish: async (b, j) => this.finishJob(b, j),
    limited: async (b, step) => this.limited(b, step),
    quota: async (view) => {
      if (this.stopping) return;
      await mutateState(this.state, (d) => void (d.get('execution') as JsonObject | undefined)?.set('quota', fromPlain(view)));
    },
    halted: async (b, h, jobId) => {
      const e = jobId ? await this.endings.get(jobId) : undefined;
      // One that ended on its own just before the halt keeps its own ending.
      if (e?.kind === 'ended') return void (await this.finish(b, e.code, e.failed, e.extra, e.reply));
      await this.finish(b, e?.code ?? 1, { failure: h.failure, message: h.reason }, e?.extra ?? {});
    },
    wait: (ms, signal) => this.queue.changed.wait(ms, signal),
  };

  private async finishJob(b: BuilderRecord, j: JobSnapshot): Promise<boolean | void | LimitedEnding> {
    const e = await this.endings.get(j.id)?.catch(() => undefined);
    if (!e || j.state === 'failed') {
      this.s.complain(`ERROR: builder ${b.id}: ${j.error ?? `its job ended ${j.state}`}`);
      return this.finish(b, 1, null, {});
    }
    if (e.kind === 'ended' && e.limit) {
      this.limitedEndings.set(b.id, e);
      return { limited: e.limit };
    }
    if (e.kind === 'ended') return this.finish(b, e.code, e.failed, e.extra, e.reply);
  }

  /** The engine's decision on a limited builder: it waits (its row says until when) or fails `rate_limited`. */
  private async limited(b: BuilderRecord, step: LimitedStep): Promise<void> {
    const e = this.limitedEndings.get(b.id)!;
    this.limitedEndings.delete(b.id);
    if (step.kind === 'fail') return void (await this.finish(b, e.code, { failure: 'rate_limited', message: step.message }, e.extra));
    if (this.stopping) return;
    const resumeAt = isoSeconds(step.resumeAt);
    const usage = e.extra.usage;
    await this.write(b.id, { status: 'waiting', waiting_reason: step.reason, resume_at: resumeAt, waits: step.waits, exit_code: e.code, pid: null, ...(usage ? { usage } : {}) }, !!usage);
    if (usage) this.s.halting.spent.set(b.id, usage);
    // The next run resumes this attempt's session, with what it spent so far.
    this.builders.set(b.id, { ...this.builders.get(b.id)!, status: 'waiting', waits: step.waits, usage: usage ?? b.usage, session_id: usage?.session_id ?? b.session_id });
    this.works.set(b.id, { kind: 'start' });
    const what = step.limit.kind === 'usage_limit' ? 'a usage limit' : step.limit.kind === 'overloaded' ? 'an overloaded model' : 'a rate limit';
    logBuilder(this.s.logs, b.id, 'waiting', `${what}: ${step.limit.message} - waiting until ${resumeAt} (wait ${step.waits})`);
    this.s.say(`Builder ${b.id} hit ${what} - waiting until ${resumeAt} (wait ${step.waits})`);
  }

  /** Records a builder's ending: one write of its fields, a log line, a line for the user. True: it completed. */
  private async finish(b: BuilderRecord, code: number, failed: Failed | null, extra: { usage?: AgentUsage }, reply: string | null = null): Promise<boolean> {
    const ok = code === 0 && !failed;
    if (this.stopping) return ok;
    const fields: Record<string, unknown> = { status: ok ? 'completed' : 'failed', exit_code: code, completed: utcTimestamp(), ...extra };
    if (ok) fields.progress = 100;
    if (failed) {
      fields.failure = failed.failure;
      fields.failure_message = failed.message;
    } else if (b.failure !== null) {
      fields.failure = null;
      fields.failure_message = null;
    }
    // A fix run the merge gate asked for is done: its brief goes (merge_build merges it again).
    if (ok && b.merge_feedback) fields.merge_feedback = REMOVE_FIELD;
    // A person's requested changes are done: the review gate holds it again, with the agent's answer.
    if (ok && b.merge_feedback?.kind === 'review') fields.review = reviewAnswered(b.review, reply, utcTimestamp());
    await this.write(b.id, fields, 'usage' in extra);
    if (extra.usage) this.s.halting.spent.set(b.id, extra.usage);
    const why = failed ? `${failed.failure}: ${failed.message}` : `Builder exited with status ${code}`;
    logBuilder(this.s.logs, b.id, ok ? 'completed' : 'failed', ok ? 'Builder finished successfully' : why);
    if (ok && b.merge_feedback?.kind === 'review') logBuilder(this.s.logs, b.id, 'review_reply', reviewReplyLine(reply));
    this.s.say(ok ? `Builder ${b.id} completed` : failed ? `Builder ${b.id} failed (${failed.failure})` : `Builder ${b.id} failed (exit status ${code})`);
    return ok;
  }

  /** The engine has finished: the worker and the queue end (nothing is in flight). */
  async close(): Promise<void> {
    await this.queue.close();
    await this.worker.stop();
  }

  /** Ends every agent run we started and resolves once they and every state write are done. */
  stop(signal?: NodeJS.Signals): Promise<void> {
    this.stopped ??= (async () => {
      this.stoppedBy = signal ?? null;
      this.stopping = true;
      const at = utcTimestamp();
      const ids = [...this.running];
      this.abort.abort();
      await this.close(); // every attempt's signal fires; the worker awaits them
      while (this.writes.size > 0) await Promise.allSettled([...this.writes]);
      for (const id of ids) await setBuilderFields(this.state, id, { stopped: at }).catch(() => undefined);
    })();
    return this.stopped;
  }
}

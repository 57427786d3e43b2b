// `argo worker`: claims builder jobs, runs each in a worktree of a per-project clone,
// pushes the result under an attempt-specific ref, and reports it in the job's output.
// One AbortController per job: a lost claim (cancel, expiry, another worker took it) or
// the worker's stop ends that builder's process group. A worker that cannot reach the
// database for longer than the heartbeat stops by itself: by then its jobs belong to
// someone else.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { BuilderJob as Job, BuilderQueue, BuilderResult, Claim } from './backend.js';
import { gitRemoteEnv } from '../core/git_args.js';
import { RepoMutex, attemptRef, baseRef, gitAsync, gitOrThrow } from '../core/git_async.js';
import { parseWorktreeList } from '../core/git.js';
import { jobSignatureProblem } from './job_auth.js';
import { runJobBuilder } from './run_builder.js';
import { admitJob, type AllowList } from './worker_policy.js';
import { textSince } from '../agents/run/output_file.js';
import { cutReply } from '../agents/merge_fix.js';

/** Where one attempt runs on this worker: the remote's clone, its worktree, scratch and log. */
interface Place {
  repo: string;
  worktree: string;
  scratch: string;
  logFile: string;
}
type Finished = Exclude<Awaited<ReturnType<typeof runJobBuilder>>['ending'], { kind: 'canceled' }>;

export interface WorkerOptions {
  queue: BuilderQueue;
  workdir: string;
  concurrency: number;
  heartbeatSeconds: number;
  pollMs?: number;
  host?: string;
  log?: (line: string) => void;
  env?: NodeJS.ProcessEnv;
  /** The job secret: a job not signed with it is refused (distributed/job_auth.ts). */
  secret: Buffer;
  /** The command lines this worker's owner lets jobs run (presets need no listing). */
  allow: AllowList;
}

export interface WorkerSnapshot {
  host: string;
  running: { id: string; attempt: number; builder: string }[];
  completed: number;
  lostClaims: number;
  stopReason: string | null;
}

const LOG_TAIL_BYTES = 4000;

/** The end of the builder's log, read from its end: an agent's stderr may be huge. */
function tail(file: string): string {
  return textSince(file, 0, LOG_TAIL_BYTES);
}

export class Worker {
  private running = new Map<string, { claim: Claim; abort: AbortController; done: Promise<void> }>();
  private stopping: Promise<void> | undefined;
  private stopReason: string | null = null;
  private wake: (() => void) | undefined;
  private lastContact = Date.now();
  private completed = 0;
  private lostClaims = 0;
  private repos = new RepoMutex();
  private loop: Promise<void> | undefined;
  readonly host: string;

  constructor(private o: WorkerOptions) {
    this.host = o.host ?? hostname();
  }

  private log(line: string): void {
    (this.o.log ?? ((l: string) => process.stdout.write(l + '\n')))(line);
  }

  /** Starts the claim loop; resolves when the worker has stopped (by stop() or on its own). */
  run(): Promise<void> {
    this.loop ??= this.claimLoop();
    return this.loop;
  }

  snapshot(): WorkerSnapshot {
    return {
      host: this.host,
      running: [...this.running.values()].map((r) => ({ id: r.claim.id, attempt: r.claim.attempt, builder: r.claim.data.builder })),
      completed: this.completed,
      lostClaims: this.lostClaims,
      stopReason: this.stopReason,
    };
  }

  /** Ends every builder, waits for them; the same promise when called twice. */
  stop(reason = 'stopped'): Promise<void> {
    this.stopping ??= (async () => {
      this.stopReason = reason;
      this.wake?.();
      for (const r of this.running.values()) r.abort.abort(new Error(reason));
      await Promise.allSettled([...this.running.values()].map((r) => r.done));
      await this.loop;
    })();
    return this.stopping;
  }

  private contactLost(e: unknown): void {
    const silentMs = Date.now() - this.lastContact;
    this.log(`WARNING: database unreachable for ${Math.round(silentMs / 1000)} s: ${(e as Error).message ?? e}`);
    if (silentMs > this.o.heartbeatSeconds * 1000) void this.stop('database unreachable for longer than the heartbeat');
  }

  private async claimLoop(): Promise<void> {
    const pollMs = this.o.pollMs ?? 500;
    // A call that hangs (a network partition) reports nothing: the watchdog notices the silence.
    const tickMs = (this.o.heartbeatSeconds * 1000) / 4;
    let lastTick = Date.now();
    const watchdog = setInterval(() => {
      const now = Date.now();
      // We were frozen ourselves (SIGSTOP, a suspended VM): the silence is ours, not the
      // database's. The next heartbeat tells whether our claims survived it.
      if (now - lastTick > 2 * tickMs) this.lastContact = now;
      lastTick = now;
      if (now - this.lastContact > this.o.heartbeatSeconds * 1000) this.contactLost(new Error('no answer'));
    }, tickMs);
    try {
      await this.claimUntilStopped(pollMs);
    } finally {
      clearInterval(watchdog);
    }
  }

  private async claimUntilStopped(pollMs: number): Promise<void> {
    while (!this.stopReason) {
      if (this.running.size < this.o.concurrency) {
        let claim: Claim | undefined;
        try {
          claim = await this.o.queue.claim();
          this.lastContact = Date.now();
        } catch (e) {
          this.contactLost(e);
        }
        if (claim && !this.stopReason) {
          this.start(claim);
          continue; // there may be more
        }
      }
      // A finished job or stop() cuts the wait short; polling is the backstop.
      await new Promise<void>((r) => {
        const t = setTimeout(r, pollMs);
        this.wake = () => {
          clearTimeout(t);
          r();
        };
      });
      this.wake = undefined;
    }
  }

  private start(claim: Claim): void {
    const abort = new AbortController();
    const done = this.work(claim, abort.signal)
      .catch((e) => this.log(`ERROR: job ${claim.id} (builder ${claim.data.builder}): ${(e as Error).message}`))
      .finally(() => {
        this.running.delete(claim.id);
        this.wake?.();
      });
    this.running.set(claim.id, { claim, abort, done });
    const beat = setInterval(() => {
      this.o.queue.heartbeat(claim).then(
        (ours) => {
          this.lastContact = Date.now();
          if (!ours && !abort.signal.aborted) {
            this.lostClaims++;
            this.log(`Job ${claim.id} attempt ${claim.attempt} is no longer ours (cancelled or handed over) - ending builder ${claim.data.builder}`);
            abort.abort(new Error('claim lost'));
          }
        },
        (e) => this.contactLost(e),
      );
    }, (this.o.heartbeatSeconds * 1000) / 2);
    void done.finally(() => clearInterval(beat));
  }

  /** The job as this worker runs it, or why it will not: unsigned, altered, or not allowed here. */
  private admit(claim: Claim): ReturnType<typeof admitJob> {
    const forged = jobSignatureProblem(claim.data, claim.id, this.o.secret);
    return forged ? { ok: false, reason: forged } : admitJob(claim.data, this.o.allow);
  }

  private async work(claim: Claim, signal: AbortSignal): Promise<void> {
    const admitted = this.admit(claim);
    if (!admitted.ok) {
      // Nothing of the job runs, not even git: failed for good, with the reason, for the coordinator to show.
      this.log(`ERROR: refused job ${claim.id} (builder ${JSON.stringify(claim.data?.builder ?? null)}): ${admitted.reason}`);
      await this.o.queue.refuse(claim, `refused by worker ${this.host}: ${admitted.reason}`).catch((e) => this.log(`WARNING: could not fail job ${claim.id}: ${(e as Error).message}`));
      return;
    }
    const d = admitted.job;
    this.log(`Claimed builder ${d.builder} (job ${claim.id}, attempt ${claim.attempt})`);
    await this.o.queue.announce(claim, this.host).catch(() => undefined); // only the status view needs it
    const place = await this.checkOut(claim, d);
    try {
      const run = await runJobBuilder(d, { worktree: place.worktree, scratch: join(place.scratch, 'agent'), logFile: place.logFile, env: this.builderEnv(d, place.scratch), signal });
      if (signal.aborted || run.ending.kind === 'canceled') {
        this.log(`Builder ${d.builder} (job ${claim.id}) ended: ${(signal.reason as Error)?.message ?? 'aborted'}`);
        return; // the attempt is not ours any more (or we are stopping): report nothing
      }
      await this.report(claim, d, place, run.ending, run.wallSeconds);
    } finally {
      await this.repos.run(place.repo, async () => {
        await gitAsync(['worktree', 'remove', '--force', '--', place.worktree], place.repo);
        await gitAsync(['worktree', 'prune'], place.repo);
      });
      rmSync(place.scratch, { recursive: true, force: true });
    }
  }

  /** The attempt's own worktree of the job's base, in this worker's clone of the remote. */
  private async checkOut(claim: Claim, d: Job): Promise<Place> {
    const repo = join(this.o.workdir, 'repos', createHash('sha256').update(d.remote).digest('hex').slice(0, 16));
    const name = `${claim.id}-${claim.attempt}`;
    const place = { repo, worktree: join(this.o.workdir, 'work', name), scratch: join(this.o.workdir, 'scratch', name), logFile: join(this.o.workdir, 'logs', `${name}.log`) };
    for (const dir of [join(this.o.workdir, 'repos'), join(this.o.workdir, 'work'), place.scratch, join(this.o.workdir, 'logs')]) mkdirSync(dir, { recursive: true });
    try {
      await this.repos.run(repo, async () => {
        if (!existsSync(join(repo, '.git'))) await gitOrThrow(['init', '-q', repo], this.o.workdir);
        // The remote, branch and base were checked (admitJob); `--` keeps them operands all the same.
        await gitOrThrow(['fetch', '-q', '--', d.remote, `+${baseRef(d.base)}:${baseRef(d.base)}`], repo, gitRemoteEnv());
        // A fix run merges the gate's commit into the builder's work (agents/merge_fix.ts): it must be here.
        const fix = d.merge_fix?.feedback.base;
        if (fix) await gitOrThrow(['fetch', '-q', '--', d.remote, `+${baseRef(fix)}:${baseRef(fix)}`], repo, gitRemoteEnv());
        await this.dropOldWorktrees(repo, d.branch);
        await gitOrThrow(['worktree', 'add', '-q', '-f', '-B', d.branch, '--', place.worktree, d.base], repo);
      });
    } catch (e) {
      // Not the builder's fault: let the engine hand the job to another attempt.
      await this.o.queue.fail(claim, (e as Error).message).catch(() => undefined);
      throw e;
    }
    return place;
  }

  /** The CI tool may call update_state & co.; on a worker they write a scratch state. */
  private builderEnv(d: Job, scratch: string): NodeJS.ProcessEnv {
    writeFileSync(join(scratch, 'state.json'), '{}\n');
    return {
      ...(this.o.env ?? process.env),
      STATE_FILE: join(scratch, 'state.json'),
      STATE_LOCK: join(scratch, 'state.lock'),
      LOG_DIR: scratch,
      WORKFLOW_LOG: join(scratch, 'workflow.log'),
      ARGO_BUILDER_ID: d.builder,
    };
  }

  /** Pushes the attempt's commit to its own ref and completes the job (or fails it when the push did not go). */
  private async report(claim: Claim, d: Job, place: Place, ending: Finished, wallSeconds: number): Promise<void> {
    const ref = attemptRef(claim.id, claim.attempt);
    const commit = (await gitAsync(['rev-parse', 'HEAD'], place.worktree)).stdout.trim() || null;
    // Attempt-specific ref: a superseded attempt pushing late cannot overwrite the completed one.
    const pushed = commit ? (await gitAsync(['push', '-q', '--', d.remote, `${commit}:${ref}`], place.worktree, gitRemoteEnv())).ok : false;
    if (!pushed) {
      await this.o.queue.fail(claim, `could not push ${ref} to ${d.remote}`);
      this.log(`ERROR: could not push builder ${d.builder} to ${d.remote}`);
      return;
    }
    const result: BuilderResult = {
      exit_code: ending.code,
      ref,
      commit,
      host: this.host,
      attempt: claim.attempt,
      usage: { wall_seconds: Math.round(wallSeconds * 1000) / 1000, ...ending.record.usage },
      timed_out: ending.failed?.failure === 'timeout',
      log_tail: tail(place.logFile),
      ...(ending.failed ? { failure: ending.failed.failure, failure_message: ending.failed.message } : {}),
      ...(ending.limit ? { limit: ending.limit } : {}),
      ...(ending.reply ? { reply: cutReply(ending.reply) } : {}),
    };
    const taken = await this.o.queue.complete(claim, result);
    this.lastContact = Date.now();
    if (taken) this.completed++;
    this.log(
      taken
        ? `Builder ${d.builder} finished (${ending.failed ? ending.failed.failure : `exit status ${ending.code}`}) - pushed ${ref}`
        : `Builder ${d.builder} finished, but attempt ${claim.attempt} of job ${claim.id} was superseded - result ignored`,
    );
  }

  /** Worktrees of an earlier attempt on this worker still holding the branch (a crash). */
  private async dropOldWorktrees(repo: string, branch: string): Promise<void> {
    await gitAsync(['worktree', 'prune'], repo);
    const list = parseWorktreeList((await gitAsync(['worktree', 'list', '--porcelain'], repo)).stdout);
    const ours = join(this.o.workdir, 'work') + '/';
    for (const { path, branch: held } of list) {
      if (held === branch && path.startsWith(ours) && ![...this.running.values()].some((r) => path.endsWith(`${r.claim.id}-${r.claim.attempt}`))) {
        await gitAsync(['worktree', 'remove', '--force', '--', path], repo);
      }
    }
  }
}

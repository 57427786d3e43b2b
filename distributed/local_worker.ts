// The in-process worker of the local back-end: claims the jobs of a LocalQueue and runs
// each at once (how many run at a time is the engine's decision: it enqueues no more than
// limits.max_parallel_builders), settling each claim with the work's result — or failing
// it with the error, so that the queue's retry rule applies here as on PostgreSQL.
import { errorMessage } from '../core/errors.js';
import type { BuilderResult, Claim } from './backend.js';
import type { LocalQueue } from './local_queue.js';

export type ClaimWork = (claim: Claim, signal: AbortSignal) => Promise<BuilderResult>;

export class LocalWorker {
  private readonly inFlight = new Set<Promise<void>>();
  private readonly stopping = new AbortController();
  private readonly loop: Promise<void>;

  constructor(
    private readonly queue: LocalQueue,
    private readonly work: ClaimWork,
  ) {
    this.loop = this.claimLoop();
  }

  private async claimLoop(): Promise<void> {
    while (!this.stopping.signal.aborted) {
      const claim = await this.queue.claim();
      if (!claim) {
        await this.queue.claimable.wait(60_000, this.stopping.signal);
        continue;
      }
      const attempt = this.attempt(claim, this.queue.attemptSignal(claim)).finally(() => this.inFlight.delete(attempt));
      this.inFlight.add(attempt);
    }
  }

  private async attempt(claim: Claim, signal: AbortSignal): Promise<void> {
    try {
      await this.queue.complete(claim, await this.work(claim, signal));
    } catch (e) {
      await this.queue.fail(claim, errorMessage(e));
    }
  }

  /** No further claims; resolves once every attempt in flight has ended (awaited, not polled). */
  async stop(): Promise<void> {
    this.stopping.abort();
    await this.loop;
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }
}

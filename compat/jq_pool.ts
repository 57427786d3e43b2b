// jq filters of the shim helper's callers run here, on worker threads, so one slow
// filter cannot freeze the helper for everybody: each job has a time limit, after
// which its thread is terminated (wasm loops included) and a fresh one takes its place.
import { Worker } from 'node:worker_threads';
import { JqTimeoutError, type JqExecutor } from '../core/jq.js';
import { builtEntry } from '../core/install_root.js';

// The worker's own bundle in dist/ (not a path relative to this module: this code runs
// from a bundle, dist/compat/shim_server.js, or from the sources under vitest).
const WORKER = builtEntry('compat/jq_worker');

export class JqPool {
  private idle: Worker[] = [];
  private running = 0;
  private queue: ((w: Worker) => void)[] = [];
  private live = new Set<Worker>();

  constructor(private readonly size: number, private readonly limitMs: number) {}

  readonly run: JqExecutor = async (input, program, flags, timeoutMs) => {
    const worker = await this.acquire();
    const limit = Math.max(1, Math.min(timeoutMs, this.limitMs));
    return new Promise<string>((ok, fail) => {
      const finish = (keep: boolean) => {
        clearTimeout(timer);
        worker.removeAllListeners('message');
        worker.removeAllListeners('error');
        if (keep) return this.release(worker);
        this.discard(worker);
      };
      const timer = setTimeout(() => {
        finish(false);
        fail(new JqTimeoutError('', Math.round(limit / 100) / 10));
      }, limit);
      worker.once('message', (m: { text?: string; error?: string }) => {
        finish(true);
        if (m.error !== undefined) fail(new Error(m.error));
        else ok(m.text ?? '');
      });
      worker.once('error', (e) => {
        finish(false);
        fail(e);
      });
      worker.postMessage({ input, program, flags });
    });
  };

  /** Ends every thread (the helper is stopping). */
  async stop(): Promise<void> {
    const all = [...this.live];
    this.live.clear();
    this.idle = [];
    await Promise.all(all.map((w) => w.terminate()));
  }

  private acquire(): Promise<Worker> {
    const w = this.idle.pop();
    if (w) {
      this.running++;
      return Promise.resolve(w);
    }
    if (this.running < this.size) {
      this.running++;
      return Promise.resolve(this.spawn());
    }
    return new Promise((r) => this.queue.push(r));
  }

  private spawn(): Worker {
    const w = new Worker(WORKER);
    w.unref(); // an idle pool never keeps the helper alive
    this.live.add(w);
    return w;
  }

  private release(w: Worker): void {
    const next = this.queue.shift();
    if (next) return next(w);
    this.running--;
    this.idle.push(w);
  }

  private discard(w: Worker): void {
    this.live.delete(w);
    void w.terminate();
    const next = this.queue.shift();
    if (next) return next(this.spawn());
    this.running--;
  }
}

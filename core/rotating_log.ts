// An append-only log file rotated by size (log → log.1 → … → log.<keep>), for the
// orchestrator's own output and its handlers'. Every line gets a timestamp and the
// name of who said it, so nothing said ends in /dev/null and a reader can tell whom to blame.
import { appendFileSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { utcTimestamp } from './time.js';

export const ORCHESTRATOR_LOG_MAX_BYTES = 5 * 1024 * 1024;
export const ORCHESTRATOR_LOG_KEEP = 3;

export class RotatingLog {
  private size: number;

  constructor(
    readonly path: string,
    readonly maxBytes = ORCHESTRATOR_LOG_MAX_BYTES,
    readonly keep = ORCHESTRATOR_LOG_KEEP,
  ) {
    try {
      // Its own folder only, never the ones above: a project folder deleted while the
      // orchestrator starts must stay deleted (D21), not come back for a log line.
      mkdirSync(dirname(path));
    } catch {
      /* there already, or its parent is gone; the append below reports nothing either: a log must never take the orchestrator down */
    }
    this.size = this.currentSize();
  }

  private currentSize(): number {
    try {
      return statSync(this.path).size;
    } catch {
      return 0;
    }
  }

  private rotate(): void {
    rmSync(`${this.path}.${this.keep}`, { force: true });
    for (let i = this.keep - 1; i >= 1; i--) {
      try {
        renameSync(`${this.path}.${i}`, `${this.path}.${i + 1}`);
      } catch {
        /* that generation does not exist yet */
      }
    }
    try {
      renameSync(this.path, `${this.path}.1`);
    } catch {
      /* nothing to rotate */
    }
    this.size = 0;
  }

  /** Appends `[TS] [who] line` for every line of `text`. */
  line(who: string, text: string): void {
    const ts = utcTimestamp();
    const out = text
      .split('\n')
      .map((l) => `[${ts}] [${who}] ${l}\n`)
      .join('');
    try {
      if (this.size > 0 && this.size + out.length > this.maxBytes) this.rotate();
      appendFileSync(this.path, out);
      this.size += Buffer.byteLength(out);
    } catch {
      /* the log folder went away (project removed): the orchestrator notices that itself */
    }
  }

  /** A sink for a stream: complete lines are logged, a partial last line waits for its end. */
  sink(who: string): { write(chunk: Buffer | string): void; end(): void } {
    let pending = '';
    return {
      write: (chunk) => {
        pending += chunk.toString();
        const cut = pending.lastIndexOf('\n');
        if (cut < 0) return;
        this.line(who, pending.slice(0, cut));
        pending = pending.slice(cut + 1);
      },
      end: () => {
        if (pending) this.line(who, pending);
        pending = '';
      },
    };
  }
}

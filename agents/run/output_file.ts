// An agent's stdout, written to a file while it ran (so it outlives a handler that
// died meanwhile), read back through the preset's parser line by line: a huge output
// is never held in memory whole, nor is a huge line.
import { closeSync, createReadStream, existsSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { BoundedLines, LINE_CAP } from './bounded_lines.js';
import type { AgentOutcome, OutputParser } from '../presets/contract.js';
import type { LimitClock } from '../presets/limit_signals.js';
import { utcTimestamp } from '../../core/time.js';

export async function parseOutputFile<S>(parser: OutputParser<S>, file: string, exitCode: number, cap = LINE_CAP): Promise<AgentOutcome> {
  let state = parser.init();
  if (existsSync(file)) {
    // Chunks, never whole lines: a line longer than the cap is skimmed (bounded_lines.ts).
    const lines = new BoundedLines((line) => void (state = parser.line(state, line)), cap);
    for await (const chunk of createReadStream(file, { encoding: 'utf8', highWaterMark: 256 * 1024 })) lines.push(chunk as string);
    lines.end();
  }
  return parser.end(state, exitCode, outputClock(file));
}

/**
 * The clock a stated reset time ("try again in 20s", "resets 10am") is resolved against:
 * when the agent last wrote its output (also right for an output read back after a crash),
 * in our zone, which the agent inherited. The zone is looked up only when a clock time needs
 * it: the first Intl call loads ICU's time-zone data, ≈ 20 ms of CPU every handler paid.
 */
export function outputClock(file: string, zone?: string): LimitClock {
  let at: Date;
  try {
    at = statSync(file).mtime;
  } catch {
    at = new Date();
  }
  return {
    now: utcTimestamp(at),
    get timeZone() {
      return zone ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
    },
  };
}

/** The size of a file now (0 when it does not exist). */
export function sizeOf(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

/** At most the last `max` bytes a file gained after offset `from` (a run's stderr in the builder log). */
export function textSince(file: string, from: number, max: number): string {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return '';
  }
  try {
    const end = fstatSync(fd).size;
    const start = Math.max(from, end - max);
    if (end <= start) return '';
    const buf = Buffer.alloc(end - start);
    const n = readSync(fd, buf, 0, buf.length, start);
    return buf.subarray(0, n).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

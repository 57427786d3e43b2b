// An agent's stdout, written to a file while it ran (so it outlives a handler that
// died meanwhile), read back through the preset's parser line by line: a huge output
// is never held in memory whole.
import { closeSync, createReadStream, existsSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { AgentOutcome, OutputParser } from './contract.js';

export async function parseOutputFile<S>(parser: OutputParser<S>, file: string, exitCode: number): Promise<AgentOutcome> {
  let state = parser.init();
  if (existsSync(file)) {
    const lines = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
    for await (const line of lines) state = parser.line(state, line);
  }
  return parser.end(state, exitCode);
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

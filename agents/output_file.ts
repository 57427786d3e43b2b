// An agent's stdout, written to a file while it ran (so it outlives a handler that
// died meanwhile), read back through the preset's parser line by line: a huge output
// is never held in memory whole.
import { createReadStream, existsSync } from 'node:fs';
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

import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ArgoError, errorMessage } from './errors.js';

export type Main = (argv: string[]) => Promise<number>;

/**
 * Runs `main` when this module is the process entry (node dist/x.js …, usually via
 * the x.sh shim), and sets the exit code. Unexpected errors become one ERROR line.
 */
export function runIfEntry(importMetaUrl: string, main: Main): void {
  const entry = process.argv[1];
  if (!entry) return;
  let self: string;
  let started: string;
  try {
    self = realpathSync(fileURLToPath(importMetaUrl));
    started = realpathSync(entry);
  } catch {
    return;
  }
  if (self !== started) return;
  main(process.argv.slice(2)).then(
    (code) => { process.exitCode = code; },
    (e: unknown) => {
      process.stderr.write(`ERROR: ${errorMessage(e)}\n`);
      process.exitCode = e instanceof ArgoError ? e.exitCode : 1;
    },
  );
}

/** The name the user typed for this program ($0 of the shim, kept by `exec -a`). */
export function programName(): string {
  return process.argv0;
}

/** One line to stdout / stderr, as the handlers and commands print them. */
export const say = (line = '') => void process.stdout.write(line + '\n');
export const complain = (line: string) => void process.stderr.write(line + '\n');

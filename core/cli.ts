import { realpathSync } from 'node:fs';
import { join } from 'node:path';
import { ArgoError, errorMessage } from './errors.js';
import { builtEntry, packageRoot } from './install_root.js';

export type Main = (argv: string[]) => Promise<number>;

/**
 * Is `started` (the real path of the file node was started with) the entry point `name`
 * of the install at `root`: its build `<root>/dist/<name>.js`, or its source
 * `<root>/<name>.ts` run through tsx? By name, not by `import.meta.url`: every entry in
 * dist/ is a bundle, and all the modules bundled into one file share its URL, so a URL
 * test would run the main of every entry module a bundle holds (compat/argo.js, a copy
 * of a bundle under another name …), not just its own.
 */
export function isEntry(name: string, started: string, root: string): boolean {
  return root !== '' && (started === builtEntry(name, root) || started === join(root, `${name}.ts`));
}

/**
 * Runs `main` when the process was started with the entry point `name` (its path under
 * the install without extension, e.g. 'phases/execution'; node dist/phases/execution.js …,
 * usually via the .sh shim), and sets the exit code. Unexpected errors become one ERROR line.
 */
export function runIfEntry(name: string, main: Main): void {
  // The former convention was runIfEntry(import.meta.url, main): such a call would never run.
  if (!/^[\w-]+(\/[\w-]+)*$/.test(name)) throw new Error(`runIfEntry('${name}'): name the entry by its path under the install, without extension (e.g. 'phases/execution')`);
  const entry = process.argv[1];
  if (!entry) return;
  let started: string;
  try {
    started = realpathSync(entry);
  } catch {
    return;
  }
  if (!isEntry(name, started, packageRoot())) return;
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

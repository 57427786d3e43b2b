// argo logs [builder-id|--orchestrator] [project_path] [-f]: the workflow log, a
// builder's log or the orchestrator's, followed live with -f (fs.watch + a slow poll;
// a file that shrank was rotated or truncated and is read again from its start).
import { closeSync, fstatSync, openSync, readSync, watch } from 'node:fs';
import { dirname, join } from 'node:path';
import { runIfEntry } from '../core/cli.js';
import { errorMessage } from '../core/errors.js';
import { builderLogFile, projectLogPaths } from '../store/logs.js';
import { isProject, projectArg } from '../store/project_arg.js';
import { tailLines } from './read.js';
import { onTermination } from '../core/termination.js';

const INITIAL_LINES = 50;

interface Args {
  follow: boolean;
  builder?: string;
  orchestrator: boolean;
  path?: string;
}

function parse(argv: string[]): Args | string {
  const a: Args = { follow: false, orchestrator: false };
  const rest: string[] = [];
  for (const x of argv) {
    if (x === '-f' || x === '--follow') a.follow = true;
    else if (x === '--orchestrator') a.orchestrator = true;
    else if (x.startsWith('-')) return `unknown option: ${x} (expected -f, --orchestrator)`;
    else rest.push(x);
  }
  if (rest.length > 2) return `too many arguments: ${rest.join(' ')}`;
  if (rest.length === 2) [a.builder, a.path] = rest;
  else if (rest.length === 1) {
    // One argument: a project folder if it is one, else a builder id of the current project.
    if (isProject(rest[0]!)) a.path = rest[0];
    else a.builder = rest[0];
  }
  if (a.builder && a.orchestrator) return 'a builder id and --orchestrator exclude each other';
  return a;
}

/** Prints what `file` gains from `offset` on, until `signal` aborts. */
export function followFile(file: string, offset: number, write: (s: string) => void, signal: AbortSignal): Promise<void> {
  let pos = offset;
  const readMore = () => {
    let fd: number;
    try {
      fd = openSync(file, 'r');
    } catch {
      return; // not there (yet, or between rotation steps)
    }
    try {
      const size = fstatSync(fd).size;
      if (size < pos) pos = 0; // rotated or truncated
      if (size === pos) return;
      const buf = Buffer.alloc(size - pos);
      readSync(fd, buf, 0, buf.length, pos);
      pos = size;
      write(buf.toString('utf8'));
    } finally {
      closeSync(fd);
    }
  };
  return new Promise((done) => {
    let w: ReturnType<typeof watch> | undefined;
    try {
      w = watch(dirname(file), readMore);
      w.on('error', () => undefined);
    } catch {
      /* the poll still follows it */
    }
    const poll = setInterval(readMore, 1000);
    readMore();
    signal.addEventListener(
      'abort',
      () => {
        w?.close();
        clearInterval(poll);
        done();
      },
      { once: true },
    );
  });
}

export async function main(argv: string[]): Promise<number> {
  const a = parse(argv);
  if (typeof a === 'string') {
    process.stderr.write(`ERROR: ${a}\nUsage: argo logs [builder-id|--orchestrator] [project_path] [-f]\n`);
    return 2;
  }
  const project = projectArg(a.path);
  if (!project) return 1;
  const logs = projectLogPaths(project);
  let file: string;
  try {
    file = a.orchestrator ? join(logs.logDir, 'orchestrator.log') : a.builder ? builderLogFile(logs, a.builder) : logs.workflowLog;
  } catch (e) {
    process.stderr.write(`ERROR: ${errorMessage(e)}\n`);
    return 1;
  }
  const lines = tailLines(file, INITIAL_LINES, 1024 * 1024);
  if (!a.follow) {
    if (lines.length === 0 && a.builder) {
      process.stderr.write(`ERROR: no log for builder '${a.builder}': ${file}\n`);
      return 1;
    }
    process.stdout.write(lines.map((l) => l + '\n').join(''));
    return 0;
  }
  process.stdout.write(lines.map((l) => l + '\n').join(''));
  let size = 0;
  try {
    const fd = openSync(file, 'r');
    size = fstatSync(fd).size;
    closeSync(fd);
  } catch {
    /* not written yet: follow from its start */
  }
  const term = onTermination();
  await followFile(file, size, (s) => process.stdout.write(s), term.signal);
  term.dispose();
  return 0;
}

runIfEntry('view/logs', main);

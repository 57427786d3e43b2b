// argo diff [project_path] [builder-id] [--stat]: a builder's changes against the base it
// started from (view/builder_diff.ts decides which commits); without an id, every
// builder's --stat under a heading. git writes straight to our stdout: a large diff is
// never held in memory. Reads only.
import { spawnSync } from 'node:child_process';
import { runIfEntry } from '../core/cli.js';
import { errorMessage } from '../core/errors.js';
import { readBuilders, type BuilderRecord } from '../store/builders.js';
import { isProject, projectArg } from '../store/project_arg.js';
import { diffArgs, diffRange, diffSource } from './builder_diff.js';
import { readStatePlain } from './read.js';

interface Args {
  stat: boolean;
  path?: string;
  builder?: string;
}

export function parseDiffArgs(argv: string[]): Args | string {
  const a: Args = { stat: false };
  const rest: string[] = [];
  for (const x of argv) {
    if (x === '--stat') a.stat = true;
    else if (x.startsWith('-')) return `unknown option: ${x} (accepted: --stat)`;
    else rest.push(x);
  }
  if (rest.length > 2) return `too many arguments: ${rest.join(' ')} (accepted: [project_path] [builder-id])`;
  if (rest.length === 2) [a.path, a.builder] = rest;
  // One argument: a project folder if it is one, else a builder id of the current project.
  else if (rest.length === 1) (isProject(rest[0]!) ? (a.path = rest[0]) : (a.builder = rest[0]));
  return a;
}

/** One builder's diff (or stat) onto stdout; an ERROR line and false when it cannot be shown. */
function showOne(repo: string, b: BuilderRecord, stat: boolean): boolean {
  const source = diffSource(b);
  if ('error' in source) {
    process.stderr.write(`ERROR: ${source.error}\n`);
    return false;
  }
  const range = diffRange(repo, source);
  if ('problem' in range) {
    process.stderr.write(`ERROR: builder '${b.id}': ${range.problem}\n`);
    return false;
  }
  process.stdout.write(`# ${b.id}: ${range.what}\n`);
  const r = spawnSync('git', diffArgs(range.from, range.to, stat ? 'stat' : 'patch'), { cwd: repo, stdio: ['ignore', 'inherit', 'pipe'], encoding: 'utf8' });
  if (r.status === 0) return true;
  process.stderr.write(`ERROR: builder '${b.id}': git diff failed: ${(r.stderr ?? '').trim().split('\n')[0] ?? r.error?.message ?? ''}\n`);
  return false;
}

export async function main(argv: string[]): Promise<number> {
  const a = parseDiffArgs(argv);
  if (typeof a === 'string') {
    process.stderr.write(`ERROR: ${a}\n`);
    return 2;
  }
  const project = projectArg(a.path);
  if (!project) return 1;
  let builders: BuilderRecord[];
  try {
    builders = readBuilders(readStatePlain(project));
  } catch (e) {
    process.stderr.write(`ERROR: ${errorMessage(e)}\n`);
    return 1;
  }
  if (a.builder !== undefined) {
    const b = builders.find((x) => x.id === a.builder);
    if (!b) {
      process.stderr.write(`ERROR: builder-id '${a.builder}' names no builder (builders: ${builders.map((x) => x.id).join(', ') || 'none'})\n`);
      return 1;
    }
    return showOne(project, b, a.stat) ? 0 : 1;
  }
  if (builders.length === 0) {
    process.stdout.write('No builders yet.\n');
    return 0;
  }
  let ok = true;
  for (const b of builders) ok = showOne(project, b, true) && ok;
  return ok ? 0 : 1;
}

runIfEntry('view/diff', main);

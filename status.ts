// status: where a workflow is. The original block first (COMPAT §5.3, unchanged), then
// what the view model adds: builders, merge, errors, the next step, totals.
// `--json` prints the view model; `--watch` follows every change.
import { existsSync, readFileSync } from 'node:fs';
import { runIfEntry } from './core/cli.js';
import { errorMessage } from './core/errors.js';
import { processCtx, type Ctx, type Env } from './core/context.js';
import { installRoot } from './core/install_root.js';
import { orchestratorProof } from './store/processes.js';
import { isDir, resolveProjectDir } from './store/project_dir.js';
import { argoCommand } from './view/argo_command.js';
import type { View } from './view/model.js';
import { readView } from './view/read.js';
import { paintFor, statusText, summaryLine } from './view/text.js';
import { watchProject } from './store/watch.js';
import { onTermination } from './core/termination.js';
import { argoPaths } from './store/layout.js';

export function orchestratorState(pidFile: string, project: string): string {
  if (!existsSync(pidFile)) return 'Not running';
  let text = '';
  try {
    text = readFileSync(pidFile, 'utf8');
  } catch {
    return 'Not running';
  }
  // Running only when the pid is proven to be this project's orchestrator (a reused pid is not).
  const proof = orchestratorProof(text, project);
  if (proof.ours) return `Running (PID ${proof.info.pid})`;
  return proof.reason.endsWith('is not running') ? 'Not running (stale PID file)' : `Not running (stale PID file; ${proof.reason})`;
}

/**
 * The view of `project`, with the orchestrator's liveness as status has always judged it.
 * The workflow log's tail is read only for `--json` (the text does not show it); each
 * builder's merge diff is read (proven, cut: view/merge_diff.ts) — `--json` shows its text,
 * the text its size or why it is not shown.
 */
export function projectView(project: string, json = true, env?: Env): View {
  const text = orchestratorState(argoPaths(project).orchestratorPid, project);
  // The shim's ARGO_ROOT names the install in hints (the shim helper passes its caller's).
  const argo = env ? argoCommand(installRoot(env)) : argoCommand();
  return readView(project, { argo, env, alive: () => text.startsWith('Running'), orchestratorText: text, mergeDiffs: true, ...(json ? {} : { logLines: 0 }) });
}

interface Options {
  json: boolean;
  watch: boolean;
  path: string;
}

function parseArgs(argv: string[]): Options | string {
  const o: Options = { json: false, watch: false, path: '.' };
  const rest: string[] = [];
  for (const a of argv) {
    if (a === '--json') o.json = true;
    else if (a === '--watch' || a === '-w') o.watch = true;
    else if (a.startsWith('--')) return `unknown option: ${a} (expected --json, --watch)`;
    else rest.push(a);
  }
  if (rest.length > 1) return `one project path expected, got: ${rest.join(' ')}`;
  o.path = rest[0] ?? '.';
  return o;
}

function render(v: View, json: boolean, tty: boolean, env: Env = process.env): string {
  if (json) return JSON.stringify(v, null, tty ? 2 : undefined) + '\n';
  return statusText(v, paintFor(tty, env));
}

/** Until SIGINT/SIGTERM: redraw on a terminal, one line (or JSON document) per change otherwise. */
async function follow(project: string, o: Options): Promise<number> {
  const tty = Boolean(process.stdout.isTTY);
  let last = '';
  const show = () => {
    let v: View;
    try {
      v = projectView(project, o.json);
    } catch {
      return; // being rewritten or gone for a moment: the next change shows it
    }
    if (tty && !o.json) {
      const text = render(v, false, true);
      if (text === last) return;
      last = text;
      process.stdout.write('\x1b[H\x1b[2J' + text);
      return;
    }
    const key = o.json ? JSON.stringify({ ...v, builders: v.builders.map((b) => ({ ...b, elapsed_seconds: null })) }) : summaryLine(v, '');
    if (key === last) return;
    last = key;
    process.stdout.write(o.json ? JSON.stringify(v) + '\n' : summaryLine(v, new Date().toISOString()) + '\n');
  };
  const term = onTermination();
  const close = watchProject(project, show);
  show();
  await new Promise((stopped) => term.signal.addEventListener('abort', stopped, { once: true }));
  close();
  term.dispose();
  return 0;
}

export async function main(argv: string[]): Promise<number> {
  return statusFor(argv, processCtx(), { tty: Boolean(process.stdout.isTTY), canFollow: true });
}

/**
 * status for a caller whose stdout is not a terminal and who does not follow (`--watch`):
 * what the shim helper runs (status.sh decides in bash, where it sees the terminal).
 */
export async function statusForCaller(argv: string[], ctx: Ctx): Promise<number> {
  return statusFor(argv, ctx, { tty: false, canFollow: false });
}

/**
 * status once, or following (`--watch`: only where this process's stdout is the caller's);
 * `tty`: the caller's stdout is a terminal.
 */
async function statusFor(argv: string[], ctx: Ctx, { tty, canFollow }: { tty: boolean; canFollow: boolean }): Promise<number> {
  const o = parseArgs(argv);
  if (typeof o === 'string') {
    ctx.err(`ERROR: ${o}\n`);
    return 2;
  }
  const project = resolveProjectDir(o.path, ctx);
  if (!project) {
    ctx.err(`ERROR: Invalid project path: ${o.path}\n`);
    return 1;
  }
  if (!isDir(argoPaths(project).dir)) {
    ctx.err(`ERROR: .argo-project directory not found in ${project}\nRun templates/project_setup.sh first\n`);
    return 1;
  }
  if (o.watch) {
    if (!canFollow) {
      ctx.err('ERROR: --watch follows changes on its own terminal: run status.sh --watch itself, not through the shim helper\n');
      return 2;
    }
    return follow(project, o);
  }
  let v: View;
  try {
    v = projectView(project, o.json, ctx.env);
  } catch (e) {
    // D24: one clear error and a failing exit instead of six errors and 0.
    const file = argoPaths(project).state;
    const missing = (e as NodeJS.ErrnoException).code === 'ENOENT';
    ctx.err(`ERROR: ${missing ? `state file not found: ${file}` : errorMessage(e)}\n`);
    return 1;
  }
  ctx.out(render(v, o.json, tty, ctx.env));
  return 0;
}

runIfEntry('status', main);

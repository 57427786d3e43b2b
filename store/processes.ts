// The proofs that a pid read from a file or from state is ours before anything signals
// it (a reused or forged pid must never be signalled: `kill(-1)` ends every process of
// the user): our orchestrator, our builder's group, a process of our builder's run.
// The platform part (/proc, groups, signals) is core/proc.ts, re-exported here.
import { readFileSync, realpathSync } from 'node:fs';
import { isAbsolute, resolve, sep } from 'node:path';
import { argoPaths } from './layout.js';
import { ProcInfo, START_SLACK_MS, bootTimeMs, parsePid, procInfo, procPids, procStartMs, procUid, readProc, selfAndAncestors } from '../core/proc.js';

function real(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return resolve(p);
  }
}

const isOrchestratorProgram = (arg: string) =>
  arg === 'orchestrator.sh' || arg.endsWith('/orchestrator.sh') || arg.endsWith(`${sep}dist${sep}orchestrator.js`) || arg === 'dist/orchestrator.js';

/**
 * Pure: do these command-line arguments (and cwd) run our orchestrator for
 * `project` (a real path)? Our orchestrator is `node …/dist/orchestrator.js <project>`
 * (argv[0] may be the shim's name) or the shim `bash …/orchestrator.sh <project>`
 * still starting; the project argument, resolved against the process's cwd, is P.
 */
export function isOrchestratorOf(args: string[], cwd: string | undefined, project: string, realOf: (p: string) => string = real): boolean {
  for (let i = 0; i < args.length - 1; i++) {
    let at = i + 1;
    // `argo orchestrator P` runs it in the argo CLI's process
    if (args[i]!.endsWith(`${sep}dist${sep}compat${sep}argo.js`) && args[i + 1] === 'orchestrator') at = i + 2;
    else if (!isOrchestratorProgram(args[i]!)) continue;
    const arg = args[at];
    if (arg === undefined) return false;
    if (isOrchestratorProgram(arg)) continue; // `orchestrator.sh …/dist/orchestrator.js P`: look further
    if (isAbsolute(arg)) return realOf(arg) === project;
    if (cwd === undefined) return false;
    // relative: against the cwd it started in, or — once it has entered its project — the cwd is P
    return realOf(resolve(cwd, arg)) === project || realOf(cwd) === project;
  }
  return false;
}

/** The folder every builder of `project` (a real path) runs in. */
export function buildersDir(project: string): string {
  return argoPaths(project).builders;
}

/**
 * Pure: is this our builder wrapper (`bash -c … argo-builder …`) running in one of
 * `project`'s builder worktrees? Returns the builder id (its worktree folder name).
 */
export function builderIdOf(args: string[], cwd: string | undefined, project: string): string | undefined {
  if (!args.includes('argo-builder') || cwd === undefined) return undefined;
  const base = buildersDir(project) + sep;
  if (!cwd.startsWith(base)) return undefined;
  const id = cwd.slice(base.length).split(sep)[0];
  return id || undefined;
}

/** A proof that a pid is ours, or why it is not (said to the user, never signalled). */
export type Proof = { ours: true; info: ProcInfo } | { ours: false; reason: string };

function notOurs(info: ProcInfo): Proof {
  return { ours: false, reason: `not ours: PID ${info.pid} runs ${info.comm}` };
}

/** Is `pidText` (as read) our orchestrator for `project`? */
export function orchestratorProof(pidText: unknown, project: string): Proof {
  const pid = parsePid(pidText);
  if (pid === undefined) return { ours: false, reason: `invalid PID ${JSON.stringify(String(pidText ?? '').trim())}` };
  const info = procInfo(pid);
  if (!info) return { ours: false, reason: `PID ${pid} is not running` };
  return isOrchestratorOf(info.args, info.cwd, real(project)) ? { ours: true, info } : notOurs(info);
}

/** Is `pidText` the process group of one of `project`'s builders (its leader)? */
export function builderGroupProof(pidText: unknown, project: string): Proof {
  const pid = parsePid(pidText);
  if (pid === undefined) return { ours: false, reason: `invalid PID ${JSON.stringify(String(pidText ?? '').trim())}` };
  const info = procInfo(pid);
  if (!info) return { ours: false, reason: `PID ${pid} is not running` };
  if (builderIdOf(info.args, info.cwd, real(project)) === undefined) return notOurs(info);
  if (info.pgid !== pid) return { ours: false, reason: `PID ${pid} is not a process group leader (group ${info.pgid ?? '?'})` };
  return { ours: true, info };
}

/** Every running process proven to be an orchestrator or a builder of `project` (a /proc scan). */
export function projectProcesses(project: string): { orchestrators: number[]; builders: { id: string; pid: number }[] } {
  const p = real(project);
  const orchestrators: number[] = [];
  const builders: { id: string; pid: number }[] = [];
  for (const pid of procPids() ?? []) {
    if (parsePid(pid) === undefined || pid === process.pid) continue;
    const args = (readProc(pid, 'cmdline') ?? '').split('\0');
    const maybeOrch = args.some(isOrchestratorProgram);
    if (!maybeOrch && !args.includes('argo-builder')) continue;
    const info = procInfo(pid);
    if (!info) continue;
    if (maybeOrch && isOrchestratorOf(info.args, info.cwd, p)) orchestrators.push(pid);
    const id = builderIdOf(info.args, info.cwd, p);
    // only the wrapper (the group leader): what a builder started runs in its group
    if (id !== undefined && info.pgid === pid) builders.push({ id, pid });
  }
  return { orchestrators, builders };
}

/** The pid of this project's orchestrator, when its pid file names one proven to be it. */
export function runningOrchestrator(project: string): number | undefined {
  try {
    const proof = orchestratorProof(readFileSync(argoPaths(project).orchestratorPid, 'utf8'), project);
    return proof.ours ? proof.info.pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * This project's orchestrator and builders that still run (each proven ours: the
 * pid file's pid and a /proc scan), as one phrase for a refusal; '' when none.
 */
export function runningWorkflow(project: string): string {
  const orchestrators = new Set<number>();
  const named = runningOrchestrator(project);
  if (named !== undefined) orchestrators.add(named);
  const found = projectProcesses(project);
  for (const pid of found.orchestrators) orchestrators.add(pid);
  const parts = [...orchestrators].map((pid) => `orchestrator PID ${pid}`);
  const builders = found.builders.map((b) => `${b.id} (PID ${b.pid})`);
  if (builders.length > 0) parts.push(`builder${builders.length > 1 ? 's' : ''} ${builders.join(', ')}`);
  return parts.join('; ');
}

// ---------------------------------------------------------------- run tokens
// A builder's processes carry ARGO_RUN_TOKEN=<token> in their environment, whatever
// group or session they moved to (setsid); store/sweep.ts ends them by that mark.

/** The environment variable that marks every process a builder run started. */
export const RUN_TOKEN_VAR = 'ARGO_RUN_TOKEN';

/** A run token: `<epoch ms of the run's start>-<32 hex>` (the start travels with the token). */
const RUN_TOKEN_RE = /^([0-9]{13})-[0-9a-f]{32}$/;

/** The run's start (epoch ms) of a well-formed token, else undefined (state is data: refused when malformed). */
export function runTokenSince(token: unknown): number | undefined {
  const m = typeof token === 'string' ? RUN_TOKEN_RE.exec(token) : null;
  return m ? Number(m[1]) : undefined;
}

/** Pure: does a NUL-separated environment hold exactly `ARGO_RUN_TOKEN=<token>`? (A longer or shorter token is not it.) */
export function environHasToken(environ: string, token: string): boolean {
  const entry = `${RUN_TOKEN_VAR}=${token}`;
  return environ.split('\0').includes(entry);
}

/**
 * Is `pidText` a process of the builder run `token`? Its environment holds the token,
 * it runs as our uid, it started after the run began, it is not us nor an ancestor,
 * and its pid is > 1. Cheap refusals first (a sweep asks this of every process).
 */
export function runTokenProof(pidText: unknown, token: string, exclude: Set<number> = selfAndAncestors(), boot = bootTimeMs()): Proof {
  const pid = parsePid(pidText);
  if (pid === undefined) return { ours: false, reason: `invalid PID ${JSON.stringify(String(pidText ?? '').trim())}` };
  const since = runTokenSince(token);
  if (since === undefined) return { ours: false, reason: `invalid run token ${JSON.stringify(token)}` };
  if (exclude.has(pid)) return { ours: false, reason: `PID ${pid} is this process or its ancestor` };
  const environ = readProc(pid, 'environ');
  if (environ === undefined || !environHasToken(environ, token)) return { ours: false, reason: `PID ${pid} does not carry the run token` };
  const uid = procUid(pid);
  if (uid === undefined || uid !== process.getuid?.()) return { ours: false, reason: `PID ${pid} runs as another user` };
  const started = procStartMs(pid, boot);
  if (started === undefined || started < since - START_SLACK_MS) return { ours: false, reason: `PID ${pid} started before the run` };
  const info = procInfo(pid);
  if (!info) return { ours: false, reason: `PID ${pid} is not running` };
  return { ours: true, info };
}

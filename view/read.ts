// The I/O half of the view: reads one project's state, pid file and log tails into a
// ViewInput and hands it to the pure buildView. Nothing here decides what is shown.
import { closeSync, fstatSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { parseJson, toPlain } from '../core/json_doc.js';
import { builderLogFile, projectLogPaths } from '../store/logs.js';
import { builderGroupProof, orchestratorProof } from '../store/processes.js';
import { parsePid } from '../core/proc.js';
import { projectConfig } from '../store/config_object.js';
import { buildView, type View, type ViewInput } from './model.js';
import { argoPaths } from '../store/layout.js';
import { mergeDiffsOf } from './merge_diff.js';

/** The last `lines` lines of a file (reads at most its last `maxBytes`); [] when missing. */
export function tailLines(file: string, lines: number, maxBytes = 64 * 1024): string[] {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return [];
  }
  try {
    const size = fstatSync(fd).size;
    const start = Math.max(0, size - maxBytes);
    const buf = Buffer.alloc(size - start);
    readSync(fd, buf, 0, buf.length, start);
    let all = buf.toString('utf8').split('\n');
    if (start > 0) all = all.slice(1); // the first line was cut
    while (all.length && all[all.length - 1] === '') all.pop();
    return all.slice(-lines);
  } finally {
    closeSync(fd);
  }
}

export function readPidFile(file: string): { pidFile: boolean; pid: number | null } {
  try {
    return { pidFile: true, pid: parsePid(readFileSync(file, 'utf8')) ?? null };
  } catch {
    return { pidFile: false, pid: null };
  }
}

/** Is `pid` this project's orchestrator (proven, not just alive)? The one place that judges it for every view. */
export function orchestratorAlive(pid: number, project: string): boolean {
  return orchestratorProof(String(pid), project).ours;
}

export interface ReadOptions {
  logLines?: number;
  argo?: string;
  now?: number;
  alive?: (pid: number, project: string) => boolean;
  /** The orchestrator line as status prints it, when the caller has it. */
  orchestratorText?: string;
  /** Read each builder's last log line (default true); the notifier reads one only for an event that shows it. */
  builderLogs?: boolean;
  /** Read each builder's merge diff, proven and cut (view/merge_diff.ts; default false: `argo status` asks). */
  mergeDiffs?: boolean;
  /** Whose environment finds the user's templates (default: this process's; the shim helper passes its caller's). */
  env?: NodeJS.ProcessEnv;
}

/** The last line of a builder's log, or null (no log, or an id that cannot be a file name). */
export function lastBuilderLogLine(project: string, id: string): string | null {
  try {
    return tailLines(builderLogFile(projectLogPaths(project), id), 1, 8 * 1024)[0] ?? null;
  } catch {
    return null;
  }
}

/** The state document of a project, parsed (throws an error naming the file). */
export function readStatePlain(project: string): Record<string, unknown> {
  const file = argoPaths(project).state;
  const doc = toPlain(parseJson(readFileSync(file, 'utf8'), file));
  return typeof doc === 'object' && doc !== null && !Array.isArray(doc) ? (doc as Record<string, unknown>) : {};
}

export function gatherInput(project: string, state: Record<string, unknown>, opts: ReadOptions = {}): ViewInput {
  const logs = projectLogPaths(project);
  const pid = readPidFile(argoPaths(project).orchestratorPid);
  const alive = opts.alive ?? orchestratorAlive;
  const orchestratorRuns = pid.pid !== null && alive(pid.pid, project);
  const builderLogs: Record<string, string> = {};
  const builderLogTimes: Record<string, number> = {};
  const builderAlive: Record<string, boolean> = {};
  const list = (state.execution as { builders?: unknown } | null)?.builders;
  for (const b of Array.isArray(list) ? list : []) {
    const id = String((b as { id?: unknown })?.id ?? 'null');
    const recorded = (b ?? {}) as { status?: unknown; pid?: unknown };
    try {
      const file = builderLogFile(logs, id);
      const last = opts.builderLogs === false ? undefined : tailLines(file, 1, 8 * 1024)[0];
      if (last !== undefined) builderLogs[id] = last;
      if (recorded.status === 'running') builderLogTimes[id] = statSync(file).mtimeMs;
    } catch {
      /* an id that cannot be a file name has no log */
    }
    // Only when no orchestrator runs: is this running builder's own process still there?
    if (!orchestratorRuns && recorded.status === 'running' && recorded.pid != null) builderAlive[id] = builderGroupProof(recorded.pid, project).ours;
  }
  const { config, configError } = projectConfig(project, opts.env);
  return {
    path: project,
    state,
    config,
    configError,
    builderAlive,
    builderLogTimes,
    orchestrator: { ...pid, alive: orchestratorRuns, ...(opts.orchestratorText !== undefined ? { text: opts.orchestratorText } : {}) },
    // 0 lines: the file is not read (slice(-0) would keep every line).
    workflowLog: (opts.logLines ?? 20) > 0 ? tailLines(logs.workflowLog, opts.logLines ?? 20) : [],
    builderLogs,
    ...(opts.mergeDiffs ? { mergeDiffs: mergeDiffsOf(project, state) } : {}),
    now: opts.now ?? Date.now(),
    argo: opts.argo ?? 'argo',
  };
}

/** The view of a project on disk (throws when its state file is missing or invalid). */
export function readView(project: string, opts: ReadOptions = {}): View {
  return buildView(gatherInput(project, readStatePlain(project), opts));
}

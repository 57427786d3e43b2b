// How `argo run` ends: a cancelled or unfinished workflow is stopped (stop_workflow: the
// orchestrator and its builders, proven ours), so nothing of it outlives the CI job; the
// report is built from the state it ended in, published when asked (cicd/publish.ts, a
// module of its own), written as --report JSON and --junit XML; the exit code said.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { signalStatus } from '../core/proc.js';
import { errorMessage } from '../core/errors.js';
import { git } from '../core/git.js';
import { projectConfig } from '../store/config_object.js';
import { argoPaths } from '../store/layout.js';
import { builderLogFile, projectLogPaths } from '../store/logs.js';
import { tailLines, readView } from '../view/read.js';
import type { View } from '../view/model.js';
import { verifyCommand } from '../agents/verify.js';
import { readMergeSettings } from '../merge/settings.js';
import type { FollowEnd } from './follow.js';
import { junitXml } from './junit.js';
import { RUN_EXIT, type RunReport, type RunStatus } from './report.js';
import { buildRunReport, resultLine } from './run_report.js';
import type { RunArgs } from './run_args.js';
import { linesOf, stopWorkflow } from './steps.js';
import { publishAfterRun } from './publish_call.js';

export interface RunEnd {
  args: RunArgs;
  project: string;
  branch: string;
  started: string;
  end: FollowEnd;
  /** The signal that cancelled the run, null when none did. */
  signal: NodeJS.Signals | null;
  say: (line: string) => void;
  complain: (line: string) => void;
}

/** The run as one shell line (each word quoted when it needs it). */
export function rerunLine(args: RunArgs, project: string, branch: string): string {
  const q = (s: string) => (/^[A-Za-z0-9_./:=@%+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);
  const words = ['argo', 'run', args.query, project, '--approve', args.approve, '--max-components', String(args.maxComponents), '--branch', branch];
  if (args.template) words.push('--template', args.template);
  return words.map(q).join(' ');
}

/** A file's last `lines` lines, only when it lies under the project's logs folder (a path from state is data). */
function logTail(project: string, file: string | null, lines = 40): string | null {
  if (!file) return null;
  const logs = argoPaths(project).logs;
  const path = resolve(project, file);
  const rel = relative(logs, path);
  if (rel.startsWith('..') || isAbsolute(rel)) return null;
  return tailLines(path, lines).join('\n');
}

/** What the edge reads for the report: the gate's output tails and each merged builder's diff stat. */
function edgeReads(project: string, v: View): { gateTails: Record<string, string>; diffstats: Record<string, string>; logTails: Record<string, string> } {
  const gateTails: Record<string, string> = {};
  const diffstats: Record<string, string> = {};
  const logTails: Record<string, string> = {};
  for (const b of v.builders) {
    try {
      logTails[b.id] = tailLines(builderLogFile(projectLogPaths(project), b.id), 60).join('\n');
    } catch {
      /* no log, or an id that cannot be a file name */
    }
    const tail = logTail(project, b.merge_detail?.output ?? null);
    if (tail !== null) gateTails[b.id] = tail;
    const commit = b.merge_detail?.commit;
    if (commit && /^[0-9a-f]{7,64}$/.test(commit)) {
      const r = git(['diff', '--shortstat', `${commit}^1`, commit, '--'], project);
      if (r.ok && r.stdout.trim()) diffstats[b.id] = r.stdout.trim();
    }
  }
  return { gateTails, diffstats, logTails };
}

/** The report of the workflow as it ended. */
export function reportOf(r: RunEnd, status: RunStatus, reason: string): RunReport {
  const v = readView(r.project, { builderLogs: false });
  const { config } = projectConfig(r.project);
  const settings = readMergeSettings(config);
  const template = typeof (config.workflow as Record<string, unknown> | undefined)?.template === 'string' ? String((config.workflow as Record<string, unknown>).template) : null;
  return buildRunReport(v, {
    status,
    reason,
    query: r.args.query,
    template,
    branch: r.branch,
    started: r.started,
    ended: new Date().toISOString(),
    rerun: rerunLine(r.args, r.project, r.branch),
    verifyCommand: verifyCommand(config),
    gateCommand: 'settings' in settings ? settings.settings.gate : null,
    ...edgeReads(r.project, v),
  });
}

/** Writes --report / --junit (its folder made when missing); the problem in one line, or null. */
function writeOutput(file: string | null, text: () => string): string | null {
  if (file === null) return null;
  const path = resolve(file);
  try {
    if (!existsSync(dirname(path))) mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text());
    return null;
  } catch (e) {
    return `could not write ${path}: ${errorMessage(e)}`;
  }
}

/** Stops the workflow (stop_workflow), saying what it did. */
async function stop(r: RunEnd, why: string): Promise<void> {
  r.say(`argo: ${why}: stopping the workflow (argo resume ${r.project} continues it)`);
  const s = await stopWorkflow(r.project);
  for (const l of linesOf(s.stdout + s.stderr)) r.say(`argo: ${l}`);
}

/** Everything after the wait; answers the exit code. */
export async function finishRun(r: RunEnd): Promise<number> {
  let status: RunStatus;
  let reason: string;
  if ('cancelled' in r.end) {
    status = 'failed';
    reason = `cancelled (${r.signal ?? 'a signal'}): the workflow was stopped`;
    await stop(r, `cancelled by ${r.signal ?? 'a signal'}`);
  } else {
    ({ status, reason } = r.end);
    if (status !== 'done') await stop(r, `ended ${status}`);
  }
  let report = reportOf(r, status, reason);
  const published = await publishAfterRun(report, r.args, r.project, process.env, r.complain);
  report = published.report;
  const unwritten = [writeOutput(r.args.report, () => JSON.stringify(report, null, 2) + '\n'), writeOutput(r.args.junit, () => junitXml(report))].filter((p) => p !== null);
  for (const p of unwritten) r.complain(`ERROR: ${p}`);
  r.say(`argo: ${resultLine(report)}`);
  // A cancel exits with the status a shell gives a program that signal ended (core/proc.ts signalStatus); a result not published or a file not written is a failure.
  const code = r.signal ? signalStatus(r.signal) : (published.problems.length || unwritten.length) && report.exit_code === RUN_EXIT.done ? RUN_EXIT.failed : report.exit_code;
  r.say(`argo: ${report.status} (exit ${code}): ${report.reason}`);
  return code;
}

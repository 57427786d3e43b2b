// The dashboard's buttons run the very commands a person types (compat/argo approve,
// retry, stop, resume, merge, budget --raise), so the page and the CLI can never steer differently.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ActionRequest, ActionResult, ProjectSummary, StartRequest } from './messages.js';
import { superviseGroup } from '../core/child.js';

/**
 * The argv of `argo` for a request. The components, and a review's line comments, go
 * through a temp file (`file`), as --components and --comments take one.
 */
export function commandFor(request: ActionRequest, path: string, componentsFile?: string): string[] {
  switch (request.action) {
    case 'approve':
      return componentsFile ? ['approve', '--components', componentsFile, path] : ['approve', path];
    case 'retry':
      return ['retry', path, request.builder];
    case 'stop':
      return ['stop', path];
    case 'resume':
      return ['resume', path];
    case 'merge':
      return ['merge', path];
    case 'budget':
      return ['budget', path, '--raise', request.limit];
    case 'say':
      return ['say', path, request.builder, request.text];
    case 'review':
      return reviewCommand(request.builder, request.verdict, path, componentsFile);
  }
}

/**
 * `argo review <path> <builder> --approve`, or `--comments FILE`. The free-text request goes
 * in the file too, as one comment on no line (what `--request-changes TEXT` records): a text
 * from the page never meets argv's option parsing (a text starting with `--` stays text).
 */
function reviewCommand(builder: string, verdict: Extract<ActionRequest, { action: 'review' }>['verdict'], path: string, file?: string): string[] {
  if ('approve' in verdict) return ['review', path, builder, '--approve'];
  if (!file) throw new Error('review comments need their temp file');
  return ['review', path, builder, '--comments', file];
}

/** What goes into the temp file of a request, if it needs one (approve's components, a review's comment batch). */
function fileContent(request: ActionRequest): { name: string; value: unknown } | undefined {
  if (request.action === 'approve' && request.components) return { name: 'components.json', value: request.components };
  if (request.action === 'review' && 'comments' in request.verdict) return { name: 'comments.json', value: request.verdict.comments };
  if (request.action === 'review' && 'request_changes' in request.verdict) return { name: 'comments.json', value: [{ file: null, line: null, text: request.verdict.request_changes }] };
  return undefined;
}

/**
 * Runs `argo <args>` in its own process group (core/child.ts): past `timeoutMs` the
 * whole group is ended (TERM, grace, KILL) and awaited, not only its leader.
 */
export async function runArgo(root: string, args: string[], cwd: string, timeoutMs = 60_000): Promise<ActionResult> {
  const child = spawn(process.execPath, [join(root, 'dist', 'compat', 'argo.js'), ...args], { cwd, env: { ...process.env, ARGO_ROOT: root }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  const closed = new Promise((r) => child.once('close', r));
  const end = await superviseGroup(child, { timeoutMs, graceMs: ACTION_GRACE_MS, endLeftovers: false }).ended;
  if (end.startError === null) await Promise.race([closed, new Promise((r) => setTimeout(r, 1000).unref())]);
  return { ok: end.status === 0 && end.cause === 'exit', output: (stdout + stderr).trim() };
}

/** The longest `argo say` from the page may take (its agent run is also bounded by limits.builder_timeout_seconds). */
export const SAY_TIMEOUT_MS = 60 * 60_000;

/** A timed-out command gets TERM, then this long before its group gets KILL. */
const ACTION_GRACE_MS = 2000;

/** Runs argo (runArgo; a test passes a stand-in that records what it is given). */
export type ArgoRunner = (root: string, args: string[], cwd: string, timeoutMs?: number) => Promise<ActionResult>;

export function actWithCli(root: string, run: ArgoRunner = runArgo): (p: ProjectSummary, r: ActionRequest) => Promise<ActionResult> {
  return async (project, request) => {
    let dir: string | undefined;
    try {
      let file: string | undefined;
      const content = fileContent(request);
      if (content) {
        // A folder only we can enter, a file only we can read: comments and components are the person's words.
        dir = mkdtempSync(join(tmpdir(), 'argo-dashboard-'));
        file = join(dir, content.name);
        writeFileSync(file, JSON.stringify(content.value), { mode: 0o600 });
      }
      // A conversation lasts as long as the agent takes to answer: not the 60 s of the other commands.
      const timeout = request.action === 'say' ? SAY_TIMEOUT_MS : undefined;
      return await run(root, commandFor(request, project.path, file), project.path, timeout);
    } finally {
      if (dir) rmSync(dir, { recursive: true, force: true });
    }
  };
}

/** `argo start [--template NAME] <query> <path>` from the page: start_workflow's own checks answer (its ERROR line comes back). */
export function startWithCli(root: string, run: ArgoRunner = runArgo): (r: StartRequest) => Promise<ActionResult> {
  // Run from the install root: the project folder may not exist (start_workflow says so itself).
  // With a template the query is the third word, where start never reads an option.
  return (request) => run(root, ['start', ...(request.template ? ['--template', request.template] : []), request.query, request.path], root);
}

// The dashboard's buttons run the very commands a person types (compat/argo approve,
// retry, stop, resume, merge, budget --raise), so the page and the CLI can never steer differently.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ActionRequest, ActionResult, ProjectSummary } from './messages.js';
import { superviseGroup } from '../core/child.js';

/** The argv of `argo` for a request (the components go through a temp file, as --components takes one). */
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
  }
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

export function actWithCli(root: string): (p: ProjectSummary, r: ActionRequest) => Promise<ActionResult> {
  return async (project, request) => {
    let dir: string | undefined;
    try {
      let file: string | undefined;
      if (request.action === 'approve' && request.components) {
        dir = mkdtempSync(join(tmpdir(), 'argo-dashboard-'));
        file = join(dir, 'components.json');
        writeFileSync(file, JSON.stringify(request.components));
      }
      // A conversation lasts as long as the agent takes to answer: not the 60 s of the other commands.
      const timeout = request.action === 'say' ? SAY_TIMEOUT_MS : undefined;
      return await runArgo(root, commandFor(request, project.path, file), project.path, timeout);
    } finally {
      if (dir) rmSync(dir, { recursive: true, force: true });
    }
  };
}

// The dashboard's buttons run the very commands a person types (compat/argo approve,
// retry, stop, resume, merge), so the page and the CLI can never steer differently.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ActionRequest, ActionResult, ProjectSummary } from './messages.js';

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
  }
}

export function runArgo(root: string, args: string[], cwd: string, timeoutMs = 60_000): Promise<ActionResult> {
  return new Promise((done) => {
    execFile(process.execPath, [join(root, 'dist', 'compat', 'argo.js'), ...args], { cwd, timeout: timeoutMs, env: { ...process.env, ARGO_ROOT: root } }, (err, stdout, stderr) => {
      done({ ok: !err, output: (stdout + stderr).trim() });
    });
  });
}

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
      return await runArgo(root, commandFor(request, project.path, file), project.path);
    } finally {
      if (dir) rmSync(dir, { recursive: true, force: true });
    }
  };
}

// status: where a workflow is, in the original's layout.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runIfEntry } from './lib/cli.js';
import { fieldText } from './lib/dispatch.js';
import { parseJson, toPlain } from './lib/json_doc.js';
import { orchestratorProof } from './lib/process.js';
import { isDir, resolveProjectDir } from './lib/project_dir.js';

const RULE = '='.repeat(42);

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

export function statusText(project: string, state: Record<string, unknown>, orchestrator: string): string {
  const f = (k: string) => fieldText(state[k]);
  const lines = [RULE, 'Argo Workflow Status', RULE, '', `Project: ${f('project_name')}`, `Path: ${project}`, ''];
  lines.push(`Current Phase: ${f('phase')}`, `Action Owner: ${f('action_owner')}`, `Action Needed: ${f('action_needed')}`);
  lines.push(`Last Update: ${f('last_update')}`, '');
  if (f('user_query')) lines.push(`User Query: ${f('user_query')}`, '');
  lines.push(`Orchestrator: ${orchestrator}`, '', RULE);
  return lines.join('\n') + '\n';
}

export async function main(argv: string[]): Promise<number> {
  const arg = argv[0] ?? '.';
  const project = resolveProjectDir(arg);
  if (!project) {
    process.stderr.write(`ERROR: Invalid project path: ${arg}\n`);
    return 1;
  }
  if (!isDir(join(project, '.argo-project'))) {
    process.stderr.write(`ERROR: .argo-project directory not found in ${project}\nRun templates/project_setup.sh first\n`);
    return 1;
  }
  const file = join(project, '.argo-project', 'state.json');
  let state: Record<string, unknown>;
  try {
    state = toPlain(parseJson(readFileSync(file, 'utf8'), file)) as Record<string, unknown>;
  } catch (e) {
    // D24: one clear error and a failing exit instead of six errors and 0.
    const missing = (e as NodeJS.ErrnoException).code === 'ENOENT';
    process.stderr.write(`ERROR: ${missing ? `state file not found: ${file}` : (e as Error).message}\n`);
    return 1;
  }
  process.stdout.write(statusText(project, state, orchestratorState(join(project, '.argo-project', 'orchestrator.pid'), project)));
  return 0;
}

runIfEntry(import.meta.url, main);

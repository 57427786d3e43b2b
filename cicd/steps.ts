// The steps `argo run` takes through the commands a person would type — project_setup,
// start_workflow, approve, stop_workflow — each run as its own program of this install
// (they are root entries, above cicd/ in the floor plan), so there is one start path,
// one approval write and one stop path, whoever calls them.
import { spawn } from 'node:child_process';
import { basename } from 'node:path';
import { builtEntry, packageRoot } from '../core/install_root.js';

export interface StepResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the built entry `name` (e.g. 'start_workflow') with `args`; resolves when it exited. */
/**
 * The forge credentials `argo run` keeps for itself: publishing (cicd/publish.ts) runs in this
 * process and reads them here; the workflow it starts (the orchestrator, every agent, the
 * recorded environment of .argo-project) never gets them — an agent has no business pushing
 * or opening pull requests with the pipeline's token (trust rules).
 */
export const FORGE_TOKENS = ['GH_TOKEN', 'GITHUB_TOKEN', 'GH_ENTERPRISE_TOKEN', 'GITHUB_ENTERPRISE_TOKEN', 'GITLAB_TOKEN', 'CI_JOB_TOKEN'] as const;

/** This process's environment without the forge credentials: what every step is started with. */
export function workflowEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const out = { ...env };
  for (const k of FORGE_TOKENS) delete out[k];
  return out;
}

export function runStep(name: string, args: readonly string[], env: NodeJS.ProcessEnv = workflowEnv()): Promise<StepResult> {
  return new Promise((resolve) => {
    // Its own process group: a terminal's Ctrl-C reaches argo run, which stops the workflow
    // itself, and never cuts a step (a locked write, the stop) in half.
    const child = spawn(process.execPath, [builtEntry(name, packageRoot()), ...args], { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => void (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => void (stderr += d.toString()));
    child.on('error', (e) => resolve({ code: 127, stdout, stderr: stderr + `${e.message}\n` }));
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr }));
  });
}

/** `argo setup <folder name> <project>`: .argo-project/ for a checkout that has none (a CI checkout never has). */
export const setupProject = (project: string) => runStep('templates/project_setup', [basename(project) || 'project', project]);

/** `argo start`: the query stored, the orchestrator started (steer/launch.ts, under the start lock). */
export const startWorkflow = (query: string, project: string) => runStep('start_workflow', [query, project]);

/** `argo approve`: the plan check, the approval and the hand-off to code in one locked write. */
export const approvePlan = (project: string) => runStep('approve', [project]);

/** `argo stop`: the orchestrator and the builder groups it recorded, proven ours, ended. */
export const stopWorkflow = (project: string) => runStep('stop_workflow', [project]);

/** A step's output lines worth showing (non-empty), for messages. */
export const linesOf = (text: string): string[] => text.split('\n').filter((l) => l.trim() !== '');

// Shared set-up of the dashboard tests: a git project set up for Argo (registered in
// the registry `env` names), and a design awaiting approval written straight into state.
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseJson } from '../../core/json_doc.js';
import { mutateState, projectStatePaths } from '../../store/state.js';
import { ROOT } from './helpers.js';

export function newProject(work: string, name: string, env: NodeJS.ProcessEnv): string {
  const project = join(work, name);
  mkdirSync(project);
  execFileSync('git', ['init', '-q', '-b', 'main'], { cwd: project });
  execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-q', '--allow-empty', '-m', 'init'], { cwd: project });
  execFileSync(join(ROOT, 'templates', 'project_setup.sh'), [name, project], { env, stdio: 'ignore' });
  return project;
}

/** Phase design, waiting for the user to approve (no orchestrator needed: argo approve writes state). */
export async function awaitingApproval(project: string, summary = 'Two parts'): Promise<void> {
  await mutateState(projectStatePaths(project, {}), (doc) => {
    doc.set('phase', 'design');
    doc.set('action_owner', 'user');
    doc.set('action_needed', 'approve_design');
    doc.set('design', parseJson(JSON.stringify({ summary, components: [{ id: 'engine', description: 'E' }], approved: false }), 'test'));
  });
}

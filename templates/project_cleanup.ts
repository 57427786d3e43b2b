// project_cleanup [path] [partial|full|nuclear]: removes workflow data. D18 fixes:
// worktrees are removed through git before builders/ goes, argo-builder-* branches
// really go, a held state.lock is kept, no git noise outside a repository, and
// `nuclear` also takes the project out of the registry.
import { existsSync, readdirSync, rmSync, statSync, openSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { runIfEntry } from '../lib/cli.js';
import { tryFlockSync } from '../lib/lock.js';
import { processCtx } from '../lib/context.js';
import { git, insideGitRepo } from '../lib/git.js';
import { deregisterProject, findProjectByPath, registryPath } from '../lib/project_registry.js';
import { resolveProjectDir } from '../lib/project_dir.js';
import { runningWorkflow } from '../lib/process.js';
import { ROOT } from '../orchestrator.js';

const out = (line = '') => void process.stdout.write(line + '\n');

/** True when someone holds a flock on `file` (then it must not be deleted). */
function lockHeld(file: string): boolean {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return false;
  }
  try {
    return !tryFlockSync(fd);
  } catch {
    return true; // cannot tell: keep the file
  } finally {
    closeSync(fd);
  }
}

function removeTempAndLockFiles(dir: string): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) removeTempAndLockFiles(p);
    else if (entry.name.endsWith('.tmp') || (entry.name.endsWith('.lock') && !lockHeld(p))) rmSync(p, { force: true });
  }
}

function removeWorktreesAndBranches(project: string): void {
  if (!insideGitRepo(project)) return;
  const builders = join(project, '.argo-project', 'builders');
  if (existsSync(builders)) {
    for (const name of readdirSync(builders)) git(['worktree', 'remove', '--force', join(builders, name)], project);
  }
  const listed = join(project, '.argo-project', 'worktrees.txt');
  if (existsSync(listed)) rmSync(listed, { force: true });
  git(['worktree', 'prune'], project);
  const branches = git(['for-each-ref', '--format=%(refname:short)', 'refs/heads/argo-builder-*'], project).stdout;
  for (const b of branches.split('\n').filter(Boolean)) git(['branch', '-D', b], project);
}

function partial(project: string): void {
  out('Partial cleanup:');
  out('  - Removing builder worktrees (builders/)');
  out('  - Removing temporary files');
  out('  - Keeping logs/ and checkpoints/');
  removeWorktreesAndBranches(project);
  rmSync(join(project, '.argo-project', 'builders'), { recursive: true, force: true });
  removeTempAndLockFiles(join(project, '.argo-project'));
  out('Partial cleanup complete');
}

export async function main(argv: string[]): Promise<number> {
  const [pathArg = '', type = 'partial'] = argv;
  const project = resolveProjectDir(pathArg || '.');
  if (!project) {
    process.stderr.write(`ERROR: Invalid project path: ${pathArg}\n`);
    return 1;
  }
  process.chdir(project);
  const data = join(project, '.argo-project');
  if (!existsSync(data) || !statSync(data).isDirectory()) {
    out(`No .argo-project directory found in ${project}`);
    return 0;
  }
  const running = runningWorkflow(project);
  if (running) {
    process.stderr.write(`ERROR: the workflow of ${project} is still running (${running}); nothing removed. Stop it first: ${join(ROOT, 'stop_workflow.sh')} ${project}\n`);
    return 1;
  }
  out(`Cleaning up Argo project: ${project}`);
  out(`Cleanup type: ${type || 'partial'}`);
  switch (type || 'partial') {
    case 'partial':
      partial(project);
      return 0;
    case 'full':
      out('Full cleanup:');
      out('  - Removing builders/ and temporary files');
      out('  - Removing logs/');
      out('  - Keeping checkpoints/');
      partial(project);
      out('  - Removing logs...');
      rmSync(join(data, 'logs'), { recursive: true, force: true });
      out('Full cleanup complete');
      return 0;
    case 'nuclear': {
      out('NUCLEAR cleanup: removing ALL Argo data');
      out('WARNING: this deletes:');
      out('  - the workflow state');
      out('  - the configuration');
      out('  - all logs');
      out('  - all checkpoints');
      out('  - all build artifacts');
      removeWorktreesAndBranches(project);
      rmSync(data, { recursive: true, force: true });
      const registry = registryPath(processCtx(project));
      try {
        await deregisterProject(registry, findProjectByPath(registry, project));
      } catch {
        /* not registered: nothing to remove */
      }
      out('Nuclear cleanup complete');
      out('Run templates/project_setup.sh to initialise the project again');
      return 0;
    }
    default:
      process.stderr.write(`ERROR: Invalid cleanup type: ${type}\nValid types: partial, full, nuclear\n`);
      return 1;
  }
}

runIfEntry(import.meta.url, main);

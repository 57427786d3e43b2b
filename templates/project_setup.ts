// project_setup: makes a folder an Argo project (.argo-project/ with state, config,
// logs, checkpoints, builders), ignores it in git, registers it. D17 fixes: a
// failed registration fails the setup; re-running keeps a workflow in progress
// and the registry entry; the .gitignore line is never glued to another line.
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { programName, runIfEntry } from '../core/cli.js';
import { defaultConfig } from '../store/config.js';
import { processCtx } from '../core/context.js';
import { errorMessage } from '../core/errors.js';
import { stringifyJq } from '../core/json_doc.js';
import { findProjectByPath, registerProject, registryPath } from '../store/registry.js';
import { resolveProjectDir } from '../store/project_dir.js';
import { initStateFile, readStateDoc } from '../store/state.js';
import { argoPaths } from '../store/layout.js';

const out = (line = '') => void process.stdout.write(line + '\n');
const err = (line: string) => void process.stderr.write(line + '\n');

async function existingProjectName(stateFile: string): Promise<string | undefined> {
  try {
    const name = (await readStateDoc(stateFile)).get('project_name');
    return typeof name === 'string' ? name : undefined;
  } catch {
    return undefined;
  }
}

export function gitignoreAddition(current: string | undefined): string | undefined {
  if (current === undefined) return '.argo-project/\n';
  if (/^\.argo-project/m.test(current)) return undefined;
  return (current === '' || current.endsWith('\n') ? '' : '\n') + '.argo-project/\n';
}

export async function main(argv: string[]): Promise<number> {
  const [name = '', pathArg = '.'] = argv;
  if (!name) {
    err('ERROR: Project name required');
    err(`Usage: ${programName()} <project_name> [project_path]`);
    return 1;
  }
  const project = resolveProjectDir(pathArg);
  if (!project) {
    err(`ERROR: Invalid project path: ${pathArg}`);
    return 1;
  }
  process.chdir(project);
  out(`Setting up Argo project: ${name}`);
  out(`Location: ${project}`);
  out('Creating .argo-project directory structure...');
  try {
    for (const d of ['logs', 'checkpoints', 'builders']) mkdirSync(join(argoPaths(project).dir, d), { recursive: true });
  } catch (e) {
    err(`ERROR: Failed to create .argo-project directories: ${errorMessage(e)}`);
    return 1;
  }

  out('Initializing state file...');
  const stateFile = argoPaths(project).state;
  if ((await existingProjectName(stateFile)) === name) {
    out(`Keeping the existing state of ${name} (a workflow may be in progress)`);
  } else {
    try {
      await initStateFile(name, project);
    } catch (e) {
      err(`ERROR: Failed to initialize state file: ${errorMessage(e)}`);
      return 1;
    }
  }

  out('Creating configuration...');
  const configFile = argoPaths(project).config;
  if (!existsSync(configFile)) writeFileSync(configFile, stringifyJq(defaultConfig()));

  out('Updating .gitignore...');
  const gitignore = join(project, '.gitignore');
  const addition = gitignoreAddition(existsSync(gitignore) ? readFileSync(gitignore, 'utf8') : undefined);
  if (addition) appendFileSync(gitignore, addition);

  out('Registering project...');
  const registry = registryPath(processCtx(project));
  let id: string;
  try {
    try {
      id = findProjectByPath(registry, project);
    } catch {
      id = await registerProject(registry, name, project);
    }
  } catch (e) {
    err(`ERROR: Failed to register project: ${errorMessage(e)}`);
    return 1;
  }
  out(`Project registered with ID: ${id}`);
  out();
  out('Project setup complete!');
  out();
  out('Created:');
  out('  .argo-project/');
  out('  ├── state.json      (workflow state)');
  out('  ├── config.json     (project configuration)');
  out('  ├── logs/           (workflow and builder logs)');
  out('  ├── checkpoints/    (state checkpoints)');
  out('  └── builders/       (builder worktrees)');
  out();
  out('Next steps:');
  out('  1. Start a workflow: ./start_workflow.sh "<what to build>"');
  out('  2. Check status:     ./status.sh');
  return 0;
}

runIfEntry('templates/project_setup', main);

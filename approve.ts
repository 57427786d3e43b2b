// argo approve [--components FILE] [project_path]: approves the design (optionally
// replacing its components) and hands control to code for design_build — what the
// original's users did by editing state.json by hand.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runIfEntry } from './lib/cli.js';
import { validateComponents, type Component } from './lib/components.js';
import { ArgoError, errorMessage } from './lib/errors.js';
import { JsonObject, fromPlain } from './lib/json_doc.js';
import { projectLogPaths, writeLog } from './lib/logging_enhanced.js';
import { isDir, resolveProjectDir } from './lib/project_dir.js';
import { mutateState, projectStatePaths, updateState } from './lib/state_file.js';

export async function main(argv: string[]): Promise<number> {
  let componentsFile: string | undefined;
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--components') componentsFile = argv[++i] ?? '';
    else rest.push(argv[i]!);
  }
  const arg = rest[0] ?? '.';
  const project = resolveProjectDir(arg);
  if (!project || !isDir(join(project, '.argo-project'))) {
    process.stderr.write(`ERROR: not an Argo project (no .argo-project/): ${arg}\n`);
    return 1;
  }
  try {
    let components: Component[] | undefined;
    if (componentsFile !== undefined) {
      if (!componentsFile) throw new ArgoError('--components needs a file');
      let text: string;
      try {
        text = readFileSync(componentsFile, 'utf8');
      } catch (e) {
        throw new ArgoError(`cannot read ${componentsFile}: ${errorMessage(e)}`);
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch (e) {
        throw new ArgoError(`invalid JSON in ${componentsFile}: ${errorMessage(e)}`);
      }
      components = validateComponents(parsed, componentsFile);
    }
    const state = projectStatePaths(project);
    const count = await mutateState(state, (doc) => {
      const design = doc.get('design');
      if (!(design instanceof JsonObject)) throw new ArgoError(`no design to approve in ${state.stateFile} (run the design phase first)`);
      if (components) design.set('components', fromPlain(components));
      design.set('approved', true);
      const list = design.get('components');
      return Array.isArray(list) ? list.length : 0;
    });
    await updateState(state, 'action_owner', 'code');
    await updateState(state, 'action_needed', 'design_build');
    writeLog(projectLogPaths(project), 'APPROVE', `Design approved with ${count} components`);
    process.stdout.write(`Design approved (${count} components); design_build comes next\n`);
    return 0;
  } catch (e) {
    process.stderr.write(`ERROR: ${errorMessage(e)}\n`);
    return 1;
  }
}

runIfEntry(import.meta.url, main);

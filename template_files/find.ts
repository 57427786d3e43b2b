// Where workflow templates are, in the order they are looked up: the project's own
// (`.argo-project/templates/`, passed in by store/ which knows the project's layout), the
// user's (`$XDG_CONFIG_HOME/argo/templates/`, else `~/.config/argo/templates/`), then the
// built-ins shipped with argo (`templates/workflows/` under the install root). The first
// folder holding `<name>.json` wins, so a team's template overrides a built-in of its name.
// Only files and JSON here: this sits below store/ (docs/ARCHITECTURE.md, "Layers").
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, join } from 'node:path';
import { ArgoError, errorMessage } from '../core/errors.js';
import { packageRoot } from '../core/install_root.js';
import { NAME_ACCEPTED, TEMPLATE_NAME, validateTemplate, type WorkflowTemplate } from './schema.js';

export type TemplateWhere = 'project' | 'user' | 'built-in';
export interface TemplateDir {
  where: TemplateWhere;
  dir: string;
}
export interface FoundTemplate {
  name: string;
  file: string;
  where: TemplateWhere;
}
export interface LoadedTemplate extends FoundTemplate {
  template: WorkflowTemplate;
}

/** The built-in templates' folder (data files, read from the install root, never from dist/). */
export function builtinTemplatesDir(root = packageRoot()): string {
  return join(root, 'templates', 'workflows');
}

/** The user's templates folder: XDG_CONFIG_HOME respected, else ~/.config. */
export function userTemplatesDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CONFIG_HOME && env.XDG_CONFIG_HOME.startsWith('/') ? env.XDG_CONFIG_HOME : join(env.HOME || homedir(), '.config');
  return join(base, 'argo', 'templates');
}

/** The folders to look in, in order (`projectDir`: the project's templates folder, when there is a project). */
export function templateDirs(projectDir: string | null, env: NodeJS.ProcessEnv = process.env, root = packageRoot()): TemplateDir[] {
  const dirs: TemplateDir[] = [];
  if (projectDir) dirs.push({ where: 'project', dir: projectDir });
  dirs.push({ where: 'user', dir: userTemplatesDir(env) }, { where: 'built-in', dir: builtinTemplatesDir(root) });
  return dirs;
}

const YAML_EXT = ['.yaml', '.yml'];

/** The file `name` resolves to, or null; a YAML file in its place is refused (no YAML parser ships with argo). */
export function findTemplate(name: string, dirs: readonly TemplateDir[]): FoundTemplate | null {
  if (!TEMPLATE_NAME.test(name)) throw new ArgoError(`template name ${JSON.stringify(name)} is not usable; accepted: ${NAME_ACCEPTED}`);
  for (const { where, dir } of dirs) {
    const file = join(dir, `${name}.json`);
    if (existsSync(file)) return { name, file, where };
    const yaml = YAML_EXT.map((e) => join(dir, name + e)).find((f) => existsSync(f));
    if (yaml) throw new ArgoError(`template ${yaml}: a YAML file; accepted: JSON (${name}.json) - argo-ts ships no YAML parser (docs/TEMPLATES.md)`);
  }
  return null;
}

/** Reads and checks one template file (ArgoError naming the file, the key and the value). */
export function readTemplateFile(found: FoundTemplate): LoadedTemplate {
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(found.file, 'utf8'));
  } catch (e) {
    throw new ArgoError(`template ${found.file}: not valid JSON (${errorMessage(e)}); accepted: a JSON object (docs/TEMPLATES.md)`);
  }
  return { ...found, template: validateTemplate(doc, found.file, basename(found.file, '.json')) };
}

/** The template `name`, loaded and checked; an unknown name is an error listing the known ones. */
export function loadTemplate(name: string, dirs: readonly TemplateDir[], key = 'template'): LoadedTemplate {
  const found = findTemplate(name, dirs);
  if (!found) {
    const known = listTemplates(dirs).map((t) => t.name);
    throw new ArgoError(`${key} is ${JSON.stringify(name)}, but no such template is in ${dirs.map((d) => d.dir).join(', ')}; accepted: ${known.join(', ') || '(none found)'}`);
  }
  return readTemplateFile(found);
}

/** Every template name once, the first folder's file winning (`shadows`: the built-in or user file it hides). */
export function listTemplates(dirs: readonly TemplateDir[]): (FoundTemplate & { shadows: string[] })[] {
  const out = new Map<string, FoundTemplate & { shadows: string[] }>();
  for (const { where, dir } of dirs) {
    let names: string[];
    try {
      names = readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5)).filter((n) => TEMPLATE_NAME.test(n)).sort();
    } catch {
      continue; // a folder that is not there holds no templates
    }
    for (const name of names) {
      const seen = out.get(name);
      if (seen) seen.shadows.push(join(dir, `${name}.json`));
      else out.set(name, { name, file: join(dir, `${name}.json`), where, shadows: [] });
    }
  }
  return [...out.values()];
}

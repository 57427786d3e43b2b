// Reading .argo-project/config.json as one document, in a module of its own so that
// light commands (status, the view) read config without loading anything else.
// Every reader gets the effective config: when config.json names a workflow template
// (`workflow.template`), the template's defaults lie under the project's own settings
// (template_files/overlay.ts; docs/TEMPLATES.md). Without one, the file as it is.
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { ArgoError, errorMessage } from '../core/errors.js';
import { ARGO_DIR, argoPaths } from './layout.js';
import { effectiveConfig } from '../template_files/overlay.js';
import { templateDirs, type LoadedTemplate, type TemplateDir } from '../template_files/find.js';

/**
 * The whole config as plain JSON ({} when there is none), with the template it names laid
 * under it. A file that is there but is not a JSON object, or names a template that is
 * missing or broken, is an error naming it: settings must not silently fall back.
 */
export function readConfigObject(file: string, env: NodeJS.ProcessEnv = process.env): Record<string, unknown> {
  return readConfigLayers(file, env).effective;
}

/** The templates a config file's project sees, in lookup order (its own folder when the file is a project's config.json). */
export function configTemplateDirs(file: string, env: NodeJS.ProcessEnv = process.env): TemplateDir[] {
  const argoDir = dirname(file);
  return templateDirs(basename(argoDir) === ARGO_DIR ? argoPaths(dirname(argoDir)).templates : null, env);
}

/** The project's file as written, the template it names (null: none) and the two laid together. */
export function readConfigLayers(file: string, env: NodeJS.ProcessEnv = process.env): { project: Record<string, unknown>; template: LoadedTemplate | null; effective: Record<string, unknown> } {
  const project = readProjectConfigFile(file);
  const { config, template } = effectiveConfig(project, file, () => configTemplateDirs(file, env));
  return { project, template, effective: config };
}

/** config.json as written (no template applied): for the writers and for `argo doctor`'s sources. */
export function readProjectConfigFile(file: string): Record<string, unknown> {
  if (!existsSync(file)) return {};
  let v: unknown;
  try {
    v = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new ArgoError(`config file ${file} is not valid JSON: ${errorMessage(e)}`);
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new ArgoError(`config file ${file} does not hold a JSON object`);
  return v as Record<string, unknown>;
}

/**
 * A project's config for readers that show a problem rather than stop on it: {} and why, when
 * it cannot be read. `env` finds the user's templates (HOME, XDG_CONFIG_HOME): the shim helper
 * passes its caller's.
 */
export function projectConfig(project: string, env: NodeJS.ProcessEnv = process.env): { config: Record<string, unknown>; configError: string | null } {
  try {
    return { config: readConfigObject(argoPaths(project).config, env), configError: null };
  } catch (e) {
    return { config: {}, configError: errorMessage(e) };
  }
}

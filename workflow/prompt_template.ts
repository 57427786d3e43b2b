// Prompts a project may rewrite (issue 18): `.argo-project/prompts/design.md` and
// `builder.md`, with `{{placeholder}}`s argo fills. Filling is one pass over the template,
// so a value (a requirement, a description an agent wrote) is never read as a placeholder.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ArgoError } from '../core/errors.js';
import { argoPaths } from '../store/layout.js';
import { readConfigLayers } from '../store/config_object.js';

/** The roles a prompt is written for (a workflow template's `prompts` has the same keys). */
export type TemplateName = 'design' | 'builder' | 'resolver' | 'reviewer';

const PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

/** The project's template file for `name` (it need not exist). */
export function templateFile(projectDir: string, name: TemplateName): string {
  return join(argoPaths(projectDir).prompts, `${name}.md`);
}

/** The project's template for `name`, or null when it has none (the built-in text is used). */
export function readTemplate(projectDir: string, name: TemplateName): string | null {
  try {
    return readFileSync(templateFile(projectDir, name), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new ArgoError(`cannot read ${templateFile(projectDir, name)}: ${(e as Error).message}`);
  }
}

/**
 * The prompt text for `name` and where it is from: the project's own file first, else the
 * `prompts.<name>` of the workflow template config.json names (issue 22), else null (built in).
 */
export function promptSource(projectDir: string, name: TemplateName): { file: string; text: string } | null {
  const own = readTemplate(projectDir, name);
  if (own !== null) return { file: templateFile(projectDir, name), text: own };
  const t = readConfigLayers(argoPaths(projectDir).config).template;
  const text = t?.template.prompts[name];
  return t && text !== undefined ? { file: `${t.file} (prompts.${name})`, text } : null;
}

/** The placeholders a template uses, each once, in order. */
export function placeholdersOf(template: string): string[] {
  return [...new Set([...template.matchAll(PLACEHOLDER)].map((m) => m[1]!))];
}

/**
 * The template with every `{{name}}` replaced by values[name]. A placeholder with no value
 * is refused (naming it, the file and the accepted ones), never left in the prompt.
 */
export function renderTemplate(template: string, values: Readonly<Record<string, string>>, source: string): string {
  const unknown = placeholdersOf(template).filter((p) => !Object.hasOwn(values, p));
  if (unknown.length > 0) {
    throw new ArgoError(`${source}: unknown placeholder {{${unknown[0]}}}; accepted: ${Object.keys(values).map((k) => `{{${k}}}`).join(', ')}`);
  }
  return template.replace(PLACEHOLDER, (_, p: string) => values[p]!);
}

// What a person is shown of a workflow template (issue 22) before it is used: the checks
// its settings get (its workflow.kind, its builders' agents) for `argo templates`, `argo
// start --template` and `argo doctor`, and doctor's lines (the template in use, where each
// key it sets comes from). The files themselves are template_files/'s; this layer knows
// the readers of the keys they set.
import { readWorkflowKind } from '../workflow/kind.js';
import { readLimits } from '../workflow/limits.js';
import { PRESET_NAMES } from '../agents/presets/index.js';
import { defaultConfig } from '../store/config.js';
import { configTemplateDirs, readConfigLayers } from '../store/config_object.js';
import { argoPaths } from '../store/layout.js';
import { toPlain } from '../core/json_doc.js';
import { errorMessage } from '../core/errors.js';
import { loadTemplate, templateDirs, type LoadedTemplate, type TemplateDir } from '../template_files/find.js';
import { keySources, templateOverlay, TEMPLATE_KEY } from '../template_files/overlay.js';
import { templateError } from '../template_files/schema.js';

/** The first problem of a loaded template's settings, as an ArgoError naming its file, or null. */
export function templateSettingsProblem(t: LoadedTemplate): Error | null {
  const overlay = templateOverlay(t.template);
  const kind = readWorkflowKind(overlay);
  if ('problem' in kind) return templateError(t.file, 'defaults.workflow.kind', (overlay.workflow as Record<string, unknown>).kind, kind.problem.replace(/^.*; accepted: /, ''));
  // Its limits, checked as config.json's are, but named in the template file (where they are written).
  const limit = readLimits(null, overlay).problems[0];
  if (limit) return templateError(t.file, `defaults.${limit.key}`, limit.value, limit.accepted);
  const builders = t.template.agents.builders;
  for (const b of Array.isArray(builders) ? builders : builders === undefined ? [] : [builders]) {
    if (!(PRESET_NAMES as string[]).includes(b)) {
      return templateError(t.file, 'agents.builders', builders, `agent presets (${PRESET_NAMES.join(', ')}); a command line for builders goes in the project's ci.tool`);
    }
  }
  return null;
}

/** The folders a project (null: none, only the user's and the built-ins) finds templates in, in order. */
export function lookupDirs(project: string | null, env: NodeJS.ProcessEnv = process.env): TemplateDir[] {
  return project ? configTemplateDirs(argoPaths(project).config, env) : templateDirs(null, env);
}

/** The template `name` as `project` would find it, checked; throws the one error. */
export function checkedTemplate(project: string | null, name: string, env: NodeJS.ProcessEnv = process.env): LoadedTemplate {
  const t = loadTemplate(name, lookupDirs(project, env), 'template');
  const problem = templateSettingsProblem(t);
  if (problem) throw problem;
  return t;
}

type Check = { ok: boolean | null; line: string };

/** `argo doctor`: the template in use and, per key it sets (and per built-in default), where the effective value comes from. */
export function templateChecks(project: string): Check[] {
  let layers: ReturnType<typeof readConfigLayers>;
  try {
    layers = readConfigLayers(argoPaths(project).config);
  } catch (e) {
    return [{ ok: false, line: `template: ${errorMessage(e)}` }];
  }
  const t = layers.template;
  if (t === null) return [{ ok: null, line: `template: none (${TEMPLATE_KEY} unset: today's workflow, feature)` }];
  const problem = templateSettingsProblem(t);
  const out: Check[] = [{ ok: problem === null, line: `template: ${t.name} (${t.where}, ${t.file})${problem ? `: ${problem.message}` : ''}` }];
  const builtin = toPlain(defaultConfig()) as Record<string, unknown>;
  for (const s of keySources(layers.project, templateOverlay(t.template), builtin)) {
    out.push({ ok: null, line: `  ${s.key} = ${JSON.stringify(s.value)} (${s.from})` });
  }
  return out;
}

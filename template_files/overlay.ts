// A template is a config overlay: effective config = the project's config.json > the
// template's defaults (and its agents and phases, mapped onto config keys) > the built-in
// defaults each reader applies for a key nobody set. Pure, but for effectiveConfig, which
// reads the template the config names (`workflow.template`).
import { ArgoError } from '../core/errors.js';
import { loadTemplate, type LoadedTemplate, type TemplateDir } from './find.js';
import { isObj, NAME_ACCEPTED, TEMPLATE_NAME, type WorkflowTemplate } from './schema.js';

export const TEMPLATE_KEY = 'workflow.template';

/** Where each agent role lands in config.json (the contract of issue 22). */
export const AGENT_KEYS = { design: 'design.agent', builders: 'ci.agent', builders_list: 'best_of_n.builders', resolver: 'merge.resolver', judge: 'best_of_n.judge' } as const;

function setPath(doc: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let at = doc;
  for (const k of keys.slice(0, -1)) {
    if (!isObj(at[k])) at[k] = {};
    at = at[k] as Record<string, unknown>;
  }
  at[keys[keys.length - 1]!] = value;
}

/** The config keys a template sets: its defaults, then its agents and phases (which win over the same keys in defaults). */
export function templateOverlay(t: WorkflowTemplate): Record<string, unknown> {
  const out = structuredClone(t.defaults);
  const a = t.agents;
  if (a.design !== undefined) setPath(out, AGENT_KEYS.design, a.design);
  if (typeof a.builders === 'string') setPath(out, AGENT_KEYS.builders, a.builders);
  else if (Array.isArray(a.builders)) setPath(out, AGENT_KEYS.builders_list, [...a.builders]);
  if (a.resolver !== undefined) setPath(out, AGENT_KEYS.resolver, a.resolver);
  if (a.judge !== undefined) setPath(out, AGENT_KEYS.judge, a.judge);
  if (t.phases !== undefined) setPath(out, 'workflow.phases', structuredClone(t.phases));
  return out;
}

/** `top` laid over `base`: objects merged key by key, arrays and scalars replaced whole. */
export function mergeConfig(base: Record<string, unknown>, top: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(top)) out[k] = isObj(v) && isObj(out[k]) ? mergeConfig(out[k] as Record<string, unknown>, v) : v;
  return out;
}

/** The template name the project's config pins, or null; a bad value is an error naming the key. */
export function pinnedTemplate(config: Record<string, unknown>, configFile: string): string | null {
  const wf = config.workflow;
  const v = isObj(wf) ? wf.template : undefined;
  // The text "null" (what `update_config workflow.template null` leaves) is no value, as for ci.*.
  if (v === undefined || v === null || v === 'null' || v === '') return null;
  if (typeof v !== 'string' || !TEMPLATE_NAME.test(v)) throw new ArgoError(`${TEMPLATE_KEY} is ${JSON.stringify(v)} in ${configFile}; accepted: a template name (${NAME_ACCEPTED}; argo templates list)`);
  return v;
}

/** The effective config of a project config and the template it names (null: none named). */
export function effectiveConfig(config: Record<string, unknown>, configFile: string, dirs: () => TemplateDir[]): { config: Record<string, unknown>; template: LoadedTemplate | null } {
  const name = pinnedTemplate(config, configFile);
  if (name === null) return { config, template: null };
  const template = loadTemplate(name, dirs(), `${TEMPLATE_KEY} in ${configFile}`);
  return { config: mergeConfig(templateOverlay(template.template), config), template };
}

export type KeySource = 'project' | 'template' | 'default';

/** Every leaf key of an object, dotted (arrays are leaves). */
export function leafKeys(doc: Record<string, unknown>, prefix = ''): string[] {
  return Object.entries(doc).flatMap(([k, v]) => (isObj(v) && Object.keys(v).length > 0 ? leafKeys(v, `${prefix}${k}.`) : [`${prefix}${k}`]));
}

function getPath(doc: Record<string, unknown>, path: string): unknown {
  let at: unknown = doc;
  for (const k of path.split('.')) at = isObj(at) ? at[k] : undefined;
  return at;
}

/**
 * For each key the template sets, and each built-in default: where its effective value comes
 * from — the project's config.json when it sets the key, else the template, else the default.
 */
export function keySources(project: Record<string, unknown>, overlay: Record<string, unknown>, builtin: Record<string, unknown>): { key: string; from: KeySource; value: unknown }[] {
  const keys = [...new Set([...leafKeys(overlay), ...leafKeys(builtin)])];
  return keys.map((key) => {
    const p = getPath(project, key);
    if (p !== undefined) return { key, from: 'project' as const, value: p };
    const t = getPath(overlay, key);
    if (t !== undefined) return { key, from: 'template' as const, value: t };
    return { key, from: 'default' as const, value: getPath(builtin, key) };
  });
}

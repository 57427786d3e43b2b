// A workflow template file (issue 22): its documented schema, checked in one pure place.
// A template is data a team writes — { name, description, when, phases?, prompts?,
// defaults?, agents? } — so every problem is one sentence naming the file, the key, the
// value and what is accepted (the caller prints it as one `ERROR:` line). docs/TEMPLATES.md
// describes the same schema for people.
import { ArgoError } from '../core/errors.js';
import { isRecord as isObj } from '../core/record.js';

export const PROMPT_ROLES = ['design', 'builder', 'resolver', 'reviewer'] as const;
export type PromptRole = (typeof PROMPT_ROLES)[number];
export const AGENT_ROLES = ['design', 'builders', 'resolver', 'judge'] as const;
export type AgentRole = (typeof AGENT_ROLES)[number];

export interface WorkflowTemplate {
  name: string;
  description: string;
  when: string;
  phases?: unknown[];
  prompts: Partial<Record<PromptRole, string>>;
  defaults: Record<string, unknown>;
  agents: { design?: string; builders?: string | string[]; resolver?: string; judge?: string };
}

/** A template's name: also its file name (`<name>.json`), so nothing that could leave the folder. */
export const TEMPLATE_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
export const NAME_ACCEPTED = 'letters, digits, "-" and "_" (at most 64, starting with a letter or digit)';

const TOP_KEYS = ['name', 'description', 'when', 'phases', 'prompts', 'defaults', 'agents', '_comment'] as const;

export { isObj };

const show = (v: unknown) => (v === undefined ? 'missing' : JSON.stringify(v));

/** The one error of a template file: `template FILE: KEY is VALUE; accepted: …`. */
export function templateError(file: string, key: string, value: unknown, accepted: string): ArgoError {
  return new ArgoError(`template ${file}: ${key} is ${show(value)}; accepted: ${accepted}`);
}

function text(doc: Record<string, unknown>, key: string, file: string): string {
  const v = doc[key];
  if (typeof v !== 'string' || v.trim() === '') throw templateError(file, key, v, 'a non-empty string');
  return v;
}

function prompts(v: unknown, file: string): WorkflowTemplate['prompts'] {
  if (v === undefined) return {};
  if (!isObj(v)) throw templateError(file, 'prompts', v, `an object with any of ${PROMPT_ROLES.join(', ')} (each the prompt's text)`);
  const out: WorkflowTemplate['prompts'] = {};
  for (const [k, text] of Object.entries(v)) {
    if (!(PROMPT_ROLES as readonly string[]).includes(k)) throw templateError(file, `prompts.${k}`, text, `only the roles ${PROMPT_ROLES.join(', ')}`);
    if (typeof text !== 'string' || text.trim() === '') throw templateError(file, `prompts.${k}`, text, 'the prompt as a non-empty string ({{placeholder}}s as in .argo-project/prompts/)');
    out[k as PromptRole] = text;
  }
  return out;
}

const agentWord = (v: unknown) => typeof v === 'string' && v.trim() !== '';

function agents(v: unknown, file: string): WorkflowTemplate['agents'] {
  if (v === undefined) return {};
  if (!isObj(v)) throw templateError(file, 'agents', v, `an object with any of ${AGENT_ROLES.join(', ')}`);
  const out: WorkflowTemplate['agents'] = {};
  for (const [k, a] of Object.entries(v)) {
    if (!(AGENT_ROLES as readonly string[]).includes(k)) throw templateError(file, `agents.${k}`, a, `only the roles ${AGENT_ROLES.join(', ')}`);
    if (k === 'builders' && Array.isArray(a)) {
      if (a.length === 0 || !a.every(agentWord)) throw templateError(file, 'agents.builders', a, 'one agent preset or command (a string), or a non-empty list of presets (best-of-n)');
      out.builders = a as string[];
    } else if (agentWord(a)) out[k as AgentRole] = a as string & string[];
    else throw templateError(file, `agents.${k}`, a, k === 'builders' ? 'one agent preset or command (a string), or a non-empty list of presets (best-of-n)' : 'an agent preset (claude, codex, …) or a command line');
  }
  return out;
}

function defaults(v: unknown, file: string): Record<string, unknown> {
  if (v === undefined) return {};
  if (!isObj(v)) throw templateError(file, 'defaults', v, 'an object holding config.json keys (e.g. {"workflow": {"kind": "bugfix"}})');
  const wf = v.workflow;
  if (isObj(wf) && wf.template !== undefined) throw templateError(file, 'defaults.workflow.template', wf.template, 'nothing: a template cannot name another template');
  return v;
}

/** The template a parsed document describes, or the ArgoError of its first problem. `stem`: its file name without .json. */
export function validateTemplate(doc: unknown, file: string, stem: string): WorkflowTemplate {
  if (!isObj(doc)) throw templateError(file, 'the document', doc, `a JSON object with the keys ${TOP_KEYS.join(', ')}`);
  for (const k of Object.keys(doc)) {
    if (!(TOP_KEYS as readonly string[]).includes(k)) throw templateError(file, k, doc[k], `only the keys ${TOP_KEYS.join(', ')}`);
  }
  const name = text(doc, 'name', file);
  if (name !== stem) throw templateError(file, 'name', name, `the file's name without .json (${JSON.stringify(stem)})`);
  const comment = doc._comment;
  if (comment !== undefined && typeof comment !== 'string' && !(Array.isArray(comment) && comment.every((l) => typeof l === 'string'))) {
    throw templateError(file, '_comment', comment, 'a string or a list of strings (notes for people; argo ignores them)');
  }
  if (doc.phases !== undefined && !Array.isArray(doc.phases)) throw templateError(file, 'phases', doc.phases, 'a list (built-in phases and handlers, in order: config workflow.phases)');
  return {
    name,
    description: text(doc, 'description', file),
    when: text(doc, 'when', file),
    ...(doc.phases !== undefined ? { phases: doc.phases as unknown[] } : {}),
    prompts: prompts(doc.prompts, file),
    defaults: defaults(doc.defaults, file),
    agents: agents(doc.agents, file),
  };
}

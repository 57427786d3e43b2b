// The design asked for as a plan (issue 18): the prompt, the JSON schema of the plan,
// the one follow-up question when an answer carries no component list, and which prompt
// a project uses. A single-word CI tool keeps the original's text (COMPAT §5.5) unless the
// project sets `design.plan: true`; `design.plan: false` keeps it for every tool.
import { ArgoError } from '../core/errors.js';
import { placeholdersOf, promptSource, renderTemplate } from './prompt_template.js';

/**
 * The plan as JSON: an object (the CLIs' structured output wants one at the top) with an
 * overview and the components. Every property is required and no other is allowed, so
 * the schema is also valid for strict structured output (Codex `--output-schema`).
 */
export const PLAN_SCHEMA = {
  type: 'object',
  properties: {
    overview: { type: 'string', description: 'The approach in a few sentences.' },
    components: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          id: { type: 'string', description: 'Letters, digits, ".", "_" and "-"; it names a git branch.' },
          description: { type: 'string', description: 'What the component is, in one line.' },
          paths: { type: 'array', items: { type: 'string' }, description: 'Files or globs in the repository this component owns.' },
          depends_on: { type: 'array', items: { type: 'string' }, description: 'Ids of the components that must be finished first.' },
          acceptance: { type: 'string', description: 'How to tell that the component works.' },
        },
        required: ['id', 'description', 'paths', 'depends_on', 'acceptance'],
        additionalProperties: false,
      },
    },
  },
  required: ['overview', 'components'],
  additionalProperties: false,
} as const;

/** The schema as one line of JSON (Claude Code's `--json-schema` value, the `{{schema}}` placeholder). */
export const PLAN_SCHEMA_TEXT = JSON.stringify(PLAN_SCHEMA);

/** How the answer is to carry the plan: the CLI's structured output, or a fenced JSON block. */
export type PlanFormat = 'structured' | 'fenced';

const FORMAT_TEXT: Record<PlanFormat, string> = {
  structured: 'Return the plan through the structured output you are given: the overview and the component list.',
  fenced: 'End your answer with the plan as one fenced ```json block holding an object {"overview": ..., "components": [...]} that matches the schema above.',
};

/** The placeholders a design template (`.argo-project/prompts/design.md`) may use. */
export const DESIGN_PLACEHOLDERS = ['requirement', 'schema', 'format'] as const;

/** The original's design prompt (COMPAT §5.5): what a single-word CI tool is asked. */
export function originalDesignPrompt(query: string): string {
  return [
    'Please create a high-level software design for the following requirement.',
    '',
    `Requirement: ${query}`,
    '',
    'Provide:',
    '1. A short overview of the approach',
    '2. The main components to build',
    '3. Key technologies or design patterns worth using',
    '',
    'Keep it high-level and focus on the decomposition into components.',
  ].join('\n');
}

/** The built-in plan prompt: the original's request, and the plan in machine-readable form. */
export const BUILT_IN_PLAN_TEMPLATE = [
  'Please create a high-level software design for the following requirement, as a plan that several coding agents can build in parallel, one component each.',
  '',
  'Requirement: {{requirement}}',
  '',
  'Provide:',
  '1. A short overview of the approach',
  '2. The components to build: each one a part a single agent can build on its own, in files of its own',
  '3. Key technologies or design patterns worth using',
  '',
  'For each component give: "id" (letters, digits, ".", "_" and "-"; it names a git branch), "description" (one line), "paths" (the files or globs in the repository it owns, relative to the repository root; no two components own the same file), "depends_on" (ids of the components that must be finished before it starts; empty for most) and "acceptance" (how to tell that it works).',
  '',
  'The plan as JSON matches this schema:',
  '{{schema}}',
  '',
  '{{format}}',
].join('\n');

/** `design.plan` of the project's config: true, false, or null when not set. */
export function planSetting(config: Record<string, unknown>): boolean | null {
  const design = config.design;
  if (design === undefined || design === null) return null;
  if (typeof design !== 'object' || Array.isArray(design)) {
    throw new ArgoError(`design must be an object (e.g. {"plan": true}), got ${JSON.stringify(design)}`);
  }
  const plan = (design as Record<string, unknown>).plan;
  if (plan === undefined || plan === null) return null;
  if (typeof plan !== 'boolean') throw new ArgoError(`design.plan must be true or false, got ${JSON.stringify(plan)}`);
  return plan;
}

/** Is the design asked for as a plan? A preset or a command line: unless turned off; a single word: only when turned on. */
export function asksForPlan(kind: 'word' | 'command' | 'preset', setting: boolean | null): boolean {
  return kind === 'word' ? setting === true : setting !== false;
}

/** Where the design prompt comes from: the project's template file, or built in. */
export interface DesignPromptSource {
  file: string | null;
  template: string | null;
}

export function designPromptSource(projectDir: string): DesignPromptSource {
  const src = promptSource(projectDir, 'design');
  return { file: src?.file ?? null, template: src?.text ?? null };
}

/**
 * The design prompt: the project's template when it has one (every placeholder filled,
 * an unknown one refused), else the plan prompt or — without a plan — the original's.
 */
export function designPromptFor(query: string, plan: PlanFormat | null, source: DesignPromptSource): string {
  if (source.template !== null) return renderTemplate(source.template, designValues(query, plan ?? 'fenced'), source.file!);
  if (plan === null) return originalDesignPrompt(query);
  return renderTemplate(BUILT_IN_PLAN_TEMPLATE, designValues(query, plan), 'the built-in design prompt');
}

function designValues(query: string, plan: PlanFormat): Record<(typeof DESIGN_PLACEHOLDERS)[number], string> {
  return { requirement: query, schema: PLAN_SCHEMA_TEXT, format: FORMAT_TEXT[plan] };
}

/** The marker a follow-up question carries (and the fake agents of the tests look for). */
export const FOLLOW_UP_MARKER = 'only the component list';

/**
 * The one follow-up when an answer carried no usable component list. `resumed`: the same
 * session is asked, it knows the requirement and its answer. Otherwise (a command line, an
 * agent without a session) the question stands alone: the requirement and the end of the
 * first answer are quoted.
 */
export function followUpPrompt(query: string, plan: PlanFormat, resumed: boolean, answerTail: string): string {
  const ask = [
    `Answer with ${FOLLOW_UP_MARKER}, as JSON matching this schema:`,
    PLAN_SCHEMA_TEXT,
    '',
    plan === 'structured' ? FORMAT_TEXT.structured : 'Put it in one fenced ```json block; no other text is needed.',
  ];
  if (resumed) return ['Your design did not include the component list in the machine-readable form asked for.', '', ...ask].join('\n');
  return [
    'A high-level software design was written for the following requirement, but it did not include the component list in a machine-readable form.',
    '',
    `Requirement: ${query}`,
    '',
    'The end of that design:',
    '"""',
    answerTail,
    '"""',
    '',
    ...ask,
  ].join('\n');
}

/** The end of an answer, quoted in a stand-alone follow-up (bounded: a command line's argv is). */
export function answerTail(text: string, max = 8 * 1024): string {
  const t = text.trim();
  return t.length > max ? '…' + t.slice(t.length - max) : t;
}

/**
 * Which design prompt a project uses, as `argo doctor` says it: the project's design.md (a
 * placeholder it does not know is a problem), the built-in plan prompt, or the original's
 * text; a bad design.plan is a problem naming its value.
 */
export function designPromptStatus(projectDir: string, kind: 'word' | 'command' | 'preset', structured: boolean, config: Record<string, unknown>): { ok: boolean; line: string } {
  let setting: boolean | null;
  let source: DesignPromptSource;
  try {
    setting = planSetting(config);
    source = designPromptSource(projectDir);
  } catch (e) {
    return { ok: false, line: `design prompt: ERROR: ${(e as Error).message}` };
  }
  const plan = asksForPlan(kind, setting);
  const form = !plan ? 'no plan asked' : structured ? 'the plan through the CLI\'s structured output' : 'the plan in a fenced JSON block';
  if (source.template !== null) {
    const unknown = placeholdersOf(source.template).filter((p) => !(DESIGN_PLACEHOLDERS as readonly string[]).includes(p));
    if (unknown.length > 0) {
      return { ok: false, line: `design prompt: ${source.file} has an unknown placeholder {{${unknown[0]}}} (accepted: ${DESIGN_PLACEHOLDERS.map((p) => `{{${p}}}`).join(', ')})` };
    }
    return { ok: true, line: `design prompt: ${source.file} (the project's template; ${form})` };
  }
  if (plan) return { ok: true, line: `design prompt: built-in plan prompt (components with paths, depends_on, acceptance; ${form})` };
  const why = setting === false ? 'design.plan is false' : 'a single-word CI tool; design.plan: true asks it for a plan';
  return { ok: true, line: `design prompt: built-in, the original's text (${why})` };
}

/**
 * The design as people (and builders) read it: an answer that is the plan's JSON (structured
 * output) becomes its overview followed by the components in a fenced JSON block; any other
 * answer stays as it is.
 */
export function readableSummary(text: string, structured?: unknown): string {
  let plan = structured;
  if (plan === undefined && text.trimStart().startsWith('{')) {
    try {
      plan = JSON.parse(text);
    } catch {
      return text;
    }
  }
  const o = plan !== null && typeof plan === 'object' && !Array.isArray(plan) ? (plan as Record<string, unknown>) : null;
  if (!o || typeof o.overview !== 'string' || !Array.isArray(o.components)) return text;
  return `${o.overview.trim()}\n\n\`\`\`json\n${JSON.stringify({ components: o.components }, null, 2)}\n\`\`\``;
}

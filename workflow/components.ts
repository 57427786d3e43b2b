// Design components: read from a CI answer, and the ids that may become a branch
// (`argo-builder-<id>`) and a folder (`.argo-project/builders/<id>`).
import { ArgoError } from '../core/errors.js';
import { builderBranch } from '../store/layout.js';

export interface Component {
  id: string;
  description: string;
  /** Files or globs (relative to the repository) the component owns: its builder's boundary. */
  paths?: string[];
  /** Ids of the components that must be merged before this one starts (dependency waves). */
  depends_on?: string[];
  /** How to tell the component works (said to its builder). */
  acceptance?: string;
}

/**
 * The plan fields of a component entry (paths, depends_on, acceptance), each kept only
 * when it has its documented type: a list of non-empty strings, a string. A wrong type is
 * a problem of the plan (workflow/plan_check.ts says which), never a crash here.
 */
export function planFields(o: Record<string, unknown>): Pick<Component, 'paths' | 'depends_on' | 'acceptance'> {
  const strings = (v: unknown): string[] | undefined =>
    Array.isArray(v) && v.every((x) => typeof x === 'string' && x !== '') ? (v as string[]) : undefined;
  const out: Pick<Component, 'paths' | 'depends_on' | 'acceptance'> = {};
  const paths = strings(o.paths);
  if (paths) out.paths = paths;
  const deps = strings(o.depends_on);
  if (deps) out.depends_on = deps;
  if (typeof o.acceptance === 'string' && o.acceptance.trim() !== '') out.acceptance = o.acceptance;
  return out;
}

/** A component id that was not kept, and why (design.rejected_components). */
export interface RejectedComponent {
  id: string | null;
  reason: string;
}

/** Longest component id: it names a branch, a folder and a log file (ENAMETOOLONG beyond). */
export const MAX_ID_LENGTH = 64;

const ID = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * Why git refuses `name` as a branch name (`git check-ref-format --branch`, i.e.
 * `refs/heads/<name>` under git's ref rules), or undefined when git accepts it.
 */
export function branchNameProblem(name: string): string | undefined {
  if (name.startsWith('-')) return 'a branch name must not start with "-"';
  if (name === 'HEAD') return '"HEAD" is not a branch name';
  if (name === '' || name.startsWith('/') || name.endsWith('/') || name.includes('//')) return 'a ref has no empty part (no leading, trailing or double "/")';
  for (const ch of name) {
    const c = ch.codePointAt(0)!;
    if (c < 0x20 || c === 0x7f) return 'a ref must not contain control characters';
    if (' ~^:?*[\\'.includes(ch)) return `a ref must not contain ${JSON.stringify(ch)}`;
  }
  if (name.includes('..')) return 'a ref must not contain ".."';
  if (name.includes('@{')) return 'a ref must not contain "@{"';
  if (name === '@') return 'a ref must not be "@"';
  if (name.endsWith('.')) return 'a ref must not end with "."';
  for (const part of name.split('/')) {
    if (part.startsWith('.')) return 'no part of a ref may start with "."';
    if (part.endsWith('.lock')) return 'no part of a ref may end with ".lock"';
  }
  return undefined;
}

/** Why `id` cannot be a builder id, or undefined when it can. */
export function componentIdProblem(id: string): string | undefined {
  if (id.length > MAX_ID_LENGTH) return `longer than ${MAX_ID_LENGTH} characters (${id.length})`;
  if (!ID.test(id)) return 'use letters, digits, ".", "_" and "-", starting with a letter or digit';
  if (id.includes('..')) return 'must not contain ".."';
  if (id.endsWith('.lock')) return 'must not end in ".lock"';
  const git = branchNameProblem(builderBranch(id));
  if (git) return `git refuses the branch ${builderBranch(id)}: ${git}`;
  return undefined;
}

/**
 * Splits a component list into the usable components (first of each id, in order)
 * and the rejected entries with their reasons: one bad id costs only itself.
 */
export function partitionComponents(value: unknown, source: string): { components: Component[]; rejected: RejectedComponent[] } {
  if (!Array.isArray(value)) throw new ArgoError(`${source}: expected a JSON array of components`);
  const seen = new Set<string>();
  const components: Component[] = [];
  const rejected: RejectedComponent[] = [];
  value.forEach((c: unknown, i) => {
    if (typeof c !== 'object' || c === null) return void rejected.push({ id: null, reason: `${source}: component ${i} is not an object` });
    const o = c as Record<string, unknown>;
    if (typeof o.id !== 'string' && typeof o.id !== 'number') {
      return void rejected.push({ id: null, reason: `${source}: component ${i} has no usable "id" (got ${JSON.stringify(o.id) ?? 'nothing'})` });
    }
    const id = String(o.id);
    const problem = componentIdProblem(id);
    if (problem) return void rejected.push({ id, reason: `${source}: invalid component id '${id}': ${problem}` });
    if (seen.has(id)) return void rejected.push({ id, reason: `${source}: component id '${id}' appears twice` });
    seen.add(id);
    const description = typeof o.description === 'string' ? o.description : o.description == null ? 'null' : String(o.description);
    components.push({ id, description, ...planFields(o) });
  });
  return { components, rejected };
}

/** Checks a list of components; throws naming the first bad or repeated id. */
export function validateComponents(value: unknown, source: string): Component[] {
  const { components, rejected } = partitionComponents(value, source);
  if (rejected.length > 0) throw new ArgoError(rejected[0]!.reason);
  return components;
}

/**
 * Every balanced `[ { … } ]` span in free text (brackets inside JSON strings do
 * not count), outermost first: candidates for a bare component list.
 */
export function bareArrays(text: string): string[] {
  const found: string[] = [];
  let from = 0;
  for (;;) {
    const start = text.slice(from).search(/\[\s*\{/);
    if (start < 0) return found;
    const begin = from + start;
    const end = matchingBracket(text, begin);
    if (end < 0) {
      from = begin + 1;
      continue;
    }
    found.push(text.slice(begin, end + 1));
    from = end + 1;
  }
}

/** Index of the `]` closing the `[` at `open`, or -1. */
function matchingBracket(text: string, open: number): number {
  let depth = 0;
  let inString = false;
  for (let i = open; i < text.length; i++) {
    const ch = text[i];
    if (inString) {
      if (ch === '\\') i++;
      else if (ch === '"') inString = false;
    } else if (ch === '"') inString = true;
    else if (ch === '[' || ch === '{') depth++;
    else if (ch === ']' || ch === '}') {
      depth--;
      if (depth === 0) return ch === ']' ? i : -1;
      if (depth < 0) return -1;
    }
  }
  return -1;
}

/** The first component list (a JSON array with an object that has an "id") in a CI answer. */
export function findComponentList(answer: string): unknown[] | undefined {
  const candidates: string[] = [];
  for (const m of answer.matchAll(/```[A-Za-z]*[ \t]*\r?\n([\s\S]*?)```/g)) candidates.push(m[1]!);
  candidates.push(...bareArrays(answer));
  for (const text of candidates) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      continue;
    }
    const list = Array.isArray(parsed) ? parsed : (parsed as { components?: unknown })?.components;
    if (Array.isArray(list) && list.some((c) => typeof c === 'object' && c !== null && 'id' in c)) return list;
  }
  return undefined;
}

/**
 * The JSON list of components in a CI answer: a fenced block or a bare array of
 * objects with an "id". Undefined when there is none; throws when there is one
 * but it is not valid.
 */
export function extractComponents(answer: string): Component[] | undefined {
  const list = findComponentList(answer);
  return list === undefined ? undefined : validateComponents(list, 'CI answer');
}

/** As extractComponents, but keeps the valid components and reports each rejected one. */
export function extractComponentsLenient(answer: string): { components: Component[]; rejected: RejectedComponent[] } | undefined {
  const list = findComponentList(answer);
  return list === undefined ? undefined : partitionComponents(list, 'CI answer');
}

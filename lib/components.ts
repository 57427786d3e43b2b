// Design components: read from a CI answer, and the ids that may become a branch
// (`argo-builder-<id>`) and a folder (`.argo-project/builders/<id>`).
import { ArgoError } from './errors.js';

export interface Component {
  id: string;
  description: string;
}

const ID = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** Why `id` cannot be a builder id, or undefined when it can. */
export function componentIdProblem(id: string): string | undefined {
  if (!ID.test(id)) return 'use letters, digits, ".", "_" and "-", starting with a letter or digit';
  if (id.includes('..')) return 'must not contain ".."';
  if (id.endsWith('.lock')) return 'must not end in ".lock"';
  return undefined;
}

/** Checks a list of components; throws naming the first bad or repeated id. */
export function validateComponents(value: unknown, source: string): Component[] {
  if (!Array.isArray(value)) throw new ArgoError(`${source}: expected a JSON array of components`);
  const seen = new Set<string>();
  return value.map((c: unknown, i) => {
    if (typeof c !== 'object' || c === null) throw new ArgoError(`${source}: component ${i} is not an object`);
    const o = c as Record<string, unknown>;
    if (typeof o.id !== 'string' && typeof o.id !== 'number') {
      throw new ArgoError(`${source}: component ${i} has no usable "id" (got ${JSON.stringify(o.id) ?? 'nothing'})`);
    }
    const id = String(o.id);
    const problem = componentIdProblem(id);
    if (problem) throw new ArgoError(`${source}: invalid component id '${id}': ${problem}`);
    if (seen.has(id)) throw new ArgoError(`${source}: component id '${id}' appears twice`);
    seen.add(id);
    const description = typeof o.description === 'string' ? o.description : o.description == null ? 'null' : String(o.description);
    return { id, description };
  });
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

/**
 * The JSON list of components in a CI answer: a fenced block or a bare array of
 * objects with an "id". Undefined when there is none; throws when there is one
 * but it is not valid.
 */
export function extractComponents(answer: string): Component[] | undefined {
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
    // One object with an "id" makes it a component list; then every entry must be valid.
    if (Array.isArray(list) && list.some((c) => typeof c === 'object' && c !== null && 'id' in c)) {
      return validateComponents(list, 'CI answer');
    }
  }
  return undefined;
}

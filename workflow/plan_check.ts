// The plan checked before approval (issue 18): what in a design's component list would
// make builders trip over each other or never start. Pure: a list in, a cleaned list and
// the warnings out. design_program stores them (design.warnings), `argo approve` runs the
// same checks on its --components file and refuses a cycle (a cycle can never run).
import { posix } from 'node:path';
import { planFields, type Component } from './components.js';

export interface PlanCheck {
  /** The components with unknown dependencies and paths outside the repository dropped. */
  components: Component[];
  /** One sentence per problem, for design.warnings, status and the dashboard. */
  warnings: string[];
  /** Each dependency cycle, as the ids along it with the first repeated at the end. */
  cycles: string[][];
}

/** A cycle as people read it: `a → b → a`. */
export const cycleText = (cycle: string[]) => cycle.join(' → ');

/**
 * Checks a component list. `raw`: the entries as the answer or the file gave them (by
 * position or by id), so that a plan field of the wrong type, which planFields leaves
 * out, is named rather than lost without a word.
 */
export function checkPlan(components: readonly Component[], raw: readonly unknown[] = []): PlanCheck {
  const warnings: string[] = [...typeWarnings(components, raw)];
  const ids = new Set(components.map((c) => c.id));
  const cleaned = components.map((c) => {
    const out: Component = { ...c };
    if (c.depends_on) {
      const unknown = c.depends_on.filter((d) => !ids.has(d));
      for (const d of unknown) warnings.push(`component '${c.id}' depends on '${d}', which is not a component of the plan (dropped)`);
      out.depends_on = c.depends_on.filter((d) => ids.has(d));
    }
    if (c.paths) {
      const outside = c.paths.filter((p) => outsideRepository(p));
      for (const p of outside) warnings.push(`component '${c.id}' owns '${p}', which is outside the repository (dropped)`);
      out.paths = c.paths.filter((p) => !outside.includes(p));
    }
    return out;
  });
  const cycles = findCycles(cleaned);
  for (const cycle of cycles) warnings.push(`dependency cycle: ${cycleText(cycle)} (these components can never start)`);
  warnings.push(...overlapWarnings(cleaned));
  return { components: cleaned, warnings, cycles };
}

const FIELD_TYPES: Record<'paths' | 'depends_on' | 'acceptance', string> = {
  paths: 'a list of non-empty strings',
  depends_on: 'a list of non-empty strings',
  acceptance: 'a non-empty string',
};

function typeWarnings(components: readonly Component[], raw: readonly unknown[]): string[] {
  const byId = new Map<string, Record<string, unknown>>();
  for (const r of raw) {
    if (r !== null && typeof r === 'object' && !Array.isArray(r)) {
      const o = r as Record<string, unknown>;
      const id = typeof o.id === 'string' || typeof o.id === 'number' ? String(o.id) : null;
      if (id !== null && !byId.has(id)) byId.set(id, o);
    }
  }
  const out: string[] = [];
  for (const c of components) {
    const o = byId.get(c.id);
    if (!o) continue;
    const kept = planFields(o);
    for (const field of Object.keys(FIELD_TYPES) as (keyof typeof FIELD_TYPES)[]) {
      const given = o[field];
      if (given === undefined || given === null || kept[field] !== undefined) continue;
      out.push(`component '${c.id}': "${field}" must be ${FIELD_TYPES[field]}, got ${JSON.stringify(given)} (ignored)`);
    }
  }
  return out;
}

/** Absolute, or escaping the repository with `..`. */
export function outsideRepository(path: string): boolean {
  if (path.startsWith('/') || path.startsWith('\\') || /^[A-Za-z]:[\\/]/.test(path) || path.startsWith('~')) return true;
  const n = posix.normalize(path.replace(/\\/g, '/'));
  return n === '..' || n.startsWith('../');
}

/** Every elementary cycle reached by a depth-first walk, each once (whatever node it was found from). */
export function findCycles(components: readonly Pick<Component, 'id' | 'depends_on'>[]): string[][] {
  const deps = new Map(components.map((c) => [c.id, c.depends_on ?? []]));
  const done = new Set<string>();
  const seen = new Set<string>();
  const cycles: string[][] = [];
  const walk = (id: string, stack: string[]) => {
    const at = stack.indexOf(id);
    if (at >= 0) {
      const cycle = [...stack.slice(at), id];
      const key = [...cycle.slice(0, -1)].sort().join('\0');
      if (!seen.has(key)) (seen.add(key), cycles.push(cycle));
      return;
    }
    if (done.has(id)) return;
    for (const d of deps.get(id) ?? []) if (deps.has(d)) walk(d, [...stack, id]);
    done.add(id);
  };
  for (const c of components) walk(c.id, []);
  return cycles;
}

// ---- owned paths -------------------------------------------------------------------

const GLOB = /[*?[{]/;

/** A path as compared: `./a//b/` → `a/b`; the repository root is ''. */
export function normalizePath(path: string): string {
  const n = posix.normalize(path.replace(/\\/g, '/')).replace(/\/+$/, '');
  return n === '.' ? '' : n.replace(/^\.\//, '');
}

/** The folder part of a glob before its first wildcard segment (`src/ui/**` → `src/ui`). */
function globBase(path: string): string {
  const parts = path.split('/');
  const i = parts.findIndex((p) => GLOB.test(p));
  return parts.slice(0, i < 0 ? parts.length : i).join('/');
}

/** `inner` is `outer` or lies inside the folder `outer` ('' is the whole repository). */
const within = (inner: string, outer: string) => outer === '' || inner === outer || inner.startsWith(outer + '/');

/** A glob as a regular expression: `**` any depth, `*` and `?` within one segment. */
export function globMatches(glob: string, path: string): boolean {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i]!;
    if (ch === '*' && glob[i + 1] === '*') {
      const slash = glob[i + 2] === '/';
      re += slash ? '(?:.*/)?' : '.*';
      i += slash ? 2 : 1;
    } else if (ch === '*') re += '[^/]*';
    else if (ch === '?') re += '[^/]';
    else re += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`).test(path);
}

/** Can the glob reach below its base's direct children (`**`, or more than one segment after it)? */
function reachesDeeper(glob: string): boolean {
  const rest = glob.slice(globBase(glob).length).replace(/^\//, '');
  return rest.includes('**') || rest.split('/').length > 1;
}

/** Do two owned paths (files, folders or globs) claim a file in common? */
export function pathsOverlap(a: string, b: string): boolean {
  const p = normalizePath(a);
  const q = normalizePath(b);
  if (p === q) return true;
  const pg = GLOB.test(p);
  const qg = GLOB.test(q);
  if (!pg && !qg) return within(p, q) || within(q, p);
  if (pg && !qg) return globMatches(p, q) || within(globBase(p), q);
  if (!pg && qg) return globMatches(q, p) || within(globBase(q), p);
  const [bp, bq] = [globBase(p), globBase(q)];
  if (bp === bq) return true;
  if (within(bq, bp)) return reachesDeeper(p) || globMatches(p, bq);
  if (within(bp, bq)) return reachesDeeper(q) || globMatches(q, bp);
  return false;
}

function overlapWarnings(components: readonly Component[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < components.length; i++) {
    for (let j = i + 1; j < components.length; j++) {
      const [a, b] = [components[i]!, components[j]!];
      // One warning per pair, naming the first two paths that meet.
      for (const p of a.paths ?? []) {
        const q = (b.paths ?? []).find((x) => pathsOverlap(p, x));
        if (q === undefined) continue;
        out.push(`components '${a.id}' and '${b.id}' both own ${p === q ? `'${p}'` : `'${p}' / '${q}'`}: their builders may edit the same files`);
        break;
      }
    }
  }
  return out;
}

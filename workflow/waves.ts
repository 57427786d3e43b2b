// Dependency waves (issue 18): a builder starts only when every builder it depends on has
// been merged into the base branch, so it is built on top of their work. This is the pure
// decision the execution engine (workflow/engine.ts) takes at every look, for both
// back-ends: from each builder's depends_on and where it stands, and from what is already
// merged, which builders may start, which wait and for what, which can never start (a
// dependency failed, could not be merged, or a cycle), which completed builders must be
// merged now (others wait for them), and which depends_on ids name no builder (ignored).

/** Where a builder stands for the waves. */
export type WaveStatus = 'waiting' | 'live' | 'completed' | 'failed';

export interface WaveBuilder {
  id: string;
  depends_on: readonly string[];
  status: WaveStatus;
}

export interface WaveInput {
  builders: readonly WaveBuilder[];
  /** Ids already merged into the base branch (merge.merged, and this run's integrations). */
  merged: ReadonlySet<string>;
  /** Completed builders whose merge failed (a conflict): id → why, naming the files. */
  unmergeable?: ReadonlyMap<string, string>;
}

export interface WaveDecision {
  /** Waiting builders whose dependencies are all merged: they may start (in the input's order). */
  ready: string[];
  /** Waiting builders and the dependencies they still wait for (not merged yet). */
  waiting: { id: string; for: string[] }[];
  /** Waiting builders that can never start: each fails with failure "dependency" and this message. */
  blocked: { id: string; message: string }[];
  /** Completed, unmerged builders that a builder still to start depends on: merge them now. */
  integrate: string[];
  /** depends_on ids that name no builder of the workflow: ignored (one WARNING each). */
  unknown: { id: string; dependency: string }[];
}

/** True when some builder depends on another: only then is anything gated or merged early. */
export function hasWaves(builders: readonly { depends_on: readonly string[] }[]): boolean {
  return builders.some((b) => b.depends_on.length > 0);
}

/** The cycle through `start` in the graph of known dependencies, as ids (start … start), or null. */
function cycleThrough(start: string, deps: ReadonlyMap<string, readonly string[]>): string[] | null {
  const path: string[] = [start];
  const seen = new Set<string>();
  const walk = (id: string): boolean => {
    for (const d of deps.get(id) ?? []) {
      if (d === start) return path.push(d) > 0;
      if (seen.has(d)) continue;
      seen.add(d);
      path.push(d);
      if (walk(d)) return true;
      path.pop();
    }
    return false;
  };
  return walk(start) ? path : null;
}

/** Why `id` can never start, given the blocked set so far, or null. */
function blockReason(id: string, deps: readonly string[], byId: ReadonlyMap<string, WaveBuilder>, input: WaveInput, blocked: ReadonlyMap<string, string>): string | null {
  for (const d of deps) {
    if (input.merged.has(d)) continue;
    const dep = byId.get(d)!;
    if (dep.status === 'failed') return `dependency ${d} failed`;
    const conflict = input.unmergeable?.get(d);
    if (conflict !== undefined) return `dependency ${d} could not be merged into the base branch: ${conflict}`;
    if (blocked.has(d)) return `dependency ${d} cannot start (${blocked.get(d)})`;
  }
  return null;
}

/** The decision (pure); see the header. */
export function decideWaves(input: WaveInput): WaveDecision {
  const byId = new Map(input.builders.map((b) => [b.id, b]));
  const unknown: WaveDecision['unknown'] = [];
  const deps = new Map<string, string[]>();
  for (const b of input.builders) {
    const known = [...new Set(b.depends_on)].filter((d) => byId.has(d));
    for (const d of b.depends_on) if (!byId.has(d)) unknown.push({ id: b.id, dependency: d });
    deps.set(b.id, known);
  }
  const todo = input.builders.filter((b) => b.status === 'waiting');
  const blocked = new Map<string, string>();
  for (const b of todo) {
    const cycle = cycleThrough(b.id, deps);
    if (cycle) blocked.set(b.id, `dependency cycle: ${cycle.join(' -> ')}`);
  }
  // A builder whose dependency can never start cannot start either: spread until nothing changes.
  for (let changed = true; changed; ) {
    changed = false;
    for (const b of todo) {
      if (blocked.has(b.id)) continue;
      const why = blockReason(b.id, deps.get(b.id)!, byId, input, blocked);
      if (why !== null) {
        blocked.set(b.id, why);
        changed = true;
      }
    }
  }
  const ready: string[] = [];
  const waiting: WaveDecision['waiting'] = [];
  const needed = new Set<string>();
  for (const b of todo) {
    if (blocked.has(b.id)) continue;
    const open = deps.get(b.id)!.filter((d) => !input.merged.has(d));
    if (open.length === 0) ready.push(b.id);
    else waiting.push({ id: b.id, for: open });
    for (const d of open) needed.add(d);
  }
  const integrate = input.builders.filter((b) => b.status === 'completed' && needed.has(b.id)).map((b) => b.id);
  return { ready, waiting, blocked: [...blocked].map(([id, message]) => ({ id, message })), integrate, unknown };
}

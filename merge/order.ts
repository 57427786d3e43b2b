// The order merge_build integrates builders in (issue 20): a builder after every builder it
// depends on (the plan's depends_on), then the order the builders finished (`completed`),
// then their row order. Pure: rows in, ids out.

export interface OrderRow {
  id: string;
  depends_on: readonly string[];
  /** When it completed (an ISO-like timestamp that sorts as text); null: not recorded. */
  completed: string | null;
}

/** Finished earlier first; no timestamp after every timestamp; ties by row order. */
function byFinish(rows: readonly OrderRow[]): (a: number, b: number) => number {
  return (a, b) => {
    const ca = rows[a]!.completed;
    const cb = rows[b]!.completed;
    if (ca !== cb) {
      if (ca === null) return 1;
      if (cb === null) return -1;
      return ca < cb ? -1 : 1;
    }
    return a - b;
  };
}

/**
 * Every row's id once, dependencies first (Kahn's algorithm, the ready row that finished
 * first taken each time). A dependency on an id that is not a row is no constraint (it
 * was merged before, or never planned); rows caught in a cycle (the plan's checks refuse
 * one, a hand edit may not) follow in the finish order, so none is ever left out.
 */
export function mergeOrder(rows: readonly OrderRow[]): string[] {
  const index = new Map<string, number>();
  rows.forEach((r, i) => {
    if (!index.has(r.id)) index.set(r.id, i);
  });
  const unique = [...index.values()];
  const waitingOn = new Map<number, Set<number>>();
  for (const i of unique) {
    const deps = new Set<number>();
    for (const d of rows[i]!.depends_on) {
      const j = index.get(d);
      if (j !== undefined && j !== i) deps.add(j);
    }
    waitingOn.set(i, deps);
  }
  const cmp = byFinish(rows);
  const out: number[] = [];
  const left = new Set(unique);
  while (left.size > 0) {
    const ready = [...left].filter((i) => [...waitingOn.get(i)!].every((j) => !left.has(j))).sort(cmp);
    // A cycle: nothing is ready; the first of them by finish order goes next.
    const next = ready[0] ?? [...left].sort(cmp)[0]!;
    out.push(next);
    left.delete(next);
  }
  return out.map((i) => rows[i]!.id);
}

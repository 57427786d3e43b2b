// What the execution phase does with each builder when it starts (pure but for the probes
// passed in): a completed one is left alone, one an earlier handler still runs is adopted,
// one that ended while nobody watched is judged from its result, the others run — except,
// under `argo retry <ids>`, the failed builders not named; one waiting on a limit waits on
// until its resume time (its wait and its time survive a restart).
import type { BuilderRecord } from '../store/builders.js';

export type Plan = { kind: 'done' } | { kind: 'adopt'; pid: number } | { kind: 'result'; code: number } | { kind: 'start' } | { kind: 'skip' } | { kind: 'wait'; resumeAt: number };

export function planBuilder(
  b: Pick<BuilderRecord, 'id' | 'status' | 'pid' | 'worktree'> & Partial<Pick<BuilderRecord, 'resume_at'>>,
  alive: (pid: number) => boolean,
  result: (wt: string | null) => number | undefined,
  only: Set<string> | null = null,
): Plan {
  if (b.status === 'completed') return { kind: 'done' };
  // `argo retry <ids>`: the other failed builders stay as they are.
  if (only !== null && b.status === 'failed' && !only.has(b.id)) return { kind: 'skip' };
  // An unreadable resume time resumes at once (0: long past).
  if (b.status === 'waiting') return { kind: 'wait', resumeAt: Date.parse(b.resume_at ?? '') || 0 };
  if (b.status === 'running') {
    if (b.pid !== null && alive(b.pid)) return { kind: 'adopt', pid: b.pid };
    const code = result(b.worktree);
    if (code !== undefined) return { kind: 'result', code };
  }
  return { kind: 'start' };
}

/** `execution.retry_only` (argo retry <ids>): the ids, else null (every failed builder). */
export function retryOnly(exec: unknown): Set<string> | null {
  const list = (exec as { retry_only?: unknown } | null)?.retry_only;
  return Array.isArray(list) ? new Set(list.filter((x): x is string => typeof x === 'string')) : null;
}

/** The builders of a run, each id once (fields are written per id, so a repeated id is one builder). */
export function distinctBuilders<B extends { id: string }>(list: B[]): B[] {
  const seen = new Set<string>();
  return list.filter((b) => !seen.has(b.id) && seen.add(b.id));
}

// Which builders of a state are on a worker queue (kept apart from pg-boss: stop_workflow
// reads it on every call, and loads the queue only when there is something to cancel).
/** Job ids of builders the state shows as queued or running on workers. */
export function liveJobIds(state: unknown): string[] {
  const list = (state as { execution?: { builders?: unknown } } | null)?.execution?.builders;
  if (!Array.isArray(list)) return [];
  return list
    .filter((b) => b && (b.status === 'pending' || b.status === 'running') && typeof b.job_id === 'string' && b.job_id !== '')
    .map((b) => b.job_id as string);
}

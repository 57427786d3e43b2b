// stop_workflow's part in postgres mode: cancel the builders' jobs still on the queue, so
// the workers end those builders even when no coordinator is left to do it.
import { readBackend, redactUrl } from './config.js';
import { PgBossQueue } from './pgboss_queue.js';

/** Prints what it did; the exit status (1 when the queue could not be reached). */
export async function cancelLiveJobs(configFile: string, ids: string[], out: (l: string) => void, err: (l: string) => void): Promise<number> {
  const backend = readBackend(configFile, process.env);
  if (backend.kind !== 'postgres') return 0;
  let queue: PgBossQueue | undefined;
  try {
    queue = await PgBossQueue.open({ databaseUrl: backend.databaseUrl, onError: () => undefined });
    const n = await queue.cancel(ids);
    out(`Cancelled ${n} builder jobs`);
    return 0;
  } catch (e) {
    err(`ERROR: could not cancel the builder jobs on ${redactUrl(backend.databaseUrl)}: ${(e as Error).message}`);
    return 1;
  } finally {
    await queue?.close();
  }
}

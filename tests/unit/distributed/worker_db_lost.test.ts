// A worker that cannot reach the database for longer than the heartbeat stops by itself
// and ends its builder: by then the job belongs to another worker. Its own PostgreSQL
// server, since the test stops it.
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { pidAlive } from '../../../core/proc.js';
import { cleanup, makeCluster, until, type Cluster } from './cluster.js';
import { startPostgres, type PgServer } from './pg_harness.js';

let server: PgServer;
let c: Cluster | undefined;
beforeAll(async () => {
  server = await startPostgres();
}, 60_000);
afterEach(async () => {
  await c?.close();
  await cleanup();
});
afterAll(async () => {
  await server?.stop();
});

it('a worker cut off from the database stops on its own and ends its builder', { timeout: 90_000 }, async () => {
  c = await makeCluster(await server.createDatabase(), ['a']);
  expect(await c.handler('design_build').exited).toBe(0);
  const w1 = c.startWorker('w1', 1);
  c.handler('execution');
  const builder = await until('builder running on w1', () => c!.builderPid('a', 'w1'));
  await c.close(); // the test's own pool, before the server goes
  await server.stop();
  expect(await w1.exited).toBe(1);
  expect(w1.output()).toContain('argo worker stopped: database unreachable for longer than the heartbeat');
  expect(pidAlive(builder)).toBe(false);
});

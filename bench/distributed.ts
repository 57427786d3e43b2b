// bench/distributed.sh's body: 50 instant builders (compat/standin_ci) through the local
// runner and through two `argo worker`s on an embedded PostgreSQL; then the time from a
// worker's death (kill -9 of it and its builder) to the job running on the other worker.
import { join } from 'node:path';
import { cleanup, makeCluster, ROOT, until } from '../tests/unit/distributed/cluster.js';
import { startPostgres } from '../tests/unit/distributed/pg_harness.js';

const N = Number(process.env.BENCH_BUILDERS ?? 50);
const STANDIN = join(ROOT, 'compat', 'standin_ci');
const ids = Array.from({ length: N }, (_, i) => `part-${i + 1}`);
const seconds = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e9;

async function timedExecution(url: string, backend: 'local' | 'postgres', workers: number): Promise<number> {
  const c = await makeCluster(url, ids, { tool: STANDIN, backend });
  try {
    if ((await c.handler('design_build').exited) !== 0) throw new Error('design_build failed');
    for (let i = 1; i <= workers; i++) c.startWorker(`w${i}`, 5);
    const t0 = process.hrtime.bigint();
    const exec = c.handler('execution');
    const code = await exec.exited;
    const t = seconds(t0);
    if (code !== 0) throw new Error(`execution exited ${code}: ${exec.output().slice(-2000)}`);
    const done = c.state().execution.builders.filter((b: { status: string }) => b.status === 'completed').length;
    if (done !== N) throw new Error(`${done} of ${N} builders completed`);
    return t;
  } finally {
    await c.close();
    await cleanup();
  }
}

async function failover(url: string): Promise<number> {
  const c = await makeCluster(url, ['a']);
  try {
    if ((await c.handler('design_build').exited) !== 0) throw new Error('design_build failed');
    const w1 = c.startWorker('w1', 1);
    c.handler('execution');
    const group = await until('builder on w1', () => c.builderGroup('a', 'w1'));
    c.startWorker('w2', 1);
    const t0 = process.hrtime.bigint();
    process.kill(w1.pid, 'SIGKILL');
    process.kill(-group, 'SIGKILL');
    await until('builder on w2', () => c.builderPid('a', 'w2'), 120_000);
    return seconds(t0);
  } finally {
    await c.close();
    await cleanup();
  }
}

const server = await startPostgres();
try {
  // limits.max_parallel_builders is 10 in both runs; the workers take 5 each.
  const local = await timedExecution(await server.createDatabase(), 'local', 0);
  const remote = await timedExecution(await server.createDatabase(), 'postgres', 2);
  console.log(`${N} instant builders, at most 10 at once:`);
  console.log(`  local runner:           ${local.toFixed(2)} s  (${((local / N) * 1000).toFixed(0)} ms per builder)`);
  console.log(`  2 workers on postgres:  ${remote.toFixed(2)} s  (${((remote / N) * 1000).toFixed(0)} ms per builder)`);
  console.log(`  overhead per builder:   ${(((remote - local) / N) * 1000).toFixed(0)} ms of wall time`);
  const handover = await failover(await server.createDatabase());
  console.log(`worker killed -> its builder running on the other worker: ${handover.toFixed(1)} s (heartbeat 10 s, monitor 1 s)`);
} finally {
  await server.stop();
}

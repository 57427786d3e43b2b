// A job row is data, not code: rows written straight into pgboss.job with the README's
// low-privilege worker role, signed jobs altered afterwards, commands the worker's owner did
// not list, and remotes that would be git options or command transports are refused by a real
// `argo worker` - nothing of them runs - and failed for good with the reason. A signed job
// whose command line is listed runs. Its own PostgreSQL server, a database per test.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { BuilderJob } from '../../../distributed/backend.js';
import { signJob } from '../../../distributed/job_auth.js';
import { baseRef } from '../../../core/git_async.js';
import { TEST_JOB_SECRET, cleanup, git, makeCluster, readmeRoles, tempDir, until, type Cluster } from './cluster.js';
import { sharedPostgres, type PgServer } from './pg_harness.js';

let server: PgServer;
const clusters: Cluster[] = [];
beforeAll(async () => {
  server = await sharedPostgres();
}, 60_000);
afterEach(async () => {
  for (const c of clusters.splice(0)) await c.close();
  await cleanup();
});
afterAll(async () => {
  await server?.stop();
});

const KEY = Buffer.from(TEST_JOB_SECRET);

interface Setup {
  c: Cluster;
  /** A builder job for this cluster's remote and pushed base commit. */
  job(words: string[], extra?: Partial<BuilderJob>): BuilderJob;
  /** Inserts a row into pgboss.job as the argo_worker role, as a rogue holder of that role could. */
  insert(data: unknown, id?: string): Promise<string>;
  /** The row once a worker has settled it. */
  settled(id: string): Promise<{ state: string; output: any }>;
  marker: (name: string) => string;
}

async function setup(allow: string[]): Promise<Setup> {
  const roles = await readmeRoles(server);
  const c = await makeCluster(roles.coordinator, ['a'], { workerUrl: roles.worker }); // the coordinator's role creates the schema
  clusters.push(c);
  const base = git(c.dir, 'rev-parse', 'HEAD');
  git(c.dir, 'push', '-q', c.remote, `${base}:${baseRef(base)}`);
  const markers = tempDir('argo-marker-');
  c.startWorker('w1', 1, {}, allow.map((l) => l.replaceAll('MARKERS', markers)));
  const query = async (sql: string, values: unknown[]) => {
    const client = new pg.Client({ connectionString: roles.worker });
    await client.connect();
    try {
      return (await client.query(sql, values)).rows;
    } finally {
      await client.end();
    }
  };
  return {
    c,
    marker: (name) => join(markers, name),
    job: (words, extra = {}) => ({
      workflow: `rogue:${base}`,
      project: 'rogue',
      builder: 'a',
      prompt: 'p',
      tool: words[0]!,
      remote: c.remote,
      base,
      branch: 'argo-builder-a',
      timeoutSeconds: null,
      ci: { kind: 'command', words: words.map((w) => w.replaceAll('MARKERS', markers)) },
      ...extra,
    }),
    async insert(data, id = randomUUID()) {
      const rows = await query(
        `INSERT INTO pgboss.job (id, name, data, policy, heartbeat_seconds, retry_limit) VALUES ($1, 'argo-builders', $2::jsonb, 'exclusive', 10, 2) RETURNING id`,
        [id, JSON.stringify(data)],
      );
      return rows[0].id as string;
    },
    settled: (id) =>
      until(`job ${id} settled`, async () => {
        const [row] = await query(`SELECT state, retry_count, output FROM pgboss.job WHERE id = $1`, [id]);
        return row && ['completed', 'failed'].includes(row.state) ? row : undefined;
      }),
  };
}

describe('a job row is data: the worker runs only signed jobs its host allows', () => {
  it('a row the argo_worker role inserts by hand (bash -c) runs nothing and fails for good with the reason', async () => {
    const s = await setup([]);
    const data = s.job(['bash', '-c', 'touch MARKERS/pwned']);
    const id = await s.insert(data);
    // 'failed' at its first attempt: no retry is left that another worker could claim.
    expect(await s.settled(id)).toMatchObject({ state: 'failed', retry_count: 0, output: { reason: 'refused by worker w1: the job is not signed (no coordinator holding the job secret queued it)' } });
    expect(existsSync(s.marker('pwned'))).toBe(false);
    expect(s.c.workers.get('w1')!.output()).toContain(`ERROR: refused job ${id} (builder "a"): the job is not signed`);
  });

  it('a signed job whose payload was altered afterwards is refused', async () => {
    const s = await setup(['touch MARKERS/ok']);
    const id = randomUUID();
    const signed = signJob(s.job(['touch', 'MARKERS/ok']), id, KEY);
    await s.insert({ ...signed, ci: { kind: 'command', words: ['bash', '-c', `touch ${s.marker('pwned')}`] } }, id);
    expect(await s.settled(id)).toMatchObject({ state: 'failed', output: { reason: expect.stringContaining("the job's signature does not match its payload") } });
    expect(existsSync(s.marker('pwned'))).toBe(false);
    expect(existsSync(s.marker('ok'))).toBe(false);
  });

  it('a signed payload copied into another row is refused', async () => {
    const s = await setup(['touch MARKERS/ok']);
    const signed = signJob(s.job(['touch', 'MARKERS/ok']), randomUUID(), KEY);
    const copy = await s.insert(signed);
    expect(await s.settled(copy)).toMatchObject({ state: 'failed', output: { reason: expect.stringContaining('a copied payload') } });
    expect(existsSync(s.marker('ok'))).toBe(false);
  });

  it("a signed job whose command line is not in the worker's allow list is refused; a listed one runs", async () => {
    const s = await setup(['touch MARKERS/ok']);
    const refused = randomUUID();
    await s.insert(signJob(s.job(['touch', 'MARKERS/other']), refused, KEY), refused);
    expect(await s.settled(refused)).toMatchObject({
      state: 'failed',
      output: { reason: expect.stringContaining(`the command "touch ${s.marker('other')}" is not in this worker's allow list; start the worker with --allow-command`) },
    });
    expect(existsSync(s.marker('other'))).toBe(false);
    const allowed = randomUUID();
    await s.insert(signJob(s.job(['touch', 'MARKERS/ok']), allowed, KEY), allowed);
    expect(await s.settled(allowed)).toMatchObject({ state: 'completed', output: { exit_code: 0, host: 'w1' } });
    expect(existsSync(s.marker('ok'))).toBe(true);
  });

  it('a signed job with a remote that is a git option or a command transport is refused; git never runs it', async () => {
    const s = await setup(['touch MARKERS/ok']);
    for (const remote of [`--upload-pack=touch ${s.marker('upload-pack')};false`, `ext::sh -c touch% ${s.marker('ext')}`]) {
      const id = randomUUID();
      await s.insert(signJob(s.job(['touch', 'MARKERS/ok'], { remote }), id, KEY), id);
      expect(await s.settled(id)).toMatchObject({ state: 'failed', output: { reason: expect.stringContaining(`remote ${JSON.stringify(remote)} refused`) } });
    }
    expect(existsSync(s.marker('upload-pack'))).toBe(false);
    expect(existsSync(s.marker('ext'))).toBe(false);
    expect(existsSync(s.marker('ok'))).toBe(false);
  });
});

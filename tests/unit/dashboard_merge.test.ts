// Issue 20, item 4 on the dashboard: GET /api/projects/<id>/merge/<builder> answers a
// conflicted builder's files, where to work and its diff (text, cut), behind the same
// token as every other API request, and reads the diff only once the path from state is
// proven to be a file of the project's .argo-project/logs.
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { handle, type Deps, type Req } from '../../dashboard/handlers.js';
import { mergeDiffReader } from '../../dashboard/server.js';
import type { ProjectSummary } from '../../dashboard/messages.js';
import { DIFF_LIMIT } from '../../view/merge.js';
import { tempDir } from './helpers.js';

const TOKEN = 'secret-token-123';
const bearer = { authorization: `Bearer ${TOKEN}` };
const get = (url: string, headers: Record<string, string> = {}): Req => ({ method: 'GET', url, headers: { host: '127.0.0.1:7787', ...headers }, body: '' });

/** A project on disk whose builders carry merge records; `diff` per builder id. */
function project(diffs: Record<string, string>): ProjectSummary {
  const dir = tempDir();
  const logs = join(dir, '.argo-project', 'logs');
  mkdirSync(logs, { recursive: true });
  writeFileSync(join(dir, 'outside.txt'), 'TOP SECRET');
  writeFileSync(join(logs, 'merge-cli.diff'), 'diff --cc src/a.ts\n<<<<<<< HEAD\n<script>alert(1)</script>\n');
  writeFileSync(join(logs, 'merge-big.diff'), 'z'.repeat(DIFF_LIMIT + 10));
  symlinkSync(join(dir, 'outside.txt'), join(logs, 'merge-link.diff'));
  const builders = Object.entries(diffs).map(([id, diff]) => ({ id, status: 'completed', merge: { status: 'conflict', target: 'main', files: ['src/a.ts', 'a\n<b>b</b>'], diff, worktree: join(dir, '.argo-project/builders', id), branch: `argo-builder-${id}` } }));
  writeFileSync(join(dir, '.argo-project', 'state.json'), JSON.stringify({ project_name: 'demo', execution: { builders } }));
  return { id: 'demo-1', name: 'demo', path: dir, problem: null, view: null };
}

function deps(p: ProjectSummary): Deps {
  return {
    token: TOKEN,
    projects: () => [p],
    project: (id) => (id === p.id ? p : undefined),
    asset: () => undefined,
    act: async () => ({ ok: true, output: '' }),
    mergeDiff: mergeDiffReader,
    review: async () => undefined,
  };
}

describe('GET /api/projects/<id>/merge/<builder>', () => {
  const p = () => project({ cli: '.argo-project/logs/merge-cli.diff', 'odd id': '.argo-project/logs/merge-cli.diff', big: '.argo-project/logs/merge-big.diff', link: '.argo-project/logs/merge-link.diff', out: 'outside.txt', up: '.argo-project/logs/../../outside.txt' });

  it('needs the token like every API request: without it, a cookie or ?token=, 401', async () => {
    const d = deps(p());
    expect((await handle(get('/api/projects/demo-1/merge/cli'), d)).status).toBe(401);
    expect((await handle(get(`/api/projects/demo-1/merge/cli?token=${TOKEN}`), d)).status).toBe(401);
    expect((await handle(get('/api/projects/demo-1/merge/cli', { cookie: `token=${TOKEN}` }), d)).status).toBe(401);
  });

  it('with the token: the files, where to work and the diff as JSON text (markup stays text)', async () => {
    const proj = p();
    const res = await handle(get('/api/projects/demo-1/merge/cli', bearer), deps(proj));
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.headers['content-security-policy']).toContain("default-src 'self'");
    const body = JSON.parse(res.body);
    expect(body.builder).toBe('cli');
    expect(body.merge).toMatchObject({ status: 'conflict', files: ['src/a.ts', 'a\n<b>b</b>'], files_total: 2, branch: 'argo-builder-cli', worktree: join(proj.path, '.argo-project/builders/cli'), diff_text: 'diff --cc src/a.ts\n<<<<<<< HEAD\n<script>alert(1)</script>\n', diff_cut: false, diff_problem: null });
    expect(JSON.parse((await handle(get('/api/projects/demo-1/merge/odd%20id', bearer), deps(proj))).body).builder).toBe('odd id');
  });

  it('a big diff is cut at 16 KB with a note', async () => {
    const body = JSON.parse((await handle(get('/api/projects/demo-1/merge/big', bearer), deps(p()))).body);
    expect(body.merge.diff_text).toHaveLength(DIFF_LIMIT);
    expect(body.merge).toMatchObject({ diff_cut: true, diff_bytes: DIFF_LIMIT + 10, diff_note: `cut at ${DIFF_LIMIT} of ${DIFF_LIMIT + 10} bytes; the whole diff is .argo-project/logs/merge-big.diff` });
  });

  it.each(['link', 'out', 'up'])('a diff path that is not a file of the logs folder (%s): nothing read, one line why', async (id) => {
    const res = await handle(get(`/api/projects/demo-1/merge/${id}`, bearer), deps(p()));
    expect(res.status).toBe(200);
    expect(res.body).not.toContain('TOP SECRET');
    const body = JSON.parse(res.body);
    expect(body.merge.diff_text).toBeNull();
    expect(body.merge.diff_problem).toMatch(/^diff not shown: .* is not inside the project's \.argo-project\/logs folder \(refused\)$/);
  });

  it('no such project, builder or record, a malformed escape: 404', async () => {
    const d = deps(p());
    expect((await handle(get('/api/projects/nope/merge/cli', bearer), d)).status).toBe(404);
    expect((await handle(get('/api/projects/demo-1/merge/ghost', bearer), d)).status).toBe(404);
    expect((await handle(get('/api/projects/demo-1/merge/%E0%A4%A', bearer), d)).status).toBe(404);
    const gone: ProjectSummary = { id: 'demo-1', name: 'x', path: join(tempDir(), 'none'), problem: null, view: null };
    expect((await handle(get('/api/projects/demo-1/merge/cli', bearer), deps(gone))).status).toBe(404);
  });
});

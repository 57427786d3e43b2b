// Issue 21, item 1 on the dashboard: GET /api/projects/<id>/builders/<builder>/review answers
// what a builder changed (files, the unified diff as text), its agent's final message read
// back from its output file, and its verify result — behind the token like every API call.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { handle, type Deps, type Req } from '../../dashboard/handlers.js';
import { mergeDiffReader, reviewReader } from '../../dashboard/server.js';
import type { ProjectSummary } from '../../dashboard/messages.js';
import { FINAL_MESSAGE_LIMIT, lastVerify } from '../../view/builder_review.js';
import { tempDir } from './helpers.js';

const TOKEN = 'secret-token-123';
const bearer = { authorization: `Bearer ${TOKEN}` };
const get = (url: string, headers: Record<string, string> = {}): Req => ({ method: 'GET', url, headers: { host: '127.0.0.1:7787', ...headers }, body: '' });
const git = (cwd: string, ...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { cwd, encoding: 'utf8' });

/** A git project: main, and builder `ui` with one commit (a file holding markup); `ui` ran claude and verify passed. */
function project(message = 'Added the <b>UI</b>; all tests pass.'): ProjectSummary {
  const dir = tempDir();
  git(dir, 'init', '-q', '-b', 'main');
  writeFileSync(join(dir, 'a.txt'), 'a\n');
  git(dir, 'add', 'a.txt');
  git(dir, 'commit', '-qm', 'base');
  git(dir, 'checkout', '-qb', 'argo-builder-ui');
  writeFileSync(join(dir, 'ui.html'), '<script>alert(1)</script>\n');
  git(dir, 'add', 'ui.html');
  git(dir, 'commit', '-qm', 'ui');
  git(dir, 'checkout', '-q', 'main');
  const logs = join(dir, '.argo-project', 'logs');
  mkdirSync(logs, { recursive: true });
  writeFileSync(join(logs, 'builder-ui.agent.out'), JSON.stringify({ type: 'result', subtype: 'success', is_error: false, result: message, session_id: 's1' }) + '\n');
  writeFileSync(join(logs, 'builder-ui.log'), '[2026-01-01T00:00:00Z] verify_failed - verify.command failed with exit status 1\n[2026-01-01T00:01:00Z] verified - verify.command passed\n');
  const builders = [
    { id: 'ui', status: 'completed', usage: { agent: 'claude', session_id: 's1' } },
    { id: 'plain', status: 'completed' },
  ];
  writeFileSync(join(dir, '.argo-project', 'state.json'), JSON.stringify({ project_name: 'demo', execution: { builders } }));
  return { id: 'demo-1', name: 'demo', path: dir, problem: null, view: null };
}

function deps(p: ProjectSummary): Deps {
  return { token: TOKEN, projects: () => [p], project: (id) => (id === p.id ? p : undefined), asset: () => undefined, act: async () => ({ ok: true, output: '' }), mergeDiff: mergeDiffReader, review: reviewReader };
}

describe('GET /api/projects/<id>/builders/<builder>/review', () => {
  it('needs the token: without it (or with ?token= / a cookie), 401', async () => {
    const d = deps(project());
    expect((await handle(get('/api/projects/demo-1/builders/ui/review'), d)).status).toBe(401);
    expect((await handle(get(`/api/projects/demo-1/builders/ui/review?token=${TOKEN}`), d)).status).toBe(401);
    expect((await handle(get('/api/projects/demo-1/builders/ui/review', { cookie: `token=${TOKEN}` }), d)).status).toBe(401);
  });

  it('the changed files, the unified diff as text, the final message and the verify result', async () => {
    const res = await handle(get('/api/projects/demo-1/builders/ui/review', bearer), deps(project()));
    expect(res.status).toBe(200);
    const { review } = JSON.parse(res.body);
    expect(review.changes.problem).toBeNull();
    expect(review.changes.what).toBe('branch argo-builder-ui against its merge-base with main');
    expect(review.changes.files).toEqual([{ path: 'ui.html', added: 1, deleted: 0 }]);
    expect(review.changes.diff).toContain('+<script>alert(1)</script>');
    expect(review.final_message).toBe('Added the <b>UI</b>; all tests pass.');
    expect(review.verify).toEqual({ result: 'passed', line: 'verify.command passed', where: 'builder' });
  });

  it('the final message is cut to 4 KB; a builder without a preset says why it has none', async () => {
    const p = project('x'.repeat(10_000));
    const { review } = JSON.parse((await handle(get('/api/projects/demo-1/builders/ui/review', bearer), deps(p))).body);
    expect(review.final_message).toHaveLength(FINAL_MESSAGE_LIMIT);
    const plain = JSON.parse((await handle(get('/api/projects/demo-1/builders/plain/review', bearer), deps(p))).body).review;
    expect(plain.final_message).toBeNull();
    expect(plain.final_message_note).toMatch(/no agent preset/);
    expect(plain.changes.problem).toMatch(/no branch argo-builder-plain/);
    expect(plain.verify).toBeNull();
  });

  it('an unknown builder or project: 404', async () => {
    const d = deps(project());
    expect((await handle(get('/api/projects/demo-1/builders/nope/review', bearer), d)).status).toBe(404);
    expect((await handle(get('/api/projects/other/builders/ui/review', bearer), d)).status).toBe(404);
  });

  it('lastVerify takes the last verify line of the log', () => {
    expect(lastVerify(['[t] verified - ok', '[t] verify_failed - exit 2', '[t] done - x'])).toEqual({ result: 'failed', line: 'exit 2' });
    expect(lastVerify(['[t] starting - x'])).toBeNull();
  });
});

describe('POST /api/projects/<id>/say (argo say from the page)', () => {
  it('checks the builder and the text before any command runs; the argv is argo say <path> <builder> <text>', async () => {
    const { parseAction } = await import('../../dashboard/handlers.js');
    const { commandFor } = await import('../../dashboard/actions.js');
    expect(parseAction('say', JSON.stringify({ builder: 'ui', text: 'Use tabs; not spaces' }))).toEqual({ action: 'say', builder: 'ui', text: 'Use tabs; not spaces' });
    for (const body of [{}, { builder: 'ui' }, { builder: '', text: 'x' }, { builder: 'ui', text: '  ' }, { builder: 'ui', text: 'x'.repeat(32 * 1024 + 1) }, { builder: 'ui', text: 5 }]) {
      expect(parseAction('say', JSON.stringify(body)), JSON.stringify(body).slice(0, 40)).toMatch(/^say needs \{"builder"/);
    }
    expect(commandFor({ action: 'say', builder: 'ui', text: '$(rm -rf ~)' }, '/p q')).toEqual(['say', '/p q', 'ui', '$(rm -rf ~)']);
  });
  it('needs the token and an allowed origin like every POST', async () => {
    let acted = 0;
    const d = { ...deps(project()), act: async () => ((acted += 1), { ok: true, output: '' }) };
    const post = (headers: Record<string, string>): Req => ({ method: 'POST', url: '/api/projects/demo-1/say', headers: { host: '127.0.0.1:7787', 'content-type': 'application/json', ...headers }, body: JSON.stringify({ builder: 'ui', text: 'hi' }) });
    expect((await handle(post({}), d)).status).toBe(401);
    expect((await handle(post({ ...bearer, origin: 'http://evil.example' }), d)).status).toBe(403);
    expect(acted).toBe(0);
    expect((await handle(post(bearer), d)).status).toBe(200);
    expect(acted).toBe(1);
  });
});

describe('builderChanges: a diff larger than the limit', () => {
  it('is cut at the limit and says so (git is not left to fill memory)', async () => {
    const { builderChanges } = await import('../../view/builder_diff.js');
    const { builderRecord } = await import('../../store/builders.js');
    const p = project();
    const c = builderChanges(p.path, builderRecord({ id: 'ui', status: 'completed' }), 64);
    expect(c.cut).toBe(true);
    expect(c.diff.length).toBeLessThanOrEqual(64);
    expect(c.files).toEqual([{ path: 'ui.html', added: 1, deleted: 0 }]);
    const whole = builderChanges(p.path, builderRecord({ id: 'ui', status: 'completed' }));
    expect(whole.cut).toBe(false);
  });
});

// The dashboard's handlers are pure (request, deps) → response: auth, routes and
// actions are tested here without a socket.
import { describe, expect, it } from 'vitest';
import { canChange, cookieValue, isLoopback, tokenMatches } from '../../dashboard/auth.js';
import { handle, parseAction, type Deps, type Req } from '../../dashboard/handlers.js';
import { parseArgs } from '../../dashboard/main.js';
import type { ActionRequest, ProjectSummary } from '../../dashboard/messages.js';

const TOKEN = 'secret-token-123';
const PROJECT: ProjectSummary = { id: 'demo-1', name: 'demo', path: '/p', problem: null, view: null };

function deps(calls: ActionRequest[] = []): Deps {
  return {
    token: TOKEN,
    projects: () => [PROJECT],
    asset: (name) => (name === 'index.html' ? { type: 'text/html', body: '<meta content="__ARGO_TOKEN__">' } : name === 'app.js' ? { type: 'text/javascript', body: 'js' } : undefined),
    act: async (_p, r) => {
      calls.push(r);
      return { ok: true, output: `did ${r.action}` };
    },
  };
}

const get = (url: string, headers: Record<string, string> = {}): Req => ({ method: 'GET', url, headers: { host: '127.0.0.1:7787', ...headers }, body: '' });
const cookie = { cookie: `other=1; argo_dashboard=${TOKEN}` };
const post = (url: string, body: unknown, headers: Record<string, string> = {}): Req => ({
  method: 'POST',
  url,
  headers: { host: '127.0.0.1:7787', origin: 'http://127.0.0.1:7787', 'x-argo-token': TOKEN, 'sec-fetch-site': 'same-origin', ...headers },
  body: JSON.stringify(body),
});

describe('auth', () => {
  it.each([
    ['right', TOKEN, true],
    ['wrong, same length', 'secret-token-124', false],
    ['shorter', 'secret', false],
    ['missing', undefined, false],
  ])('token %s', (_n, given, ok) => expect(tokenMatches(given, TOKEN)).toBe(ok));

  it('cookie parsing', () => {
    expect(cookieValue('a=1; argo_dashboard=xyz; b=2')).toBe('xyz');
    expect(cookieValue(undefined)).toBeUndefined();
  });

  it.each([
    [{ 'x-argo-token': TOKEN, host: 'h:1', origin: 'http://h:1' }, true],
    [{ 'x-argo-token': TOKEN, host: 'h:1' }, true], // curl: no Origin, the header token is the proof
    [{ host: 'h:1', origin: 'http://h:1' }, false],
    [{ 'x-argo-token': TOKEN, host: 'h:1', origin: 'http://evil.example' }, false],
    [{ 'x-argo-token': TOKEN, host: 'h:1', origin: 'http://h:1', 'sec-fetch-site': 'cross-site' }, false],
  ])('canChange %o', (headers, ok) => expect(canChange(headers, TOKEN).ok).toBe(ok));

  it.each([
    ['127.0.0.1', true],
    ['127.3.4.5', true],
    ['::1', true],
    ['localhost', true],
    ['0.0.0.0', false],
    ['192.168.1.5', false],
  ])('loopback %s', (h, ok) => expect(isLoopback(h)).toBe(ok));

  it('argo dashboard refuses a non-loopback host without --allow-remote', () => {
    expect(parseArgs(['--host', '0.0.0.0'])).toMatch(/not a loopback address.*--allow-remote/);
    expect(parseArgs(['--host', '0.0.0.0', '--allow-remote'])).toEqual({ host: '0.0.0.0', port: 7787, allowRemote: true });
    expect(parseArgs(['--port', 'x'])).toMatch(/--port must be a whole number/);
    expect(parseArgs([])).toEqual({ host: '127.0.0.1', port: 7787, allowRemote: false });
  });
});

describe('handle', () => {
  it('every request without the token is 401, pages and API alike', async () => {
    for (const url of ['/', '/static/app.js', '/api/projects', '/api/projects/demo-1']) {
      expect((await handle(get(url), deps())).status).toBe(401);
    }
    expect((await handle(get('/api/projects', { cookie: 'argo_dashboard=wrong' }), deps())).status).toBe(401);
    const calls: ActionRequest[] = [];
    expect((await handle({ ...post('/api/projects/demo-1/stop', {}), headers: { host: 'h' } }, deps(calls))).status).toBe(401);
    expect(calls).toEqual([]);
  });

  it('the token in the URL becomes an httpOnly cookie and leaves the address bar', async () => {
    const r = await handle(get(`/?token=${TOKEN}`), deps());
    expect(r.status).toBe(303);
    expect(r.headers.location).toBe('/');
    expect(r.headers['set-cookie']).toBe(`argo_dashboard=${TOKEN}; HttpOnly; SameSite=Strict; Path=/`);
  });

  it('with the cookie: the page (token inside for POST headers), modules and the API', async () => {
    const page = await handle(get('/', cookie), deps());
    expect(page.status).toBe(200);
    expect(page.body).toBe(`<meta content="${TOKEN}">`);
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect((await handle(get('/static/app.js', cookie), deps())).body).toBe('js');
    expect((await handle(get('/static/nope.js', cookie), deps())).status).toBe(404);
    expect((await handle(get('/static/../../etc/passwd', cookie), deps())).status).toBe(404);
    expect(JSON.parse((await handle(get('/api/projects', cookie), deps())).body)).toEqual({ projects: [PROJECT] });
    expect((await handle(get('/api/projects/nope', cookie), deps())).status).toBe(404);
  });

  it('actions: POST with token header from the same origin reach act(); others are refused', async () => {
    const calls: ActionRequest[] = [];
    const d = deps(calls);
    const ok = await handle(post('/api/projects/demo-1/approve', { components: [{ id: 'a', description: 'A' }] }, cookie), d);
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body)).toEqual({ ok: true, output: 'did approve' });
    expect((await handle(post('/api/projects/demo-1/retry', { builder: 'x' }, cookie), d)).status).toBe(200);
    expect((await handle(post('/api/projects/demo-1/stop', {}, { ...cookie, origin: 'http://evil.example' }), d)).status).toBe(403);
    expect((await handle(post('/api/projects/demo-1/stop', {}, { ...cookie, 'x-argo-token': '' }), d)).status).toBe(403);
    expect((await handle({ ...post('/api/projects/demo-1/stop', {}, cookie), method: 'GET' }, d)).status).toBe(404);
    expect((await handle(post('/api/projects/demo-1/explode', {}, cookie), d)).status).toBe(400);
    expect((await handle(post('/api/projects/nope/stop', {}, cookie), d)).status).toBe(404);
    expect(calls).toEqual([{ action: 'approve', components: [{ id: 'a', description: 'A' }] }, { action: 'retry', builder: 'x' }]);
  });

  it.each([
    ['retry', '{}', /retry needs/],
    ['retry', '{"builder": "b"}', { action: 'retry', builder: 'b' }],
    ['approve', '', { action: 'approve' }],
    ['approve', '{"components": 3}', /must be a JSON array/],
    ['stop', 'not json', /not valid JSON/],
    ['merge', '[]', /JSON object/],
    ['resume', '{}', { action: 'resume' }],
  ])('parseAction %s %s', (action, body, want) => {
    const got = parseAction(action, body);
    if (want instanceof RegExp) expect(got).toMatch(want);
    else expect(got).toEqual(want);
  });
});

// The dashboard's handlers are pure (request, deps) → response: auth, routes and
// actions are tested here without a socket.
import { describe, expect, it } from 'vitest';
import { bearerToken, canChange, canRead, isLoopback, tokenMatches } from '../../dashboard/auth.js';
import { handle, parseAction, type Deps, type Req } from '../../dashboard/handlers.js';
import { parseArgs } from '../../dashboard/main.js';
import { commandFor } from '../../dashboard/actions.js';
import type { ActionRequest, ProjectSummary } from '../../dashboard/messages.js';

const TOKEN = 'secret-token-123';
const PROJECT: ProjectSummary = { id: 'demo-1', name: 'demo', path: '/p', problem: null, view: null };

/** How many times every project's view was built (only GET /api/projects should). */
let listed = 0;

function deps(calls: ActionRequest[] = []): Deps {
  return {
    token: TOKEN,
    projects: () => (listed++, [PROJECT]),
    project: (id) => (id === PROJECT.id ? PROJECT : undefined),
    asset: (name) => (name === 'index.html' ? { type: 'text/html', body: '<p>page</p>' } : name === 'app.js' ? { type: 'text/javascript', body: 'js' } : undefined),
    act: async (_p, r) => {
      calls.push(r);
      return { ok: true, output: `did ${r.action}` };
    },
    mergeDiff: () => undefined,
    review: async () => undefined,
  };
}

const get = (url: string, headers: Record<string, string> = {}): Req => ({ method: 'GET', url, headers: { host: '127.0.0.1:7787', ...headers }, body: '' });
const bearer = { authorization: `Bearer ${TOKEN}` };
const post = (url: string, body: unknown, headers: Record<string, string> = {}): Req => ({
  method: 'POST',
  url,
  headers: { host: '127.0.0.1:7787', origin: 'http://127.0.0.1:7787', authorization: `Bearer ${TOKEN}`, 'sec-fetch-site': 'same-origin', ...headers },
  body: JSON.stringify(body),
});

describe('auth', () => {
  it.each([
    ['right', TOKEN, true],
    ['wrong, same length', 'secret-token-124', false],
    ['shorter', 'secret', false],
    ['missing', undefined, false],
  ])('token %s', (_n, given, ok) => expect(tokenMatches(given, TOKEN)).toBe(ok));

  it('bearer header parsing', () => {
    expect(bearerToken({ authorization: 'Bearer xyz' })).toBe('xyz');
    expect(bearerToken({ authorization: 'bearer  xyz ' })).toBe('xyz');
    expect(bearerToken({ authorization: 'Basic xyz' })).toBeUndefined();
    expect(bearerToken({})).toBeUndefined();
  });

  it('no credential another port can receive is accepted: a cookie is ignored, ?token= only on the event stream', () => {
    const none = new URLSearchParams();
    expect(canRead('/api/projects', none, bearer, TOKEN)).toBe(true);
    // Cookies ignore ports: any server on 127.0.0.1 would receive one.
    expect(canRead('/api/projects', none, { cookie: `argo_dashboard=${TOKEN}` }, TOKEN)).toBe(false);
    expect(canRead('/api/events', none, { cookie: `argo_dashboard=${TOKEN}` }, TOKEN)).toBe(false);
    const q = new URLSearchParams({ token: TOKEN });
    expect(canRead('/api/events', q, {}, TOKEN)).toBe(true);
    expect(canRead('/api/projects', q, {}, TOKEN)).toBe(false);
    expect(canRead('/api/events', new URLSearchParams({ token: 'wrong' }), {}, TOKEN)).toBe(false);
  });

  it.each([
    [{ authorization: `Bearer ${TOKEN}`, host: 'h:1', origin: 'http://h:1' }, true],
    [{ authorization: `Bearer ${TOKEN}`, host: 'h:1' }, true], // curl: no Origin, the header token is the proof
    [{ host: 'h:1', origin: 'http://h:1' }, false],
    [{ 'x-argo-token': TOKEN, cookie: `argo_dashboard=${TOKEN}`, host: 'h:1', origin: 'http://h:1' }, false],
    [{ authorization: `Bearer ${TOKEN}`, host: 'h:1', origin: 'http://evil.example' }, false],
    [{ authorization: `Bearer ${TOKEN}`, host: 'h:1', origin: 'http://h:1', 'sec-fetch-site': 'cross-site' }, false],
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
  it('every API request without the token is 401; a cookie does not count', async () => {
    for (const url of ['/api/projects', '/api/projects/demo-1', '/api/nope', `/api/projects?token=${TOKEN}`]) {
      expect((await handle(get(url), deps())).status).toBe(401);
      expect((await handle(get(url, { cookie: `argo_dashboard=${TOKEN}` }), deps())).status).toBe(401);
    }
    expect((await handle(get('/api/projects', { authorization: 'Bearer wrong' }), deps())).status).toBe(401);
    const calls: ActionRequest[] = [];
    expect((await handle({ ...post('/api/projects/demo-1/stop', {}), headers: { host: 'h' } }, deps(calls))).status).toBe(401);
    expect((await handle({ ...post('/api/projects/demo-1/stop', {}), headers: { host: '127.0.0.1:7787', cookie: `argo_dashboard=${TOKEN}`, 'x-argo-token': TOKEN } }, deps(calls))).status).toBe(401);
    expect(calls).toEqual([]);
  });

  it('the page and its modules hold no secret and need no token; nothing sets a cookie', async () => {
    const page = await handle(get('/'), deps());
    expect(page.status).toBe(200);
    expect(page.body).toBe('<p>page</p>');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.headers['set-cookie']).toBeUndefined();
    expect((await handle(get('/static/app.js'), deps())).body).toBe('js');
    expect((await handle(get('/static/nope.js'), deps())).status).toBe(404);
    expect((await handle(get('/static/../../etc/passwd'), deps())).status).toBe(401);
  });

  it.each([
    ['the page', get('/')],
    ['a module', get('/static/app.js')],
    ['a missing module', get('/static/nope.js')],
    ['the old-URL redirect', get(`/?token=${TOKEN}`)],
    ['401', get('/api/projects')],
    ['the project list', get('/api/projects', bearer)],
    ['one project', get('/api/projects/demo-1', bearer)],
    ['404', get('/api/nothing', bearer)],
    ['an action', post('/api/projects/demo-1/stop', {})],
    ['400', post('/api/projects/demo-1/retry', {})],
    ['403', post('/api/projects/demo-1/stop', {}, { origin: 'http://evil.example' })],
    ['405', { ...get('/api/projects', bearer), method: 'PUT' }],
  ] as const)('security headers on every response: %s', async (_n, req) => {
    const r = await handle(req, deps());
    expect(r.headers['x-frame-options']).toBe('DENY');
    expect(r.headers['x-content-type-options']).toBe('nosniff');
    expect(r.headers['referrer-policy']).toBe('no-referrer');
    expect(r.headers['content-security-policy']).toBe("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'");
  });

  it('an old URL with ?token= is sent to the fragment form of the fixed page, setting nothing; a wrong one is 401', async () => {
    const r = await handle(get(`/?token=${TOKEN}`), deps());
    expect(r.status).toBe(303);
    expect(r.headers.location).toBe(`/#token=${TOKEN}`);
    expect(r.headers['set-cookie']).toBeUndefined();
    expect((await handle(get('/?token=wrong'), deps())).status).toBe(401);
  });

  it.each([`/.//evil.example/?token=${TOKEN}`, `//evil.example?token=${TOKEN}`, `//evil.example/x?token=${TOKEN}`, `/\\evil.example/?token=${TOKEN}`, `/\\/evil.example?token=${TOKEN}`, `///evil.example?token=${TOKEN}`, `/%2F%2Fevil.example?token=${TOKEN}`, `/./\\evil.example?token=${TOKEN}`])(
    'a redirect never leaves the origin: %s',
    async (url) => {
      const r = await handle(get(url), deps());
      const location = r.headers.location;
      if (location !== undefined) {
        // As a browser resolves it against the page's own address.
        expect(new URL(location, 'http://127.0.0.1:7787/x/y').origin).toBe('http://127.0.0.1:7787');
        expect(location).toBe(`/#token=${TOKEN}`);
      }
    },
  );

  it('with the bearer token: the API', async () => {
    expect(JSON.parse((await handle(get('/api/projects', bearer), deps())).body)).toEqual({ projects: [PROJECT] });
    expect((await handle(get('/api/projects/demo-1', bearer), deps())).status).toBe(200);
    expect((await handle(get('/api/projects/nope', bearer), deps())).status).toBe(404);
    expect((await handle(get('/api/projects/%E0%A4%A', bearer), deps())).status).toBe(404);
  });

  it('a request about one project builds that project only: GET /api/projects/<id> and every POST never list every project', async () => {
    listed = 0;
    const d = deps();
    expect((await handle(get('/api/projects/demo-1', bearer), d)).status).toBe(200);
    expect((await handle(get('/api/projects/nope', bearer), d)).status).toBe(404);
    expect((await handle(post('/api/projects/demo-1/stop', {}, bearer), d)).status).toBe(200);
    expect((await handle(post('/api/projects/nope/stop', {}, bearer), d)).status).toBe(404);
    expect(listed).toBe(0);
    await handle(get('/api/projects', bearer), d);
    expect(listed).toBe(1);
  });

  it('actions: POST with token header from the same origin reach act(); others are refused', async () => {
    const calls: ActionRequest[] = [];
    const d = deps(calls);
    const ok = await handle(post('/api/projects/demo-1/approve', { components: [{ id: 'a', description: 'A' }] }, bearer), d);
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body)).toEqual({ ok: true, output: 'did approve' });
    expect((await handle(post('/api/projects/demo-1/retry', { builder: 'x' }, bearer), d)).status).toBe(200);
    expect((await handle(post('/api/projects/demo-1/stop', {}, { origin: 'http://evil.example' }), d)).status).toBe(403);
    expect((await handle(post('/api/projects/demo-1/stop', {}, { authorization: '' }), d)).status).toBe(401);
    expect((await handle({ ...post('/api/projects/demo-1/stop', {}), method: 'GET' }, d)).status).toBe(404);
    expect((await handle(post('/api/projects/demo-1/explode', {}, bearer), d)).status).toBe(400);
    expect((await handle(post('/api/projects/nope/stop', {}, bearer), d)).status).toBe(404);
    expect(calls).toEqual([{ action: 'approve', components: [{ id: 'a', description: 'A' }] }, { action: 'retry', builder: 'x' }]);
  });

  it('budget: the new limit, checked on the server, reaches act() only when it is a number; the token and same-origin rules hold', async () => {
    const calls: ActionRequest[] = [];
    const d = deps(calls);
    expect((await handle(post('/api/projects/demo-1/budget', { limit: '25' }, bearer), d)).status).toBe(200);
    const bad = await handle(post('/api/projects/demo-1/budget', { limit: '$(touch /tmp/x)' }, bearer), d);
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body).error).toMatch(/not a number of US dollars/);
    expect((await handle(post('/api/projects/demo-1/budget', { limit: '25' }, { origin: 'http://evil.example' }), d)).status).toBe(403);
    expect((await handle(post('/api/projects/demo-1/budget', { limit: '25' }, { authorization: '' }), d)).status).toBe(401);
    expect(calls).toEqual([{ action: 'budget', limit: '25' }]);
  });

  it('each action is an argv of argo, never a shell line: budget is argo budget <path> --raise <limit>', () => {
    expect(commandFor({ action: 'budget', limit: '25' }, '/p q')).toEqual(['budget', '/p q', '--raise', '25']);
    expect(commandFor({ action: 'retry', builder: 'b' }, '/p')).toEqual(['retry', '/p', 'b']);
  });

  it.each([
    ['retry', '{}', /retry needs/],
    ['retry', '{"builder": "b"}', { action: 'retry', builder: 'b' }],
    ['approve', '', { action: 'approve' }],
    ['approve', '{"components": 3}', /must be a JSON array/],
    ['stop', 'not json', /not valid JSON/],
    ['merge', '[]', /JSON object/],
    ['resume', '{}', { action: 'resume' }],
    ['budget', '{"limit": "25"}', { action: 'budget', limit: '25' }],
    ['budget', '{"limit": 0.5}', { action: 'budget', limit: '0.5' }],
    ['budget', '{"limit": " 3 "}', { action: 'budget', limit: '3' }],
    ['budget', '{}', /^budget needs \{"limit": <the new total limits.max_cost_usd in US dollars/],
    ['budget', '{"limit": "+5"}', /"\+5" is an increment \(\+N\) is not taken/],
    ['budget', '{"limit": "5; rm -rf /"}', /is not a number of US dollars/],
    ['budget', '{"limit": "--raise"}', /is not a number of US dollars/],
    ['budget', '{"limit": "0"}', /not a positive number/],
    ['budget', '{"limit": -1}', /is not a number of US dollars/],
    ['budget', '{"limit": ["5"]}', /^budget needs/],
    ['budget', `{"limit": "${'9'.repeat(33)}"}`, /^budget needs/],
  ])('parseAction %s %s', (action, body, want) => {
    const got = parseAction(action, body);
    if (want instanceof RegExp) expect(got).toMatch(want);
    else expect(got).toEqual(want);
  });
});

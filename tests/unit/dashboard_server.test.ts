// The dashboard as a server on loopback, without a browser: what OBSERVE.md promises of
// every response (the security headers), the body cap, and the event stream's token.
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDashboard, type Dashboard } from '../../dashboard/server.js';
import { ROOT, tempDir } from './helpers.js';

const TOKEN = 'server-test-token-0123456789';
let dash: Dashboard;
beforeAll(async () => {
  dash = await startDashboard({ host: '127.0.0.1', port: 0, token: TOKEN, root: ROOT, registry: join(tempDir(), 'projects.json') });
});
afterAll(async () => dash?.close());

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One request; an event stream is read up to its first event, then closed. */
function ask(method: string, path: string, headers: Record<string, string> = {}, body?: Buffer | string): Promise<Answer> {
  return new Promise((done, fail) => {
    const req = request({ host: '127.0.0.1', port: dash.port, method, path, headers: { ...headers, ...(body !== undefined ? { 'content-length': String(Buffer.byteLength(body)) } : {}) } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        text += d;
        if (String(res.headers['content-type']).startsWith('text/event-stream') && text.includes('\n\n')) {
          res.destroy();
          done({ status: res.statusCode!, headers: res.headers, body: text });
        }
      });
      res.on('end', () => done({ status: res.statusCode!, headers: res.headers, body: text }));
    });
    req.on('error', fail);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

const bearer = { authorization: `Bearer ${TOKEN}` };
const sameOrigin = () => ({ ...bearer, origin: `http://127.0.0.1:${dash.port}`, 'content-type': 'application/json' });
const MB = 1024 * 1024;

function expectSecurityHeaders(a: Answer): void {
  expect(a.headers['x-frame-options']).toBe('DENY');
  expect(a.headers['x-content-type-options']).toBe('nosniff');
  expect(a.headers['referrer-policy']).toBe('no-referrer');
  const csp = String(a.headers['content-security-policy']);
  expect(csp).toContain("default-src 'self'");
  expect(csp).toContain("script-src 'self'");
  expect(csp).toContain("frame-ancestors 'none'");
  expect(a.headers['set-cookie']).toBeUndefined();
}

describe('argo dashboard over HTTP (no browser)', () => {
  it('/api/events without the token, or with a wrong one, is 401; with it, the stream opens', async () => {
    for (const path of ['/api/events', '/api/events?token=wrong', `/api/events?token=${TOKEN}x`]) {
      const a = await ask('GET', path);
      expect(a.status, path).toBe(401);
      expect(a.body).toMatch(/^Unauthorized: /);
      expect(a.body).not.toContain('event:');
    }
    // a cookie is never a credential (cookies ignore ports)
    expect((await ask('GET', '/api/events', { cookie: `token=${TOKEN}` })).status).toBe(401);
    const ok = await ask('GET', `/api/events?token=${TOKEN}`);
    expect(ok.status).toBe(200);
    expect(ok.headers['content-type']).toBe('text/event-stream');
    expect(ok.body).toMatch(/^event: projects\ndata: /);
  });

  it('a request body over 1 MB is refused with 413; one of exactly 1 MB is read and answered', async () => {
    const over = await ask('POST', '/api/projects/none/stop', sameOrigin(), Buffer.alloc(MB + 1, 'x'));
    expect(over.status).toBe(413);
    expect(over.body).toBe('Request body too large\n');
    const at = await ask('POST', '/api/projects/none/stop', sameOrigin(), Buffer.alloc(MB, 'x'));
    expect(at.status).toBe(404); // read whole and handled: no such project
    expect(JSON.parse(at.body)).toEqual({ error: "no registered project 'none'" });
  });

  it('every response carries the security headers (CSP, X-Frame-Options DENY, nosniff, no-referrer)', async () => {
    const answers: [string, Answer][] = [
      ['page', await ask('GET', '/')],
      ['module', await ask('GET', '/static/app.js')],
      ['old token URL', await ask('GET', `/?token=${TOKEN}`)],
      ['API', await ask('GET', '/api/projects', bearer)],
      ['API 401', await ask('GET', '/api/projects')],
      ['API 404', await ask('GET', '/api/nothing', bearer)],
      ['unknown asset 404', await ask('GET', '/static/nope.js')],
      ['cross-origin POST 403', await ask('POST', '/api/projects/none/stop', { ...bearer, origin: 'http://evil.example' }, '{}')],
      ['405', await ask('PUT', '/api/projects', bearer, '{}')],
      ['event stream 401', await ask('GET', '/api/events')],
      ['event stream', await ask('GET', `/api/events?token=${TOKEN}`)],
      ['413', await ask('POST', '/api/projects/none/stop', sameOrigin(), Buffer.alloc(MB + 1, 'x'))],
    ];
    for (const [name, a] of answers) {
      expect.soft(a.headers['x-frame-options'], name).toBe('DENY');
      expectSecurityHeaders(a);
    }
  });
});

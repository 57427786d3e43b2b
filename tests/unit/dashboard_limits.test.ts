// The dashboard under many event streams, as `argo dashboard` runs it (its own process,
// so its resident memory can be read): it prints the URL with the token in the fragment;
// streams that connect and then never read cost little however much changes; beyond the
// cap a stream is answered 503 with a clear body; /api/projects still answers.
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { MAX_EVENT_CLIENTS, startDashboard } from '../../dashboard/server.js';
import { awaitingApproval, newProject } from './dashboard_fixtures.js';
import { ROOT, tempDir, until } from './helpers.js';
import { requireTool, type Tool } from './require_tool.js';

const build: Tool = { name: 'build in dist/', have: existsSync(join(ROOT, 'dist', 'compat', 'argo.js')), install: 'npm run build' };

let dashboard: ChildProcess | undefined;
const sockets: Socket[] = [];
afterAll(() => {
  for (const s of sockets) s.destroy();
  if (dashboard?.exitCode === null) dashboard.kill('SIGTERM');
});

const rssKb = (pid: number): number => Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);

/** An event stream over a raw socket; `text()` is what it read so far. */
function stream(port: number, token: string): { socket: Socket; text: () => string; ended: Promise<void> } {
  let got = '';
  const socket = connect(port, '127.0.0.1');
  sockets.push(socket);
  socket.setEncoding('utf8');
  socket.on('data', (d: string) => (got += d));
  socket.on('error', () => {});
  socket.write(`GET /api/events?token=${token} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`);
  return { socket, text: () => got, ended: new Promise((r) => socket.on('close', () => r())) };
}

describe('dashboard limits', () => {
  beforeEach((ctx) => requireTool(ctx, build));
  it('argo dashboard prints the #token= URL; event streams over the cap get 503; idle streams stay cheap; /api/projects answers', async () => {
    const work = tempDir();
    const env = { ...process.env, ARGO_PROJECTS_REGISTRY: join(work, 'projects.json'), XDG_RUNTIME_DIR: join(work, 'run') };
    const project = newProject(work, 'big', env);
    // A large view (a 256 KB design text), so that a copy per stream per change would show.
    await awaitingApproval(project, 'design text '.repeat(256 * 1024 / 12));

    dashboard = spawn(join(ROOT, 'compat', 'argo'), ['dashboard', '--port', '0'], { env, stdio: ['ignore', 'pipe', 'inherit'] });
    const first = await new Promise<string>((ok) => createInterface({ input: dashboard!.stdout! }).once('line', ok));
    const m = /^Argo dashboard: http:\/\/127\.0\.0\.1:(\d+)\/#token=([A-Za-z0-9_-]{32})$/.exec(first);
    expect(m, first).not.toBeNull();
    const [port, token] = [Number(m![1]), m![2]!];
    const base = `http://127.0.0.1:${port}`;
    const api = async () => {
      const t0 = Date.now();
      const r = await fetch(`${base}/api/projects`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(10_000) });
      const body = (await r.json()) as { projects: unknown[] };
      return { status: r.status, ms: Date.now() - t0, count: body.projects.length };
    };
    expect((await api()).status).toBe(200);
    const before = rssKb(dashboard.pid!);

    // One page that reads, and the rest of the cap connected but never reading.
    const reader = stream(port, token);
    await until('the reader connected', () => reader.text().includes('event: projects'), 20_000);
    const idle = Array.from({ length: MAX_EVENT_CLIENTS - 1 }, () => stream(port, token));
    await until('every idle stream answered', () => idle.every((s) => s.text().startsWith('HTTP/1.1 200')), 20_000);
    for (const s of idle) s.socket.pause();
    // Twenty changes, each seen by the reading page.
    const log = join(project, '.argo-project', 'logs', 'workflow.log');
    for (let i = 0; i < 20; i++) {
      appendFileSync(log, `[2026-01-01T00:00:00Z] change number ${i}\n`);
      await until(`change ${i} at the reading page`, () => reader.text().includes(`change number ${i}`), 20_000);
    }
    const after = rssKb(dashboard.pid!);
    const answer = await api();
    console.log(`dashboard RSS with ${MAX_EVENT_CLIENTS} streams (${MAX_EVENT_CLIENTS - 1} idle) over 20 changes of a 256 KB view: ${before} KB -> ${after} KB (+${after - before} KB); /api/projects ${answer.ms} ms`);
    expect(answer).toMatchObject({ status: 200, count: 1 });
    expect(answer.ms).toBeLessThan(5000); // generous: on main with 500 streams it took 20 s
    // A copy per idle stream per change would be 31 × 20 × 256 KB ≈ 160 MB.
    expect(after - before).toBeLessThan(48 * 1024);

    // Beyond the cap: refused with a clear body, and the connection closed.
    const over = Array.from({ length: 10 }, () => stream(port, token));
    let closed = 0;
    for (const s of over) void s.ended.then(() => closed++);
    await until('the streams over the cap answered and closed', () => closed === over.length, 10_000);
    for (const s of over) {
      expect(s.text()).toMatch(/^HTTP\/1\.1 503 /);
      expect(s.text()).toContain(`Too many open event streams: at most ${MAX_EVENT_CLIENTS} dashboard pages may be open at once`);
    }
    expect((await api()).status).toBe(200);

    // A stream that was idle and reads again gets the whole current list, then follows.
    const late = idle[0]!;
    late.socket.resume();
    await until('the idle stream caught up', () => late.text().includes('change number 19'), 20_000);
    // One closed, one more may open.
    idle[1]!.socket.destroy();
    await idle[1]!.ended;
    // (The server may see the close a moment after the client: ask again until it has.)
    const deadline = Date.now() + 10_000;
    let again = stream(port, token);
    for (;;) {
      await until('an answer', () => again.text().includes('\r\n\r\n'), 20_000);
      if (again.text().startsWith('HTTP/1.1 200 ') || Date.now() > deadline) break;
      again = stream(port, token);
    }
    expect(again.text()).toMatch(/^HTTP\/1\.1 200 /);
  }, 120_000);
});

describe('dashboard connection limits', () => {
  it('connections beyond the cap are closed at once; a client that never finishes its request head is dropped', async () => {
    const work = tempDir();
    const dash = await startDashboard({ host: '127.0.0.1', port: 0, token: 't', root: ROOT, registry: join(work, 'projects.json'), maxConnections: 3, headersTimeoutMs: 300 });
    try {
      const closedAt = (s: Socket) => new Promise<number>((r) => s.on('close', () => r(Date.now())));
      const open = (): Socket => {
        const s = connect(dash.port, '127.0.0.1');
        sockets.push(s);
        s.on('error', () => {});
        s.resume(); // read (and drop) whatever comes, so the close is seen
        return s;
      };
      // Three slow clients: each sends half a request head and stops.
      const slow = [open(), open(), open()];
      const slowClosed = slow.map(closedAt);
      for (const s of slow) s.write('GET /api/projects HTTP/1.1\r\nHost: 127.0.0.1\r\n');
      await new Promise((r) => slow[2]!.once('connect', r));
      const t0 = Date.now();
      const fourth = open();
      let fourthGot = '';
      fourth.on('data', (d: Buffer) => (fourthGot += d.toString('latin1')));
      const fourthClosed = closedAt(fourth);
      // The fourth is closed by the server without an answer (a timeout would answer 408).
      const fourthAt = await Promise.race([fourthClosed, new Promise<number>((r) => setTimeout(() => r(-1), 5000))]);
      expect(fourthAt).toBeGreaterThan(0);
      expect(fourthGot).toBe('');
      // The slow ones are dropped once their head is overdue (checked every 300 ms here), after the fourth.
      const all = await Promise.race([Promise.all(slowClosed), new Promise<number[]>((r) => setTimeout(() => r([]), 5000))]);
      expect(all).toHaveLength(3);
      expect(Math.max(...all) - t0).toBeLessThan(5000);
      expect(Math.min(...all)).toBeGreaterThanOrEqual(fourthAt);
    } finally {
      await dash.close();
    }
  }, 30_000);
});

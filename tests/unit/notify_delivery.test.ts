// Delivery: a webhook received by a local HTTP server (retried with back-off, time-
// limited), a command hook with the ARGO_* variables, and each event once, also
// across a restart of the notifier (a new orchestrator process).
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { COMMAND_TIMEOUT_MS, notifyConfigOf, postWebhook, runCommand, type Delivery } from '../../notify/channels.js';
import { groupMembers } from '../../core/proc.js';
import { pidAlive } from '../../core/proc.js';
import { eventIdOf, Notifier } from '../../notify/notifier.js';
import { buildView, type View } from '../../view/model.js';
import { tempDir } from './helpers.js';

const servers: Server[] = [];
const groups: number[] = []; // process groups a test started, ended by pid if still there
afterEach(async () => {
  for (const g of groups.splice(0)) {
    try {
      process.kill(-g, 'SIGKILL');
    } catch {
      /* gone, as it should be */
    }
  }
  for (const s of servers.splice(0)) {
    s.closeAllConnections(); // a hanging request must not hold the test up
    await new Promise((r) => s.close(r));
  }
});

/** A webhook receiver on 127.0.0.1; `answer` decides the status of each request. */
async function receiver(answer: (n: number) => number | 'hang' = () => 200) {
  const bodies: unknown[] = [];
  let n = 0;
  const server = createServer((req: IncomingMessage, res) => {
    // Counted when the request arrives, not when its body ends: under load a client's short
    // time limit may cut the body off, and that attempt still happened.
    const a = answer(++n);
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      if (a === 'hang') return; // never answers: the client's time limit must end it
      if (a === 200) bodies.push(JSON.parse(body));
      res.writeHead(a).end();
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return { url: `http://127.0.0.1:${port}/hook`, bodies, count: () => n };
}

async function until(cond: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

const D: Delivery = { event_id: 'control-0123456789abcdef01234567', event: 'control', project: 'demo', phase: 'design', action_owner: 'ci', action_needed: 'approve_design', title: 't', message: 'ci must act' };

describe('postWebhook', () => {
  it('POSTs JSON with a Slack-compatible text field', async () => {
    const r = await receiver();
    expect(await postWebhook(r.url, D, { backoffMs: 1 })).toBe(true);
    expect(r.bodies).toEqual([{ id: 'control-0123456789abcdef01234567', text: 'ci must act', event: 'control', project: 'demo', phase: 'design', action_owner: 'ci', action_needed: 'approve_design', title: 't' }]);
  });

  it('retries 5xx with back-off, then succeeds', async () => {
    const r = await receiver((n) => (n < 3 ? 503 : 200));
    const reports: string[] = [];
    expect(await postWebhook(r.url, D, { backoffMs: 5, report: (l) => reports.push(l) })).toBe(true);
    expect(r.count()).toBe(3);
    expect(reports).toHaveLength(2);
    expect(reports[0]).toMatch(/attempt 1\/4 failed \(HTTP 503\)/);
  });

  it('a hanging server is cut off by the time limit and the attempts are bounded', async () => {
    const r = await receiver(() => 'hang');
    expect(await postWebhook(r.url, D, { backoffMs: 1, webhookTimeoutMs: 400, webhookAttempts: 2 })).toBe(false);
    expect(r.count()).toBe(2);
  });

  it('a 4xx is not retried', async () => {
    const r = await receiver(() => 404);
    expect(await postWebhook(r.url, D, { backoffMs: 1 })).toBe(false);
    expect(r.count()).toBe(1);
  });
});

function projectDir(): string {
  const dir = tempDir();
  mkdirSync(join(dir, '.argo-project'), { recursive: true });
  return dir;
}

function viewOf(state: Record<string, unknown>): View {
  return buildView({ path: '/p', state: { project_name: 'demo', last_update: 'T', ...state }, orchestrator: { pidFile: false, pid: null, alive: false }, workflowLog: [], builderLogs: {}, now: 0, argo: 'argo' });
}

describe('Notifier', () => {
  it('runs notify.command with the ARGO_* variables', async () => {
    const dir = projectDir();
    const out = join(dir, 'hook.out');
    const kinds = join(dir, 'kinds.out');
    let state: Record<string, unknown> = { phase: 'design', action_owner: 'ci', action_needed: 'approve_design' };
    const n = new Notifier(dir, {
      view: () => viewOf(state),
      config: () => ({ command: `printf '%s|%s|%s|%s|%s|%s\\n' "$ARGO_EVENT" "$ARGO_PROJECT" "$ARGO_PHASE" "$ARGO_ACTION_OWNER" "$ARGO_ACTION_NEEDED" "$ARGO_MESSAGE" >> ${out}; echo "$ARGO_EVENT" >> ${kinds}` }),
    });
    n.observe();
    await n.idle();
    expect(readFileSync(out, 'utf8')).toMatch(/^control\|demo\|design\|ci\|approve_design\|\[demo\] ci must act: approve_design/);
    state = { phase: 'storage', action_owner: 'user', action_needed: 'none' };
    n.observe();
    await n.idle();
    expect(readFileSync(kinds, 'utf8')).toBe('control\nworkflow_ended\n');
  });

  it('notify.dashboard_url: every message links to its project\'s page (never a token); the webhook and the hook get the link too', async () => {
    const dir = projectDir();
    const out = join(dir, 'hook.out');
    const r = await receiver();
    const cfg = notifyConfigOf({ notify: { webhook: r.url, command: `printf '%s\\n--\\n%s\\n' "$ARGO_MESSAGE" "$ARGO_URL" > ${out}`, dashboard_url: 'http://127.0.0.1:7787/#token=secret' } });
    expect(cfg.dashboard_url).toBe('http://127.0.0.1:7787/');
    const n = new Notifier(dir, { view: () => viewOf({ phase: 'design', action_owner: 'ci', action_needed: 'approve_design' }), config: () => cfg, backoffMs: 1 });
    n.observe();
    await n.idle();
    const link = `http://127.0.0.1:7787/#project=${encodeURIComponent(dir)}`;
    const [message, url] = readFileSync(out, 'utf8').split('\n--\n');
    expect(message!.split('\n').at(-1)).toBe(`Open: ${link}`);
    expect(url!.trim()).toBe(link);
    const body = r.bodies[0] as { url: string; text: string };
    expect(body.url).toBe(link);
    expect(body.text.endsWith(`Open: ${link}`)).toBe(true);
    expect(JSON.stringify(body)).not.toContain('secret');
    // not an http(s) address: no link at all
    expect(notifyConfigOf({ notify: { dashboard_url: 'javascript:alert(1)' } }).dashboard_url).toBeUndefined();
    expect(notifyConfigOf({ notify: { dashboard_url: 7787 } }).dashboard_url).toBeUndefined();
  });

  it('desktop: notify-send with the title and the message, when it is installed', async () => {
    const dir = projectDir();
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    const out = join(dir, 'desktop.out');
    writeFileSync(join(bin, 'notify-send'), `#!/bin/bash\nprintf '%s\\n' "$@" > ${out}\n`);
    chmodSync(join(bin, 'notify-send'), 0o755);
    const path = process.env.PATH;
    process.env.PATH = `${bin}:${path}`;
    try {
      const n = new Notifier(dir, { view: () => viewOf({ phase: 'storage', action_owner: 'user', action_needed: 'none' }), config: () => ({ desktop: true }) });
      n.observe();
      await n.idle();
    } finally {
      process.env.PATH = path;
    }
    expect(readFileSync(out, 'utf8')).toBe('--app-name=argo\nArgo: demo finished\n[demo] workflow finished\n');
  });

  it('each event once, also across a restart; undelivered ones are delivered by the next notifier', async () => {
    const dir = projectDir();
    const r = await receiver();
    const state = { phase: 'design', action_owner: 'ci', action_needed: 'approve_design' };
    const opts = { view: () => viewOf(state), config: () => ({ webhook: r.url }), backoffMs: 1 };
    const first = new Notifier(dir, opts);
    first.observe();
    first.observe();
    await first.idle();
    await first.close();
    expect(r.bodies).toHaveLength(1);
    const second = new Notifier(dir, opts); // the orchestrator started again
    second.observe();
    await second.idle();
    expect(r.bodies).toHaveLength(1);
    expect(existsSync(join(dir, '.argo-project', 'notify.json'))).toBe(true);

    // A webhook that hangs: the event stays pending when the notifier is closed...
    const slow = await receiver((k) => (k === 1 ? 'hang' : 200));
    const state2 = { phase: 'merge_build', action_owner: 'ci', action_needed: 'resolve_conflicts' };
    const third = new Notifier(dir, { view: () => viewOf(state2), config: () => ({ webhook: slow.url }), webhookTimeoutMs: 60_000, backoffMs: 1 });
    third.observe();
    await until(() => slow.count() === 1);
    await third.close(0);
    expect(JSON.parse(readFileSync(join(dir, '.argo-project', 'notify.json'), 'utf8')).pending).toHaveLength(1);
    // ...and the next one delivers it, once.
    const fourth = new Notifier(dir, { view: () => viewOf(state2), config: () => ({ webhook: slow.url }), backoffMs: 1 });
    fourth.observe();
    await fourth.idle();
    expect(slow.bodies).toHaveLength(1);
    expect((slow.bodies[0] as { action_needed: string }).action_needed).toBe('resolve_conflicts');
    expect(JSON.parse(readFileSync(join(dir, '.argo-project', 'notify.json'), 'utf8')).pending).toHaveLength(0);
  });

  it('every event has a stable id: ARGO_EVENT_ID and the webhook id, the same when it is delivered again after a restart', async () => {
    const dir = projectDir();
    const ids = join(dir, 'ids.out');
    const state = { phase: 'design', action_owner: 'ci', action_needed: 'approve_design' };
    // the first orchestrator ends while its hook runs (a kill: the event stays pending)
    const hung = new Notifier(dir, { view: () => viewOf(state), config: () => ({ command: `echo "$ARGO_EVENT_ID" >> ${ids}; sleep 30` }) });
    hung.observe();
    await until(() => existsSync(ids) && readFileSync(ids, 'utf8').includes('\n'));
    await hung.close(0);
    const r = await receiver();
    const next = new Notifier(dir, { view: () => viewOf(state), config: () => ({ command: `echo "$ARGO_EVENT_ID" >> ${ids}`, webhook: r.url }), backoffMs: 1 });
    await next.idle();
    const seen = readFileSync(ids, 'utf8').trim().split('\n');
    expect(seen).toHaveLength(2);
    expect(seen[0]).toMatch(/^control-[0-9a-f]{24}$/);
    expect(seen[1]).toBe(seen[0]); // delivered at least once: a repeat carries the same id
    expect((r.bodies[0] as { id: string }).id).toBe(seen[0]);
    expect(eventIdOf(dir, 'control:design:ci:approve_design:T:1')).toBe(seen[0]); // the first hand-off
    expect(eventIdOf('/other', 'control:design:ci:approve_design:T:1')).not.toBe(seen[0]);
  });

  it('close bounds the wait: a webhook that never answers is given up after the grace, the event stays pending', async () => {
    const dir = projectDir();
    const r = await receiver(() => 'hang');
    const n = new Notifier(dir, { view: () => viewOf({ phase: 'design', action_owner: 'ci', action_needed: 'approve_design' }), config: () => ({ webhook: r.url }), backoffMs: 1 });
    n.observe();
    await until(() => r.count() === 1);
    const t0 = Date.now();
    await n.close(200);
    expect(Date.now() - t0).toBeLessThan(1000);
    let settled = false;
    void n.idle().then(() => (settled = true));
    await new Promise((res) => setTimeout(res, 50));
    expect(settled).toBe(true); // nothing in flight any more (no retry after the close)
    expect(r.count()).toBe(1);
    expect(JSON.parse(readFileSync(join(dir, '.argo-project', 'notify.json'), 'utf8')).pending).toHaveLength(1);
  });
});

describe('notify.command time limit', () => {
  const d: Delivery = { event_id: 'control-1', event: 'control', project: '/p', phase: 'design', action_owner: 'user', action_needed: 'approve_design', title: 't', message: 'm' };
  it('is 30 s by default (OBSERVE.md)', () => expect(COMMAND_TIMEOUT_MS).toBe(30_000));
  it('a command that outlives its limit is ended with its whole process group', async () => {
    const dir = tempDir();
    const reports: string[] = [];
    const command = `echo $$ > ${dir}/leader; sleep 1000 & echo $! > ${dir}/child; wait`;
    const t0 = Date.now();
    const done = runCommand(command, d, dir, { commandTimeoutMs: 300, report: (l) => reports.push(l) });
    for (let i = 0; i < 200 && !existsSync(join(dir, 'child')); i++) await new Promise((r) => setTimeout(r, 25));
    const leader = Number(readFileSync(join(dir, 'leader'), 'utf8'));
    const child = Number(readFileSync(join(dir, 'child'), 'utf8'));
    groups.push(leader);
    // bounded: a hook that is never ended would hold the test up for 1000 s
    const ended = await Promise.race([done.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 10_000))]);
    expect(ended).toBe(true);
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(reports).toEqual([`notify.command timed out after 300 ms: ${command}`]);
    for (let i = 0; i < 100 && groupMembers(leader).length > 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(groupMembers(leader)).toEqual([]);
    expect(pidAlive(child)).toBe(false);
  });
  it('a command that ends in time is not reported', async () => {
    const reports: string[] = [];
    await runCommand('true', d, tempDir(), { commandTimeoutMs: 5000, report: (l) => reports.push(l) });
    expect(reports).toEqual([]);
  });
});

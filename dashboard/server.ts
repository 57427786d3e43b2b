// The dashboard over node:http: every request goes through the pure handlers, except
// the event stream, which pushes a project's view whenever its files change. Projects
// are watched only while a page is connected (nothing runs for nobody).
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { registeredProject, registeredProjects } from '../view/projects.js';
import { argoCommand } from '../view/argo_command.js';
import { watchProject } from '../view/watch.js';
import { actWithCli } from './actions.js';
import { canRead } from './auth.js';
import { handle, type Deps, type Req } from './handlers.js';
import type { ProjectSummary, ServerEvent } from './messages.js';

const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
};
const ASSETS = new Set(['index.html', 'app.js', 'render.js', 'style.css']);
const MAX_BODY = 1024 * 1024;

export interface DashboardOptions {
  host: string;
  port: number;
  token: string;
  root: string;
  registry?: string;
  logLines?: number;
}

export function assetReader(root: string): Deps['asset'] {
  return (name) => {
    if (!ASSETS.has(name)) return undefined;
    try {
      return { type: TYPES[name.split('.').pop()!]!, body: readFileSync(join(root, 'dashboard', 'static', name), 'utf8') };
    } catch {
      return undefined;
    }
  };
}

/** Pushes views to connected pages; watches only while one is connected. */
class EventHub {
  private clients = new Set<ServerResponse>();
  private watchers = new Map<string, () => void>();
  private lastSent = new Map<string, string>();
  private rescan: NodeJS.Timeout | undefined;

  constructor(
    private projects: () => ProjectSummary[],
    private project: (id: string) => ProjectSummary | undefined,
  ) {}

  private send(ev: ServerEvent): void {
    const data = `event: ${ev.kind}\ndata: ${JSON.stringify(ev)}\n\n`;
    for (const c of this.clients) c.write(data);
  }

  /** Sends what changed, of one project or of `list` (every project when not given). */
  private refresh(id?: string, list?: ProjectSummary[]): void {
    list ??= id === undefined ? this.projects() : [this.project(id)].filter((p): p is ProjectSummary => p !== undefined);
    for (const p of list) {
      const text = JSON.stringify({ ...p, view: p.view ? { ...p.view, builders: p.view.builders.map((b) => ({ ...b, elapsed_seconds: null })) } : null });
      if (this.lastSent.get(p.id) === text) continue;
      this.lastSent.set(p.id, text);
      this.send({ kind: 'project', project: p });
    }
  }

  private syncWatchers(list: ProjectSummary[]): void {
    const ids = new Set(list.map((p) => p.id));
    for (const [id, close] of this.watchers) if (!ids.has(id)) (close(), this.watchers.delete(id));
    for (const p of list) if (!this.watchers.has(p.id)) this.watchers.set(p.id, watchProject(p.path, () => this.refresh(p.id), { pollMs: 5000 }));
  }

  add(res: ServerResponse): void {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
    const list = this.projects();
    res.write(`event: projects\ndata: ${JSON.stringify({ kind: 'projects', projects: list } satisfies ServerEvent)}\n\n`);
    this.clients.add(res);
    if (this.clients.size === 1) {
      this.syncWatchers(list);
      // New registrations and elapsed times: a slow look at everything.
      this.rescan = setInterval(() => {
        const now = this.projects();
        this.syncWatchers(now);
        for (const p of now) if (p.view?.builders.some((b) => b.status === 'running')) this.lastSent.delete(p.id);
        this.refresh(undefined, now);
      }, 2000);
    }
    res.on('close', () => {
      this.clients.delete(res);
      if (this.clients.size === 0) this.quiet();
    });
  }

  private quiet(): void {
    clearInterval(this.rescan);
    for (const close of this.watchers.values()) close();
    this.watchers.clear();
    this.lastSent.clear();
  }

  close(): void {
    for (const c of this.clients) c.end();
    this.clients.clear();
    this.quiet();
  }
}

function readBody(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((done) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        done(undefined);
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => done(Buffer.concat(chunks).toString('utf8')));
    req.on('error', () => done(undefined));
  });
}

export interface Dashboard {
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function startDashboard(opts: DashboardOptions): Promise<Dashboard> {
  const readOpts = { argo: argoCommand(opts.root), logLines: opts.logLines ?? 40 };
  const projects = () => registeredProjects(opts.registry, readOpts);
  const project = (id: string) => registeredProject(id, opts.registry, readOpts);
  const deps: Deps = { token: opts.token, projects, asset: assetReader(opts.root), act: actWithCli(opts.root) };
  const hub = new EventHub(projects, project);
  const server = createServer((req, res) => {
    const headers = req.headers as Record<string, string | undefined>;
    const url = new URL(req.url ?? '/', 'http://dashboard.invalid');
    if (req.method === 'GET' && url.pathname === '/api/events') {
      if (!canRead(url.searchParams, headers, opts.token)) {
        res.writeHead(401, { 'content-type': 'text/plain' }).end('Unauthorized\n');
        return;
      }
      hub.add(res);
      return;
    }
    void readBody(req).then(async (body) => {
      if (body === undefined) {
        res.writeHead(413, { 'content-type': 'text/plain' }).end('Request body too large\n');
        return;
      }
      const r: Req = { method: req.method ?? 'GET', url: req.url ?? '/', headers, body };
      try {
        const out = await handle(r, deps);
        res.writeHead(out.status, out.headers).end(out.body);
      } catch (e) {
        res.writeHead(500, { 'content-type': 'text/plain' }).end(`ERROR: ${(e as Error).message}\n`);
      }
    });
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(opts.port, opts.host, () => ok());
  });
  const port = (server.address() as AddressInfo).port;
  const hostInUrl = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  return {
    url: `http://${hostInUrl}:${port}/?token=${opts.token}`,
    port,
    close: async () => {
      hub.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

// The dashboard over node:http: every request goes through the pure handlers, except
// the event stream, which pushes a project's view whenever its files change. Projects
// are watched only while a page is connected (nothing runs for nobody); event streams
// and connections are capped, and an idle stream costs the same however much happens.
// The watcher's typed changes (store/watch.ts) say which project changed: only that
// project's view is built. A slow look at the registry alone (no view built) is the
// backstop for projects registered or removed meanwhile.
import { listTemplates, readTemplateFile, templateDirs } from '../template_files/find.js';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { registeredEntries, registeredProject, registeredProjects } from '../view/projects.js';
import { argoCommand } from '../view/argo_command.js';
import { watchProject, type ProjectChange } from '../store/watch.js';
import { actWithCli, startWithCli } from './actions.js';
import { canRead, EVENTS_PATH } from './auth.js';
import { handle, requestUrl, SECURITY_HEADERS, type Deps, type Req } from './handlers.js';
import type { ProjectSummary, ServerEvent, TemplateChoice } from './messages.js';
import { errorMessage } from '../core/errors.js';
import { builderMergeDiff } from '../view/merge_diff.js';
import { readStatePlain } from '../view/read.js';
import type { MergeDetail } from '../view/merge.js';
import { builderReview, type BuilderReview } from '../view/builder_review.js';

const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
};
const ASSETS = new Set(['index.html', 'app.js', 'render.js', 'review.js', 'style.css']);
const MAX_BODY = 1024 * 1024;

export interface DashboardOptions {
  host: string;
  port: number;
  token: string;
  root: string;
  registry?: string;
  logLines?: number;
  /** Event streams open at once (default MAX_EVENT_CLIENTS). */
  maxEventClients?: number;
  /** TCP connections at once (default MAX_CONNECTIONS). */
  maxConnections?: number;
  /** A client must send its whole request head within this (default HEADERS_TIMEOUT_MS). */
  headersTimeoutMs?: number;
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

/** The most event streams open at once; one more is answered 503 (a page per tab is plenty). */
export const MAX_EVENT_CLIENTS = 32;
/** The most TCP connections at once (event streams, API calls, page loads together). */
export const MAX_CONNECTIONS = 128;
/** The longest a client may take to send its request head, and its whole request. */
export const HEADERS_TIMEOUT_MS = 10_000;
export const REQUEST_TIMEOUT_MS = 30_000;

const sseBytes = (ev: ServerEvent): Buffer => Buffer.from(`event: ${ev.kind}\ndata: ${JSON.stringify(ev)}\n\n`);
/** What decides whether a project changed for the page (elapsed times tick on their own). */
const changeKey = (p: ProjectSummary): string =>
  JSON.stringify({ ...p, view: p.view ? { ...p.view, builders: p.view.builders.map((b) => ({ ...b, elapsed_seconds: null })) } : null });

/** One connected page: `behind` while its socket does not take more, `missed` when an event was skipped meanwhile. */
interface Client {
  res: ServerResponse;
  behind: boolean;
  missed: boolean;
}

/**
 * Pushes views to connected pages; watches only while one is connected. Every change is
 * read and serialised once, and the same bytes go to every page; a page that does not
 * read is not written to (it costs the same however many events pass) and gets the whole
 * current list once its socket drains.
 */
export class EventHub {
  private clients = new Set<Client>();
  private watchers = new Map<string, () => void>();
  /** What the pages have, by id in registry order, and its change key. */
  private current = new Map<string, { project: ProjectSummary; key: string }>();
  private snapshot: Buffer | undefined;
  private rescan: NodeJS.Timeout | undefined;

  constructor(
    private projects: () => ProjectSummary[],
    private project: (id: string) => ProjectSummary | undefined,
    private max: number,
    private watch: typeof watchProject = watchProject,
    /** The registered ids and folders without their views (the backstop's cheap look). */
    private entries: () => { id: string; path: string }[] = () => projects().map((p) => ({ id: p.id, path: p.path })),
  ) {}

  get full(): boolean {
    return this.clients.size >= this.max;
  }

  /** The whole current list as one `projects` event, built once per change. */
  private snapshotBytes(): Buffer {
    this.snapshot ??= sseBytes({ kind: 'projects', projects: [...this.current.values()].map((c) => c.project) });
    return this.snapshot;
  }

  private write(c: Client, bytes: Buffer): void {
    if (c.behind) c.missed = true;
    else if (!c.res.write(bytes)) c.behind = true;
  }

  private broadcast(bytes: Buffer): void {
    for (const c of this.clients) this.write(c, bytes);
  }

  /** Takes a fresh list; when the set of projects changed every page gets the whole list. */
  private takeList(list: ProjectSummary[]): boolean {
    const same = list.length === this.current.size && list.every((p) => this.current.has(p.id));
    if (!same) {
      this.current = new Map(list.map((p) => [p.id, { project: p, key: changeKey(p) }]));
      this.snapshot = undefined;
    }
    return !same;
  }

  /** Sends each project of `list` whose view changed. */
  private refresh(list: ProjectSummary[]): void {
    for (const p of list) {
      const key = changeKey(p);
      const had = this.current.get(p.id);
      if (had?.key === key) continue;
      this.current.set(p.id, { project: p, key });
      this.snapshot = undefined;
      this.broadcast(sseBytes({ kind: 'project', project: p }));
    }
  }

  /** Builds one project's view again and sends it if it changed. */
  private rebuild(id: string): void {
    const p = this.project(id);
    if (p) this.refresh([p]);
  }

  /** A change of one project: its view is built again, unless only time passed and nothing of it ticks. */
  private changed(id: string, changes: readonly ProjectChange[] | undefined): void {
    const onlyTime = changes !== undefined && changes.length > 0 && changes.every((c) => c.kind === 'tick');
    if (onlyTime && !this.current.get(id)?.project.view?.builders.some((b) => b.status === 'running')) return;
    if (onlyTime) this.current.get(id)!.key = ''; // elapsed times of running builders: sent even when nothing else changed
    this.rebuild(id);
  }

  private syncWatchers(list: { id: string; path: string }[]): void {
    const ids = new Set(list.map((p) => p.id));
    for (const [id, close] of this.watchers) if (!ids.has(id)) (close(), this.watchers.delete(id));
    for (const p of list) if (!this.watchers.has(p.id)) this.watchers.set(p.id, this.watch(p.path, (changes) => this.changed(p.id, changes), { pollMs: 2000 }));
  }

  /** The backstop: the registry alone is read; only a project registered meanwhile gets its view built. */
  private rescanRegistry(): void {
    const now = this.entries();
    const same = now.length === this.current.size && now.every((e) => this.current.has(e.id));
    if (same) return;
    const list = now.map((e) => this.current.get(e.id)?.project ?? this.project(e.id)).filter((x): x is ProjectSummary => x !== undefined);
    this.syncWatchers(list);
    this.takeList(list);
    this.broadcast(this.snapshotBytes());
  }

  add(res: ServerResponse): void {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive', ...SECURITY_HEADERS });
    if (this.clients.size === 0) {
      const list = this.projects();
      this.takeList(list);
      this.syncWatchers(list);
      // Projects registered or removed meanwhile: a slow look at the registry only, once for all pages.
      this.rescan = setInterval(() => this.rescanRegistry(), 2000);
    }
    const client: Client = { res, behind: false, missed: false };
    this.clients.add(client);
    this.write(client, this.snapshotBytes());
    res.on('drain', () => {
      client.behind = false;
      if (client.missed) {
        client.missed = false;
        this.write(client, this.snapshotBytes());
      }
    });
    res.on('close', () => {
      this.clients.delete(client);
      if (this.clients.size === 0) this.quiet();
    });
  }

  private quiet(): void {
    clearInterval(this.rescan);
    for (const close of this.watchers.values()) close();
    this.watchers.clear();
    this.current.clear();
    this.snapshot = undefined;
  }

  close(): void {
    for (const c of this.clients) c.res.end();
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
        // Nothing more is read; the socket is closed once the 413 is written (destroyed
        // here, the client would get a reset instead of the answer).
        req.removeAllListeners('data');
        req.pause();
        done(undefined);
      } else chunks.push(c);
    });
    req.on('end', () => done(Buffer.concat(chunks).toString('utf8')));
    req.on('error', () => done(undefined));
  });
}

/** A builder's merge record and diff, from the project's state as stored (the path proof is merge_diff.ts's). */
export function mergeDiffReader(p: ProjectSummary, builder: string): MergeDetail | undefined {
  try {
    return builderMergeDiff(p.path, builder, readStatePlain(p.path));
  } catch {
    return undefined; // no state file, or not JSON: no record to show
  }
}

/** A builder's review (changes, final message, verify) from the project's state as stored. */
export async function reviewReader(p: ProjectSummary, builder: string): Promise<BuilderReview | undefined> {
  let state: unknown;
  try {
    state = readStatePlain(p.path);
  } catch {
    return undefined; // no state file, or not JSON: no builder to show
  }
  return builderReview(p.path, builder, state);
}

export interface Dashboard {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** The user's templates and the built-ins, each with its description (a broken one says why); a project's own are typed by name. */
export function offeredTemplates(): TemplateChoice[] {
  return listTemplates(templateDirs(null)).map((f) => {
    try {
      return { name: f.name, where: f.where, description: readTemplateFile(f).template.description };
    } catch (e) {
      return { name: f.name, where: f.where, description: `ERROR: ${errorMessage(e)}` };
    }
  });
}

export async function startDashboard(opts: DashboardOptions): Promise<Dashboard> {
  const readOpts = { argo: argoCommand(opts.root), logLines: opts.logLines ?? 40 };
  const projects = () => registeredProjects(opts.registry, readOpts);
  const project = (id: string) => registeredProject(id, opts.registry, readOpts);
  const deps: Deps = { token: opts.token, projects, project, asset: assetReader(opts.root), act: actWithCli(opts.root), start: startWithCli(opts.root), templates: offeredTemplates, mergeDiff: mergeDiffReader, review: reviewReader };
  const maxClients = opts.maxEventClients ?? MAX_EVENT_CLIENTS;
  const hub = new EventHub(projects, project, maxClients, watchProject, () => registeredEntries(opts.registry));
  const headersTimeout = opts.headersTimeoutMs ?? HEADERS_TIMEOUT_MS;
  // The timeouts are checked every connectionsCheckingInterval (30 s by default).
  const server = createServer({ connectionsCheckingInterval: Math.min(1000, headersTimeout) }, (req, res) => {
    const headers = req.headers as Record<string, string | undefined>;
    const url = requestUrl(req.url ?? '/');
    if (req.method === 'GET' && url.pathname === EVENTS_PATH) {
      if (!canRead(url.pathname, url.searchParams, headers, opts.token)) {
        res.writeHead(401, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', ...SECURITY_HEADERS }).end('Unauthorized: open the URL that argo dashboard printed (it ends in #token=…)\n');
      } else if (hub.full) {
        res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8', connection: 'close', ...SECURITY_HEADERS });
        res.end(`Too many open event streams: at most ${maxClients} dashboard pages may be open at once; close one and reload.\n`);
      } else hub.add(res);
      return;
    }
    void readBody(req).then(async (body) => {
      if (body === undefined) {
        res.writeHead(413, { 'content-type': 'text/plain; charset=utf-8', connection: 'close', ...SECURITY_HEADERS }).end('Request body too large\n', () => req.destroy());
        return;
      }
      const r: Req = { method: req.method ?? 'GET', url: req.url ?? '/', headers, body };
      try {
        const out = await handle(r, deps);
        res.writeHead(out.status, out.headers).end(out.body);
      } catch (e) {
        res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8', ...SECURITY_HEADERS }).end(`ERROR: ${(e as Error).message}\n`);
      }
    });
  });
  // Bounded by construction: connections beyond the cap are closed at once, and a client
  // that never finishes its headers or its request is dropped.
  server.maxConnections = opts.maxConnections ?? MAX_CONNECTIONS;
  server.headersTimeout = headersTimeout;
  server.requestTimeout = Math.max(REQUEST_TIMEOUT_MS, headersTimeout);
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(opts.port, opts.host, () => ok());
  });
  const port = (server.address() as AddressInfo).port;
  const hostInUrl = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  return {
    // The token rides in the fragment: a browser never sends it to a server (nor in a Referer).
    url: `http://${hostInUrl}:${port}/#token=${opts.token}`,
    port,
    close: async () => {
      hub.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

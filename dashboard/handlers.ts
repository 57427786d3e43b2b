// The dashboard's HTTP handlers as pure functions (request, deps) → response, tested
// without a socket. Streaming (SSE) lives in server.ts; whether a stream may open is
// decided by the same canRead (auth.ts).
import { ACTIONS, type ActionName, type ActionRequest, type ActionResult, type ProjectSummary, type StartRequest, type TemplateChoice } from './messages.js';
import { reviewRequest, startRequest } from './review_requests.js';
import { canChange, canRead, tokenMatches, type Headers } from './auth.js';
import { BUDGET_KEY, parseRaise } from '../workflow/budget.js';
import type { MergeDetail } from '../view/merge.js';
import type { BuilderReview } from '../view/builder_review.js';

export interface Req {
  method: string;
  url: string;
  headers: Headers;
  body: string;
}

export interface Res {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface Deps {
  token: string;
  projects(): ProjectSummary[];
  /** One project by id, building only its view (a request about one project never builds every project's). */
  project(id: string): ProjectSummary | undefined;
  /** A static file of the page by name (index.html, app.js, style.css), or undefined. */
  asset(name: string): { type: string; body: string } | undefined;
  act(project: ProjectSummary, request: ActionRequest): Promise<ActionResult>;
  /** A builder's merge record with its diff read only once proven a file of the project's logs (view/merge_diff.ts); undefined: no such record. */
  mergeDiff(project: ProjectSummary, builder: string): MergeDetail | undefined;
  /** A builder's changes, the agent's final message and the verify result (view/builder_review.ts); undefined: no such builder. */
  review(project: ProjectSummary, builder: string): Promise<BuilderReview | undefined>;
  /** `argo start <query> <path>` (POST /api/start); absent: the page cannot start workflows here. */
  start?(request: StartRequest): Promise<ActionResult>;
  /** The workflow templates the start form offers (GET /api/templates); absent: none offered. */
  templates?(): TemplateChoice[];
}

/** On every response, the page's and the API's alike (and the server's own: 413, event stream …). */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'content-security-policy': "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'",
};

const json = (status: number, value: unknown): Res => ({
  status,
  headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...SECURITY_HEADERS },
  body: JSON.stringify(value),
});
const error = (status: number, message: string) => json(status, { error: message });

/** Checks a POST body into an ActionRequest, or says what is wrong with it. */
export function parseAction(action: string, body: string): ActionRequest | string {
  if (!ACTIONS.includes(action as ActionName)) return `unknown action: ${action}`;
  let o: Record<string, unknown> = {};
  if (body.trim()) {
    try {
      const parsed: unknown = JSON.parse(body);
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return 'the body must be a JSON object';
      o = parsed as Record<string, unknown>;
    } catch {
      return 'the body is not valid JSON';
    }
  }
  if (action === 'retry') {
    if (typeof o.builder !== 'string' || !o.builder) return 'retry needs {"builder": "<id>"}';
    return { action, builder: o.builder };
  }
  if (action === 'budget') return budgetRequest(o.limit);
  if (action === 'say') return sayRequest(o);
  if (action === 'review') return reviewRequest(o);
  if (action === 'approve') {
    if (o.components === undefined) return { action };
    if (!Array.isArray(o.components)) return 'components must be a JSON array';
    return { action, components: o.components as { id: string; description: string }[] };
  }
  return { action: action as 'stop' | 'resume' | 'merge' };
}

/** The most a message from the page may hold (argo say's own limit, in bytes). */
export const SAY_TEXT_MAX_BYTES = 32 * 1024;

/** A message to a builder's agent, checked before `argo say` runs (which checks it again). */
function sayRequest(o: Record<string, unknown>): ActionRequest | string {
  const accepted = `say needs {"builder": "<id>", "text": "<the message, 1 to ${SAY_TEXT_MAX_BYTES} bytes>"}`;
  if (typeof o.builder !== 'string' || !o.builder) return accepted;
  if (typeof o.text !== 'string' || o.text.trim() === '' || Buffer.byteLength(o.text) > SAY_TEXT_MAX_BYTES) return accepted;
  return { action: 'say', builder: o.builder, text: o.text };
}

/**
 * The new budget from the page, checked here before any command runs: a plain number of
 * US dollars (workflow/budget.ts parseRaise), as text of bounded length. Whether it is
 * above the spend is `argo budget`'s own check (its ERROR line comes back as the answer).
 */
function budgetRequest(limit: unknown): ActionRequest | string {
  const text = typeof limit === 'number' && Number.isFinite(limit) ? String(limit) : limit;
  const accepted = `budget needs {"limit": <the new total ${BUDGET_KEY} in US dollars, a plain number such as 25>}`;
  if (typeof text !== 'string' || text.length > 32) return accepted;
  const parsed = parseRaise(text);
  if ('why' in parsed) return `${accepted}; ${JSON.stringify(text)} is ${parsed.why}`;
  return { action: 'budget', limit: text.trim() };
}

/** Where an asset lives in the URL space. */
const ASSET = /^\/static\/([a-z_]+\.(?:js|css))$/;
const PROJECT = /^\/api\/projects\/([^/]+)$/;
const ACTION = /^\/api\/projects\/([^/]+)\/([a-z]+)$/;
const MERGE = /^\/api\/projects\/([^/]+)\/merge\/([^/]+)$/;
const REVIEW = /^\/api\/projects\/([^/]+)\/builders\/([^/]+)\/review$/;

/**
 * The request target as a URL of this server. A target starting with `//` (or `/\`)
 * stays a path here: it never names another host.
 */
export function requestUrl(target: string): URL {
  const base = 'http://dashboard.invalid';
  return new URL(target.startsWith('/') ? base + target : target, base);
}

/** A project id from the path; a malformed %-escape names no project (not a 500). */
function decodedId(raw: string): string | undefined {
  try {
    return decodeURIComponent(raw);
  } catch {
    return undefined;
  }
}

/** GET /api/projects/<id>/merge/<builder>: the builder's merge record and its diff (text, cut; or why it is not shown). */
function mergeAnswer(deps: Deps, rawProject: string, rawBuilder: string): Res {
  const id = decodedId(rawProject);
  const p = id === undefined ? undefined : deps.project(id);
  if (!p) return error(404, `no registered project '${id ?? rawProject}'`);
  const builder = decodedId(rawBuilder);
  const merge = builder === undefined ? undefined : deps.mergeDiff(p, builder);
  return merge ? json(200, { builder, merge }) : error(404, `no merge record for builder '${builder ?? rawBuilder}'`);
}

/** GET /api/projects/<id>/builders/<builder>/review: what the builder changed, its agent's final message, its verify result. */
async function reviewAnswer(deps: Deps, rawProject: string, rawBuilder: string): Promise<Res> {
  const id = decodedId(rawProject);
  const p = id === undefined ? undefined : deps.project(id);
  if (!p) return error(404, `no registered project '${id ?? rawProject}'`);
  const builder = decodedId(rawBuilder);
  const review = builder === undefined ? undefined : await deps.review(p, builder);
  return review ? json(200, { review }) : error(404, `no builder '${builder ?? rawBuilder}'`);
}

/** The templates the start form offers. */
export const TEMPLATES_PATH = '/api/templates';

/** Where the page starts a workflow (not under a project: the folder may not be registered yet). */
export const START_PATH = '/api/start';

/** POST /api/start: the body checked, then `argo start`; its answer (an ERROR line on refusal) comes back as is. */
async function startAnswer(deps: Deps, body: string): Promise<Res> {
  if (!deps.start) return error(404, 'starting a workflow is not available on this dashboard');
  const request = startRequest(body);
  if (typeof request === 'string') return error(400, request);
  const result = await deps.start(request);
  return json(result.ok ? 200 : 409, result);
}

const unauthorized = (): Res => ({
  status: 401,
  headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', ...SECURITY_HEADERS },
  body: 'Unauthorized: open the URL that argo dashboard printed (it ends in #token=…)\n',
});

export async function handle(req: Req, deps: Deps): Promise<Res> {
  const url = requestUrl(req.url);
  const path = url.pathname;
  if (req.method === 'GET' && !path.startsWith('/api/')) {
    // An old URL with ?token=: the same page with the token in the fragment, which no
    // server ever receives. The target is a fixed path, never the request's; nothing is set.
    if (url.searchParams.has('token')) {
      if (!tokenMatches(url.searchParams.get('token') ?? undefined, deps.token)) return unauthorized();
      return { status: 303, headers: { location: `/#token=${encodeURIComponent(deps.token)}`, 'cache-control': 'no-store', ...SECURITY_HEADERS }, body: '' };
    }
    // The page and its modules hold no data and no secret: they are served to anyone,
    // and the page reads the token from its own address (#token=…).
    if (path === '/') {
      const page = deps.asset('index.html');
      if (!page) return error(500, 'the page is missing from the package');
      return { status: 200, headers: { 'content-type': page.type, 'cache-control': 'no-store', ...SECURITY_HEADERS }, body: page.body };
    }
    const asset = ASSET.exec(path);
    if (asset) {
      const file = deps.asset(asset[1]!);
      return file ? { status: 200, headers: { 'content-type': file.type, ...SECURITY_HEADERS }, body: file.body } : error(404, `no such file: ${path}`);
    }
  }
  if (!canRead(path, url.searchParams, req.headers, deps.token)) return unauthorized();
  if (req.method === 'GET') {
    if (path === '/api/projects') return json(200, { projects: deps.projects() });
    if (path === TEMPLATES_PATH) return json(200, { templates: deps.templates?.() ?? [] });
    const one = PROJECT.exec(path);
    if (one) {
      const id = decodedId(one[1]!);
      const p = id === undefined ? undefined : deps.project(id);
      return p ? json(200, { project: p }) : error(404, `no registered project '${id ?? one[1]}'`);
    }
    const merge = MERGE.exec(path);
    if (merge) return mergeAnswer(deps, merge[1]!, merge[2]!);
    const review = REVIEW.exec(path);
    if (review) return reviewAnswer(deps, review[1]!, review[2]!);
    return error(404, `not found: ${path}`);
  }
  if (req.method === 'POST') {
    const allowed = canChange(req.headers, deps.token);
    if (!allowed.ok) return error(403, `refused: ${allowed.why}`);
    if (path === START_PATH) return startAnswer(deps, req.body);
    const m = ACTION.exec(path);
    if (!m) return error(404, `not found: ${path}`);
    const id = decodedId(m[1]!);
    const p = id === undefined ? undefined : deps.project(id);
    if (!p) return error(404, `no registered project '${id ?? m[1]}'`);
    const request = parseAction(m[2]!, req.body);
    if (typeof request === 'string') return error(400, request);
    const result = await deps.act(p, request);
    return json(result.ok ? 200 : 409, result);
  }
  return error(405, `method not allowed: ${req.method}`);
}

// Who may talk to the dashboard: whoever holds the random token printed at start. The
// printed URL carries it in the fragment (#token=…), which a browser never sends to any
// server; the page keeps it in memory (and its own origin's sessionStorage) and sends it
// as `Authorization: Bearer …`. There is no cookie: cookies ignore ports, so any other
// server on 127.0.0.1 would receive one. EventSource cannot send headers, so the event
// stream alone takes the token as a query parameter. Pure functions over headers.
import { randomBytes, timingSafeEqual } from 'node:crypto';

/** The one path that accepts the token in its query (EventSource cannot set headers). */
export const EVENTS_PATH = '/api/events';

export function newToken(): string {
  return randomBytes(24).toString('base64url');
}

/** Constant-time comparison (a length mismatch is answered at once: lengths are not secret). */
export function tokenMatches(given: string | undefined, token: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

export type Headers = Record<string, string | undefined>;

/** The token of an `Authorization: Bearer <token>` header, if any. */
export function bearerToken(headers: Headers): string | undefined {
  const m = /^Bearer +(\S+) *$/i.exec(headers.authorization ?? '');
  return m ? m[1] : undefined;
}

/** Read access to the API: the bearer header, or on the event stream only, `?token=`. */
export function canRead(path: string, query: URLSearchParams, headers: Headers, token: string): boolean {
  if (tokenMatches(bearerToken(headers), token)) return true;
  return path === EVENTS_PATH && tokenMatches(query.get('token') ?? undefined, token);
}

/**
 * A change: the token in the Authorization header (a page of another origin cannot set
 * it without a CORS preflight we never grant, and cannot know it), and when the browser
 * says where the request comes from, it must be this very origin.
 */
export function canChange(headers: Headers, token: string): { ok: true } | { ok: false; why: string } {
  if (!tokenMatches(bearerToken(headers), token)) return { ok: false, why: 'missing or wrong Authorization: Bearer token' };
  const origin = headers.origin;
  if (origin !== undefined && origin !== `http://${headers.host ?? ''}`) return { ok: false, why: `cross-origin request from ${origin}` };
  const site = headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return { ok: false, why: `cross-site request (${site})` };
  return { ok: true };
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

export function isLoopback(host: string): boolean {
  return LOOPBACK.has(host) || /^127\.\d+\.\d+\.\d+$/.test(host);
}

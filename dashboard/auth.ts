// Who may talk to the dashboard: whoever holds the random token printed at start
// (in the URL once, then in an httpOnly cookie), and for changes only same-origin
// requests that also carry the token in a header. Pure functions over headers.
import { randomBytes, timingSafeEqual } from 'node:crypto';

export const COOKIE = 'argo_dashboard';
export const TOKEN_HEADER = 'x-argo-token';

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

export function cookieValue(header: string | undefined, name = COOKIE): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export function sessionCookie(token: string): string {
  return `${COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`;
}

export type Headers = Record<string, string | undefined>;

/** Read access: the token in the query (first visit) or the cookie. */
export function canRead(query: URLSearchParams, headers: Headers, token: string): boolean {
  return tokenMatches(query.get('token') ?? undefined, token) || tokenMatches(cookieValue(headers.cookie), token);
}

/**
 * A change: the token in the header (a cross-site page cannot set it without a CORS
 * preflight we never grant), and when the browser says where the request comes from,
 * it must be this very origin.
 */
export function canChange(headers: Headers, token: string): { ok: true } | { ok: false; why: string } {
  if (!tokenMatches(headers[TOKEN_HEADER], token)) return { ok: false, why: 'missing or wrong token header' };
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

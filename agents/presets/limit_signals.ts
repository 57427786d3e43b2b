// Recognising a rate limit, a usage limit or an overloaded model in what an agent
// reported (docs/AGENTS.md "Rate limits and usage limits"). Pure: text, status codes and
// error objects in, a limit or null out. The reset time the agent states is resolved here
// too, against the clock the caller passes in (never the wall clock): a relative time
// ("try again in 20s") or a clock time without a date ("resets 10am (UTC)") needs `now`,
// a clock time without a zone ("try again at 10:00 AM", Codex) needs the agent's zone.
import { utcTimestamp } from '../../core/time.js';

export type LimitKind = 'rate_limit' | 'usage_limit' | 'overloaded';

/** A limit the agent ran into; `reset_at` (ISO UTC) only when the agent stated when it ends. */
export interface AgentLimit {
  kind: LimitKind;
  reset_at: string | null;
  message: string;
}

/**
 * What a relative or partial reset time is resolved against: `now` (ISO) is when the agent
 * printed it (the edge passes its output file's time), `timeZone` (IANA) the zone the agent
 * formats clock times in when it names none (its local zone: the one it inherited).
 */
export interface LimitClock {
  now: string;
  timeZone?: string;
}

/** Optional facts beside the text: an HTTP status, an error type or name the agent reported. */
export interface LimitHints {
  status?: number | null;
  type?: string | null;
}

// Usage limits first: a subscription's "You've hit your session limit" comes as a 429 too.
const USAGE = [
  /usage limit/i, // Claude "Claude AI usage limit reached|…", Codex "You’ve hit your usage limit"
  /\bYou[’']ve (?:hit|reached) your [^.·|]*\blimit\b/i, // Claude: session, weekly, Opus, monthly spend…
  /\bout of (?:usage )?credits\b|\bout of usage\b/i,
  /\bquota exceeded\b|\bexceeded your current quota\b|\binsufficient_quota\b/i,
  /\bcredit balance (?:is )?too low\b/i,
  /\bexhausted your (?:daily )?(?:quota|capacity)\b|\bdaily quota\b/i, // Gemini TerminalQuotaError
  /\busage_limit_reached\b|\bTerminalQuotaError\b/,
];
const RATE = [
  /\brate[ _-]?limit/i, // rate_limit_error, RateLimitError, rateLimitExceeded, "rate limit reached"
  /\bRequest rejected \(429\)|\bstatus:? 429\b|\b429 Too Many Requests\b|\bcode"?:? ?429\b|\(429\)/i,
  /\bToo Many Requests\b/i,
  /\bRESOURCE_EXHAUSTED\b|\bResource (?:has been )?exhausted\b/i,
  /\bRetryableQuotaError\b/,
];
const OVERLOADED = [
  /\boverloaded/i, // overloaded_error, "529 Overloaded", "server is overloaded"
  /\b529\b/,
  /\bat capacity\b|\bNo capacity available\b|\bMODEL_CAPACITY_EXHAUSTED\b|\bexperiencing high load\b/i,
];

/** The kind of limit a reported error is, or null (a 500, an auth error, anything else). */
export function limitKind(text: string, hints: LimitHints = {}): LimitKind | null {
  const t = `${hints.type ?? ''} ${text}`;
  if (USAGE.some((re) => re.test(t))) return 'usage_limit';
  if (hints.status === 429 || RATE.some((re) => re.test(t))) return 'rate_limit';
  if (hints.status === 529 || OVERLOADED.some((re) => re.test(t))) return 'overloaded';
  return null;
}

/** One line, at most 300 characters: the agent's own words for the log and the status. */
function oneLine(text: string): string {
  const t = text.replace(/\s+/g, ' ').trim();
  return t.length > 300 ? t.slice(0, 299) + '…' : t;
}

/** The limit in one reported error, or null; `clock` resolves the reset time it states. */
export function limitFrom(text: string, clock?: LimitClock, hints: LimitHints = {}): AgentLimit | null {
  const kind = limitKind(text, hints);
  if (kind === null) return null;
  return { kind, reset_at: resetAt(text, clock), message: oneLine(text) };
}

// ---- the reset time an agent states -------------------------------------------------

const UNIT_SECONDS: Record<string, number> = { d: 86400, h: 3600, m: 60, s: 1 };
function unitSeconds(unit: string): number | null {
  const u = unit.toLowerCase();
  if (u === 'ms' || u.startsWith('milli')) return 0.001;
  if (u.startsWith('mo')) return null; // months: never a limit's reset in these words
  if (u.startsWith('min')) return 60;
  return UNIT_SECONDS[u[0]!] ?? null;
}

/** "2h52m39s", "1 hour 5 minutes", "23.5s", "20 seconds" → seconds, or null. */
export function durationSeconds(text: string): number | null {
  const part = /(\d+(?:\.\d+)?)\s*(milliseconds?|ms|days?|d|hours?|hrs?|h|minutes?|mins?|m|seconds?|secs?|s)(?![a-z])/gi;
  let total = 0;
  let found = false;
  for (const m of text.matchAll(part)) {
    const per = unitSeconds(m[2]!);
    if (per === null) return null;
    total += Number(m[1]) * per;
    found = true;
  }
  return found ? total : null;
}

const RELATIVE = /\b(?:try again|retry|resets?|available again|wait)\s+(?:in|after)\s+((?:\d+(?:\.\d+)?\s*[a-z]+[\s,]*(?:and\s+)?)+)/i;
const UNIX_AFTER_BAR = /\blimit reached\|(\d{9,13})\b/i; // Claude Code's older "Claude AI usage limit reached|1712345678"
// Only an ISO time said to be the end of the limit: a log line's own timestamp is not one.
const ISO = /\b(?:until|resets?(?: at)?|(?:try again|retry|available again) (?:at|after))\s+(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2}))/i;
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
// "resets 10am (UTC)", "resets Dec 4, 3:30pm (Europe/Berlin)", "try again at 10:00 AM",
// "try again at Dec 4th, 2026 10:00 AM"
const CLOCK = /\b(?:resets?|try again at|available again at|reset at)\s+(?:at\s+)?(?:([A-Z][a-z]{2})[a-z]*\.? (\d{1,2})(?:st|nd|rd|th)?,?\s*(?:(\d{4}),?\s*)?(?:at\s+)?)?(\d{1,2})(?::(\d{2}))?\s*([ap])\.?m\.?(?:\s*\(([A-Za-z_+\-/0-9]+)\))?/i;

/** The reset time a text states, as ISO UTC, or null (none stated, or not resolvable without a clock). */
export function resetAt(text: string, clock?: LimitClock): string | null {
  const unix = UNIX_AFTER_BAR.exec(text);
  if (unix) {
    const n = Number(unix[1]);
    return utcTimestamp(new Date(unix[1]!.length > 11 ? n : n * 1000));
  }
  const iso = ISO.exec(text);
  if (iso) {
    const t = Date.parse(iso[1]!.replace(' ', 'T'));
    if (Number.isFinite(t)) return utcTimestamp(new Date(t));
  }
  const now = clock ? Date.parse(clock.now) : NaN;
  if (!Number.isFinite(now)) return null;
  const rel = RELATIVE.exec(text);
  if (rel) {
    const secs = durationSeconds(rel[1]!);
    if (secs !== null) return utcTimestamp(new Date(now + Math.ceil(secs) * 1000));
  }
  const clockTime = CLOCK.exec(text);
  if (clockTime) return clockReset(clockTime, now, clockTime[7] ?? clock?.timeZone);
  return null;
}

/** A clock time (with or without a date) in a zone, as the first such moment not well before `now`. */
function clockReset(m: RegExpExecArray, now: number, zone: string | undefined): string | null {
  if (!zone) return null;
  const today = zonedParts(now, zone);
  if (!today) return null;
  let hour = Number(m[4]) % 12;
  if (m[6]!.toLowerCase() === 'p') hour += 12;
  const minute = m[5] ? Number(m[5]) : 0;
  const month = m[1] ? MONTHS.indexOf(m[1].toLowerCase()) : today.month;
  if (month < 0) return null;
  const day = m[2] ? Number(m[2]) : today.day;
  const slack = 5 * 60 * 1000; // a reset a moment ago is now, not tomorrow
  let t = zonedToUtc(m[3] ? Number(m[3]) : today.year, month, day, hour, minute, zone);
  if (t === null) return null;
  if (t < now - slack) {
    // No date: tomorrow's. A date without a year: next year's.
    if (!m[1]) t = zonedToUtc(today.year, month, day + 1, hour, minute, zone);
    else if (!m[3]) t = zonedToUtc(today.year + 1, month, day, hour, minute, zone);
  }
  return t === null ? null : utcTimestamp(new Date(t));
}

interface ZonedParts {
  year: number;
  month: number; // 0-11
  day: number;
  offsetMs: number;
}

/** The calendar date in a zone at an instant, and the zone's offset then; null for an unknown zone. */
function zonedParts(utcMs: number, zone: string): ZonedParts | null {
  let parts: Intl.DateTimeFormatPart[];
  try {
    parts = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' }).formatToParts(new Date(utcMs));
  } catch {
    return null;
  }
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour') % 24, get('minute'), get('second'));
  return { year: get('year'), month: get('month') - 1, day: get('day'), offsetMs: asUtc - Math.floor(utcMs / 1000) * 1000 };
}

/** A wall-clock time in a zone → Unix ms (Date.UTC normalises day overflow: the 32nd is the 1st). */
function zonedToUtc(year: number, month: number, day: number, hour: number, minute: number, zone: string): number | null {
  const wall = Date.UTC(year, month, day, hour, minute);
  const first = zonedParts(wall, zone);
  if (!first) return null;
  const t = wall - first.offsetMs;
  const second = zonedParts(t, zone); // across a DST change the offset at the result is the right one
  return second && second.offsetMs !== first.offsetMs ? wall - second.offsetMs : t;
}

// ---- per preset: where each agent reports it ------------------------------------------

/** The first limit among reported errors (Codex error/turn.failed messages, aider's error lines). */
export function firstLimit(texts: readonly string[], clock?: LimitClock): AgentLimit | null {
  for (const t of texts) {
    const l = limitFrom(t, clock);
    if (l) return l;
  }
  return null;
}

/**
 * Claude Code's (and Cursor's) result document: only an error result counts; its
 * `api_error_status` (429, 529) decides when the text alone would not.
 */
export function resultDocumentLimit(doc: Record<string, unknown>, clock?: LimitClock): AgentLimit | null {
  if (doc.is_error !== true) return null;
  const status = typeof doc.api_error_status === 'number' ? doc.api_error_status : null;
  const text = typeof doc.result === 'string' ? doc.result : '';
  return limitFrom(text || (status !== null ? `status ${status}` : ''), clock, { status });
}

/** Gemini's `.error` {type, message, code}: the code (429) and type (TerminalQuotaError…) count. */
export function errorObjectLimit(err: Record<string, unknown>, clock?: LimitClock): AgentLimit | null {
  const text = typeof err.message === 'string' ? err.message : '';
  const status = typeof err.code === 'number' ? err.code : typeof err.statusCode === 'number' ? err.statusCode : null;
  if (!text && status === null) return null;
  return limitFrom(text || `status ${status}`, clock, { status, type: typeof err.type === 'string' ? err.type : typeof err.name === 'string' ? err.name : null });
}

/** `{limit}` to spread into an outcome: only for a failure, and only when there is one. */
export function limitField(failed: boolean, limit: AgentLimit | null): { limit?: AgentLimit } {
  return failed && limit ? { limit } : {};
}

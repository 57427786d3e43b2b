import { describe, expect, it } from 'vitest';
import { durationSeconds, limitField, limitFrom, limitKind, resetAt } from '../../../agents/presets/limit_signals.js';

const NOW = { now: '2026-12-03T07:50:00Z', timeZone: 'UTC' };

describe('limitKind: which reported errors are limits', () => {
  it.each([
    ['API Error: Request rejected (429) · Number of request tokens has exceeded your per-minute rate limit', 'rate_limit'],
    ['exceeded retry limit, last status: 429 Too Many Requests', 'rate_limit'],
    ['{"error":{"code":429,"message":"Resource has been exhausted (e.g. check quota).","status":"RESOURCE_EXHAUSTED"}}', 'rate_limit'],
    ['litellm.RateLimitError: AnthropicException - rate_limit_error', 'rate_limit'],
    ["You've hit your session limit · resets 10am (UTC)", 'usage_limit'],
    ['You’ve hit your usage limit. Upgrade to Pro (https://chatgpt.com/explore/pro) or try again at 10:00 AM.', 'usage_limit'],
    ['Claude AI usage limit reached|1796295600', 'usage_limit'],
    ['Quota exceeded. Check your plan and billing details.', 'usage_limit'],
    ['You have exhausted your capacity on this model. Your quota will reset after 2h36m24s.', 'usage_limit'],
    ['Credit balance is too low', 'usage_limit'],
    ['API Error: 529 Overloaded. This is a server-side issue, usually temporary — try again in a moment.', 'overloaded'],
    ['{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}', 'overloaded'],
    ['Selected model is at capacity. Please try a different model.', 'overloaded'],
  ])('%s → %s', (text, kind) => {
    expect(limitKind(text)).toBe(kind);
  });
  it.each([
    'API Error: 500 Internal server error. This is a server-side issue, usually temporary — try again in a moment.',
    'Invalid API key · Fix external API key',
    'unexpected status 401 Unauthorized: Incorrect API key provided',
    'exceeded retry limit, last status: 500 Internal Server Error',
    // Codex says this for a plain HTTP 500 (captured: codex-500): not a limit
    'We’re currently experiencing high demand, which may cause temporary errors.',
    'Reached maximum number of turns (10)',
    'error_max_budget_usd',
    'stream disconnected before completion',
  ])('not a limit: %s', (text) => {
    expect(limitKind(text)).toBeNull();
  });
  it('the status and type the agent reported count when the text says nothing', () => {
    expect(limitKind('scripted error', { status: 429 })).toBe('rate_limit');
    expect(limitKind('scripted error', { status: 529 })).toBe('overloaded');
    expect(limitKind('scripted error', { status: 500 })).toBeNull();
    expect(limitKind('Your quota will reset soon', { type: 'TerminalQuotaError' })).toBe('usage_limit');
  });
  it('a usage limit wins over the 429 it came with', () => {
    expect(limitKind("You've hit your weekly limit", { status: 429 })).toBe('usage_limit');
  });
});

describe('resetAt: the reset time an agent states, in UTC', () => {
  it('absolute times need no clock: a Unix time after "limit reached|", an ISO time', () => {
    expect(resetAt('Claude AI usage limit reached|1796295600')).toBe('2026-12-03T11:00:00Z');
    expect(resetAt('Claude AI usage limit reached|1796295600000')).toBe('2026-12-03T11:00:00Z');
    expect(resetAt('rate limited until 2026-12-03T09:30:00+01:00')).toBe('2026-12-03T08:30:00Z');
    expect(resetAt('Quota resets at 2026-12-04T00:00:00Z')).toBe('2026-12-04T00:00:00Z');
    // a timestamp that is not the reset (when the error happened) is not taken for one
    expect(resetAt('[2026-12-03T07:49:58Z] 429 Too Many Requests')).toBeNull();
  });
  it('relative times are added to the clock (fractions rounded up), and need one', () => {
    expect(resetAt('Please try again in 20s.', NOW)).toBe('2026-12-03T07:50:20Z');
    expect(resetAt('Please retry in 23.5s', NOW)).toBe('2026-12-03T07:50:24Z');
    expect(resetAt('Your quota will reset after 2h36m24s.', NOW)).toBe('2026-12-03T10:26:24Z');
    expect(resetAt('try again in 2 hours', NOW)).toBe('2026-12-03T09:50:00Z');
    expect(resetAt('resets in 1 hour 5 minutes', NOW)).toBe('2026-12-03T08:55:00Z');
    expect(resetAt('Please try again in 20s.')).toBeNull();
    expect(resetAt('try again in a moment', NOW)).toBeNull();
  });
  it('a clock time in the zone it names (Claude Code), the next such time', () => {
    expect(resetAt("You've hit your session limit · resets 10am (UTC)", NOW)).toBe('2026-12-03T10:00:00Z');
    expect(resetAt('resets 3pm (Europe/Berlin)', NOW)).toBe('2026-12-03T14:00:00Z');
    expect(resetAt('resets 3:30pm (Asia/Kolkata)', NOW)).toBe('2026-12-03T10:00:00Z');
    // already past today: tomorrow's; a moment ago (within 5 minutes): now
    expect(resetAt('resets 7am (UTC)', NOW)).toBe('2026-12-04T07:00:00Z');
    expect(resetAt('resets 7:48am (UTC)', NOW)).toBe('2026-12-03T07:48:00Z');
    // more than a day ahead the CLI adds the date (and the year when it is another one)
    expect(resetAt('resets Dec 4, 10am (America/New_York)', NOW)).toBe('2026-12-04T15:00:00Z');
    expect(resetAt('resets Jan 5, 2027, 3pm (UTC)', NOW)).toBe('2027-01-05T15:00:00Z');
    expect(resetAt('resets Jan 5, 3pm (UTC)', NOW)).toBe('2027-01-05T15:00:00Z');
  });
  it('across a change to summer time the offset of the reset itself counts', () => {
    // 8 March 2026, New York: 2am EST becomes 3am EDT; now is 1am EST
    expect(resetAt('resets 3am (America/New_York)', { now: '2026-03-08T06:00:00Z' })).toBe('2026-03-08T07:00:00Z');
    expect(resetAt('resets 1:30am (America/New_York)', { now: '2026-03-08T06:20:00Z' })).toBe('2026-03-08T06:30:00Z');
  });
  it('a clock time without a zone (Codex) is in the clock\'s zone; without one it stays unknown', () => {
    expect(resetAt('or try again at 10:00 AM.', NOW)).toBe('2026-12-03T10:00:00Z');
    expect(resetAt('or try again at 10:00 AM.', { ...NOW, timeZone: 'Asia/Tokyo' })).toBe('2026-12-04T01:00:00Z');
    expect(resetAt('or try again at Dec 4th, 2026 10:00 AM.', { ...NOW, timeZone: 'Asia/Tokyo' })).toBe('2026-12-04T01:00:00Z');
    expect(resetAt('or try again at 10:00 AM.', { now: NOW.now })).toBeNull();
    expect(resetAt('resets 10am (Mars/Olympus)', NOW)).toBeNull();
    expect(resetAt('or try again later.', NOW)).toBeNull();
  });
  it('durationSeconds reads the forms the agents use', () => {
    expect(durationSeconds('2h52m39s')).toBe(2 * 3600 + 52 * 60 + 39);
    expect(durationSeconds('1 day, 2 hrs')).toBe(86400 + 7200);
    expect(durationSeconds('500ms')).toBe(0.5);
    expect(durationSeconds('soon')).toBeNull();
  });
});

describe('limitFrom', () => {
  it('kind, reset and the agent\'s words on one bounded line', () => {
    const l = limitFrom(`Rate limit reached.\n  Please try again in 20s.${' x'.repeat(400)}`, NOW);
    expect(l).toMatchObject({ kind: 'rate_limit', reset_at: '2026-12-03T07:50:20Z' });
    expect(l!.message).toMatch(/^Rate limit reached\. Please try again in 20s\. x x/);
    expect(l!.message.length).toBeLessThanOrEqual(300);
  });
  it('null for anything that is not a limit', () => {
    expect(limitFrom('Internal server error', NOW)).toBeNull();
  });
});

describe('limitField', () => {
  it('a limit is only ever part of a failure', () => {
    const l = { kind: 'rate_limit' as const, reset_at: null, message: '429' };
    expect(limitField(true, l)).toEqual({ limit: l });
    expect(limitField(false, l)).toEqual({});
    expect(limitField(true, null)).toEqual({});
  });
});

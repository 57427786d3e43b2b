// Each preset's parser recognises the limits its agent reports. Claude Code and Codex on
// fixtures captured from the real CLIs (tests/fixtures/agents/limits, made by
// tests/realcli/capture_limits.sh); Gemini, opencode, aider and Cursor on the message shapes
// their documentation and issue trackers show (no capture: their CLIs are not installed here).
import { mkdtempSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PRESETS } from '../../../agents/presets/index.js';
import { parseOutput, type AgentName } from '../../../agents/presets/contract.js';
import { parseOutputFile } from '../../../agents/run/output_file.js';
import { fixture } from './helpers.js';

const DIR = join(import.meta.dirname, '..', '..', 'fixtures', 'agents', 'limits');
interface Meta {
  captured_at: string;
  exit_status: number;
}
function captured(name: string): { out: string; meta: Meta } {
  return { out: readFileSync(join(DIR, `${name}.out`), 'utf8'), meta: JSON.parse(readFileSync(join(DIR, `${name}.meta.json`), 'utf8')) as Meta };
}
/** A capture through its preset's parser, with the clock of the capture (its CLI ran with TZ=UTC). */
function parseCaptured(agent: AgentName, name: string) {
  const { out, meta } = captured(name);
  return parseOutput(PRESETS[agent].parser, out, meta.exit_status, { now: meta.captured_at, timeZone: 'UTC' });
}
// The captures' reset: the next full hour after the capture, plus two (capture_limits.sh RESET).
function statedReset(name: string): string {
  const at = Date.parse(captured(name).meta.captured_at) / 1000;
  return new Date((Math.floor(at / 3600) + 3) * 3600 * 1000).toISOString().replace('.000Z', 'Z');
}

describe('claude: captured from Claude Code 2.1.197 (CLAUDE_CODE_MAX_RETRIES=0)', () => {
  it.each([
    ['claude-429', 'rate_limit', /^API Error: Request rejected \(429\) · Number of request tokens/],
    ['claude-429-reset-headers', 'rate_limit', /exceed your account's rate limit/],
    ['claude-529', 'overloaded', /^API Error: 529 Overloaded/],
  ])('%s → %s, no reset stated (the CLI prints no retry-after nor reset header)', (name, kind, message) => {
    const o = parseCaptured('claude', name);
    expect(o.ok).toBe(false);
    expect(o.limit).toMatchObject({ kind, reset_at: null });
    expect(o.limit!.message).toMatch(message);
    expect(o.error).toMatch(/claude reported an error/);
  });
  it('stream-json (two retries honouring retry-after: 2): the api_retry events, then the same result', () => {
    const { out } = captured('claude-429-stream-retries');
    const retries = out.split('\n').filter((l) => l.includes('"subtype":"api_retry"')).map((l) => JSON.parse(l));
    expect(retries.map((r) => [r.attempt, r.error_status, r.error, r.retry_delay_ms])).toEqual([[1, 429, 'rate_limit', 2000], [2, 429, 'rate_limit', 2000]]);
    expect(parseCaptured('claude', 'claude-429-stream-retries').limit).toMatchObject({ kind: 'rate_limit', reset_at: null });
  });
  it('a subscription usage limit: its reset from "resets 10am (UTC)"', () => {
    const o = parseCaptured('claude', 'claude-usage-limit-oauth');
    expect(o.ok).toBe(false);
    expect(o.limit).toEqual({ kind: 'usage_limit', reset_at: statedReset('claude-usage-limit-oauth'), message: expect.stringMatching(/^You've hit your session limit · resets \d+am \(UTC\)$/) });
  });
  it('a weekly limit days ahead: "resets Dec 8, 10am (UTC)" with its date', () => {
    const o = parseCaptured('claude', 'claude-weekly-limit-oauth');
    const fiveDays = new Date(Date.parse(statedReset('claude-weekly-limit-oauth')) + 5 * 86400 * 1000).toISOString().replace('.000Z', 'Z');
    expect(o.limit).toEqual({ kind: 'usage_limit', reset_at: fiveDays, message: expect.stringMatching(/^You've hit your weekly limit · resets [A-Z][a-z]{2} \d+, \d+am \(UTC\)$/) });
  });
  it.each(['claude-500', 'claude-401'])('%s is a failure and no limit', (name) => {
    const o = parseCaptured('claude', name);
    expect(o.ok).toBe(false);
    expect(o.limit).toBeUndefined();
  });
  it('the older "Claude AI usage limit reached|<unix time>" result', () => {
    const o = parseOutput(PRESETS.claude.parser, '{"type":"result","subtype":"success","is_error":true,"result":"Claude AI usage limit reached|1796295600","session_id":"s"}', 1);
    expect(o.limit).toEqual({ kind: 'usage_limit', reset_at: '2026-12-03T11:00:00Z', message: 'Claude AI usage limit reached|1796295600' });
  });
  it('a success, and an error result that is no limit, carry none', () => {
    expect(parseOutput(PRESETS.claude.parser, fixture('claude.success.out'), 0).limit).toBeUndefined();
    // a success whose answer talks about rate limits is still a success
    const talk = parseOutput(PRESETS.claude.parser, '{"type":"result","subtype":"success","is_error":false,"result":"Added a rate limit (429) to the API.","session_id":"s"}', 0);
    expect(talk).toMatchObject({ ok: true });
    expect(talk.limit).toBeUndefined();
    expect(parseOutput(PRESETS.claude.parser, '{"type":"result","subtype":"error_max_turns","is_error":true,"result":"","session_id":"s"}', 1).limit).toBeUndefined();
  });
  it('an error status alone (no text) still tells the kind', () => {
    const o = parseOutput(PRESETS.claude.parser, '{"type":"result","is_error":true,"api_error_status":529,"result":"","session_id":"s"}', 1);
    expect(o.limit).toMatchObject({ kind: 'overloaded', reset_at: null });
  });
});

describe('codex: captured from Codex CLI 0.171.0 (request_max_retries = 0)', () => {
  it('a 429 from the responses endpoint: "exceeded retry limit, last status: 429", no reset', () => {
    const o = parseCaptured('codex', 'codex-429');
    expect(o.ok).toBe(false);
    expect(o.limit).toEqual({ kind: 'rate_limit', reset_at: null, message: 'exceeded retry limit, last status: 429 Too Many Requests' });
  });
  it('usage_limit_reached: its reset from "try again at 10:00 AM" in the agent\'s zone', () => {
    const o = parseCaptured('codex', 'codex-usage-limit');
    expect(o.ok).toBe(false);
    expect(o.limit).toMatchObject({ kind: 'usage_limit', reset_at: statedReset('codex-usage-limit') });
    expect(o.limit!.message).toMatch(/^You’ve hit your usage limit\..* try again at \d+:00 AM\.$/);
    // without the zone the CLI printed its time in, the time is not guessed
    const { out, meta } = captured('codex-usage-limit');
    expect(parseOutput(PRESETS.codex.parser, out, meta.exit_status, { now: meta.captured_at }).limit).toMatchObject({ kind: 'usage_limit', reset_at: null });
  });
  it('insufficient_quota is a usage limit without a reset; a 503 "overloaded" is overloaded', () => {
    expect(parseCaptured('codex', 'codex-quota').limit).toEqual({ kind: 'usage_limit', reset_at: null, message: 'Quota exceeded. Check your plan and billing details.' });
    expect(parseCaptured('codex', 'codex-503').limit).toMatchObject({ kind: 'overloaded', reset_at: null });
  });
  it.each(['codex-500', 'codex-401'])('%s is a failure and no limit', (name) => {
    const o = parseCaptured('codex', name);
    expect(o.ok).toBe(false);
    expect(o.limit).toBeUndefined();
  });
  it('a success carries none', () => {
    expect(parseOutput(PRESETS.codex.parser, fixture('codex.success.out'), 0).limit).toBeUndefined();
  });
});

describe('gemini: `.error` as its docs and issues show it', () => {
  const doc = (error: Record<string, unknown>) => JSON.stringify({ session_id: 's', response: '', error });
  it('RESOURCE_EXHAUSTED / code 429 is a rate limit; a retry delay is its reset', () => {
    const o = parseOutput(PRESETS.gemini.parser, doc({ type: 'RetryableQuotaError', message: 'Resource has been exhausted (e.g. check quota). Please retry in 23.5s', code: 429 }), 1, { now: '2026-12-03T07:50:00Z' });
    expect(o.ok).toBe(false);
    expect(o.limit).toMatchObject({ kind: 'rate_limit', reset_at: '2026-12-03T07:50:24Z' });
    expect(parseOutput(PRESETS.gemini.parser, doc({ type: 'Error', message: '[API Error: got status: 429 Too Many Requests.]', code: 1 }), 1).limit).toMatchObject({ kind: 'rate_limit' });
  });
  it('a spent daily quota (TerminalQuotaError) is a usage limit with its stated reset', () => {
    const o = parseOutput(PRESETS.gemini.parser, doc({ type: 'TerminalQuotaError', message: 'You have exhausted your capacity on this model. Your quota will reset after 2h36m24s.', code: 1 }), 1, { now: '2026-12-03T07:50:00Z' });
    expect(o.limit).toEqual({ kind: 'usage_limit', reset_at: '2026-12-03T10:26:24Z', message: 'You have exhausted your capacity on this model. Your quota will reset after 2h36m24s.' });
  });
  it('an auth error, a 500 and a success carry none', () => {
    expect(parseOutput(PRESETS.gemini.parser, doc({ type: 'FatalAuthenticationError', message: 'API key not valid', code: 41 }), 41).limit).toBeUndefined();
    expect(parseOutput(PRESETS.gemini.parser, doc({ type: 'Error', message: '[API Error: got status: 500 Internal Server Error.]', code: 500 }), 1).limit).toBeUndefined();
    expect(parseOutput(PRESETS.gemini.parser, fixture('gemini.success.out'), 0).limit).toBeUndefined();
  });
});

describe('opencode: error events (APIError with data.statusCode)', () => {
  const ev = (name: string, data: Record<string, unknown>) => JSON.stringify({ type: 'error', sessionID: 'ses_1', error: { name, data } }) + '\n';
  it('a 429 and a 529 by their status code, whatever the text', () => {
    expect(parseOutput(PRESETS.opencode.parser, ev('APIError', { message: 'Too many tokens, please wait before trying again.', statusCode: 429, isRetryable: true }), 1).limit).toMatchObject({ kind: 'rate_limit' });
    expect(parseOutput(PRESETS.opencode.parser, ev('APIError', { message: 'scripted', statusCode: 529 }), 1).limit).toMatchObject({ kind: 'overloaded' });
  });
  it('a later limit after an unrelated error is still found; a 500 and an auth error are none', () => {
    const both = ev('UnknownError', { message: 'tool failed' }) + ev('APIError', { message: 'Rate limit exceeded. Please try again in 20s.', statusCode: 429 });
    expect(parseOutput(PRESETS.opencode.parser, both, 1, { now: '2026-12-03T07:50:00Z' }).limit).toMatchObject({ kind: 'rate_limit', reset_at: '2026-12-03T07:50:20Z' });
    expect(parseOutput(PRESETS.opencode.parser, ev('APIError', { message: 'Internal server error', statusCode: 500 }), 1).limit).toBeUndefined();
    expect(parseOutput(PRESETS.opencode.parser, ev('ProviderAuthError', { providerID: 'anthropic', message: 'invalid x-api-key' }), 1).limit).toBeUndefined();
  });
});

describe('aider: its litellm error lines', () => {
  const run = (lines: string) => parseOutput(PRESETS.aider.parser, lines, 0);
  it('RateLimitError, overloaded_error and a spent quota', () => {
    expect(run('litellm.RateLimitError: AnthropicException - {"type":"error","error":{"type":"rate_limit_error","message":"Number of request tokens has exceeded your per-minute rate limit"}}\n').limit).toMatchObject({ kind: 'rate_limit' });
    expect(run('litellm.InternalServerError: AnthropicException - {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n').limit).toMatchObject({ kind: 'overloaded' });
    const quota = run('litellm.RateLimitError: RateLimitError: OpenAIException - You exceeded your current quota, please check your plan and billing details.\n');
    expect(quota).toMatchObject({ ok: false, limit: { kind: 'usage_limit', reset_at: null } });
  });
  it('a 500, an auth error, and prose about rate limits are none', () => {
    expect(run('litellm.InternalServerError: AnthropicException - Internal server error\n').limit).toBeUndefined();
    expect(run('litellm.AuthenticationError: AnthropicException - invalid x-api-key\n').limit).toBeUndefined();
    const prose = run('I added a rate limit of 429 responses per minute.\nTokens: 1k sent, 200 received.\n');
    expect(prose.ok).toBe(true);
    expect(prose.limit).toBeUndefined();
  });
});

describe('cursor: its result document, shaped like Claude Code\'s (unconfirmed message shapes)', () => {
  it('an error result with a limit is one; a success is not', () => {
    const o = parseOutput(PRESETS.cursor.parser, '{"type":"result","subtype":"error","is_error":true,"result":"You\'ve hit your usage limit · try again in 3 hours","session_id":"c"}', 1, { now: '2026-12-03T07:50:00Z' });
    expect(o).toMatchObject({ ok: false, limit: { kind: 'usage_limit', reset_at: '2026-12-03T10:50:00Z' } });
    expect(parseOutput(PRESETS.cursor.parser, fixture('cursor-agent.success.out'), 0).limit).toBeUndefined();
  });
});

describe('the edge: an output file is read with the clock of its last write', () => {
  it('a relative or date-less reset resolves against the file time, not the time it is read back', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'argo-limits-'));
    const file = join(dir, 'builder-x.agent.out');
    const { out, meta } = captured('claude-usage-limit-oauth');
    writeFileSync(file, out);
    // as if written two days before it is read: "resets 10am (UTC)" is 10am of that day
    const twoDays = 2 * 86400 * 1000;
    const at = new Date(Date.parse(meta.captured_at) - twoDays);
    utimesSync(file, at, at);
    const o = await parseOutputFile(PRESETS.claude.parser, file, meta.exit_status);
    const expected = new Date(Date.parse(statedReset('claude-usage-limit-oauth')) - twoDays).toISOString().replace('.000Z', 'Z');
    expect(o.limit).toMatchObject({ kind: 'usage_limit', reset_at: expected });
  });
});

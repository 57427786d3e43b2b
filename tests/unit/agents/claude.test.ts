import { describe, expect, it } from 'vitest';
import { claude } from '../../../agents/presets/claude.js';
import { parseOutput } from '../../../agents/presets/contract.js';
import { HUGE, fixture } from './helpers.js';

const parse = (text: string, code = 0) => parseOutput(claude.parser, text, code);

describe('claude parser', () => {
  it('reads result, session, cost and tokens from a success document', () => {
    const o = parse(fixture('claude.success.out'));
    expect(o).toMatchObject({ ok: true, text: 'built core', session_id: 'sess-claude-core', error: null });
    expect(o.usage).toEqual({ input_tokens: 1000, output_tokens: 500, cache_read_tokens: 200, cost_usd: 0.0123 });
  });
  it('an error reported with exit 0 is a failure carrying the message', () => {
    const o = parse(fixture('claude.error-exit0.out'), 0);
    expect(o.ok).toBe(false);
    expect(o.error).toMatch(/error_during_execution.*529 overloaded/);
    expect(o.usage.cost_usd).toBe(0.001);
  });
  it('a non-success subtype fails even when is_error is false', () => {
    const o = parse('{"type":"result","subtype":"error_max_turns","is_error":false,"result":"","session_id":"s"}');
    expect(o.ok).toBe(false);
    expect(o.error).toMatch(/error_max_turns/);
  });
  it('a clean document with a non-zero exit status fails', () => {
    expect(parse(fixture('claude.success.out'), 1)).toMatchObject({ ok: false, error: 'claude exited with status 1' });
  });
  it('finds the document after prose, and in a pretty-printed or array form', () => {
    expect(parse('Warning: something\n' + fixture('claude.success.out')).text).toBe('built core');
    const doc = JSON.parse(fixture('claude.success.out'));
    expect(parse(JSON.stringify(doc, null, 2)).session_id).toBe('sess-claude-core');
    expect(parse(JSON.stringify([{ type: 'system' }, doc])).usage.cost_usd).toBe(0.0123);
  });
  it('permission denials are warnings, not failures', () => {
    const o = parse('{"type":"result","subtype":"success","is_error":false,"result":"ok","permission_denials":[{"tool_name":"Bash"}]}');
    expect(o.ok).toBe(true);
    expect(o.warnings?.[0]).toMatch(/1 permission denial.*Bash/);
  });
  it('no JSON at all is a failure quoting the output', () => {
    const o = parse('Invalid API key · Please run /login\n', 1);
    expect(o).toMatchObject({ ok: false, session_id: null });
    expect(o.error).toMatch(/no JSON result.*Invalid API key/);
  });
  it('a huge result is read whole', () => {
    const o = parse(JSON.stringify({ type: 'result', subtype: 'success', is_error: false, result: HUGE, session_id: 's', total_cost_usd: 1 }) + '\n');
    expect(o.ok).toBe(true);
    expect(o.text.length).toBe(HUGE.length);
  });
});

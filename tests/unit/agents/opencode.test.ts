import { describe, expect, it } from 'vitest';
import { opencode } from '../../../agents/presets/opencode.js';
import { parseOutput } from '../../../agents/presets/contract.js';
import { HUGE, fixture } from './helpers.js';

const parse = (text: string, code = 0) => parseOutput(opencode.parser, text, code);

describe('opencode parser', () => {
  it('text parts, session id, USD and tokens summed over steps', () => {
    const o = parse(fixture('opencode.success.out'));
    expect(o).toMatchObject({ ok: true, text: 'built core', session_id: 'sess-opencode-core' });
    expect(o.usage).toEqual({ input_tokens: 1000, output_tokens: 500, cache_read_tokens: 200, cost_usd: 0.01 });
  });
  it('an error event with exit 0 fails with its message', () => {
    const o = parse(fixture('opencode.error-exit0.out'));
    expect(o).toMatchObject({ ok: false, error: 'opencode reported: rate limited' });
  });
  it('rejected permissions in the done event are warnings', () => {
    const o = parse('{"type":"text","sessionID":"s","part":{"text":"hi"}}\n{"type":"done","sessionID":"s","rejected":[{"permission":"bash"}]}\n');
    expect(o.ok).toBe(true);
    expect(o.warnings).toEqual(['1 permission(s) rejected']);
  });
  it('nothing but prose fails', () => {
    expect(parse('Error: no provider configured\n', 1).ok).toBe(false);
    expect(parse('hello\n', 0).error).toBe('opencode printed no JSON events');
  });
  it('huge text parts keep a bounded text', () => {
    const o = parse(`{"type":"text","sessionID":"s","part":{"text":"${HUGE}"}}\n{"type":"text","sessionID":"s","part":{"text":"end"}}\n`);
    expect(o.ok).toBe(true);
    expect(o.text.length).toBeLessThanOrEqual(1024 * 1024);
    expect(o.text.endsWith('end')).toBe(true);
  });
});

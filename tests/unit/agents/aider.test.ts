import { describe, expect, it } from 'vitest';
import { aider, tokenCount } from '../../../agents/presets/aider.js';
import { parseOutput } from '../../../agents/presets/contract.js';
import { HUGE, fixture } from './helpers.js';

const parse = (text: string, code = 0) => parseOutput(aider.parser, text, code);

describe('aider parser', () => {
  it('plain text, tokens and session cost from its Tokens line, no session id', () => {
    const o = parse(fixture('aider.success.out'));
    expect(o).toMatchObject({ ok: true, session_id: null, error: null });
    expect(o.text).toContain('built core');
    expect(o.text).not.toContain('Tokens:');
    expect(o.usage).toEqual({ input_tokens: 1000, output_tokens: 500, cache_read_tokens: 200, cost_usd: 0.004 });
  });
  it('a fatal API error printed with exit 0 fails', () => {
    const o = parse(fixture('aider.error-exit0.out'), 0);
    expect(o.ok).toBe(false);
    expect(o.error).toMatch(/AuthenticationError/);
  });
  it('sums tokens over calls; the cost is the last session figure', () => {
    const o = parse('Tokens: 2.1k sent, 345 received. Cost: $0.01 message, $0.01 session.\nTokens: 12k sent, 1,234 received. Cost: $0.02 message, $0.03 session.\n');
    expect(o.usage).toEqual({ input_tokens: 14100, output_tokens: 1579, cache_read_tokens: null, cost_usd: 0.03 });
  });
  it('no Tokens line: usage unknown', () => {
    expect(parse('done\n').usage).toEqual({ input_tokens: null, output_tokens: null, cache_read_tokens: null, cost_usd: null });
  });
  it('token counts in aider\'s formats', () => {
    expect([tokenCount('1.5M'), tokenCount('999'), tokenCount('x')]).toEqual([1500000, 999, null]);
  });
  it('huge output keeps a bounded tail of the text', () => {
    const o = parse(HUGE + '\nthe end\n');
    expect(o.ok).toBe(true);
    expect(o.text.length).toBeLessThanOrEqual(1024 * 1024);
    expect(o.text.endsWith('the end')).toBe(true);
  });
});

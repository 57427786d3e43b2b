import { describe, expect, it } from 'vitest';
import { cursor } from '../../../agents/presets/cursor.js';
import { parseOutput } from '../../../agents/presets/contract.js';
import { HUGE, fixture } from './helpers.js';

const parse = (text: string, code = 0) => parseOutput(cursor.parser, text, code);

describe('cursor parser', () => {
  it('reads result and session; tokens and cost unknown when not reported', () => {
    const o = parse(fixture('cursor-agent.success.out'));
    expect(o).toMatchObject({ ok: true, text: 'built core', session_id: 'sess-cursor-agent-core' });
    expect(o.usage).toEqual({ input_tokens: null, output_tokens: null, cache_read_tokens: null, cost_usd: null });
  });
  it('is_error with exit 0 fails', () => {
    expect(parse(fixture('cursor-agent.error-exit0.out'))).toMatchObject({ ok: false });
    expect(parse(fixture('cursor-agent.error-exit0.out')).error).toMatch(/^cursor-agent reported an error/);
  });
  it('a huge result is read whole', () => {
    expect(parse(JSON.stringify({ type: 'result', subtype: 'success', is_error: false, result: HUGE })).text.length).toBe(HUGE.length);
  });
});

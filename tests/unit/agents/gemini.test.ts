import { describe, expect, it } from 'vitest';
import { gemini } from '../../../agents/presets/gemini.js';
import { parseOutput } from '../../../agents/presets/contract.js';
import { HUGE, fixture } from './helpers.js';

const parse = (text: string, code = 0) => parseOutput(gemini.parser, text, code);

describe('gemini parser', () => {
  it('reads a pretty-printed document: response, session, tokens per model, the model', () => {
    const o = parse(fixture('gemini.success.out'));
    expect(o).toMatchObject({ ok: true, text: 'built core', session_id: 'sess-gemini-core', model: 'gemini-2.5-pro' });
    expect(o.usage).toEqual({ input_tokens: 1000, output_tokens: 500, cache_read_tokens: 200, cost_usd: null });
  });
  it('finds the pretty-printed document between other lines (warnings before, notes after)', () => {
    const o = parse('Loaded cached credentials.\n' + fixture('gemini.success.out') + 'argo: committed the uncommitted work\n');
    expect(o).toMatchObject({ ok: true, text: 'built core' });
  });
  it('an error object with exit 0 fails', () => {
    const o = parse(fixture('gemini.error-exit0.out'));
    expect(o.ok).toBe(false);
    expect(o.error).toBe('gemini reported FatalAuthenticationError: quota exceeded');
  });
  it('documented exit codes are named', () => {
    expect(parse('', 55).error).toBe('gemini exited with status 55 (untrusted folder)');
    expect(parse('', 41).error).toMatch(/authentication/);
  });
  it('sums tokens over models', () => {
    const doc = { response: 'r', stats: { models: { a: { tokens: { input: 1, candidates: 2, cached: 0 } }, b: { tokens: { prompt: 3, candidates: 4 } } } } };
    const o = parse(JSON.stringify(doc, null, 2));
    expect(o.usage).toMatchObject({ input_tokens: 4, output_tokens: 6 });
    expect(o.model).toBeNull();
  });
  it('a huge response is read whole', () => {
    expect(parse(JSON.stringify({ response: HUGE }, null, 2)).text.length).toBe(HUGE.length);
  });
});

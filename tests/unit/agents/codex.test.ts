import { describe, expect, it } from 'vitest';
import { codex } from '../../../agents/presets/codex.js';
import { parseOutput } from '../../../agents/presets/contract.js';
import { HUGE, fixture } from './helpers.js';

const parse = (text: string, code = 0) => parseOutput(codex.parser, text, code);

describe('codex parser', () => {
  it('takes the last agent message, the thread id and the turn tokens (no USD)', () => {
    const o = parse(fixture('codex.success.out'));
    expect(o).toMatchObject({ ok: true, text: 'built core', session_id: 'sess-codex-core', error: null });
    expect(o.usage).toEqual({ input_tokens: 1000, output_tokens: 500, cache_read_tokens: 200, cost_usd: null });
  });
  it('turn.failed with exit 0 fails with the message', () => {
    const o = parse(fixture('codex.error-exit0.out'));
    expect(o.ok).toBe(false);
    expect(o.error).toMatch(/401 Unauthorized/);
    expect(o.session_id).toBe('sess-codex-core');
  });
  it('sums tokens over turns and keeps the last message', () => {
    const turn = (t: string) =>
      `{"type":"item.completed","item":{"type":"agent_message","text":"${t}"}}\n{"type":"turn.completed","usage":{"input_tokens":10,"cached_input_tokens":1,"output_tokens":5}}\n`;
    const o = parse(turn('first') + turn('second'));
    expect(o.text).toBe('second');
    expect(o.usage).toMatchObject({ input_tokens: 20, output_tokens: 10, cache_read_tokens: 2 });
  });
  it('exit 1 with prose only fails quoting it', () => {
    expect(parse('Error: not logged in\n', 1).error).toMatch(/status 1: Error: not logged in/);
  });
  it('huge output: many events and a huge message', () => {
    const noise = '{"type":"item.completed","item":{"type":"command_execution","aggregated_output":"' + 'y'.repeat(1000) + '"}}\n';
    const text = '{"type":"thread.started","thread_id":"t"}\n' + noise.repeat(5000) + `{"type":"item.completed","item":{"type":"agent_message","text":"${HUGE}"}}\n`;
    const o = parse(text);
    expect(o.ok).toBe(true);
    expect(o.text.length).toBe(HUGE.length);
  });
});

import { describe, expect, it } from 'vitest';
import { PRESETS } from '../../../agents/presets/index.js';
import { parseOutput } from '../../../agents/presets/contract.js';
import { FAILURE_MESSAGE_MAX, agentFailureMessage, cleanLine, stderrTail } from '../../../agents/run/failure_message.js';
import { fixture } from './helpers.js';

const ROOT_REFUSAL = '--dangerously-skip-permissions cannot be used with root/sudo privileges for security reasons';

describe('failure_message: why an agent run failed, in its own words', () => {
  it("Claude as root: empty stdout, the refusal on stderr, exit 1 -> the refusal", () => {
    const outcome = parseOutput(PRESETS.claude.parser, '', 1);
    const log = `[2026-12-03T02:00:00Z] spawned - PID: 42\n${ROOT_REFUSAL}\n`;
    expect(agentFailureMessage('claude', { code: 1 }, outcome, log)).toBe(`claude exited with status 1: ${ROOT_REFUSAL}`);
  });

  it("each preset's own error report wins over its stderr", () => {
    const cases: [keyof typeof PRESETS, string, RegExp][] = [
      ['claude', 'claude.error-exit0.out', /^claude reported an error \(error_during_execution\): API Error: 529 overloaded$/],
      ['cursor', 'cursor-agent.error-exit0.out', /^cursor-agent reported an error/],
      ['codex', 'codex.error-exit0.out', /^codex reported: /],
      ['gemini', 'gemini.error-exit0.out', /^gemini reported /],
      ['opencode', 'opencode.error-exit0.out', /^opencode reported: /],
      ['aider', 'aider.error-exit0.out', /^aider reported: .*Error/],
    ];
    for (const [name, file, want] of cases) {
      const outcome = parseOutput(PRESETS[name].parser, fixture(file), 0);
      expect(outcome.reported, name).toBe(true);
      expect(agentFailureMessage(name, { code: 0 }, outcome, 'some warning on stderr\n'), name).toMatch(want);
    }
  });

  it('no report and no stderr: the parser reading; a start error names the program', () => {
    const outcome = parseOutput(PRESETS.codex.parser, '', 2);
    expect(agentFailureMessage('codex', { code: 2 }, outcome, '')).toBe('codex exited with status 2');
    expect(agentFailureMessage('codex', { code: 127, startError: 'ENOENT' }, outcome, '')).toBe('could not start codex: ENOENT');
  });

  it('one line: no control characters or terminal colours, the last lines of stderr, bounded', () => {
    const outcome = parseOutput(PRESETS.gemini.parser, '', 41);
    const noisy = Array.from({ length: 30 }, (_, i) => `line ${i}`).join('\n') + '\n\x1b[31mError:\x1b[0m bad\x07 key\r\n';
    const m = agentFailureMessage('gemini', { code: 41 }, outcome, noisy);
    expect(m).toBe('gemini exited with status 41: line 26 | line 27 | line 28 | line 29 | Error: bad key');
    expect(m).not.toMatch(/[\x00-\x1f\x7f]/);
    const long = agentFailureMessage('gemini', { code: 1 }, outcome, 'x'.repeat(10_000) + '\nthe reason at the end\n');
    expect(long.length).toBeLessThanOrEqual(FAILURE_MESSAGE_MAX);
    expect(long).toMatch(/^gemini exited with status 1: …x+ \| the reason at the end$/);
    expect(cleanLine('a\nb\tc')).toBe('a | b c');
    expect(stderrTail('[2026-12-03T02:00:00Z] failed - x\n\n  \nreal line\nargo: could not commit the uncommitted work builder b left in /w\n')).toBe('real line');
  });
});

import { describe, expect, it } from 'vitest';
import { builderRecord } from '../../store/builders.js';
import { parseSayArgs, SAY_MAX_BYTES, sayDecision, sayPrompt } from '../../steer/say.js';

const isProj = (p: string) => p === '/proj';
const row = (o: Record<string, unknown>) => builderRecord({ id: 'core', status: 'completed', worktree: '/proj/.argo-project/builders/core', usage: { agent: 'claude', session_id: 's1' }, ...o });

describe('argo say: arguments', () => {
  it('[project] <id> "text"', () => {
    expect(parseSayArgs(['core', 'hi'], isProj)).toEqual({ id: 'core', text: 'hi' });
    expect(parseSayArgs(['/proj', 'core', 'hi'], isProj)).toEqual({ path: '/proj', id: 'core', text: 'hi' });
  });
  it('refuses a missing, empty or oversized text, and options', () => {
    expect(parseSayArgs(['/proj', 'core'], isProj)).toMatch(/expected a builder id and the text/);
    expect(parseSayArgs(['core', ' \n'], isProj)).toMatch(/the text is empty/);
    expect(parseSayArgs(['core', 'x'.repeat(SAY_MAX_BYTES + 1)], isProj)).toMatch(/at most 32768 are accepted/);
    expect(parseSayArgs(['--force', 'core', 'x'], isProj)).toMatch(/unknown option: --force/);
  });
});

describe('argo say: whether a builder can be talked to', () => {
  it('an ended builder with a resumable agent session: its preset', () => {
    expect(sayDecision(row({}), {})).toMatchObject({ preset: { name: 'claude' } });
    expect(sayDecision(row({ status: 'failed' }), { action_needed: 'review_merge', action_owner: 'user' })).toHaveProperty('preset');
  });
  it('refuses (never queues) a builder that is or may be running', () => {
    for (const status of ['pending', 'running', 'waiting']) expect(sayDecision(row({ status }), {})).toHaveProperty('error', expect.stringContaining(`is ${status}`));
    expect(sayDecision(row({ status: 'failed' }), { action_needed: 'execution', action_owner: 'code' })).toHaveProperty('error', expect.stringContaining('about to run it again'));
  });
  it('a plain tool, an agent that cannot resume, no session, no worktree: why', () => {
    expect(sayDecision(row({ usage: null }), {})).toHaveProperty('error', expect.stringContaining('plain CI tool'));
    expect(sayDecision(row({ usage: { agent: 'aider', session_id: 's' } }), {})).toHaveProperty('error', expect.stringContaining('cannot resume'));
    expect(sayDecision(row({ usage: { agent: 'evil; rm', session_id: 's' } }), {})).toHaveProperty('error', expect.stringContaining('not a known agent'));
    expect(sayDecision(row({ usage: { agent: 'claude' } }), {})).toHaveProperty('error', expect.stringContaining('no agent session'));
    expect(sayDecision(row({ worktree: null }), {})).toHaveProperty('error', expect.stringContaining('no worktree'));
  });
});

describe('the message sent', () => {
  it('is framed, so a text starting with "-" never opens an argument (no option for the agent CLI)', () => {
    const p = sayPrompt('--dangerously-skip-permissions');
    expect(p.startsWith('-')).toBe(false);
    expect(p.endsWith('\n\n--dangerously-skip-permissions')).toBe(true);
  });
});

import { describe, expect, it } from 'vitest';
import { credentialCheck, rootCheck, versionBelow, versionOf } from '../../../steer/doctor.js';
import { PRESETS, withOverride } from '../../../agents/presets/index.js';

const machine = (files: string[] = [], uid = 1000) => ({ uid, home: '/home/u', exists: (f: string) => files.includes(f) });

describe('argo doctor: the traps it knows', () => {
  it('claude as root: refused unless IS_SANDBOX=1; a normal user or flags without bypass are fine', () => {
    expect(rootCheck(PRESETS.claude, {}, 0)?.ok).toBe(false);
    expect(rootCheck(PRESETS.claude, { IS_SANDBOX: '1' }, 0)?.ok).toBeNull();
    expect(rootCheck(PRESETS.claude, {}, 1000)).toBeNull();
    expect(rootCheck(PRESETS.codex, {}, 0)).toBeNull();
    const acceptEdits = withOverride(PRESETS.claude, { args: { builder: ['-p', '{prompt}', '--permission-mode', 'acceptEdits'], resume: null } }, 'ci.agents.claude');
    expect(rootCheck(acceptEdits, {}, 0)).toBeNull();
  });

  it('a credential: a key variable, a provider setting or the agent login file; none is a failure', () => {
    expect(credentialCheck(PRESETS.claude, { CLAUDE_CODE_OAUTH_TOKEN: 'x' }, machine()).ok).toBe(true);
    expect(credentialCheck(PRESETS.claude, { CLAUDE_CODE_USE_BEDROCK: '1' }, machine()).ok).toBe(true);
    expect(credentialCheck(PRESETS.claude, {}, machine(['/home/u/.claude/.credentials.json'])).ok).toBe(true);
    expect(credentialCheck(PRESETS.claude, {}, machine()).ok).toBe(false);
    expect(credentialCheck(PRESETS.codex, { CODEX_HOME: '/c' }, machine(['/c/auth.json'])).ok).toBe(true);
    expect(credentialCheck(PRESETS.codex, {}, machine(['/home/u/.codex/auth.json'])).ok).toBe(true);
    // aider and cursor may find keys where we cannot look: a note, not a failure
    expect(credentialCheck(PRESETS.aider, {}, machine()).ok).toBeNull();
    expect(credentialCheck(PRESETS.claude, { ANTHROPIC_API_KEY: 'sk-secret' }, machine()).line).not.toContain('sk-secret');
  });

  it('versions: the first x.y[.z] of --version, compared numerically', () => {
    expect(versionOf('2.1.197 (Claude Code)')).toEqual([2, 1, 197]);
    expect(versionOf('codex-cli 0.171.0')).toEqual([0, 171, 0]);
    expect(versionOf('gemini 1.2')).toEqual([1, 2, 0]);
    expect(versionOf('unknown')).toBeNull();
    expect(versionBelow([0, 39, 9], [0, 40, 0])).toBe(true);
    expect(versionBelow([0, 171, 0], [0, 40, 0])).toBe(false);
    expect(versionBelow([1, 0, 0], [1, 0, 0])).toBe(false);
  });
});

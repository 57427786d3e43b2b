import { describe, expect, it } from 'vitest';
import { PRESETS, expandTemplate, templateUses, withOverride } from '../../../agents/presets/index.js';
import { invocationFor } from '../../../agents/invocation.js';
import type { CiChoice } from '../../../agents/select.js';

const vars = { prompt: 'P', worktree: '/wt', model: null, session_id: null, git_common_dir: '/repo/.git' };
const preset = (name: keyof typeof PRESETS, model: string | null = null): CiChoice => ({ kind: 'preset', preset: PRESETS[name], model, source: 'test' });
const input = { prompt: 'P', worktree: '/wt', gitCommonDir: '/repo/.git', gitDir: '/repo/.git/worktrees/wt', writePrompt: () => '/p/prompt.txt' };

describe('argv templates', () => {
  it('optional groups go when a value is missing, stay when present', () => {
    expect(expandTemplate(['-p', '{prompt}', ['--model', '{model}']], vars)).toEqual(['-p', 'P']);
    expect(expandTemplate(['-p', '{prompt}', ['--model', '{model}']], { ...vars, model: 'm' })).toEqual(['-p', 'P', '--model', 'm']);
  });
  it('a required piece without a value is an error naming it', () => {
    expect(() => expandTemplate(['--resume', '{session_id}'], vars)).toThrow(/\{session_id\}/);
  });
  it('knows which templates need a prompt file', () => {
    expect(templateUses(PRESETS.aider.builder, 'prompt_file')).toBe(true);
    expect(templateUses(PRESETS.claude.builder, 'prompt_file')).toBe(false);
  });
});

describe('the exact commands we run', () => {
  it.each([
    ['claude', 'builder', ['claude', '-p', 'P', '--output-format', 'json', '--permission-mode', 'bypassPermissions', '--model', 'M']],
    ['claude', 'design', ['claude', '-p', 'P', '--output-format', 'json', '--permission-mode', 'plan', '--model', 'M']],
    ['codex', 'builder', ['codex', 'exec', '--json', '--sandbox', 'workspace-write', '-c', 'sandbox_workspace_write.writable_roots=["/repo/.git","/repo/.git/worktrees/wt"]', '-C', '/wt', '-m', 'M', 'P']],
    ['codex', 'design', ['codex', 'exec', '--json', '--sandbox', 'read-only', '-C', '/wt', '-m', 'M', 'P']],
    ['gemini', 'builder', ['gemini', '-p', 'P', '-o', 'json', '--approval-mode', 'yolo', '--skip-trust', '-m', 'M']],
    ['aider', 'builder', ['aider', '--message-file', '/p/prompt.txt', '--yes-always', '--no-stream', '-m', 'M']],
    ['opencode', 'builder', ['opencode', 'run', '--format', 'json', '--dir', '/wt', '-m', 'M', '--auto', 'P']],
    ['cursor', 'builder', ['cursor-agent', '-p', '--force', '--trust', '--output-format', 'json', '--workspace', '/wt', '--model', 'M', 'P']],
  ] as const)('%s %s', (name, kind, argv) => {
    expect(invocationFor(preset(name, 'M'), kind, input, {}).argv).toEqual(argv);
  });
  it('resume uses the session where the agent can, else a fresh builder run', () => {
    expect(invocationFor(preset('claude'), 'resume', { ...input, sessionId: 'S' }, {})).toMatchObject({ resumed: true, argv: expect.arrayContaining(['--resume', 'S']) });
    expect(invocationFor(preset('codex'), 'resume', { ...input, sessionId: 'S' }, {}).argv.slice(-3)).toEqual(['resume', 'S', 'P']);
    expect(invocationFor(preset('aider'), 'resume', { ...input, sessionId: 'S' }, {})).toMatchObject({ resumed: false });
    expect(invocationFor(preset('claude'), 'resume', { ...input, sessionId: null }, {})).toMatchObject({ resumed: false });
  });
  it('a word and a command line', () => {
    expect(invocationFor({ kind: 'word', tool: 'ci', source: 'x' }, 'builder', input, {}).argv).toEqual(['ci', 'P']);
    expect(invocationFor({ kind: 'command', words: ['a', '-f', '{prompt_file}'], source: 'x' }, 'builder', input, {}).argv).toEqual(['a', '-f', '/p/prompt.txt']);
  });
});

describe('config overrides (ci.agents.<name>)', () => {
  it('a bare list replaces the builder argv; an object any run kind; program and env', () => {
    const p = withOverride(PRESETS.claude, { program: '/opt/claude', args: ['-p', '{prompt}', '--new-flag'], env: { X: '1' } }, 'ci.agents.claude');
    expect(p).toMatchObject({ program: '/opt/claude', builder: ['-p', '{prompt}', '--new-flag'], design: PRESETS.claude.design, env: { X: '1' } });
    expect(withOverride(PRESETS.claude, { args: { design: ['d', '{prompt}'], resume: null } }, 'w')).toMatchObject({ design: ['d', '{prompt}'], resume: null });
  });
  it.each([
    ['a string', 'x', /must be an object/],
    ['bad args', { args: 'x' }, /args must be a list/],
    ['bad kind', { args: { review: ['x'] } }, /args.review: unknown run kind/],
    ['bad piece', { args: { builder: [1] } }, /args.builder must be a list of strings/],
    ['bad env', { env: { A: 1 } }, /env must be an object of strings/],
  ])('refuses %s, naming the key', (_n, raw, msg) => {
    expect(() => withOverride(PRESETS.claude, raw, 'ci.agents.claude')).toThrow(msg);
  });
});

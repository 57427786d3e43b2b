import { describe, expect, it } from 'vitest';
import { chooseCi, choiceProgram } from '../../../agents/select.js';

const config = (ci: Record<string, unknown>) => ({ ci });

describe('chooseCi: CI_COMMAND > ARGO_AGENT > ci.agent > ci.tool > ci', () => {
  it.each([
    ['CI_COMMAND wins', { CI_COMMAND: 'x', ARGO_AGENT: 'codex' }, { agent: 'gemini', tool: 't' }, 'word', 'x'],
    ['ARGO_AGENT next', { ARGO_AGENT: 'codex' }, { agent: 'gemini', tool: 't' }, 'preset', 'codex'],
    ['ci.agent next', {}, { agent: 'gemini', tool: 't' }, 'preset', 'gemini'],
    ['ci.tool next', {}, { tool: 't --flag' }, 'command', 't'],
    ['ci last', {}, {}, 'word', 'ci'],
    ['ci.tool null is no tool', {}, { tool: 'null', agent: null }, 'word', 'ci'],
    ['cursor runs cursor-agent', {}, { agent: 'cursor' }, 'preset', 'cursor-agent'],
  ])('%s', (_n, env, ci, kind, program) => {
    const c = chooseCi(env, config(ci));
    expect(c.kind).toBe(kind);
    expect(choiceProgram(c)).toBe(program);
  });
  it('ci.model picks the model; ci.agents.<name> overrides apply', () => {
    const c = chooseCi({}, config({ agent: 'claude', model: 'opus', agents: { claude: { program: '/x/claude' } } }));
    expect(c).toMatchObject({ kind: 'preset', model: 'opus', preset: { program: '/x/claude' } });
  });
  it('a single word stays a word (PATH, path or bash function), and so does a path with blanks that exists', () => {
    expect(chooseCi({ CI_COMMAND: '/opt/my tool' }, {}, (w) => w === '/opt/my tool')).toMatchObject({ kind: 'word', tool: '/opt/my tool' });
    expect(chooseCi({ CI_COMMAND: 'my-agent --fast' }, {})).toMatchObject({ kind: 'command', words: ['my-agent', '--fast'] });
  });
  it('errors name the variable or key and the value', () => {
    expect(() => chooseCi({ ARGO_AGENT: 'gpt' }, {})).toThrow("unknown agent 'gpt' in ARGO_AGENT (known: claude, codex, gemini, aider, opencode, cursor)");
    expect(() => chooseCi({}, config({ agent: 'nope' }))).toThrow(/in ci.agent/);
    expect(() => chooseCi({}, config({ agent: 3 }))).toThrow(/ci.agent must be an agent name/);
    expect(() => chooseCi({ CI_COMMAND: 'a "b' }, {})).toThrow(/unterminated/);
  });
});

describe('getCiTool (get_ci_tool): the same precedence, printing the program', () => {
  it('CI_COMMAND > ARGO_AGENT > ci.agent > ci.tool > ci', async () => {
    const { getCiTool } = await import('../../../agents/ci_choice.js');
    const { writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tempDir } = await import('../helpers.js');
    const file = join(tempDir(), 'config.json');
    writeFileSync(file, JSON.stringify({ ci: { tool: 'my-tool --x', agent: 'cursor' } }));
    expect(await getCiTool({ CI_COMMAND: 'c' }, file)).toBe('c');
    expect(await getCiTool({ ARGO_AGENT: 'codex' }, file)).toBe('codex');
    expect(await getCiTool({}, file)).toBe('cursor-agent');
    writeFileSync(file, JSON.stringify({ ci: { tool: 'my-tool --x', agent: null } }));
    expect(await getCiTool({}, file)).toBe('my-tool --x');
    writeFileSync(file, JSON.stringify({ ci: { tool: null } }));
    expect(await getCiTool({}, file)).toBe('ci');
  });
});

describe('one ordered list of CI sources (CI_SOURCES): chooseCi and get_ci_tool never disagree', () => {
  it.each([
    [{ CI_COMMAND: 'x y' }, { agent: 'gemini', tool: 't' }],
    [{ ARGO_AGENT: 'codex' }, { agent: 'gemini', tool: 't' }],
    [{}, { agent: 'cursor', tool: 't' }],
    [{}, { agent: 'null', tool: 'my-tool --x' }],
    [{}, { agent: '', tool: 'null' }],
    [{ ARGO_AGENT: '' }, { tool: 'one' }],
  ])('env %j, ci %j', async (env, ci) => {
    const { getCiTool } = await import('../../../agents/ci_choice.js');
    const { ciSource } = await import('../../../agents/select.js');
    const { writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tempDir } = await import('../helpers.js');
    const file = join(tempDir(), 'config.json');
    writeFileSync(file, JSON.stringify({ ci }));
    const chosen = chooseCi(env, config(ci));
    expect(chosen.source).toBe(ciSource(env, config(ci)).source);
    const printed = await getCiTool(env, file);
    expect(chosen.kind === 'command' ? chosen.words.join(' ') : choiceProgram(chosen)).toBe(printed);
  });
});

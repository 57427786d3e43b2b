import { describe, expect, it } from 'vitest';
import { commandArgv, isSingleWord, splitCommandLine } from '../../../agents/command_line.js';

describe('splitCommandLine', () => {
  it.each([
    ['my-agent --fast', ['my-agent', '--fast']],
    ['  a   b\tc ', ['a', 'b', 'c']],
    [`tool 'two words' "dq \\"x\\" \\$HOME" back\\ slash`, ['tool', 'two words', 'dq "x" $HOME', 'back slash']],
    [`a '' b`, ['a', '', 'b']],
    ['echo $HOME *.txt ~', ['echo', '$HOME', '*.txt', '~']],
    [`x --opt='a b'c`, ['x', '--opt=a bc']],
  ])('%s', (text, words) => expect(splitCommandLine(text)).toEqual(words));

  it.each(['a | b', 'a; rm -rf /', 'a && b', 'a > f', 'echo $(id)', 'echo `id`', "a 'open", 'a "open'])('refuses %s', (text) => {
    expect(() => splitCommandLine(text)).toThrow(/operator|unterminated/);
  });
  it('operators inside quotes are plain text', () => {
    expect(splitCommandLine(`run 'a | b; c'`)).toEqual(['run', 'a | b; c']);
  });
});

describe('isSingleWord', () => {
  it.each([['ci', true], ['/opt/my tool', false], ['my-agent --fast', false], ["'x'", false], ['', false]])('%s → %s', (t, v) => expect(isSingleWord(t)).toBe(v));
});

describe('commandArgv', () => {
  it('appends the prompt when there is no placeholder', () => {
    expect(commandArgv(['a', '--fast'], 'P', null)).toEqual(['a', '--fast', 'P']);
  });
  it('replaces {prompt}, also inside a word, and does not append', () => {
    expect(commandArgv(['a', '--message={prompt}', '-x'], 'the {prompt_file} P', null)).toEqual(['a', '--message=the {prompt_file} P', '-x']);
  });
  it('replaces {prompt_file} with the file', () => {
    expect(commandArgv(['a', '--file', '{prompt_file}'], 'P', '/tmp/p.txt')).toEqual(['a', '--file', '/tmp/p.txt']);
    expect(() => commandArgv(['a', '{prompt_file}'], 'P', null)).toThrow(/prompt file/);
  });
});

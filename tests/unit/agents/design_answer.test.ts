// A preset's design answer is bounded like any CI tool's: 64 KiB in the state, the
// whole text in a file beyond that.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { answerFromText } from '../../../phases/design_program.js';
import { tempDir } from '../helpers.js';

describe('answerFromText', () => {
  it('a short answer stays whole and writes no file', () => {
    const file = join(tempDir(), 'a.txt');
    expect(answerFromText('hello', 0, file, 10)).toEqual({ code: 0, output: 'hello', bytes: 5, truncated: false });
    expect(existsSync(file)).toBe(false);
  });
  it('a long answer keeps its head and goes whole to the file', () => {
    const file = join(tempDir(), 'sub', 'a.txt');
    const a = answerFromText('0123456789abcdef', 0, file, 10);
    expect(a).toMatchObject({ output: '0123456789', bytes: 16, truncated: true });
    expect(readFileSync(file, 'utf8')).toBe('0123456789abcdef');
  });
  it('a character split at the cut is dropped, not mangled', () => {
    const a = answerFromText('aé', 0, join(tempDir(), 'a.txt'), 2); // 'é' is two bytes
    expect(a.output).toBe('a');
  });
  it('a file that cannot be written is said, the head is kept', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'plain'), ''); // a file where a folder would have to be
    const a = answerFromText('0123456789', 0, join(dir, 'plain', 'a.txt'), 4);
    expect(a.output).toBe('0123');
    expect(a.fileError).toMatch(/^cannot write .*plain\/a.txt/);
  });
});

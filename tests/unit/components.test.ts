import { describe, expect, it } from 'vitest';
import { bareArrays, componentIdProblem, extractComponents, validateComponents } from '../../workflow/components.js';

describe('componentIdProblem (D24)', () => {
  it.each(['core', 'cli', 'part-1', 'A.b_c-9', '9lives'])('accepts %s', (id) => {
    expect(componentIdProblem(id)).toBeUndefined();
  });
  it.each([
    ['', /letters/],
    ['-x', /starting/],
    ['.hidden', /starting/],
    ['a b', /letters/],
    ['a/b', /letters/],
    ['../etc', /starting/],
    ['a..b', /\.\./],
    ['ref.lock', /\.lock/],
    ['weird$id', /letters/],
    ['tab\tid', /letters/],
  ])('rejects %j', (id, why) => {
    expect(componentIdProblem(id)).toMatch(why);
  });
});

describe('validateComponents', () => {
  it('keeps order and descriptions; a missing description reads "null" as the original', () => {
    expect(validateComponents([{ id: 'b', description: 'B' }, { id: 'a' }], 'x')).toEqual([
      { id: 'b', description: 'B' },
      { id: 'a', description: 'null' },
    ]);
  });
  it('takes a numeric id as its text', () => {
    expect(validateComponents([{ id: 7, description: 'seven' }], 'x')[0]!.id).toBe('7');
  });
  it('names the bad id and the source', () => {
    expect(() => validateComponents([{ id: 'ok' }, { id: 'no way' }], 'design.components')).toThrow(
      /design\.components: invalid component id 'no way'/,
    );
  });
  it('rejects a repeated id', () => {
    expect(() => validateComponents([{ id: 'a' }, { id: 'a' }], 'src')).toThrow(/'a' appears twice/);
  });
  it('rejects an entry without an id, and non-objects', () => {
    expect(() => validateComponents([{ description: 'x' }], 'src')).toThrow(/component 0 has no usable "id"/);
    expect(() => validateComponents([{ id: null }], 'src')).toThrow(/got null/);
    expect(() => validateComponents(['core'], 'src')).toThrow(/component 0 is not an object/);
    expect(() => validateComponents({ id: 'a' }, 'src')).toThrow(/expected a JSON array/);
  });
});

describe('bareArrays', () => {
  it('finds each balanced [ {…} ] span, ignoring brackets inside strings', () => {
    const text = 'first [{"id":"a","d":"x ] y"}] then [ {"id":"b"} ] end [1,2]';
    expect(bareArrays(text)).toEqual(['[{"id":"a","d":"x ] y"}]', '[ {"id":"b"} ]']);
  });
  it('skips an unclosed bracket and keeps looking', () => {
    expect(bareArrays('[{"id": "x" ... and later [{"id":"y"}]')).toEqual(['[{"id":"y"}]']);
  });
});

describe('extractComponents (D3)', () => {
  it('reads a fenced json block', () => {
    const answer = 'Design text\n```json\n[\n  {"id": "core", "description": "Core"},\n  {"id": "cli", "description": "CLI"}\n]\n```\nbye';
    expect(extractComponents(answer)).toEqual([
      { id: 'core', description: 'Core' },
      { id: 'cli', description: 'CLI' },
    ]);
  });
  it('reads a fenced block without a language and with CRLF line ends', () => {
    expect(extractComponents('x\r\n```\r\n[{"id":"a","description":"A"}]\r\n```\r\n')).toEqual([{ id: 'a', description: 'A' }]);
  });
  it('reads a bare array inside prose', () => {
    expect(extractComponents('Components: [{"id": "api", "description": "the API"}] - done')).toEqual([
      { id: 'api', description: 'the API' },
    ]);
  });
  it('reads {"components": [...]} in a fenced block', () => {
    expect(extractComponents('```json\n{"components": [{"id": "x", "description": "X"}]}\n```')).toEqual([{ id: 'x', description: 'X' }]);
  });
  it('skips a fenced block that is no component list and uses a later one', () => {
    const answer = '```json\n{"design": "flat"}\n```\n```json\n[{"id":"late","description":"L"}]\n```';
    expect(extractComponents(answer)).toEqual([{ id: 'late', description: 'L' }]);
  });
  it('answers undefined when there is no list (plain text, JSON without ids, broken JSON)', () => {
    expect(extractComponents('Just a design, no list.')).toBeUndefined();
    expect(extractComponents('{"design": "calculator"}')).toBeUndefined();
    expect(extractComponents('[{"name": "x"}]')).toBeUndefined();
    expect(extractComponents('```json\n[{"id": "a",}]\n```')).toBeUndefined();
  });
  it('throws naming the id when the list holds an invalid or repeated id', () => {
    expect(() => extractComponents('```json\n[{"id": "../../etc", "description": "x"}]\n```')).toThrow(/'\.\.\/\.\.\/etc'/);
    expect(() => extractComponents('[{"id":"a"},{"id":"a"}]')).toThrow(/'a' appears twice/);
    expect(() => extractComponents('[{"id":"a"},{"description":"no id"}]')).toThrow(/component 1 has no usable "id"/);
  });
});

describe('plan fields (issue 18)', () => {
  it('keeps paths, depends_on and acceptance when they have their documented types', () => {
    const [c] = validateComponents([{ id: 'ui', description: 'the page', paths: ['web/**', 'index.html'], depends_on: ['core'], acceptance: 'the page loads' }], 't');
    expect(c).toEqual({ id: 'ui', description: 'the page', paths: ['web/**', 'index.html'], depends_on: ['core'], acceptance: 'the page loads' });
  });

  it('drops a field of the wrong type (the plan check names it), keeps the component', () => {
    const [c] = validateComponents([{ id: 'ui', description: 'd', paths: 'web/**', depends_on: ['core', 3], acceptance: '  ' }], 't');
    expect(c).toEqual({ id: 'ui', description: 'd' });
  });
});

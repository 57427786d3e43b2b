import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { JsonObject, fromPlain, getIn, parseJson, parsePlainPath, setIn, stringifyJq, toPlain } from '../../core/json_doc.js';

// What jq 1.6 (the original's jq) prints for each input, recorded once with `jq .`:
// the expectation must not follow whatever jq this machine has (1.7 prints big
// numbers differently).
const FIXTURES = join(import.meta.dirname, 'fixtures', 'jq-1.6');
const input = (name: string) => readFileSync(join(FIXTURES, `${name}.in.json`), 'utf8');
const jq16 = (name: string) => readFileSync(join(FIXTURES, `${name}.out.json`), 'utf8');

describe('stringifyJq', () => {
  it('prints what jq 1.6 prints for a varied document, byte for byte', () => {
    expect(stringifyJq(parseJson(input('varied'), 't'))).toBe(jq16('varied'));
  });

  it('keeps integer-like member names in file order (JS objects would not)', () => {
    const doc = parseJson(input('integer-keys'), 't') as JsonObject;
    expect([...doc.keys()]).toEqual(['z', '2', '1']);
    expect(stringifyJq(doc)).toBe(jq16('integer-keys'));
  });
});

describe('parseJson', () => {
  it.each(['', '{', '{"a":}', '[1,]', '{"a":1} x', 'nul', '"\\x"'])('rejects %j with the source named', (bad) => {
    expect(() => parseJson(bad, '/p/state.json')).toThrow(/invalid JSON in \/p\/state\.json/);
  });

  it('keeps the last value of a repeated key at its first place, as jq', () => {
    expect(stringifyJq(parseJson(input('repeated-key'), 't'))).toBe(jq16('repeated-key'));
  });
});

describe('paths', () => {
  it('parses plain paths and refuses everything else', () => {
    expect(parsePlainPath('execution.builders[0].status')).toEqual(['execution', 'builders', 0, 'status']);
    expect(parsePlainPath('a')).toEqual(['a']);
    for (const k of ['a-b', 'a.b|keys', '"x"', 'a..b', 'a[-1]', '.a', 'a b']) expect(parsePlainPath(k)).toBeNull();
  });

  it('setIn creates missing and null objects and refuses to step through scalars', () => {
    const doc = fromPlain({ a: null, s: 'x', arr: [1, { k: 1 }] }) as JsonObject;
    setIn(doc, ['a', 'b', 'c'], 'v');
    setIn(doc, ['arr', 1, 'k'], 'w');
    expect(toPlain(doc)).toEqual({ a: { b: { c: 'v' } }, s: 'x', arr: [1, { k: 'w' }] });
    expect(() => setIn(doc, ['s', 'x'], 1)).toThrow(/cannot set member "x" of a string at \.s\.x/);
    expect(() => setIn(doc, ['arr', 5], 1)).toThrow(/index 5 out of range/);
    expect(getIn(doc, ['arr', 0])).toBe(1);
    expect(getIn(doc, ['nope', 'x'])).toBeUndefined();
  });
});

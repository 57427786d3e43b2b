import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { JsonObject, fromPlain, getIn, parseJson, parsePlainPath, setIn, stringifyJq, toPlain } from '../../lib/json_doc.js';

const jq = (text: string) => execFileSync('jq', ['.'], { input: text, encoding: 'utf8' });

describe('stringifyJq', () => {
  it('prints what jq 1.6 prints for a varied document, byte for byte', () => {
    const text =
      '{"b":1,"10":"ten","1":"one","a":{"x":[1,2.5,-3,1e17,1.5e-7,0.00001,true,false,null],"e":[],"o":{}},' +
      '"s":"quote \\" backslash \\\\ nl \\n tab \\t cr \\r bs \\b ff \\f ctl \\u0001 del \\u007f é 日本 😀","big":12345678901234567890,"n":[1e16,1e15,123e15,1234567e12,0.0001,0.00012,1e32,1.5e300,123456789012345678901234567890123,-0.5,-1e-7]}';
    expect(stringifyJq(parseJson(text, 't'))).toBe(jq(text));
  });

  it('keeps integer-like member names in file order (JS objects would not)', () => {
    const doc = parseJson('{"z":1,"2":2,"1":1}', 't') as JsonObject;
    expect([...doc.keys()]).toEqual(['z', '2', '1']);
    expect(stringifyJq(doc)).toBe(jq('{"z":1,"2":2,"1":1}'));
  });
});

describe('parseJson', () => {
  it.each(['', '{', '{"a":}', '[1,]', '{"a":1} x', 'nul', '"\\x"'])('rejects %j with the source named', (bad) => {
    expect(() => parseJson(bad, '/p/state.json')).toThrow(/invalid JSON in \/p\/state\.json/);
  });

  it('keeps the last value of a repeated key at its first place, as jq', () => {
    const text = '{"a":1,"b":2,"a":3}';
    expect(stringifyJq(parseJson(text, 't'))).toBe(jq(text));
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

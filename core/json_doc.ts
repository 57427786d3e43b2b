// JSON documents with jq's member order and jq's pretty text.
//
// A plain JS object hoists integer-like keys ("1", "10") to the front, jq keeps
// them where the file had them; so objects here are Maps. stringifyJq prints what
// `jq .` (1.6) prints for the same document, byte for byte.
import { ArgoError } from './errors.js';

export type Json = null | boolean | number | string | Json[] | JsonObject;
export class JsonObject extends Map<string, Json> {}
export type JsonPath = (string | number)[];

export function isObject(v: Json | undefined): v is JsonObject {
  return v instanceof JsonObject;
}

// ---------------------------------------------------------------- parsing

export function parseJson(text: string, source: string): Json {
  const p = new Parser(text, source);
  p.ws();
  if (p.pos >= text.length) throw p.fail('empty document');
  const v = p.value();
  p.ws();
  if (p.pos < text.length) throw p.fail('unexpected text after the document');
  return v;
}

class Parser {
  pos = 0;
  constructor(readonly text: string, readonly source: string) {}

  fail(what: string): ArgoError {
    const before = this.text.slice(0, this.pos);
    const line = before.split('\n').length;
    const col = this.pos - before.lastIndexOf('\n');
    return new ArgoError(`invalid JSON in ${this.source} at line ${line}, column ${col}: ${what}`);
  }

  ws(): void {
    const t = this.text;
    while (this.pos < t.length) {
      const c = t.charCodeAt(this.pos);
      if (c === 32 || c === 9 || c === 10 || c === 13) this.pos++;
      else break;
    }
  }

  value(): Json {
    const c = this.text[this.pos];
    if (c === '{') return this.object();
    if (c === '[') return this.array();
    if (c === '"') return this.string();
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return this.number();
    for (const [word, v] of [['true', true], ['false', false], ['null', null]] as const) {
      if (this.text.startsWith(word, this.pos)) {
        this.pos += word.length;
        return v;
      }
    }
    throw this.fail(c === undefined ? 'unexpected end' : `unexpected character '${c}'`);
  }

  object(): JsonObject {
    const obj = new JsonObject();
    this.pos++;
    this.ws();
    if (this.text[this.pos] === '}') {
      this.pos++;
      return obj;
    }
    for (;;) {
      this.ws();
      if (this.text[this.pos] !== '"') throw this.fail('expected a member name');
      const key = this.string();
      this.ws();
      if (this.text[this.pos] !== ':') throw this.fail("expected ':'");
      this.pos++;
      this.ws();
      const v = this.value();
      // jq keeps the first position of a repeated key and the last value.
      obj.set(key, v);
      this.ws();
      const c = this.text[this.pos++];
      if (c === '}') return obj;
      if (c !== ',') throw this.fail("expected ',' or '}'");
    }
  }

  array(): Json[] {
    const arr: Json[] = [];
    this.pos++;
    this.ws();
    if (this.text[this.pos] === ']') {
      this.pos++;
      return arr;
    }
    for (;;) {
      this.ws();
      arr.push(this.value());
      this.ws();
      const c = this.text[this.pos++];
      if (c === ']') return arr;
      if (c !== ',') throw this.fail("expected ',' or ']'");
    }
  }

  string(): string {
    const t = this.text;
    let i = ++this.pos;
    let out = '';
    let start = i;
    for (;;) {
      if (i >= t.length) throw this.fail('unterminated string');
      const c = t.charCodeAt(i);
      if (c === 34) break;
      if (c < 32) {
        this.pos = i;
        throw this.fail('control character in string');
      }
      if (c === 92) {
        out += t.slice(start, i);
        const e = t[i + 1];
        const simple: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
        if (e !== undefined && e in simple) {
          out += simple[e];
          i += 2;
        } else if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(t.slice(i + 2, i + 6))) {
          out += String.fromCharCode(parseInt(t.slice(i + 2, i + 6), 16));
          i += 6;
        } else {
          this.pos = i;
          throw this.fail('bad escape in string');
        }
        start = i;
        continue;
      }
      i++;
    }
    out += t.slice(start, i);
    this.pos = i + 1;
    return out;
  }

  number(): number {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(this.text.slice(this.pos, this.pos + 400));
    if (!m) throw this.fail('bad number');
    this.pos += m[0].length;
    return Number(m[0]);
  }
}

// ---------------------------------------------------------------- printing

/** jq 1.6 pretty text (2-space indent) plus the trailing newline jq prints. */
export function stringifyJq(v: Json): string {
  return pretty(v, '') + '\n';
}

/** One value as jq -c prints it (used for compact output and tests). */
export function stringifyCompact(v: Json): string {
  if (v instanceof JsonObject) {
    return `{${[...v].map(([k, x]) => `${quote(k)}:${stringifyCompact(x)}`).join(',')}}`;
  }
  if (Array.isArray(v)) return `[${v.map(stringifyCompact).join(',')}]`;
  return scalar(v);
}

function pretty(v: Json, indent: string): string {
  const inner = indent + '  ';
  if (v instanceof JsonObject) {
    if (v.size === 0) return '{}';
    const members = [...v].map(([k, x]) => `${inner}${quote(k)}: ${pretty(x, inner)}`);
    return `{\n${members.join(',\n')}\n${indent}}`;
  }
  if (Array.isArray(v)) {
    if (v.length === 0) return '[]';
    return `[\n${v.map((x) => inner + pretty(x, inner)).join(',\n')}\n${indent}]`;
  }
  return scalar(v);
}

function scalar(v: null | boolean | number | string): string {
  if (typeof v === 'string') return quote(v);
  if (typeof v === 'number') return formatNumber(v);
  return String(v);
}

/**
 * Numbers as jq 1.6 prints them: the shortest round-trip digits, laid out the
 * way its dtoa formatter does (exponent form below 1e-4 or when the decimal point
 * would sit more than 15 places past the last significant digit).
 */
export function formatNumber(n: number): string {
  if (Number.isNaN(n)) return 'null';
  if (!Number.isFinite(n)) return n > 0 ? '1.7976931348623157e+308' : '-1.7976931348623157e+308';
  if (n === 0) return Object.is(n, -0) ? '-0' : '0';
  const sign = n < 0 ? '-' : '';
  const [mant, e] = Math.abs(n).toExponential().split('e') as [string, string];
  const digits = mant.replace('.', '');
  const exp = Number(e);
  const decpt = exp + 1;
  if (decpt <= -4 || decpt > digits.length + 15) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    return `${sign}${m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  if (decpt <= 0) return `${sign}0.${'0'.repeat(-decpt)}${digits}`;
  if (decpt >= digits.length) return sign + digits + '0'.repeat(decpt - digits.length);
  return `${sign}${digits.slice(0, decpt)}.${digits.slice(decpt)}`;
}

export function quote(s: string): string {
  let out = '"';
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let esc: string | undefined;
    if (c === 34) esc = '\\"';
    else if (c === 92) esc = '\\\\';
    else if (c < 32 || c === 127) {
      esc = { 8: '\\b', 9: '\\t', 10: '\\n', 12: '\\f', 13: '\\r' }[c] ?? `\\u${c.toString(16).padStart(4, '0')}`;
    }
    if (esc !== undefined) {
      out += s.slice(start, i) + esc;
      start = i + 1;
    }
  }
  return out + s.slice(start) + '"';
}

// ---------------------------------------------------------------- conversion and paths

export function toPlain(v: Json | undefined): unknown {
  if (v instanceof JsonObject) {
    const o: Record<string, unknown> = {};
    for (const [k, x] of v) o[k] = toPlain(x);
    return o;
  }
  if (Array.isArray(v)) return v.map(toPlain);
  return v;
}

export function fromPlain(v: unknown): Json {
  if (v === null || v === undefined) return null;
  if (Array.isArray(v)) return v.map(fromPlain);
  if (v instanceof JsonObject) return v;
  if (typeof v === 'object') {
    const o = new JsonObject();
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) o.set(k, fromPlain(x));
    return o;
  }
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  throw new ArgoError(`cannot store a ${typeof v} in JSON`);
}

/** The value at `path`, or undefined when a step is missing (as jq's null-propagation). */
export function getIn(v: Json | undefined, path: JsonPath): Json | undefined {
  let cur: Json | undefined = v;
  for (const step of path) {
    if (typeof step === 'number') {
      if (!Array.isArray(cur)) return undefined;
      cur = cur[step < 0 ? cur.length + step : step];
    } else {
      if (!(cur instanceof JsonObject)) return undefined;
      cur = cur.get(step);
    }
  }
  return cur;
}

/**
 * Sets `value` at `path`, creating missing or null objects for member steps.
 * A step through anything else (string, number, array for a member name, a
 * missing array element) is an error naming the path.
 */
export function setIn(root: JsonObject, path: JsonPath, value: Json): void {
  if (path.length === 0) throw new ArgoError('empty path');
  let cur: Json = root;
  for (let i = 0; i < path.length; i++) {
    const step = path[i]!;
    const last = i === path.length - 1;
    const where = pathText(path.slice(0, i + 1));
    if (typeof step === 'number') {
      if (!Array.isArray(cur)) throw new ArgoError(`cannot index ${describe(cur)} with [${step}] at ${where}`);
      if (step < 0 || step >= cur.length) throw new ArgoError(`index ${step} out of range (length ${cur.length}) at ${where}`);
      if (last) cur[step] = value;
      else {
        if (cur[step] === null && typeof path[i + 1] === 'string') cur[step] = new JsonObject();
        cur = cur[step]!;
      }
    } else {
      if (!(cur instanceof JsonObject)) throw new ArgoError(`cannot set member "${step}" of ${describe(cur)} at ${where}`);
      if (last) cur.set(step, value);
      else {
        let next = cur.get(step);
        if (next === undefined || (next === null && typeof path[i + 1] === 'string')) {
          next = new JsonObject();
          cur.set(step, next);
        }
        cur = next;
      }
    }
  }
}

export function pathText(path: JsonPath): string {
  return path.map((s) => (typeof s === 'number' ? `[${s}]` : `.${s}`)).join('') || '.';
}

function describe(v: Json): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return `a ${typeof v}`;
}

/**
 * The plain-path subset of jq syntax used as state keys: `a.b_c[0].d`. Returns
 * null for anything else (the caller then asks real jq).
 */
export function parsePlainPath(key: string): JsonPath | null {
  if (!/^[A-Za-z_][A-Za-z0-9_]*(\[\d+\])*(\.[A-Za-z_][A-Za-z0-9_]*(\[\d+\])*)*$/.test(key)) return null;
  const path: JsonPath = [];
  for (const seg of key.split('.')) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)((?:\[\d+\])*)$/.exec(seg)!;
    path.push(m[1]!);
    for (const idx of m[2]!.matchAll(/\[(\d+)\]/g)) path.push(Number(idx[1]));
  }
  return path;
}

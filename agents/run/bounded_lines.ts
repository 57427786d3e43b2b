// An agent's output as lines, in bounded memory whatever its line lengths. A line up to
// `cap` characters is passed on whole, as before; a longer one (Claude's result document
// with a 600 MB `result` text) is never held: it goes through a small streaming JSON
// skimmer that keeps the document's structure and its numbers, booleans and short
// strings, and truncates long string values — so `total_cost_usd`, `usage`,
// `session_id` and `is_error` are still read. A longer line that is not JSON is passed on
// as its beginning. Pure: text in, lines out.

/** Lines up to this many characters are passed on whole. */
export const LINE_CAP = 1024 * 1024;
/** A string value of a skimmed line keeps at most this many characters … */
export const SKIM_STRING_CAP = 64 * 1024;
/** … and all of them together at most this many. */
const SKIM_TOTAL_CAP = 2 * 1024 * 1024;
/** A member name keeps at most this many characters. */
const KEY_CAP = 1024;
/** Deeper containers are skipped (kept as null). */
const SKIM_DEPTH = 64;
/** Values kept in all (members of objects and arrays); the rest are skipped. */
const SKIM_NODES = 100_000;
/** A long line that is not JSON is passed on as its first characters. */
const PROSE_HEAD = 64 * 1024;
export const TRUNCATED = '…[truncated]';

type Container =
  | { kind: 'obj'; value: Record<string, unknown>; count: number; key: string | null; expect: 'key' | 'colon' | 'value' | 'comma' }
  | { kind: 'arr'; value: unknown[]; count: number; expect: 'value' | 'comma' };

/**
 * A JSON value read piece by piece, its long strings truncated, its size bounded
 * (string characters, nesting depth, number of values). `result()` is the value, or
 * undefined when the text is not one JSON value.
 */
export class JsonSkimmer {
  private stack: Container[] = [];
  private skipDepth = 0; // > 0: inside containers too deep to keep
  private root: { value: unknown } | null = null;
  private failed = false;
  private nodes = 0;
  private budget = SKIM_TOTAL_CAP;
  // the token being read
  private mode: 'ws' | 'str' | 'lit' = 'ws';
  private raw: string[] = [];
  private rawLen = 0;
  private cut = false;
  private limit = 0; // characters the current string may keep
  private escape = ''; // an escape sequence being read ('\\', '\\u12' …)
  private lit = '';
  /** The line's first characters, for a line that turns out not to be JSON. */
  head = '';

  constructor(private stringCap = SKIM_STRING_CAP) {}

  feed(text: string): void {
    if (this.head.length < PROSE_HEAD) this.head += text.slice(0, PROSE_HEAD - this.head.length);
    let i = 0;
    const n = text.length;
    while (i < n && !this.failed) {
      if (this.mode === 'str') {
        i = this.inString(text, i);
        continue;
      }
      const c = text[i]!;
      if (this.mode === 'lit') {
        if (/[A-Za-z0-9+\-.]/.test(c)) {
          if (this.lit.length < 64) this.lit += c;
          else this.failed = true;
          i++;
          continue;
        }
        this.endLiteral();
        continue; // the delimiter is read as a token below
      }
      i++;
      switch (c) {
        case ' ':
        case '\t':
        case '\r':
        case '\n':
          break;
        case '{':
        case '[':
          this.open(c);
          break;
        case '}':
        case ']':
          this.close(c);
          break;
        case ':':
          this.colon();
          break;
        case ',':
          this.comma();
          break;
        case '"':
          this.mode = 'str';
          // A key keeps its name (a member must stay findable); values are truncated.
          this.limit = this.top()?.kind === 'obj' && (this.top() as { expect: string }).expect === 'key' ? Math.max(this.stringCap, KEY_CAP) : this.stringCap;
          this.raw = [];
          this.rawLen = 0;
          this.cut = false;
          break;
        default:
          if (/[-0-9tfn]/.test(c)) {
            this.mode = 'lit';
            this.lit = c;
          } else this.failed = true;
      }
    }
  }

  /** Reads string characters from `i`; returns where it stopped. */
  private inString(text: string, i: number): number {
    const n = text.length;
    while (i < n) {
      if (this.escape !== '') {
        // An escape is kept or dropped whole, so a cut never splits one.
        this.escape += text[i++]!;
        if (this.escape.length === (this.escape[1] === 'u' ? 6 : 2)) {
          this.keep(this.escape);
          this.escape = '';
        }
        continue;
      }
      // Fast path: up to the next quote or backslash.
      let j = i;
      while (j < n) {
        const code = text.charCodeAt(j);
        if (code === 34 || code === 92) break;
        j++;
      }
      if (j > i) this.keep(text.slice(i, j));
      if (j >= n) return n;
      if (text.charCodeAt(j) === 92) {
        this.escape = '\\';
        i = j + 1;
        continue;
      }
      this.mode = 'ws';
      this.value(this.stringValue());
      return j + 1;
    }
    return n;
  }

  /** Keeps string characters while the caps allow. */
  private keep(s: string): void {
    if (this.cut) return;
    const room = Math.min(this.limit, this.budget) - this.rawLen;
    if (s.length <= room) {
      this.raw.push(s);
      this.rawLen += s.length;
      return;
    }
    // Plain text (no backslash in it) may be cut anywhere; an escape is dropped whole.
    if (room > 0 && s[0] !== '\\') {
      this.raw.push(s.slice(0, room));
      this.rawLen += room;
    }
    this.cut = true;
  }

  private stringValue(): string {
    const raw = this.raw.join('');
    this.budget -= raw.length;
    this.raw = [];
    let s: string;
    try {
      s = JSON.parse(`"${raw}"`) as string;
    } catch {
      this.failed = true;
      return '';
    }
    return this.cut ? s + TRUNCATED : s;
  }

  private endLiteral(): void {
    this.mode = 'ws';
    let v: unknown;
    try {
      v = JSON.parse(this.lit);
    } catch {
      this.failed = true;
      return;
    }
    this.value(v);
  }

  private top(): Container | undefined {
    return this.stack[this.stack.length - 1];
  }

  private open(c: string): void {
    if (this.skipDepth > 0 || this.stack.length >= SKIM_DEPTH) {
      this.expectValue();
      this.skipDepth++;
      return;
    }
    this.expectValue();
    if (this.failed) return;
    this.stack.push(c === '{' ? { kind: 'obj', value: {}, count: 0, key: null, expect: 'key' } : { kind: 'arr', value: [], count: 0, expect: 'value' });
  }

  private close(c: string): void {
    if (this.skipDepth > 0) {
      this.skipDepth--;
      if (this.skipDepth === 0) this.place(null);
      return;
    }
    const t = this.stack.pop();
    // `{"a":}`, `[1,]` and mismatched brackets are not JSON; `[]` and `{}` are.
    const fine = t !== undefined && (c === '}') === (t.kind === 'obj') && (t.expect === 'comma' || (t.count === 0 && t.expect === (t.kind === 'obj' ? 'key' : 'value')));
    if (!fine) {
      this.failed = true;
      return;
    }
    this.place(t.value);
  }

  private colon(): void {
    if (this.skipDepth > 0) return;
    const t = this.top();
    if (t?.kind !== 'obj' || t.expect !== 'colon') this.failed = true;
    else t.expect = 'value';
  }

  private comma(): void {
    if (this.skipDepth > 0) return;
    const t = this.top();
    if (!t || t.expect !== 'comma') this.failed = true;
    else t.expect = t.kind === 'obj' ? 'key' : 'value';
  }

  /** A value may start here (or, in an object, a key). */
  private expectValue(): void {
    if (this.skipDepth > 0) return;
    const t = this.top();
    if (!t) {
      if (this.root !== null) this.failed = true;
      return;
    }
    if (t.expect !== 'value') this.failed = true;
  }

  /** A finished string or literal. */
  private value(v: unknown): void {
    if (this.skipDepth > 0) return;
    const t = this.top();
    if (t?.kind === 'obj' && t.expect === 'key') {
      if (typeof v !== 'string') this.failed = true;
      t.key = v as string;
      t.expect = 'colon';
      return;
    }
    this.expectValue();
    if (!this.failed) this.place(v);
  }

  /** Puts a finished value into its container (or makes it the root). */
  private place(v: unknown): void {
    const t = this.top();
    if (!t) {
      if (this.root !== null) this.failed = true;
      this.root = { value: v };
      return;
    }
    t.count++;
    if (this.nodes++ < SKIM_NODES) {
      if (t.kind === 'arr') t.value.push(v);
      else Object.defineProperty(t.value, t.key!, { value: v, enumerable: true, writable: true, configurable: true });
    }
    t.expect = 'comma';
  }

  result(): unknown {
    if (this.mode === 'lit') this.endLiteral();
    if (this.failed || this.mode !== 'ws' || this.stack.length > 0 || this.skipDepth > 0 || this.root === null) return undefined;
    return this.root.value;
  }
}

/** What a line longer than the cap is passed on as: its skimmed JSON, else its beginning. */
function skimmedLine(s: JsonSkimmer): string {
  const v = s.result();
  if (v !== undefined) return JSON.stringify(v);
  return s.head + TRUNCATED;
}

/**
 * Splits text fed in chunks into lines for `onLine`, holding at most `cap` characters of
 * a line (plus the skimmer's bounded value) whatever the line's length.
 */
export class BoundedLines {
  private parts: string[] = [];
  private len = 0;
  private skim: JsonSkimmer | null = null;

  constructor(
    private onLine: (line: string) => void,
    private cap = LINE_CAP,
    private stringCap = SKIM_STRING_CAP,
  ) {}

  push(chunk: string): void {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf('\n', start);
      const piece = nl < 0 ? chunk.slice(start) : chunk.slice(start, nl);
      this.add(piece);
      if (nl < 0) return;
      this.emit();
      start = nl + 1;
    }
  }

  /** The last line, when the text does not end with a newline. */
  end(): void {
    if (this.len > 0 || this.skim) this.emit();
  }

  private add(piece: string): void {
    if (piece === '') return;
    if (this.skim) return this.skim.feed(piece);
    if (this.len + piece.length <= this.cap) {
      this.parts.push(piece);
      this.len += piece.length;
      return;
    }
    // Longer than the cap: from here on the line is skimmed, never held.
    this.skim = new JsonSkimmer(this.stringCap);
    for (const p of this.parts) this.skim.feed(p);
    this.skim.feed(piece);
    this.parts = [];
    this.len = 0;
  }

  private emit(): void {
    let line: string;
    if (this.skim) {
      line = skimmedLine(this.skim);
      this.skim = null;
    } else {
      line = this.parts.length === 1 ? this.parts[0]! : this.parts.join('');
    }
    this.parts = [];
    this.len = 0;
    // A CRLF line, as readline gave it before.
    this.onLine(line.endsWith('\r') ? line.slice(0, -1) : line);
  }
}

// Just enough YAML for the tests to read action.yml, the GitLab template and the CI
// examples (no YAML parser is among the dependencies, and none is added for tests): block
// maps and lists, `- key: value` items, `|` and `>` block scalars with their chomping,
// quoted and plain scalars, `[a, b]` flow lists, comments. Every scalar stays a string.
// Anything else (anchors, multi-document, flow maps) is refused with an error naming the line.

export type Yaml = string | Yaml[] | { [key: string]: Yaml };

interface Line {
  indent: number;
  text: string;
  no: number;
}

const isSkippable = (raw: string) => /^\s*(#.*)?$/.test(raw);

export function parseYaml(source: string): Yaml {
  const raw = source.replace(/\r\n/g, '\n').split('\n');
  const p = { raw, i: 0 };
  skip(p);
  if (p.i >= raw.length) return {};
  return block(p, lineAt(p).indent);
}

type P = { raw: string[]; i: number };

function lineAt(p: P): Line {
  const r = p.raw[p.i]!;
  const indent = r.length - r.trimStart().length;
  if (r.slice(0, indent).includes('\t')) throw new Error(`line ${p.i + 1}: a tab in the indentation`);
  return { indent, text: r.trim(), no: p.i + 1 };
}

function skip(p: P): void {
  while (p.i < p.raw.length && isSkippable(p.raw[p.i]!)) p.i++;
}

function block(p: P, indent: number): Yaml {
  const first = lineAt(p);
  if (/^-( |$)/.test(first.text)) return list(p, indent);
  return map(p, indent);
}

function list(p: P, indent: number): Yaml[] {
  const out: Yaml[] = [];
  for (skip(p); p.i < p.raw.length; skip(p)) {
    const l = lineAt(p);
    if (l.indent !== indent || !/^-( |$)/.test(l.text)) break;
    const rest = l.text.slice(1).trimStart();
    if (rest === '') {
      p.i++;
      skip(p);
      out.push(block(p, lineAt(p).indent));
    } else if (/^[|>][-+]?$/.test(rest)) {
      p.i++;
      out.push(blockScalar(p, rest, indent));
    } else if (keyOf(rest)) {
      // "- key: value": a map whose keys sit two columns in; this line is its first.
      p.raw[p.i] = ' '.repeat(indent + 2) + rest;
      out.push(map(p, indent + 2));
    } else {
      out.push(scalar(rest, l.no));
      p.i++;
    }
  }
  return out;
}

function keyOf(text: string): { key: string; rest: string } | null {
  const m = /^("[^"]*"|'[^']*'|[^\s"'#][^:#]*?)\s*:(?:\s+(.*))?$/.exec(text);
  if (!m) return null;
  const key = m[1]!.startsWith('"') || m[1]!.startsWith("'") ? m[1]!.slice(1, -1) : m[1]!;
  return { key, rest: (m[2] ?? '').trim() };
}

function map(p: P, indent: number): { [key: string]: Yaml } {
  const out: { [key: string]: Yaml } = {};
  for (skip(p); p.i < p.raw.length; skip(p)) {
    const l = lineAt(p);
    if (l.indent < indent) break;
    if (l.indent > indent) throw new Error(`line ${l.no}: indented more than its map`);
    const kv = keyOf(l.text);
    if (!kv) throw new Error(`line ${l.no}: not "key: value": ${l.text}`);
    if (Object.hasOwn(out, kv.key)) throw new Error(`line ${l.no}: key "${kv.key}" twice`);
    p.i++;
    out[kv.key] = value(p, kv.rest, indent, l.no);
  }
  return out;
}

function value(p: P, rest: string, indent: number, no: number): Yaml {
  if (/^[|>][-+]?$/.test(rest)) return blockScalar(p, rest, indent);
  if (rest === '' || rest.startsWith('#')) {
    skip(p);
    if (p.i >= p.raw.length) return '';
    const next = lineAt(p);
    // A list may sit at its key's own indentation.
    if (next.indent > indent || (next.indent === indent && /^-( |$)/.test(next.text))) return block(p, next.indent);
    return '';
  }
  return scalar(rest, no);
}

function blockScalar(p: P, header: string, indent: number): string {
  const lines: string[] = [];
  let inner = -1;
  while (p.i < p.raw.length) {
    const r = p.raw[p.i]!;
    if (r.trim() === '') {
      lines.push('');
      p.i++;
      continue;
    }
    const ind = r.length - r.trimStart().length;
    if (ind <= indent) break;
    if (inner < 0) inner = ind;
    if (ind < inner) break;
    lines.push(r.slice(inner));
    p.i++;
  }
  while (lines.length && lines[lines.length - 1] === '') lines.pop();
  const text = header.startsWith('>') ? lines.join('\n').replace(/([^\n])\n(?=[^\n])/g, '$1 ') : lines.join('\n');
  return header.endsWith('-') ? text : text + '\n';
}

function scalar(text: string, no: number): Yaml {
  if (text.startsWith('"')) return JSON.parse(text.replace(/\s+#.*$/, '')) as string;
  if (text.startsWith("'")) {
    const m = /^'((?:[^']|'')*)'\s*(#.*)?$/.exec(text);
    if (!m) throw new Error(`line ${no}: unclosed quote`);
    return m[1]!.replace(/''/g, "'");
  }
  const plain = text.replace(/\s+#.*$/, '').trim();
  if (/^[&*!]/.test(plain) || plain.startsWith('{')) throw new Error(`line ${no}: anchors, tags and flow maps are not read here`);
  if (plain.startsWith('[')) {
    if (!plain.endsWith(']')) throw new Error(`line ${no}: unclosed flow list`);
    const inner = plain.slice(1, -1).trim();
    return inner === '' ? [] : inner.split(',').map((s) => scalar(s.trim(), no));
  }
  return plain;
}

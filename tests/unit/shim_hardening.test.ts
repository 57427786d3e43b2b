// The shell-interop layer, hardened (issue 8): jq-exact reads against the real jq
// binary, the helper's request reader (bounded before the token), the write gate
// and the port-file name.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { bashFunctions as stateFns } from '../../lib/state_file.js';
import { bashFunctions as configFns } from '../../lib/config.js';
import { WriteGate } from '../../core/context.js';
import { unwrapOutput, wrapFilter } from '../../core/jq.js';
import { PRE_AUTH_MAX_BYTES, RequestReader, encodeReply, encodeRequest, portFileKey, serve, unsafeDirReason } from '../../compat/shim_server.js';
import { ctxIn, tempDir } from './helpers.js';
import { requireTool } from './require_tool.js';

const JQ = spawnSync('jq', ['--version'], { encoding: 'utf8' });
const jq = { name: 'jq on PATH', have: JQ.status === 0, install: 'apt-get install -y jq' };

// Strings (leading/trailing spaces, empty, newlines, NUL, unicode), numbers, nulls,
// objects, arrays — written as jq 1.6 would read them.
const DOC = String.raw`{
  "s": "plain", "lead": "   lead", "trail": "trail   ", "both": "  both  ", "empty": "",
  "nl": "a\nb\n", "nls": "\n\nx\n\n", "spaces": "   ", "num": 42, "float": 3.14, "one": 1.0,
  "big": 12345678901234567890, "exp": 1e-7, "upper": 1E+2, "neg0": -0, "t": true, "f": false, "n": null,
  "nullstr": "null", "uni": "é日本🎉", "nul": "a\u0000b", "nulonly": "\u0000", "ctrl": "\u0001\u007f",
  "esc": "tab\there \"q\" \\",
  "obj": {"a": 1, "b": [1, 2.50, {"c": null}], "d": {}}, "arr": [],
  "items": [{"id": 1, "name": "  x  "}, {"id": 2, "name": ""}, {"id": 3, "name": "z\n"}],
  "dash-key": "d"
}
`;

const KEYS = [
  's', 'lead', 'trail', 'both', 'empty', 'nl', 'nls', 'spaces', 'num', 'float', 'one', 'big', 'exp', 'upper', 'neg0',
  't', 'f', 'n', 'nullstr', 'uni', 'nul', 'nulonly', 'ctrl', 'esc', 'obj', 'arr', 'items', 'missing',
  'missing.deeper', 'obj.b[2]', 'obj.b[2].c', 'items[2].name', 'items[9]',
  // programs: several outputs, whitespace at both ends, nulls among outputs
  'items[] | "   \\(.id)"', 'items[].name', 'items[] | .id, .name', 'lead, trail', 'num, n, s', 'trail, empty',
  'items | length', 'obj | keys', 'items | map(.id)', 'obj.b | map(. * 2)', 'float * 3', 'big + 1', 'one + 0',
  'uni | explode | length', 's | length', 'items[] | select(.id > 5)', '["dash-key"]', 'obj | tostring',
  'nul, nul', '[]', 'obj[]', 'n // "dflt"', 'f // "dflt"', 'arr[]', 'obj.d', '"  \\(.s)  "',
  // errors: runtime (after some outputs and at once), syntax
  's.x', 'items[] | if .id == 2 then error("boom") else .name end', 'items[] | .name | ltrimstr(1) | error',
  'num |||', 'nosuchfn(1)', 'items[] | (.name, error("x"))',
];

/** What the original printed: value=$(jq -r ".KEY" file); null → empty; echo. */
function originalReadState(file: string, key: string): string {
  return execFileSync('bash', ['-c', 'value=$(jq -r ".$1" "$2" 2>/dev/null); [[ $value == null ]] && value=; printf "%s\\n" "$value"', '_', key, file], {
    encoding: 'latin1',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
}

/** read_config with D15 fixed (`false` is a value): empty or null → DEFAULT. */
function originalReadConfig(file: string, key: string, dflt: string): string {
  return execFileSync('bash', ['-c', 'value=$(jq -r ".$1" "$2" 2>/dev/null); [[ -n $value && $value != null ]] || value=$3; printf "%s\\n" "$value"', '_', key, file, dflt], {
    encoding: 'latin1',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
}

const bytes = (s: string) => Buffer.from(s, 'utf8').toString('latin1');

describe(`read_state / read_config print what ${JQ.stdout.trim() || 'jq'} prints`, () => {
  beforeEach((ctx) => requireTool(ctx, jq));
  it('over a corpus of keys and programs', async () => {
    const dir = tempDir();
    const file = join(dir, 'state.json');
    writeFileSync(file, DOC);
    const mismatches: string[] = [];
    for (const key of KEYS) {
      const want = originalReadState(file, key);
      const ctx = ctxIn(dir, { STATE_FILE: file });
      expect(await stateFns.read_state!([key], ctx)).toBe(0);
      if (bytes(ctx.stdout) !== want) mismatches.push(`read_state ${key}: want ${JSON.stringify(want)} got ${JSON.stringify(bytes(ctx.stdout))}`);
      const wantCfg = originalReadConfig(file, key, 'DFLT');
      const cctx = ctxIn(dir, { CONFIG_FILE: file });
      expect(await configFns.read_config!([key, 'DFLT'], cctx)).toBe(0);
      if (bytes(cctx.stdout) !== wantCfg) mismatches.push(`read_config ${key}: want ${JSON.stringify(wantCfg)} got ${JSON.stringify(bytes(cctx.stdout))}`);
      expect(ctx.stderr + cctx.stderr).toBe('');
    }
    expect(mismatches).toEqual([]);
  }, 300_000); // two jq runs per key: at load 25 (npm test runs vitest and bats at once) it took over 60 s

  it('state files that are not one JSON document read as jq reads them', async () => {
    const dir = tempDir();
    const cases: [string, string][] = [
      ['{"a": " x "}\n{"a": 2}\n', 'a'],
      ['{"a": " x "}\n{"a": 2}\n', 'a | tostring'],
      ['{"a": 1} {"a": ', 'a'],
      ['', 'a'],
      ['not json', 'a'],
    ];
    for (const [text, key] of cases) {
      const file = join(dir, 'state.json');
      writeFileSync(file, text);
      const ctx = ctxIn(dir, { STATE_FILE: file });
      await stateFns.read_state!([key], ctx);
      expect(bytes(ctx.stdout), `${JSON.stringify(text)} ${key}`).toBe(originalReadState(file, key));
    }
  });
});

describe('jq output markers', () => {
  it('keep every output whitespace and tell a finished run from a failed one', () => {
    const mark = '\u0001m-';
    expect(wrapFilter('.a', mark, true)).toContain('$__argo_in | (\n.a\n)');
    // raw() trimmed the final newline away
    expect(unwrapOutput(`${mark}S\n  x  \n${mark}M\n\n${mark}M\n${mark}E`, mark)).toEqual({ ok: true, stdout: '  x  \n\n' });
    expect(unwrapOutput(`${mark}S\n  x  \n${mark}M`, mark)).toEqual({ ok: false, stdout: '  x  \n' });
    expect(unwrapOutput(`${mark}S`, mark)).toEqual({ ok: false, stdout: '' });
  });
});

describe('the helper reads requests with bounds', () => {
  const request = () => encodeRequest({ token: 't'.repeat(32), cwd: '/', env: { STATE_FILE: 's' }, fn: 'read_state', args: ['a b', ''] });

  it('assembles a request that arrives one byte at a time', () => {
    const buf = request();
    const reader = new RequestReader(() => 1 << 20);
    let done = false;
    for (let i = 0; i < buf.length; i++) done = reader.push(buf.subarray(i, i + 1));
    expect(done).toBe(true);
    expect(reader.fields).toEqual(['argo1', 't'.repeat(32), '/', '1', 'STATE_FILE=s', 'read_state', '2', 'a b', '']);
  });

  it(`refuses more than ${PRE_AUTH_MAX_BYTES} bytes without a NUL while the token is unproven`, () => {
    let authenticated = false;
    const reader = new RequestReader(() => (authenticated ? 1 << 30 : PRE_AUTH_MAX_BYTES));
    const chunk = Buffer.alloc(16 * 1024, 'a');
    let pushed = 0;
    expect(() => {
      for (; pushed < 100; pushed++) reader.push(chunk);
    }).toThrow(/larger than 65536/);
    expect(pushed).toBe(4); // the fifth 16 KiB chunk crosses 64 KiB
    // once the token is proven, the larger cap applies
    const ok = new RequestReader(() => (authenticated ? 1 << 30 : PRE_AUTH_MAX_BYTES));
    ok.push(Buffer.from('argo1\0tok\0'));
    authenticated = true;
    ok.push(Buffer.from('/\x000\0update_state\x002\0k\0'));
    expect(ok.push(Buffer.concat([Buffer.alloc(200 * 1024, 'v'), Buffer.from('\0')]))).toBe(true);
  });

  it('drops malformed counts', () => {
    const reader = new RequestReader(() => 1 << 20);
    expect(() => reader.push(Buffer.from('argo1\0t\0/\0-1\0'))).toThrow(/bad count/);
  });

  it('never sends a NUL inside a reply field', () => {
    expect(encodeReply({ rc: 0, stdout: 'a\0b\n', stderr: '' })).toBe('0\0ab\n\0\0');
  });
});

describe('WriteGate', () => {
  it('once abandoned, no write begins; once writing, it cannot be abandoned', () => {
    const a = new WriteGate();
    expect(a.abandon()).toBe(true);
    expect(a.beginWrite()).toBe(false);
    const b = new WriteGate();
    expect(b.beginWrite()).toBe(true);
    expect(b.abandon()).toBe(false);
  });
});

describe('port file name', () => {
  it('is the install folder byte by byte, whatever the characters', () => {
    expect(portFileKey('/opt/é/日本/🎉')).toBe('_opt_' + '__' + '_' + '______' + '_' + '____');
    expect(portFileKey('/a'.repeat(300))).toHaveLength(200);
  });
});

describe('the helper refuses a runtime folder others may write to (SHIM.md, security model 1)', () => {
  it.each(['770', '707', '777'])('mode %s: not started, nothing created there', async (octal) => {
    const dir = join(tempDir(), 'argo-rt');
    mkdirSync(dir);
    chmodSync(dir, parseInt(octal, 8));
    const said: string[] = [];
    const write = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      said.push(String(chunk));
      return true;
    });
    try {
      // idle 100 ms: a helper that wrongly started would stop again by itself
      await serve({ idleMs: 100, jqLimitMs: 1000, env: { ARGO_SHIM_PORT_FILE: join(dir, 'k.port') } });
    } finally {
      write.mockRestore();
    }
    expect(said).toEqual([`ERROR: argo shim helper not started: ${dir} is writable by others (mode ${octal})\n`]);
    expect(readdirSync(dir)).toEqual([]); // no lock file, no port file
  });

  it('a private folder (0700) is accepted', () => {
    const dir = join(tempDir(), 'argo-rt');
    mkdirSync(dir, { mode: 0o700 });
    chmodSync(dir, 0o700);
    expect(unsafeDirReason(dir)).toBeUndefined();
  });
});

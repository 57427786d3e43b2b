// Real jq semantics in-process (jq-wasm, jq 1.7.1), for keys that are jq programs
// rather than plain paths (read_state, read_config), with exactly the stdout the
// jq 1.6 binary prints. Loaded on first use only: it costs ~30 ms and most keys
// never need it.
//
// jq-wasm's raw() trims its output, drops stderr once anything was printed and
// reads its input one byte at a time (quadratic). So the document comes in as a
// --argjson value, with its numbers written the way jq 1.6 prints them (1.7 prints
// number literals as they were written), and every output of the filter is
// followed by a marker line, so nothing of the caller's is at either end of what
// raw() trims.
import { randomBytes } from 'node:crypto';
import { ArgoError } from './errors.js';
import { JsonObject, formatNumber, parseJson, stringifyCompact, type Json } from './json_doc.js';

/** Runs jq-wasm's raw(); the shim helper swaps in a worker pool with a time limit. */
export type JqExecutor = (input: string, program: string, flags: string[], timeoutMs: number) => Promise<string>;

type JqModule = { raw(data: string, filter: string, flags?: string[]): Promise<string> };
let loading: Promise<JqModule> | undefined;

export function jqModule(): Promise<JqModule> {
  loading ??= import('jq-wasm') as Promise<JqModule>;
  return loading;
}

const inProcess: JqExecutor = async (input, program, flags) => (await jqModule()).raw(input, program, flags);
let executor: JqExecutor = inProcess;

export function setJqExecutor(e: JqExecutor | undefined): void {
  executor = e ?? inProcess;
}

/** A filter stopped for running longer than its time limit. */
export class JqTimeoutError extends ArgoError {
  constructor(readonly filter: string, readonly seconds: number) {
    super(`jq filter '${filter}' stopped after ${seconds} s (time limit)`);
  }
}

export interface JqResult {
  /** False when jq reported an error (stdout then holds what it printed before). */
  ok: boolean;
  /** Exactly what `jq [-r] FILTER file` writes to stdout (every output with its newline). */
  stdout: string;
}

export const DEFAULT_JQ_TIMEOUT_MS = 10_000;

/** The wrapped program: marker lines around and after every output of `filter`. */
export function wrapFilter(filter: string, mark: string, fromArg: boolean, recompute = false): string {
  const m = (s: string) => JSON.stringify(mark + s);
  // 1.7 prints an exponent literal in its own way (1E-7); computed numbers print as 1.6 does.
  const input = !fromArg ? '' : recompute ? '$__argo_in | walk(if type == "number" then . * 1 else . end) | ' : '$__argo_in | ';
  return `${m('S')}, (${input}(\n${filter}\n) | ., ${m('M')}), ${m('E')}`;
}

/** jq's real stdout from raw()'s trimmed text of the wrapped program. */
export function unwrapOutput(text: string, mark: string): JqResult {
  const ok = text.endsWith(mark + 'E');
  // Every marker sits on its own line and the text ends with one, so only that
  // marker's newline was trimmed away.
  const stdout = (text + '\n').split(`${mark}M\n`).join('').split(`${mark}S\n`).join('').split(`${mark}E\n`).join('');
  return { ok, stdout };
}

export async function runJq(inputText: string, filter: string, opts: { raw?: boolean; timeoutMs?: number } = {}): Promise<JqResult> {
  const mark = `\u0001argo-${randomBytes(8).toString('hex')}-`;
  const flags = opts.raw ? ['-r'] : [];
  const timeoutMs = opts.timeoutMs ?? DEFAULT_JQ_TIMEOUT_MS;
  const run = async (fromArg: boolean, input: string, recompute = false): Promise<JqResult | 'bad-input'> => {
    const program = wrapFilter(filter, mark, fromArg, recompute);
    try {
      const out = fromArg
        ? await executor('', program, ['-n', ...flags, '--argjson', '__argo_in', input], timeoutMs)
        : await executor(input, program, flags, timeoutMs);
      return unwrapOutput(out, mark);
    } catch (e) {
      if (e instanceof JqTimeoutError) throw new JqTimeoutError(filter, e.seconds);
      // Not one JSON value (empty, invalid, several documents): let jq read it as a file.
      if (fromArg && /--argjson/.test(String((e as Error).message))) return 'bad-input';
      return { ok: false, stdout: '' }; // compile error: nothing on stdout
    }
  };
  let canonical: string | undefined;
  let recompute = false;
  try {
    const doc = parseJson(inputText, 'jq input');
    canonical = stringifyCompact(doc);
    recompute = hasExponentNumber(doc);
  } catch {
    /* not one JSON document (several, or invalid): jq reads the text itself */
  }
  if (canonical !== undefined) {
    const first = await run(true, canonical, recompute);
    if (first !== 'bad-input') return first;
  }
  return (await run(false, inputText)) as JqResult;
}

function hasExponentNumber(v: Json): boolean {
  if (typeof v === 'number') return /e/.test(formatNumber(v));
  if (Array.isArray(v)) return v.some(hasExponentNumber);
  if (v instanceof JsonObject) return [...v.values()].some(hasExponentNumber);
  return false;
}

/** What `value=$(…)` keeps of a command's stdout: NUL bytes dropped, trailing newlines stripped. */
export function commandSubstitution(stdout: string): string {
  return stdout.replace(/\0/g, '').replace(/\n+$/, '');
}

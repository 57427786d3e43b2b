// Real jq semantics in-process (jq-wasm), for keys that are jq programs rather
// than plain paths (read_state, read_config). Loaded on first use only: it costs
// ~30 ms and most keys never need it.

type JqModule = { raw(data: string, filter: string, flags?: string[]): Promise<string> };
let loading: Promise<JqModule> | undefined;

function jqModule(): Promise<JqModule> {
  loading ??= import('jq-wasm') as Promise<JqModule>;
  return loading;
}

export interface JqResult {
  ok: boolean;
  /** jq's output without its final newline ('' on error). */
  output: string;
}

export async function runJq(inputText: string, filter: string, opts: { raw?: boolean } = {}): Promise<JqResult> {
  const jq = await jqModule();
  try {
    const output = await jq.raw(inputText, filter, opts.raw ? ['-r'] : []);
    return { ok: true, output: output.replace(/\n$/, '') };
  } catch {
    return { ok: false, output: '' };
  }
}

// A key as the original's read_state/read_config took it: `value=$(jq -r ".KEY" file)`.
// Plain paths (`a.b[0].c`), nearly every real key, are answered here; any other
// program goes to real jq (jq-wasm), so the semantics stay jq's.
import { getIn, parseJson, parsePlainPath, stringifyJq } from './json_doc.js';
import { commandSubstitution, runJq } from './jq.js';

/**
 * What `$(jq -r ".KEY" file 2>/dev/null)` holds for `text`: jq's stdout without NUL
 * bytes and trailing newlines (partial output before a jq error, '' on a compile error).
 */
export async function queryKey(text: string, source: string, key: string, opts: { timeoutMs?: number } = {}): Promise<string> {
  const path = parsePlainPath(key);
  if (!path) return commandSubstitution((await runJq(text, `.${key}`, { raw: true, timeoutMs: opts.timeoutMs })).stdout);
  let v;
  try {
    v = getIn(parseJson(text, source), path) ?? null;
  } catch {
    // Not one JSON document (jq would still read several): real jq decides.
    return commandSubstitution((await runJq(text, `.${key}`, { raw: true, timeoutMs: opts.timeoutMs })).stdout);
  }
  return commandSubstitution(typeof v === 'string' ? v : stringifyJq(v));
}

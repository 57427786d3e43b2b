// A key as the original's read_state/read_config took it: a jq program applied to
// `.`. Plain paths (`a.b[0].c`), nearly every real key, are answered here; any
// other program goes to real jq (jq-wasm), so the semantics stay jq's.
import { getIn, parseJson, parsePlainPath, stringifyJq } from './json_doc.js';
import { runJq } from './jq.js';

/** jq -r output of `.<key>` on `text` without the final newline; '' on any error. */
export async function queryKey(text: string, source: string, key: string): Promise<string> {
  const path = parsePlainPath(key);
  if (!path) return (await runJq(text, `.${key}`, { raw: true })).output;
  try {
    const v = getIn(parseJson(text, source), path) ?? null;
    return typeof v === 'string' ? v : stringifyJq(v).slice(0, -1);
  } catch {
    return '';
  }
}

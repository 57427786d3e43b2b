// The one write of a builder's fields in state.json, for the local execution phase and
// the distributed coordinator alike: every entry with that id gets the fields (no
// last_update bump, as the original's direct jq writes), and with `totals`
// execution.usage becomes the sum of the builders' recorded usage in the same write.
import { JsonObject, fromPlain, toPlain } from '../core/json_doc.js';
import { mutateState, type StatePaths } from './state.js';
import type { AgentUsage } from './usage.js';
import { sumUsage } from './usage.js';

export async function setBuilderFields(paths: StatePaths, id: string, fields: Record<string, unknown>, totals = false): Promise<void> {
  await mutateState(paths, (doc) => {
    const exec = doc.get('execution');
    const list = exec instanceof JsonObject ? exec.get('builders') : undefined;
    if (!Array.isArray(list)) return;
    for (const b of list) {
      if (b instanceof JsonObject && String(b.get('id') ?? 'null') === id) {
        for (const [k, v] of Object.entries(fields)) b.set(k, fromPlain(v));
      }
    }
    if (totals && exec instanceof JsonObject) {
      const usages = list
        .map((b) => (b instanceof JsonObject ? (toPlain(b.get('usage')) as Partial<AgentUsage> | null) : null))
        .filter((u): u is Partial<AgentUsage> => !!u);
      exec.set('usage', fromPlain(sumUsage(usages)));
    }
  });
}

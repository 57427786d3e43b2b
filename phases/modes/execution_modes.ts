// What the execution handler runs differently for a workflow.kind (issue 22): its two hooks
// (phases/execution.ts). bugfix: no verify gate while only the test is built (the test must
// FAIL there: judged at the merge, phases/modes/bugfix_merge.ts). best_of_n: each candidate
// row runs the preset its `agent` names (best_of_n.builders) through the fail-over's
// `pinned` presets (agents/failover.ts). Any other kind: as before.
import type { CiChoice } from '../../agents/select.js';
import { readWorkflowKind } from '../../workflow/kind.js';
import { bugfixBuilderVerify } from '../../workflow/modes/bugfix.js';
import { presetChoice, readBestOfN } from './best_of_n_config.js';

type PresetChoice = Extract<CiChoice, { kind: 'preset' }>;

const kindOf = (config: unknown) => {
  const k = readWorkflowKind(config);
  return 'kind' in k ? k.kind : null; // a bad kind is refused where the workflow starts (design_program)
};

/** The builders' verify gate for this run. */
export function modeVerify(config: unknown, rows: readonly { id: string }[], verify: string | null): string | null {
  return kindOf(config) === 'bugfix' ? bugfixBuilderVerify(verify, rows) : verify;
}

/** The presets a candidate row may name (best_of_n); [] for other kinds. Throws the problem sentence on bad settings. */
export function modePinned(config: unknown, primary: CiChoice): PresetChoice[] {
  if (kindOf(config) !== 'best_of_n') return [];
  const s = readBestOfN(config);
  if ('problem' in s) throw new Error(s.problem);
  return [...new Set(s.agents.filter((a) => a !== null))].map((name) => presetChoice(config, name, primary, 'best_of_n.builders'));
}

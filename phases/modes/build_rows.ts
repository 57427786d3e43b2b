// design_build for a mode (issue 22): which components get a builder now and the fields
// their rows carry besides the plan's. bugfix: only the test's builder (the fix's starts
// from the test's branch once red is proven: phases/modes/bugfix_merge.ts). best_of_n:
// each candidate's `agent` (its preset; agents/failover.ts runs it). Others: as before.
import { toPlain } from '../../core/json_doc.js';
import { readConfigObject } from '../../store/config.js';
import type { Component } from '../../workflow/components.js';
import { TEST_ID } from '../../workflow/modes/bugfix.js';
import type { Project } from '../handler.js';
import { modeOf } from './fixed_plan.js';

export interface ModeRows {
  components: Component[];
  /** Extra row fields by component id (additions to the builder row). */
  extra: (id: string) => Record<string, unknown>;
}

const none = () => ({});

export function modeBuildRows(project: Project, components: Component[], rawList: unknown): ModeRows {
  let kind;
  try {
    kind = modeOf(readConfigObject(project.configFile));
  } catch {
    kind = null; // an unreadable config: as before (the handlers that need it say why)
  }
  if (kind === 'bugfix') return { components: components.filter((c) => c.id === TEST_ID), extra: none };
  if (kind !== 'best_of_n') return { components, extra: none };
  const raw = toPlain(rawList as never);
  const agents = new Map<string, string>();
  for (const c of Array.isArray(raw) ? raw : []) {
    const o = c as Record<string, unknown> | null;
    if (o && typeof o.id === 'string' && typeof o.agent === 'string' && o.agent !== '') agents.set(o.id, o.agent);
  }
  return { components, extra: (id) => (agents.has(id) ? { agent: agents.get(id) } : {}) };
}

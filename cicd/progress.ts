// `argo run`'s progress: one line per event, an event being what changed between two views
// of the workflow (the hand-off, the design, each builder's status and merge). In GitHub
// Actions (GITHUB_ACTIONS=true) each phase is a collapsible log group (`::group::` …
// `::endgroup::`). Pure: two views in, lines out; the caller prints them.
import type { BuilderRow, View } from '../view/model.js';
import { printable } from '../view/merge.js';

/** A value of state is data: shown on one line, never as a workflow command of the CI's log. */
const shown = (s: string): string => printable(s).replace(/^::/, ': :');

function builderLines(prev: View | null, next: View): string[] {
  const before = new Map<string, BuilderRow>((prev?.builders ?? []).map((b) => [b.id, b]));
  const lines: string[] = [];
  for (const b of next.builders) {
    const old = before.get(b.id);
    if (old?.status !== b.status) {
      const why = b.status === 'failed' && b.failure ? ` (${shown(b.failure)}${b.failure_message ? `: ${shown(b.failure_message)}` : ''})` : '';
      const cost = b.status === 'completed' && b.usage?.cost_usd != null ? ` (${b.usage.cost_usd} USD)` : '';
      lines.push(`builder ${shown(b.id)}: ${shown(b.status)}${why}${cost}`);
    }
    if (b.merge !== null && old?.merge !== b.merge) lines.push(`builder ${shown(b.id)}: merge ${shown(b.merge)}`);
  }
  return lines;
}

/** The events between `prev` (null: the first look) and `next`, one line each. */
export function progressLines(prev: View | null, next: View): string[] {
  const lines: string[] = [];
  const relay = (v: View) => `${v.phase}|${v.action_owner}|${v.action_needed}`;
  if (!prev || relay(prev) !== relay(next)) {
    lines.push(`phase ${shown(next.phase)}: ${shown(next.action_owner)} → ${shown(next.action_needed || '(none)')}`);
  }
  const count = next.design?.components.length ?? 0;
  if (count > 0 && (prev?.design?.components.length ?? 0) !== count) {
    lines.push(`design: ${count} component(s): ${next.design!.components.map((c) => shown(c.id)).join(', ')}`);
  }
  lines.push(...builderLines(prev, next));
  if (!prev?.halt_reason && next.halt_reason) lines.push(`halted: ${shown(next.halt_reason)}`);
  return lines;
}

/** Prints progress lines, grouped per phase in GitHub Actions; `close()` ends the open group. */
export class ProgressPrinter {
  private group: string | null = null;
  constructor(private readonly write: (line: string) => void, private readonly github: boolean) {}

  /** Prints the events between two views. */
  show(prev: View | null, next: View): void {
    const lines = progressLines(prev, next);
    if (lines.length === 0) return;
    if (this.github && this.group !== next.phase) {
      this.close();
      this.write(`::group::argo: ${shown(next.phase)}`);
      this.group = next.phase;
    }
    for (const l of lines) this.write(`argo: ${l}`);
  }

  close(): void {
    if (this.github && this.group !== null) this.write('::endgroup::');
    this.group = null;
  }
}

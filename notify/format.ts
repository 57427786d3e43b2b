// One formatter per event kind: the sentence a person reads (Slack `text`, desktop
// body, ARGO_MESSAGE), built from the event and the view it came from.
import type { View } from '../view/model.js';
import type { NotifyEvent } from './events.js';
import { fileList, printable, whereText } from '../view/merge.js';
import { shellWord } from '../view/model.js';

export interface Message {
  title: string;
  text: string;
}

const name = (v: View) => v.project.name || v.project.path;

const FORMATTERS: { [K in NotifyEvent['kind']]: (e: Extract<NotifyEvent, { kind: K }>, v: View) => Message } = {
  control: (e, v) => ({
    title: `Argo: ${name(v)} waits for ${e.owner}`,
    text: [`[${name(v)}] ${e.owner} must act: ${e.needed || '(nothing named)'} (phase ${e.phase}). ${v.next.what}`, ...v.next.commands.slice(0, 2).map((c) => `  ${c}`)].join('\n'),
  }),
  builder_failed: (e, v) => ({
    title: `Argo: builder ${e.builder} failed in ${name(v)}`,
    text: `[${name(v)}] builder ${e.builder} failed (${e.failure ?? 'failed'}${e.exit_code !== null ? `, exit ${e.exit_code}` : ''})${e.last_log_line ? `: ${e.last_log_line}` : ''}`,
  }),
  workflow_waiting: (e, v) => ({
    title: `Argo: ${name(v)} waits on a limit (${e.reasons.join(', ')})`,
    text: `[${name(v)}] every unfinished builder waits on a limit (${e.reasons.join(', ')}): ${e.builders.join(', ')}${e.resume_at ? `; the first resumes at ${e.resume_at}` : ''}. Nothing to do: they resume by themselves.`,
  }),
  workflow_resumed: (e, v) => ({
    title: `Argo: ${name(v)} resumed`,
    text: `[${name(v)}] the wait on limits is over: ${e.builders.join(', ')} run again`,
  }),
  merge_outcome: (e, v) => mergeOutcomeMessage(e, v),
  workflow_ended: (_e, v) => {
    const merged = v.merge?.merged ?? [];
    return {
      title: `Argo: ${name(v)} finished`,
      text: `[${name(v)}] workflow finished${merged.length ? `: merged ${merged.join(', ')}` : ''}${v.totals.cost_usd !== null ? ` (cost $${v.totals.cost_usd.toFixed(2)})` : ''}`,
    };
  },
};

/** How many builders a merge notification names one by one (the rest are counted). */
export const BUILDERS_IN_MESSAGE = 10;

const some = (ids: string[]) => `${ids.slice(0, BUILDERS_IN_MESSAGE).map(printable).join(', ')}${ids.length > BUILDERS_IN_MESSAGE ? ` (+${ids.length - BUILDERS_IN_MESSAGE} more)` : ''}`;

/**
 * Issue 20: a conflict for the person names each builder, its files (bounded), where to
 * work, and the one command that continues; the builders the resolver agent merged and
 * those whose merged tree failed the verify gate are named too. Names from state are made
 * printable (a file name never starts a line of the message).
 */
function mergeOutcomeMessage(e: Extract<NotifyEvent, { kind: 'merge_outcome' }>, v: View): Message {
  const n = name(v);
  const command = v.step_in?.command ?? `argo merge ${shellWord(v.project.path)}`;
  const lines: string[] = [];
  for (const c of e.conflict.slice(0, BUILDERS_IN_MESSAGE)) {
    const where = whereText(c, shellWord);
    lines.push(`[${n}] merge conflict for you: ${printable(c.id)} in ${fileList(c) || 'files not recorded'}${where ? ` - ${where}` : ''}`);
  }
  if (e.conflict.length > BUILDERS_IN_MESSAGE) lines.push(`[${n}] and ${e.conflict.length - BUILDERS_IN_MESSAGE} more conflicted builders (argo status lists them)`);
  if (e.verify_failed.length) lines.push(`[${n}] the verify command failed on the merged tree, out of retries: ${some(e.verify_failed)}`);
  if (e.resolved_by_agent.length) lines.push(`[${n}] the resolver agent resolved the merge conflicts of ${some(e.resolved_by_agent)}`);
  const forPerson = e.conflict.length + e.verify_failed.length > 0;
  if (forPerson) lines.push(`Then: ${command}`);
  const title = e.conflict.length ? `Argo: ${n} needs you to resolve merge conflicts (${some(e.conflict.map((c) => c.id))})` : e.verify_failed.length ? `Argo: ${n}: the merged tree failed verify (${some(e.verify_failed)})` : `Argo: ${n}: merge conflicts resolved by the agent (${some(e.resolved_by_agent)})`;
  return { title, text: lines.join('\n') };
}

export function formatEvent(e: NotifyEvent, v: View): Message {
  return (FORMATTERS[e.kind] as (e: NotifyEvent, v: View) => Message)(e, v);
}

// One formatter per event kind: the sentence a person reads (Slack `text`, desktop
// body, ARGO_MESSAGE), built from the event and the view it came from.
import type { View } from '../view/model.js';
import type { NotifyEvent } from './events.js';

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
  workflow_ended: (_e, v) => {
    const merged = v.merge?.merged ?? [];
    return {
      title: `Argo: ${name(v)} finished`,
      text: `[${name(v)}] workflow finished${merged.length ? `: merged ${merged.join(', ')}` : ''}${v.totals.cost_usd !== null ? ` (cost $${v.totals.cost_usd.toFixed(2)})` : ''}`,
    };
  },
};

export function formatEvent(e: NotifyEvent, v: View): Message {
  return (FORMATTERS[e.kind] as (e: NotifyEvent, v: View) => Message)(e, v);
}

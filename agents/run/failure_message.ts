// Why an agent run failed, in one short line a person can act on (state field
// `failure_message`): the agent's own report when it made one (an error result, a
// failed turn, an error event), else the last lines of its stderr (Claude Code's refusal
// to bypass permissions as root comes on stderr with an empty stdout), else our
// reading of its exit status. Pure: texts in, a line out.
import type { AgentOutcome } from '../presets/contract.js';

/** The longest failure message kept (state, status, --json, the dashboard). */
export const FAILURE_MESSAGE_MAX = 500;
/** How much of the end of a run's stderr is looked at. */
export const STDERR_TAIL_BYTES = 4096;
const STDERR_TAIL_LINES = 5;

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-_]/g;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/g;

/** Text without terminal escapes or control characters, blanks collapsed, at most `max` characters. */
export function cleanLine(text: string, max = FAILURE_MESSAGE_MAX): string {
  const t = text.replace(ANSI, '').replace(/\r?\n/g, ' | ').replace(CONTROL, ' ').replace(/\s+/g, ' ').replace(/^[\s|]+|[\s|]+$/g, '');
  return t.length > max ? t.slice(0, max - 1) + '…' : t;
}

/**
 * A line the builder log gets from us, not from the agent: our events (`[<ISO time>]
 * <event> - …`) and the builder wrapper's note about leftover work (agents/ci_tool.ts).
 */
const OUR_LINE = /^\[\d{4}-\d\d-\d\dT[\d:.]+Z?\] \S+ - |^argo: (committed|could not commit) the uncommitted work builder /;

/**
 * The useful end of what a run wrote to its stderr (read from the builder log, where
 * our own event lines interleave): the last few non-blank lines that are not ours.
 */
export function stderrTail(text: string): string {
  const lines = text
    .replace(ANSI, '')
    .split('\n')
    .map((l) => l.replace(CONTROL, ' ').trim())
    .filter((l) => l !== '' && !OUR_LINE.test(l));
  return lines.slice(-STDERR_TAIL_LINES).join('\n');
}

/**
 * The failure message of a run that failed: the agent's own report, else its stderr's
 * end (after the exit status), else the parser's reading, else the bare exit status.
 */
export function agentFailureMessage(
  program: string,
  run: { code: number; startError?: string | null },
  outcome: Pick<AgentOutcome, 'error' | 'reported'>,
  stderr: string,
): string {
  if (run.startError) return cleanLine(`could not start ${program}: ${run.startError}`);
  if (outcome.error && outcome.reported) return cleanLine(outcome.error);
  const tail = stderrTail(stderr);
  if (tail) {
    const head = run.code !== 0 ? `${program} exited with status ${run.code}` : (outcome.error ?? `${program} failed`);
    const room = FAILURE_MESSAGE_MAX - head.length - 2;
    const said = cleanLine(tail, Number.MAX_SAFE_INTEGER);
    return cleanLine(`${head}: ${said.length > room ? '…' + said.slice(said.length - room + 1) : said}`);
  }
  return cleanLine(outcome.error ?? `${program} exited with status ${run.code}`);
}

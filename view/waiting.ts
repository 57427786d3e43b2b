// Builders waiting on a rate or usage limit (issue 19): what a builder row shows of its
// wait (`waiting_reason`, `resume_at`, `waits` as the execution engine records them, and
// limits.rate_limit_max_waits), the words status prints for it, and whether the whole
// workflow waits on limits — what notify/ announces. Pure: rows and clocks in.

type Obj = Record<string, unknown>;

/** The limit-wait fields of a view's builder row; all null for a builder not waiting on a limit. */
export interface LimitWait {
  /** `rate_limit` | `usage_limit` (as recorded: data, shown as text only). */
  waiting_reason: string | null;
  /** ISO UTC time its agent is resumed at. */
  resume_at: string | null;
  /** How many times it has waited so far (kept after it resumes: a fail-over counts them). */
  waits: number | null;
  /** limits.rate_limit_max_waits in force, when known: after that many it fails `rate_limited`. */
  max_waits: number | null;
}

const text = (v: unknown): string | null => (typeof v === 'string' && v !== '' && v !== 'null' ? v : null);
const count = (v: unknown): number | null => {
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
  return typeof n === 'number' && Number.isInteger(n) && n >= 0 ? n : null;
};

/** A row's wait: reason and resume time only while it is `waiting`; its waits count whenever recorded. */
export function limitWaitOf(raw: Obj, status: string, maxWaits: number | null): LimitWait {
  const waiting = status === 'waiting' && text(raw.waiting_reason) !== null;
  const waits = count(raw.waits);
  return {
    waiting_reason: waiting ? text(raw.waiting_reason) : null,
    resume_at: waiting ? text(raw.resume_at) : null,
    waits,
    max_waits: waits !== null ? maxWaits : null,
  };
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const two = (n: number) => String(n).padStart(2, '0');

/**
 * A time to wait for as a person reads it, in the zone `offsetMinutes` east of UTC (the
 * caller's local zone): `15:02` on the day of `now`, else `Dec 4 15:02`. An unreadable time
 * is shown as it is.
 */
export function clockText(iso: string, now: number, offsetMinutes = 0): string {
  const t = Date.parse(iso);
  if (!Number.isFinite(t)) return iso;
  const at = new Date(t + offsetMinutes * 60_000);
  const today = new Date(now + offsetMinutes * 60_000);
  const hm = `${two(at.getUTCHours())}:${two(at.getUTCMinutes())}`;
  const sameDay = at.getUTCFullYear() === today.getUTCFullYear() && at.getUTCMonth() === today.getUTCMonth() && at.getUTCDate() === today.getUTCDate();
  return sameDay ? hm : `${MONTHS[at.getUTCMonth()]} ${at.getUTCDate()} ${hm}`;
}

/** This machine's offset from UTC at `t`, in minutes east (what clockText takes). */
export const localOffset = (t: number): number => -new Date(t).getTimezoneOffset();

/** `waiting (rate_limit) until 15:02, wait 2 of 8` for a builder waiting on a limit; null for any other. */
export function waitText(b: LimitWait, now: number, offsetMinutes = 0): string | null {
  if (b.waiting_reason === null) return null;
  const until = b.resume_at !== null ? ` until ${clockText(b.resume_at, now, offsetMinutes)}` : '';
  const of = b.waits !== null ? `, wait ${b.waits}${b.max_waits !== null ? ` of ${b.max_waits}` : ''}` : '';
  return `waiting (${b.waiting_reason})${until}${of}`;
}

/** Builders that are done with: they wait on nothing. */
const FINISHED = new Set(['completed', 'failed', 'merged']);

/**
 * The whole workflow waits on limits: at least one builder is unfinished and every
 * unfinished one waits on a limit. `resume_at`: the earliest of theirs; `reasons`: theirs, sorted.
 */
export function workflowLimitWait(builders: readonly ({ id: string; status: string } & LimitWait)[]): { builders: string[]; resume_at: string | null; reasons: string[] } | null {
  const open = builders.filter((b) => !FINISHED.has(b.status));
  if (open.length === 0 || !open.every((b) => b.status === 'waiting' && b.waiting_reason !== null)) return null;
  const times = open.map((b) => b.resume_at).filter((t): t is string => t !== null && Number.isFinite(Date.parse(t)));
  times.sort((a, b) => Date.parse(a) - Date.parse(b));
  return { builders: open.map((b) => b.id), resume_at: times[0] ?? null, reasons: [...new Set(open.map((b) => b.waiting_reason!))].sort() };
}

/** The builders of a view waiting on a limit, as `argo list --json` gives them. */
export function waitingBuilders<B extends { id: string } & LimitWait>(builders: readonly B[]): ({ id: string } & LimitWait)[] {
  return builders
    .filter((b) => b.waiting_reason !== null)
    .map((b) => ({ id: b.id, waiting_reason: b.waiting_reason, resume_at: b.resume_at, waits: b.waits, max_waits: b.max_waits }));
}

/** `argo list`'s line for a project with builders waiting on limits: `<id>: part-1 waiting (rate_limit) until 15:02, wait 2 of 8; …`; null when none waits. */
export function listWaitLine(project: string, builders: readonly ({ id: string } & LimitWait)[], now: number, offsetMinutes = 0): string | null {
  const parts = waitingBuilders(builders).map((b) => `${b.id} ${waitText(b, now, offsetMinutes)}`);
  return parts.length > 0 ? `${project}: ${parts.join('; ')}` : null;
}

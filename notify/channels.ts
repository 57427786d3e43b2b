// Where a notification goes: a command (with ARGO_* variables), a webhook (JSON with a
// Slack-compatible `text`, time-limited, retried with back-off) and the desktop
// (notify-send). Each returns when it is done or gave up; none throws.
import { spawn, spawnSync } from 'node:child_process';
import type { Env } from '../core/context.js';
import { bashArgs, superviseGroup } from '../core/child.js';

export interface NotifyConfig {
  command?: string;
  webhook?: string;
  desktop?: boolean;
  /** Where the person opens the dashboard (e.g. through an SSH tunnel): each message links to its project there. */
  dashboard_url?: string;
}

export interface Delivery {
  /** The event's stable id (ARGO_EVENT_ID, `id` in the webhook body): the same on every delivery of it. */
  event_id: string;
  event: string;
  project: string;
  phase: string;
  action_owner: string;
  action_needed: string;
  title: string;
  message: string;
  /** The project's page on the dashboard (notify.dashboard_url), when configured. */
  url?: string;
}

export interface ChannelOptions {
  commandTimeoutMs?: number;
  webhookTimeoutMs?: number;
  webhookAttempts?: number;
  backoffMs?: number;
  /** Where delivery problems are reported (the orchestrator log). */
  report?: (line: string) => void;
  /** Gives up at once when it fires (the orchestrator is exiting): no retry, no wait, the hook's group ended. */
  signal?: AbortSignal;
}

/** Sleeps `ms`, or less when `signal` fires. */
function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((r) => {
    if (signal?.aborted) return r();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      r();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

export function notifyConfigOf(config: unknown): NotifyConfig {
  const n = (config as { notify?: unknown } | null)?.notify;
  if (typeof n !== 'object' || n === null) return {};
  const o = n as Record<string, unknown>;
  return {
    command: typeof o.command === 'string' && o.command ? o.command : undefined,
    webhook: typeof o.webhook === 'string' && o.webhook ? o.webhook : undefined,
    desktop: o.desktop === true || o.desktop === 'true',
    dashboard_url: dashboardBase(o.dashboard_url),
  };
}

/** notify.dashboard_url when it is an http(s) address (its fragment dropped: a token never goes in a message); else none. */
function dashboardBase(v: unknown): string | undefined {
  if (typeof v !== 'string' || v === '') return undefined;
  try {
    const u = new URL(v);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return undefined;
    u.hash = '';
    return u.toString();
  } catch {
    return undefined;
  }
}

/**
 * The project's page: the dashboard's address with `#project=<path>`, which the page opens
 * (dashboard/static/render.js projectFromHash). The token is never in it: the page takes
 * the one this browser already holds.
 */
export function pageLink(base: string | undefined, projectPath: string): string | undefined {
  return base ? `${base}#project=${encodeURIComponent(projectPath)}` : undefined;
}

/** A delivery with its project's page: the message's last line and `url` (ARGO_URL, the webhook's `url`). */
export function withPage<D extends Delivery>(d: D, url: string | undefined): D {
  return url ? { ...d, url, message: `${d.message}\nOpen: ${url}` } : d;
}

export function deliveryEnv(d: Delivery, base: Env = process.env): Env {
  return {
    ...base,
    ARGO_EVENT: d.event,
    ARGO_EVENT_ID: d.event_id,
    ARGO_PROJECT: d.project,
    ARGO_PHASE: d.phase,
    ARGO_ACTION_OWNER: d.action_owner,
    ARGO_ACTION_NEEDED: d.action_needed,
    ARGO_MESSAGE: d.message,
    ...(d.url ? { ARGO_URL: d.url } : {}),
  };
}

/** How long notify.command may run before its process group is ended (OBSERVE.md: 30 s). */
export const COMMAND_TIMEOUT_MS = 30_000;

/** A hook ended at its limit or by the orchestrator's exit gets TERM, then this long before KILL. */
export const COMMAND_GRACE_MS = 1000;

/**
 * Runs the hook in its own process group (core/child.ts): at the time limit, or when
 * the orchestrator exits, the group gets TERM (a hook may clean up), KILL after
 * COMMAND_GRACE_MS, and the promise settles once the group is gone. What a hook that
 * exited by itself left running in the background is left alone.
 */
export async function runCommand(command: string, d: Delivery, cwd: string, opts: ChannelOptions = {}): Promise<void> {
  if (opts.signal?.aborted) return;
  const timeoutMs = opts.commandTimeoutMs ?? COMMAND_TIMEOUT_MS;
  const child = spawn('bash', bashArgs(command), { cwd, env: deliveryEnv(d), stdio: 'ignore', detached: true });
  const end = await superviseGroup(child, { signal: opts.signal, timeoutMs, graceMs: COMMAND_GRACE_MS, endLeftovers: false }).ended;
  if (end.startError !== null) opts.report?.(`notify.command could not start: ${end.startError}`);
  else if (end.cause === 'timeout') opts.report?.(`notify.command timed out after ${timeoutMs} ms: ${command}`);
  else if (end.cause === 'cancel') opts.report?.(`notify.command ended unfinished (the orchestrator is exiting): ${command}`);
  else if (end.code !== 0 && end.code !== null) opts.report?.(`notify.command exited with status ${end.code}: ${command}`);
}

export function webhookBody(d: Delivery): string {
  return JSON.stringify({ id: d.event_id, text: d.message, event: d.event, project: d.project, phase: d.phase, action_owner: d.action_owner, action_needed: d.action_needed, title: d.title, ...(d.url ? { url: d.url } : {}) });
}

/** POSTs the JSON body; retries network errors and 5xx/429 with doubling back-off. */
export async function postWebhook(url: string, d: Delivery, opts: ChannelOptions = {}): Promise<boolean> {
  const attempts = opts.webhookAttempts ?? 4;
  let delay = opts.backoffMs ?? 1000;
  for (let i = 1; i <= attempts; i++) {
    if (opts.signal?.aborted) return false;
    let problem: string;
    try {
      const limit = AbortSignal.timeout(opts.webhookTimeoutMs ?? 5000);
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: webhookBody(d),
        signal: opts.signal ? AbortSignal.any([limit, opts.signal]) : limit,
      });
      await res.arrayBuffer().catch(() => undefined);
      if (res.ok) return true;
      problem = `HTTP ${res.status}`;
      if (res.status < 500 && res.status !== 429) {
        opts.report?.(`notify.webhook refused (${problem}) for ${url}; not retried`);
        return false;
      }
    } catch (e) {
      problem = (e as Error).message;
    }
    opts.report?.(`notify.webhook attempt ${i}/${attempts} failed (${problem}) for ${url}`);
    if (i < attempts && !opts.signal?.aborted) {
      await pause(delay, opts.signal);
      delay *= 2;
    }
  }
  return false;
}

export function desktopAvailable(): boolean {
  return spawnSync('bash', bashArgs('command -v notify-send'), { stdio: 'ignore' }).status === 0;
}

export function notifyDesktop(d: Delivery, opts: ChannelOptions = {}): Promise<void> {
  return new Promise((done) => {
    const child = spawn('notify-send', ['--app-name=argo', d.title, d.message], { stdio: 'ignore' });
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.commandTimeoutMs ?? 10_000);
    const onAbort = () => {
      child.kill('SIGKILL');
      child.unref();
      finish();
    };
    const finish = () => {
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      done();
    };
    if (opts.signal?.aborted) return onAbort();
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    child.on('error', finish);
    child.on('exit', finish);
  });
}

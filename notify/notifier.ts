// Runs inside the orchestrator: on every change of the project it diffs the view
// against the last snapshot, queues the events, and delivers them one after another
// in the background (never awaited by the orchestrator's loop). The snapshot and the
// undelivered events live in .argo-project/notify.json, so after a restart nothing is
// announced twice and nothing detected is dropped. Delivery is at least once: an
// orchestrator killed while delivering delivers that event again after a restart,
// with the same ARGO_EVENT_ID, so a receiver can drop the repeat.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { writeFileAtomic } from '../core/atomic_file.js';
import type { View } from '../view/model.js';
import { lastBuilderLogLine, readView } from '../view/read.js';
import { fileSignature, stateChanged, watchProject, type WatchOptions } from '../store/watch.js';
import { desktopAvailable, notifyConfigOf, notifyDesktop, pageLink, postWebhook, runCommand, withPage, type ChannelOptions, type Delivery, type NotifyConfig } from './channels.js';
import { diffViews, EMPTY_SNAPSHOT, type NotifyEvent, type Snapshot } from './events.js';
import { formatEvent } from './format.js';
import { argoPaths } from '../store/layout.js';

type Queued = Delivery & { id: string };

interface Saved {
  snapshot: Snapshot;
  pending: Queued[];
  /** Ids of the last events delivered (a pending event seen again is not queued twice). */
  delivered: string[];
}

export function notifyStateFile(project: string): string {
  return argoPaths(project).notify;
}

/**
 * The id a receiver sees (ARGO_EVENT_ID, the webhook's `id`): the project and the
 * event's key (kind, phase/owner/action or builder@start, and the state's
 * last_update or the builder's start) hashed; the same for the same event across a
 * crash and resume, different for another project or another workflow.
 */
export function eventIdOf(project: string, key: string): string {
  const kind = key.slice(0, key.indexOf(':')) || 'event';
  return `${kind}-${createHash('sha256').update(`${project}\0${key}`).digest('hex').slice(0, 24)}`;
}

export function deliveryOf(e: NotifyEvent, v: View, project: string = v.project.path): Queued {
  const m = formatEvent(e, v);
  return { id: e.id, event_id: eventIdOf(project, e.id), event: e.kind, project: v.project.name || v.project.path, phase: v.phase, action_owner: v.action_owner, action_needed: v.action_needed, title: m.title, message: m.text };
}

export interface NotifierOptions extends ChannelOptions {
  view?: () => View;
  config?: () => NotifyConfig;
}

export class Notifier {
  private saved: Saved;
  private chain: Promise<void> = Promise.resolve();
  private closed = false;
  /** Fires when close()'s grace is over: what is in flight gives up and stays pending. */
  private readonly giveUp = new AbortController();
  private readonly file: string;
  /** The state file as last looked at (its signature), and whether hand-offs were compared then. */
  private looked: { signature: string; relay: boolean } | undefined;

  constructor(
    readonly project: string,
    private opts: NotifierOptions = {},
  ) {
    this.file = notifyStateFile(project);
    this.saved = this.load();
    // Detected before a restart, not delivered yet: deliver now.
    for (const d of this.saved.pending) this.enqueue(d);
  }

  private load(): Saved {
    try {
      const s = JSON.parse(readFileSync(this.file, 'utf8')) as Partial<Saved>;
      return { snapshot: { ...EMPTY_SNAPSHOT, ...s.snapshot }, pending: Array.isArray(s.pending) ? s.pending : [], delivered: Array.isArray(s.delivered) ? s.delivered : [] };
    } catch {
      return { snapshot: EMPTY_SNAPSHOT, pending: [], delivered: [] };
    }
  }

  private save(): void {
    try {
      writeFileAtomic(this.file, JSON.stringify(this.saved, null, 2) + '\n');
    } catch (e) {
      this.opts.report?.(`notify: cannot save ${this.file}: ${(e as Error).message}`);
    }
  }

  private config(): NotifyConfig {
    if (this.opts.config) return this.opts.config();
    try {
      return notifyConfigOf(JSON.parse(readFileSync(argoPaths(this.project).config, 'utf8')));
    } catch {
      return {};
    }
  }

  /** Looks at the project now; `relay` false while a handler is mid-hand-off. */
  observe(relay = true): void {
    if (this.closed) return;
    // The orchestrator asks after every change of its folder and after each handler: the
    // same state document, already looked at with hand-offs compared, has nothing new.
    const signature = this.opts.view ? '' : fileSignature(argoPaths(this.project).state);
    if (signature !== '' && this.looked?.signature === signature && (this.looked.relay || !relay)) return;
    let view: View;
    try {
      // No log is read to look: only an event that shows a log line reads it (below).
      view = this.opts.view ? this.opts.view() : readView(this.project, { logLines: 0, builderLogs: false });
    } catch {
      return; // state being replaced or gone: the next change is looked at
    }
    this.looked = { signature, relay };
    const { events, snapshot } = diffViews(this.saved.snapshot, view, relay);
    for (const e of events) if (e.kind === 'builder_failed' && e.last_log_line === null) e.last_log_line = lastBuilderLogLine(this.project, e.builder);
    const fresh = events
      .map((e) => deliveryOf(e, view, this.project))
      .filter((d) => !this.saved.delivered.includes(d.id) && !this.saved.pending.some((p) => p.id === d.id));
    const changed = JSON.stringify(snapshot) !== JSON.stringify(this.saved.snapshot);
    if (!changed && fresh.length === 0) return;
    this.saved.snapshot = snapshot;
    this.saved.pending.push(...fresh);
    this.save();
    for (const d of fresh) this.enqueue(d);
  }

  /**
   * Looks at the project whenever its state document changes — never for a log line
   * (agents and handlers write those all day; no event comes from them). `relay()` is
   * false while a handler is mid-hand-off. Returns the function that stops watching.
   */
  watch(relay: () => boolean, opts: WatchOptions = {}): () => void {
    return watchProject(this.project, (changes) => {
      if (stateChanged(changes)) this.observe(relay());
    }, opts);
  }

  private enqueue(d: Queued): void {
    this.chain = this.chain.then(() => this.deliver(d)).catch((e: unknown) => this.opts.report?.(`notify: ${(e as Error).message}`));
  }

  private async deliver(queued: Queued): Promise<void> {
    if (this.giveUp.signal.aborted) return;
    // pending events saved before ids were given get theirs now (the same formula)
    const cfg = this.config();
    const d = withPage({ ...queued, event_id: queued.event_id ?? eventIdOf(this.project, queued.id) }, pageLink(cfg.dashboard_url, this.project));
    const opts = { ...this.opts, signal: this.giveUp.signal };
    const jobs: Promise<unknown>[] = [];
    if (cfg.command) jobs.push(runCommand(cfg.command, d, this.project, opts));
    if (cfg.webhook) jobs.push(postWebhook(cfg.webhook, d, opts));
    if (cfg.desktop && desktopAvailable()) jobs.push(notifyDesktop(d, opts));
    await Promise.all(jobs);
    if (this.giveUp.signal.aborted) return; // cut short: delivered again (same id) after a restart
    this.saved.pending = this.saved.pending.filter((p) => p.id !== d.id);
    this.saved.delivered = [...this.saved.delivered, d.id].slice(-200);
    this.save();
  }

  /**
   * Stops looking; deliveries in flight and queued get at most `graceMs` in all, then
   * every one gives up (a hung webhook, a hook command: its group ended) and stays
   * pending for the next orchestrator. Nothing of ours is left running afterwards.
   */
  async close(graceMs = 5000): Promise<void> {
    this.closed = true;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.chain, new Promise<void>((r) => (timer = setTimeout(r, graceMs)))]);
    clearTimeout(timer);
    this.giveUp.abort();
    // every channel gives up at once on the abort; the bound only guards against one that would not
    await Promise.race([this.chain, new Promise<void>((r) => setTimeout(r, 500).unref())]);
  }

  /** Resolves when everything queued so far was delivered (tests). */
  idle(): Promise<void> {
    return this.chain;
  }
}

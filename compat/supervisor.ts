// The resident supervisor (issue 24): the install's shim helper (compat/shim_server.ts) runs
// the orchestration of every project of the user in its one process, so a waiting
// workflow costs a few MB instead of a node process of ~50 MB.
//
// `orchestrator.pid` keeps its meaning: it names the project's *anchor*, the bash process
// `orchestrator.sh <project>` (compat/anchor.bash), which stays connected to the helper for
// as long as the workflow runs. What the anchor does is what the orchestrator did:
// - SIGTERM/SIGINT/SIGHUP to it asks for `stop` on the connection; it exits once this
//   project's orchestrator stopped (its handler ended, its last write done, the pid file
//   released): exactly that project stops, nothing else.
// - It exits when the workflow reaches storage, after the pid file is gone.
// - The handlers' output comes to it as frames and is printed on its stdout/stderr.
// - It dies (SIGKILL): a crash, as a killed orchestrator was — the handler runs on, the pid
//   file stays, and the next start or resume waits for that handler.
// - The helper dies (kill -9, a crash): the connection ends without an end frame; the anchor
//   starts a helper again and registers once more, under the same pid, and the new
//   orchestrator waits for the handler the old one left running (orchestrator.ts, handler.pid).
//
// Frames, each ending in NUL: to the anchor `o<text>` (stdout), `e<text>` (stderr),
// `x<status>` (the end: exit with it), `f` (not hosted here: run the node orchestrator
// yourself, which says why); from the anchor `stop`.
import type { Socket } from 'node:net';
import { resolve } from 'node:path';
import type { Env } from '../core/context.js';
import { procEnviron, parsePid, sleep } from '../core/proc.js';
import { isDir } from '../store/project_dir.js';
import { argoPaths } from '../store/layout.js';
import { orchestratorProof } from '../store/processes.js';
import { END_NOTIFY_GRACE_MS, Orchestrator, PidFile, STOP_NOTIFY_GRACE_MS, libraryFunctionEnv, type OrchestratorIo } from '../orchestrator.js';

/** Output for an anchor that does not read it is dropped past this (it is in orchestrator.log too). */
export const ANCHOR_BACKLOG_BYTES = 1024 * 1024;
/** How long a re-registering anchor waits for the lock a dead helper held. */
const RECLAIM_MS = 5000;
/** Variables of the anchor's own making, not the workflow's. */
const ANCHOR_ONLY = ['ARGO_ANCHOR_RESUMED', 'ARGO_RUNTIME_VERIFIED'];

/** The anchor's starting environment (procfs environ) with the install's variables, as a node orchestrator would have had it. */
export function anchorEnv(environ: string, install: Env): Env {
  const env: Env = {};
  for (const entry of environ.split('\0')) {
    const eq = entry.indexOf('=');
    if (eq > 0 && !ANCHOR_ONLY.includes(entry.slice(0, eq))) env[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  for (const k of ['ARGO_ROOT', 'ARGO_NODE']) if (install[k]) env[k] = install[k];
  return env;
}

/** The request of an anchor: `orchestrate <project> <pid> <resumed>`, and the caller's cwd and variables. */
export interface AnchorRequest {
  cwd: string;
  env: Env;
  args: string[];
}

export class Supervisor {
  /** The anchors' connections of the projects hosted here. */
  private readonly hosted = new Set<Socket>();
  /** The library functions' environment of each install folder (computed once: it runs bash). */
  private readonly libraryEnv = new Map<string, Env>();
  private detaching = false;

  constructor(private readonly root: string) {}

  /** Takes over an anchor's connection: `rest` is what it sent after its request. */
  adopt(sock: Socket, req: AnchorRequest, rest: Buffer): void {
    void this.host(sock, req, rest).catch(() => {
      if (!sock.destroyed) sock.end('f\0');
    });
  }

  /**
   * The helper is stopping (a signal): every anchor is let go without stopping
   * its workflow — handlers keep running and each anchor registers again with the next helper.
   */
  detachAll(): void {
    this.detaching = true;
    for (const sock of this.hosted) sock.destroy();
  }

  private async host(sock: Socket, req: AnchorRequest, rest: Buffer): Promise<void> {
    const [projectArg = '', pidText = '', resumed = '0'] = req.args;
    const project = resolve(req.cwd || '/', projectArg);
    const anchor = parsePid(pidText);
    // Only the plain case is hosted here; anything else is the node orchestrator's to say.
    if (!projectArg || anchor === undefined || !isDir(argoPaths(project).dir) || !orchestratorProof(String(anchor), project).ours) return void sock.end('f\0');
    const environ = procEnviron(anchor);
    if (environ === undefined) return void sock.end('f\0');
    const claim = await claimFor(project, anchor, resumed !== '0' ? RECLAIM_MS : 0);
    if (claim === undefined || sock.destroyed) {
      claim?.release();
      return void sock.end('f\0');
    }
    this.hosted.add(sock);
    // Handlers are looked up beside the orchestrator.sh that was run (its ARGO_ROOT, symlinks
    // not resolved), as a node orchestrator started there would: an install of symlinks with
    // phases of its own runs those.
    const root = req.env.ARGO_ROOT || this.root;
    if (!this.libraryEnv.has(root)) this.libraryEnv.set(root, libraryFunctionEnv(root));
    const orchestrator = new Orchestrator(project, root, this.libraryEnv.get(root)!, anchorIo(sock, anchorEnv(environ, req.env)));
    let asked = false;
    let lost = false;
    const onData = (chunk: Buffer) => {
      if (!chunk.includes('stop\0') || lost) return;
      asked = true;
      void orchestrator.stop();
    };
    // The anchor gone without asking (SIGKILL) is what a killed orchestrator was: the
    // handler keeps running and the pid file stays; the next start or resume waits for it.
    // So is this helper going away (detachAll): each anchor registers with the next one.
    const onClose = () => {
      if (asked) return;
      lost = true;
      orchestrator.detach();
    };
    if (rest.length) onData(rest);
    sock.on('data', onData);
    sock.on('close', onClose);
    orchestrator.log.line('orchestrator', `Started (PID ${anchor}) for ${project}; hosted by the supervisor (PID ${process.pid})${resumed !== '0' ? ', registered again after the previous supervisor ended' : ''}`);
    await orchestrator.run();
    if (lost) {
      // What is being delivered gives up at once and stays pending, as after a crash.
      await orchestrator.notifier.close(0);
      orchestrator.log.line('orchestrator', this.detaching ? `Let go (PID ${anchor}): the supervisor is stopping; the anchor registers again` : `Anchor PID ${anchor} ended without a stop (killed): its handler, if one runs, is left running`);
      claim.release({ keepFile: true });
      return void this.hosted.delete(sock);
    }
    // As a standalone orchestrator ends (orchestrator.ts main): the handler ended and its
    // last write done, bounded notifications, then the pid file released, then the anchor exits.
    await Promise.all([orchestrator.stop(), orchestrator.notifier.close(asked ? STOP_NOTIFY_GRACE_MS : END_NOTIFY_GRACE_MS)]);
    orchestrator.log.line('orchestrator', `Stopped (PID ${anchor})`);
    claim.release();
    this.hosted.delete(sock);
    if (!sock.destroyed) sock.end('x0\0');
  }
}

/** The pid file's lock for the anchor; a re-registering anchor waits a moment for the dead helper's lock to go. */
async function claimFor(project: string, anchor: number, waitMs: number): Promise<PidFile | undefined> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const claim = PidFile.claim(argoPaths(project).orchestratorPid, anchor);
    if (typeof claim !== 'string') return claim;
    if (Date.now() >= deadline) return undefined;
    await sleep(50);
  }
}

/** Handler output to the anchor as frames, dropped while the anchor is this far behind. */
function anchorIo(sock: Socket, baseEnv: Env): OrchestratorIo {
  const send = (kind: string, chunk: Buffer | string) => {
    if (sock.destroyed || sock.writableLength > ANCHOR_BACKLOG_BYTES) return;
    // A NUL ends a frame: inside output it cannot travel (bash drops NULs anyway).
    sock.write(kind + String(chunk).replace(/\0/g, '') + '\0');
  };
  return { baseEnv, out: (c) => send('o', c), err: (c) => send('e', c) };
}

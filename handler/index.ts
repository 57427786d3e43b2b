// The typed API for phase handlers that users write in TypeScript (docs/HANDLERS.md):
//
//   import { project, state, log, $ } from 'argo-ts/handler';
//
// State goes through the same store as the bash libraries and our built-ins
// (store/state.ts: the state lock, atomic renames, the same key syntax), log
// lines through store/logs.ts (the workflow log's format), and `$` is
// zx's, for shell steps. The orchestrator runs `phases/<name>.ts` with the project
// folder as its argument and as its working directory.
import { resolve } from 'node:path';
import { $ } from 'zx';
import { OWNERS, isOwner, type Owner } from '../store/hand_off.js';
import { fromPlain, setIn, toPlain } from '../core/json_doc.js';
import { logStateTransition, projectLogPaths, writeLog } from '../store/logs.js';
import { mutateState, projectStatePaths, readState, readStateDoc, updateKeyPath, updateState } from '../store/state.js';
import { utcTimestamp } from '../core/time.js';
import { argoPaths } from '../store/layout.js';

export { $ };
export type { Owner };

export interface ProjectPaths {
  /** The project folder: the handler's first argument, else its working directory. */
  readonly dir: string;
  /** `<dir>/.argo-project` */
  readonly argoDir: string;
  readonly stateFile: string;
  readonly lockFile: string;
  readonly configFile: string;
  readonly logDir: string;
  readonly workflowLog: string;
}

/** The paths of the project `dir` (the one this handler serves by default). */
export function projectPaths(dir = process.argv[2] || process.cwd()): ProjectPaths {
  const abs = resolve(dir);
  const st = projectStatePaths(abs);
  const logs = projectLogPaths(abs);
  return {
    dir: abs,
    argoDir: argoPaths(abs).dir,
    stateFile: st.stateFile,
    lockFile: st.lockFile,
    configFile: argoPaths(abs).config,
    logDir: logs.logDir,
    workflowLog: logs.workflowLog,
  };
}

export const project: ProjectPaths = projectPaths();

const statePaths = () => projectStatePaths(project.dir);

/** A plain JSON value as state holds it. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** The hand-off every handler ends with: who acts next, and on what. */
export interface HandOff {
  /** `phase` after this step (left as it is when omitted). */
  phase?: string;
  /**
   * `action_owner` — who acts next:
   * - `code`: the orchestrator runs the next handler, `phases/<action>.*`, at once;
   * - `ci`: a CI system or a person working as one acts (the orchestrator waits);
   * - `user`: a person acts (the orchestrator waits; notifications say so).
   */
  owner: Owner;
  /** `action_needed`: with owner `code` the next handler's name (`phases/<name>.*`), else what must be done. */
  action: string;
}

export const state = {
  /** What `read_state KEY` prints (KEY is a jq filter; null reads as ''), without the final newline. */
  async read(key: string): Promise<string> {
    return (await readState(statePaths(), key)).replace(/\n$/, '');
  },

  /** The whole state as plain JSON. */
  async get(): Promise<{ [key: string]: JsonValue }> {
    return toPlain(await readStateDoc(project.stateFile)) as { [key: string]: JsonValue };
  },

  /** `update_state KEY VALUE`: a string at a dotted key (`a.b`, `list[2].x`); bumps last_update. */
  async update(key: string, value: string): Promise<void> {
    await updateState(statePaths(), key, value);
  },

  /** Sets JSON values (objects, arrays, numbers…) at dotted keys, all in one locked write; bumps last_update. */
  async set(values: Record<string, JsonValue>): Promise<void> {
    await mutateState(statePaths(), (doc) => {
      for (const [key, value] of Object.entries(values)) setIn(doc, updateKeyPath(key), fromPlain(value));
      doc.set('last_update', utcTimestamp());
    });
  },

  /**
   * Ends the step: phase (logged as a transition when it changes), action_owner, action_needed, in one write.
   * An owner other than code, ci or user (from JavaScript, or a cast) writes nothing: one ERROR line on
   * stderr and the handler's exit status becomes 1, so the orchestrator sees the step fail.
   */
  async handOff(next: HandOff): Promise<void> {
    if (!isOwner(next.owner)) {
      process.stderr.write(`ERROR: state.handOff: owner ${JSON.stringify(next.owner)} is not one of ${OWNERS.join(', ')} (code: the orchestrator runs the next handler; ci or user: it waits for them); nothing changed\n`);
      process.exitCode = 1;
      return;
    }
    const before = next.phase === undefined ? '' : await state.read('phase');
    const values: Record<string, JsonValue> = { action_owner: next.owner, action_needed: next.action };
    if (next.phase !== undefined) values.phase = next.phase;
    await state.set(values);
    if (next.phase !== undefined && next.phase !== before) log.transition(before, next.phase);
  },

  /**
   * Ends the step by handing on to the step after this handler in `workflow.phases` (the next
   * handler or built-in; after the last step, the end: phase storage, owner user). The orchestrator
   * says which in ARGO_NEXT_OWNER, ARGO_NEXT_ACTION and ARGO_NEXT_PHASE; without them (run by
   * hand, or a handler not in the list) nothing is written: one ERROR line, exit status 1.
   */
  async handOffNext(): Promise<void> {
    const owner = process.env.ARGO_NEXT_OWNER ?? '';
    const action = process.env.ARGO_NEXT_ACTION ?? '';
    if (!owner || !action) {
      process.stderr.write('ERROR: state.handOffNext: ARGO_NEXT_OWNER and ARGO_NEXT_ACTION are not set (the orchestrator sets them for a step named in workflow.phases); nothing changed\n');
      process.exitCode = 1;
      return;
    }
    const phase = process.env.ARGO_NEXT_PHASE || undefined;
    await state.handOff({ owner: owner as Owner, action, ...(phase === undefined ? {} : { phase }) });
  },
};

const logs = () => projectLogPaths(project.dir);

export const log = {
  /** One `[<UTC time>] [<TAG>] <message>` line in the workflow log, as `write_log TAG MESSAGE`. */
  write(tag: string, message: string): void {
    writeLog(logs(), tag, message);
  },
  info: (message: string) => log.write('INFO', message),
  warn: (message: string) => log.write('WARN', message),
  error: (message: string) => log.write('ERROR', message),
  /** `log_state_transition FROM TO` */
  transition: (from: string, to: string) => logStateTransition(logs(), from, to),
};

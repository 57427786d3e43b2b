// state.json: the relay every part of a workflow reads and writes.
// mutateState is the only read-modify-write; everything else builds on it.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, fstatSync, mkdirSync, openSync, readFileSync, renameSync, statSync, type BigIntStats } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Ctx, Env, WriteGate } from '../core/context.js';
import { ArgoError, errorMessage } from '../core/errors.js';
import { JsonObject, fromPlain, parseJson, setIn, stringifyJq, type Json, type JsonPath } from '../core/json_doc.js';
import { queryKey } from '../core/query.js';
import { LOCK_TOKEN_VAR, LockOpenError, acquireLock, heldByAncestor, withFileLock, type HeldLock } from '../core/lock.js';
import { removeQuietly, writeFileAtomic, writeTemp } from '../core/atomic_file.js';
import { utcTimestamp } from '../core/time.js';
import { signalStatus } from '../core/proc.js';
import { bashArgs } from '../core/child.js';
import { argoPaths, DEFAULT_STATE_FILE, DEFAULT_STATE_LOCK } from './layout.js';

export { DEFAULT_STATE_FILE, DEFAULT_STATE_LOCK };

export interface StatePaths {
  stateFile: string;
  lockFile: string;
  env: Env;
  /** The shim caller's gate (see WriteGate): checked once the lock is held. */
  gate?: WriteGate;
}

/** STATE_FILE / STATE_LOCK as the caller sees them (empty counts as unset). */
export function statePaths(ctx: Ctx): StatePaths {
  return {
    stateFile: resolve(ctx.cwd, ctx.env.STATE_FILE || DEFAULT_STATE_FILE),
    lockFile: resolve(ctx.cwd, ctx.env.STATE_LOCK || DEFAULT_STATE_LOCK),
    env: ctx.env,
    gate: ctx.gate,
  };
}

export function projectStatePaths(projectDir: string, env: Env = process.env): StatePaths {
  return {
    stateFile: join(projectDir, DEFAULT_STATE_FILE),
    lockFile: join(projectDir, DEFAULT_STATE_LOCK),
    env,
  };
}

// ---------------------------------------------------------------- reading

export function readStateText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new ArgoError(`state file not found: ${file}`);
    throw new ArgoError(`cannot read state file ${file}: ${errorMessage(e)}`);
  }
}

function asObject(doc: Json, file: string): JsonObject {
  if (!(doc instanceof JsonObject)) throw new ArgoError(`state file ${file} does not hold a JSON object`);
  return doc;
}

export async function readStateDoc(file: string): Promise<JsonObject> {
  return asObject(parseJson(readStateText(file), file), file);
}

// ---------------------------------------------------------------- writing

interface Snapshot {
  text: string;
  stat: BigIntStats;
}

function snapshot(file: string): Snapshot {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new ArgoError(`state file not found: ${file}`);
    throw e;
  }
  try {
    const stat = fstatSync(fd, { bigint: true });
    return { text: readFileSync(fd, 'utf8'), stat };
  } finally {
    closeSync(fd);
  }
}

function sameFile(a: BigIntStats, file: string): boolean {
  try {
    const b = statSync(file, { bigint: true });
    return a.dev === b.dev && a.ino === b.ino && a.size === b.size && a.mtimeNs === b.mtimeNs && a.ctimeNs === b.ctimeNs;
  } catch {
    return false;
  }
}

const MAX_ATTEMPTS = 20;

/**
 * Locked read-modify-write. `fn` changes the document in place (it may run more
 * than once: when someone replaced the file without the lock between our read
 * and our rename, the change is redone on their content). No last_update bump.
 */
export async function mutateState<T>(paths: StatePaths, fn: (doc: JsonObject) => T | Promise<T>): Promise<T> {
  const file = paths.stateFile;
  return withFileLock(paths.lockFile, paths.env, async () => {
    for (let attempt = 1; ; attempt++) {
      const snap = snapshot(file);
      const doc = asObject(parseJson(snap.text, file), file);
      const result = await fn(doc);
      const tmp = writeTemp(file, stringifyJq(doc), Number(snap.stat.mode & 0o777n));
      if (!sameFile(snap.stat, file)) {
        removeQuietly(tmp);
        if (attempt < MAX_ATTEMPTS) continue;
        throw new ArgoError(`state file ${file} keeps changing under us; gave up after ${attempt} attempts`);
      }
      try {
        renameSync(tmp, file);
      } catch (e) {
        removeQuietly(tmp);
        throw new ArgoError(`cannot replace state file ${file}: ${errorMessage(e)}`);
      }
      return result;
    }
  }, { gate: paths.gate });
}

/**
 * The original's key: split at dots into member names (any other character is
 * literal). D8 fix: a segment `name[<n>]` indexes the array `name`.
 */
export function updateKeyPath(key: string): JsonPath {
  const path: JsonPath = [];
  for (const seg of key.split('.')) {
    const m = /^(.+?)((?:\[\d+\])+)$/.exec(seg);
    if (!m) {
      path.push(seg);
      continue;
    }
    path.push(m[1]!);
    for (const idx of m[2]!.matchAll(/\[(\d+)\]/g)) path.push(Number(idx[1]));
  }
  return path;
}

/** update_state: the value is stored as a string; last_update is bumped. */
export async function updateState(paths: StatePaths, key: string, value: string): Promise<void> {
  if (!key) throw new ArgoError('key required');
  const path = updateKeyPath(key);
  await mutateState(paths, (doc) => {
    setIn(doc, path, value);
    doc.set('last_update', utcTimestamp());
  });
}

// ---------------------------------------------------------------- read_state

/** Exactly what read_state prints (with its newline). */
export async function readState(paths: StatePaths, key: string): Promise<string> {
  if (!key) throw new ArgoError('key required');
  const out = await queryKey(readStateText(paths.stateFile), paths.stateFile, key);
  return (out === 'null' ? '' : out) + '\n';
}

// ---------------------------------------------------------------- init / validate

export function initialState(name: string, ts = utcTimestamp()): JsonObject {
  return fromPlain({
    project_name: name,
    phase: 'init',
    action_owner: 'ci',
    action_needed: 'gather_requirements',
    created: ts,
    last_update: ts,
    last_checkpoint: null,
    limits: {
      max_parallel_builders: 10,
      max_builder_retries: 5,
      max_workflow_hours: 48,
      checkpoint_retention_days: 30,
    },
    design: null,
    execution: null,
    merge: null,
    error_recovery: { last_error: null, retry_count: 0, recovery_action: null },
    user_query: null,
    checkpoints: {},
  }) as JsonObject;
}

/** Writes a fresh state file into `<projectPath>/.argo-project/` (the name is JSON-escaped: D17). */
export async function initStateFile(name: string, projectPath: string, gate?: WriteGate): Promise<string> {
  if (!name) throw new ArgoError('project_name required');
  const dir = argoPaths(projectPath).dir;
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'state.json');
  await withFileLock(join(dir, 'state.lock'), process.env, async () => writeFileAtomic(file, stringifyJq(initialState(name))), { gate });
  if (!existsSync(file)) throw new ArgoError(`Failed to create state file: ${file}`);
  return file;
}

export const REQUIRED_FIELDS = ['project_name', 'phase', 'action_owner', 'action_needed'] as const;

export async function validateStateFile(file: string): Promise<void> {
  if (!existsSync(file)) throw new ArgoError(`state file not found: ${file}`);
  let doc: Json;
  try {
    doc = parseJson(readStateText(file), file);
  } catch {
    throw new ArgoError(`Invalid JSON in state file: ${file}`);
  }
  for (const field of REQUIRED_FIELDS) {
    const v = doc instanceof JsonObject ? doc.get(field) : undefined;
    if (v === undefined || v === null || v === '' || v === 'null') throw new ArgoError(`Required field missing: ${field}`);
  }
}

// ---------------------------------------------------------------- with_state_lock

/**
 * Runs a command while holding the state lock. One argument is a bash command
 * string (as the original); several are an argv whose quoting is kept (D22).
 * Exit status is the command's, 128+N when killed by signal N (D22).
 */
export async function withStateLock(paths: StatePaths, argv: string[], ctx: Ctx): Promise<number> {
  const args = argv.length <= 1 ? bashArgs(argv[0] ?? '') : bashArgs('"$@"', 'bash', ...argv);
  const run = (token: string) =>
    new Promise<number>((done) => {
      const child = spawn('bash', args, {
        cwd: existsSync(ctx.cwd) ? ctx.cwd : undefined,
        env: { ...ctx.env, [LOCK_TOKEN_VAR]: token },
        stdio: 'inherit',
      });
      child.on('error', (e) => {
        ctx.err(`ERROR: cannot run bash: ${e.message}\n`);
        done(127);
      });
      child.on('exit', (code, signal) => done(code ?? signalStatus(signal)));
    });
  if (heldByAncestor(paths.lockFile, ctx.env)) return run(ctx.env[LOCK_TOKEN_VAR]!);
  let held: HeldLock;
  try {
    held = await acquireLock(paths.lockFile, { token: true });
  } catch (e) {
    if (e instanceof LockOpenError) {
      ctx.err(`ERROR: ${e.message}\n`);
      return e.errno || 1;
    }
    throw e;
  }
  try {
    return await run(held.token);
  } finally {
    held.release();
  }
}

// Checkpoints: full copies of state.json in $CHECKPOINT_DIR/<EPOCH>_<name>.json, the
// save time in state.checkpoints.<name>. D19 fixes: descriptions are kept (a sidecar
// <EPOCH>_<name>.desc) and listed, times are ISO, restore/delete take the newest
// checkpoint of a name, names are matched literally, old ones really are cleaned up.
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Ctx } from '../core/context.js';
import { ArgoError } from '../core/errors.js';
import { JsonObject, parseJson } from '../core/json_doc.js';
import { withFileLock } from '../core/lock.js';
import { logPaths, writeLog, logCheckpoint } from './logs.js';
import { mutateState, readStateText, statePaths, updateState, type StatePaths } from './state.js';
import { removeQuietly, writeFileAtomic } from '../core/atomic_file.js';
import { epochSeconds, utcTimestamp } from '../core/time.js';
import { DEFAULT_CHECKPOINT_DIR, DEFAULT_STATE_FILE } from './layout.js';

export { DEFAULT_CHECKPOINT_DIR };
const STATE = DEFAULT_STATE_FILE;

export interface CheckpointFile {
  file: string;
  epoch: number;
  name: string;
}

export function checkpointDir(ctx: Ctx): string {
  return resolve(ctx.cwd, ctx.env.CHECKPOINT_DIR || DEFAULT_CHECKPOINT_DIR);
}

function checkName(name: string): void {
  if (name.includes('/') || name.includes('\0')) throw new ArgoError(`invalid checkpoint name: '${name}'`);
}

/** All checkpoint files, oldest first (by epoch, then name). */
export function listCheckpointFiles(dir: string): CheckpointFile[] {
  if (!existsSync(dir)) return [];
  const out: CheckpointFile[] = [];
  for (const f of readdirSync(dir)) {
    const m = /^(\d+)_(.*)\.json$/.exec(f);
    if (m) out.push({ file: join(dir, f), epoch: Number(m[1]), name: m[2]! });
  }
  return out.sort((a, b) => a.epoch - b.epoch || a.file.localeCompare(b.file));
}

function newest(dir: string, name: string): CheckpointFile {
  const hit = listCheckpointFiles(dir).filter((c) => c.name === name).pop();
  if (!hit) throw new ArgoError(`Checkpoint not found: ${name}`);
  return hit;
}

const descFile = (c: CheckpointFile) => c.file.replace(/\.json$/, '.desc');

export async function saveCheckpoint(ctx: Ctx, name: string, description: string): Promise<string> {
  if (!name) throw new ArgoError('checkpoint name required');
  if (!description) throw new ArgoError('checkpoint description required');
  checkName(name);
  const state = resolve(ctx.cwd, STATE);
  if (!existsSync(state)) throw new ArgoError(`state file not found: ${STATE}`);
  const dir = checkpointDir(ctx);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${epochSeconds()}_${name}.json`);
  writeFileAtomic(file, readStateText(state));
  writeFileSync(file.replace(/\.json$/, '.desc'), description);
  logCheckpoint(logPaths(ctx), name, description);
  try {
    await updateState(statePaths(ctx), `checkpoints.${name}`, utcTimestamp());
  } catch {
    /* as the original: the copy is what matters */
  }
  return file;
}

export async function restoreCheckpoint(ctx: Ctx, name: string): Promise<void> {
  if (!name) throw new ArgoError('checkpoint name required');
  checkName(name);
  const cp = newest(checkpointDir(ctx), name);
  const state = resolve(ctx.cwd, STATE);
  const paths: StatePaths = { ...statePaths(ctx), stateFile: state };
  const text = readFileSync(cp.file, 'utf8');
  parseJson(text, cp.file); // a damaged checkpoint must not replace a good state
  await withFileLock(paths.lockFile, paths.env, async () => writeFileAtomic(state, text), { gate: paths.gate });
  writeLog(logPaths(ctx), 'CHECKPOINT', `Restored: ${name} - State restored from checkpoint`);
}

export async function deleteCheckpoint(ctx: Ctx, name: string): Promise<void> {
  if (!name) throw new ArgoError('checkpoint name required');
  checkName(name);
  const cp = newest(checkpointDir(ctx), name);
  removeQuietly(cp.file);
  removeQuietly(descFile(cp));
  await forgetNames(ctx, [name]);
}

async function forgetNames(ctx: Ctx, names: string[]): Promise<void> {
  const state = resolve(ctx.cwd, STATE);
  if (!existsSync(state)) return;
  try {
    await mutateState({ ...statePaths(ctx), stateFile: state }, (doc) => {
      const map = doc.get('checkpoints');
      if (map instanceof JsonObject) for (const n of names) map.delete(n);
    });
  } catch {
    /* as the original: failure to tidy the map is ignored */
  }
}

export function checkpointListing(ctx: Ctx): string[] {
  return listCheckpointFiles(checkpointDir(ctx)).map((c) => {
    let desc = '';
    try {
      desc = readFileSync(descFile(c), 'utf8');
    } catch {
      desc = '';
    }
    return `${c.name}\t${utcTimestamp(new Date(c.epoch * 1000))}\t${desc}`;
  });
}

/** Deletes checkpoints older than `days` days (by mtime); returns how many. */
export async function cleanupOldCheckpoints(ctx: Ctx, days: number): Promise<number> {
  const cutoff = Date.now() - days * 86_400_000;
  const gone: CheckpointFile[] = [];
  for (const c of listCheckpointFiles(checkpointDir(ctx))) {
    if (statSync(c.file).mtimeMs < cutoff) {
      removeQuietly(c.file);
      removeQuietly(descFile(c));
      gone.push(c);
    }
  }
  const remaining = new Set(listCheckpointFiles(checkpointDir(ctx)).map((c) => c.name));
  await forgetNames(ctx, [...new Set(gone.map((c) => c.name))].filter((n) => !remaining.has(n)));
  return gone.length;
}

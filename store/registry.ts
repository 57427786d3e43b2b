// The global project registry ($ARGO_PROJECTS_REGISTRY, default ~/.argo/projects.json).
// Every change holds a flock on `<registry>.lock` and replaces the file atomically (D23);
// ids are never spliced into jq programs, and same-second registrations get distinct ids.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { homedir } from 'node:os';
import type { Ctx, Env, WriteGate } from '../core/context.js';
import { ArgoError, errorMessage } from '../core/errors.js';
import { JsonObject, fromPlain, parseJson, stringifyJq } from '../core/json_doc.js';
import { withFileLock } from '../core/lock.js';
import { createFileOnce, writeFileAtomic } from '../core/atomic_file.js';
import { epochSeconds, utcTimestamp } from '../core/time.js';

export interface ProjectEntry {
  name: string;
  path: string;
  status: string;
  created: string;
  last_active: string;
}

export function registryPath(ctx: Ctx): string {
  const home = ctx.env.HOME || homedir();
  return resolve(ctx.cwd, ctx.env.ARGO_PROJECTS_REGISTRY || join(home, '.argo', 'projects.json'));
}

export function initRegistry(file: string): void {
  try {
    mkdirSync(dirname(file), { recursive: true });
  } catch {
    throw new ArgoError(`Failed to create registry directory: ${dirname(file)}`);
  }
  if (existsSync(file)) return;
  try {
    createFileOnce(file, '{"projects": {}}\n');
  } catch (e) {
    throw new ArgoError(`Failed to create registry file ${file}: ${errorMessage(e)}`);
  }
}

function load(file: string): JsonObject {
  if (!existsSync(file)) throw new ArgoError('Registry not found');
  const doc = parseJson(readFileSync(file, 'utf8'), file);
  const projects = doc instanceof JsonObject ? doc.get('projects') : undefined;
  if (!(projects instanceof JsonObject)) throw new ArgoError(`registry ${file} has no "projects" object`);
  return projects;
}

function entries(file: string): [string, ProjectEntry][] {
  return [...load(file)].map(([id, v]) => [id, plainEntry(v)]);
}

function plainEntry(v: unknown): ProjectEntry {
  const o = v instanceof JsonObject ? v : new JsonObject();
  const text = (k: string) => {
    const x = o.get(k);
    return x === undefined || x === null ? 'null' : typeof x === 'string' ? x : JSON.stringify(x);
  };
  return { name: text('name'), path: text('path'), status: text('status'), created: text('created'), last_active: text('last_active') };
}

/** Locked read-modify-write of the registry document. */
async function change<T>(file: string, env: Env, fn: (projects: JsonObject) => T, gate?: WriteGate): Promise<T> {
  return withFileLock(
    `${file}.lock`,
    env,
    async () => {
      const projects = load(file);
      const result = fn(projects);
      writeFileAtomic(file, stringifyJq(fromPlain({ projects })));
      return result;
    },
    { gate },
  );
}

export async function registerProject(file: string, name: string, path: string, env: Env = process.env, gate?: WriteGate): Promise<string> {
  if (!name) throw new ArgoError('project name required');
  if (!path) throw new ArgoError('project path required');
  initRegistry(file);
  return change(file, env, (projects) => {
    const base = `${name}-${epochSeconds()}`;
    let id = base;
    for (let n = 2; projects.has(id); n++) id = `${base}-${n}`;
    const ts = utcTimestamp();
    projects.set(id, fromPlain({ name, path, status: 'idle', created: ts, last_active: ts }));
    return id;
  }, gate);
}

function requireProject(projects: JsonObject, id: string): JsonObject {
  const entry = projects.get(id);
  if (!(entry instanceof JsonObject)) throw new ArgoError(`Project not found: ${id}`);
  return entry;
}

export async function deregisterProject(file: string, id: string, env: Env = process.env, gate?: WriteGate): Promise<void> {
  if (!id) throw new ArgoError('project_id required');
  await change(file, env, (projects) => {
    requireProject(projects, id);
    projects.delete(id);
  }, gate);
}

export function listProjects(file: string): [string, ProjectEntry][] {
  try {
    return entries(file);
  } catch {
    return [];
  }
}

export function getProjectInfo(file: string, id: string): string {
  if (!id) throw new ArgoError('project_id required');
  return stringifyJq(requireProject(load(file), id));
}

export async function updateProjectStatus(file: string, id: string, status: string, env: Env = process.env, gate?: WriteGate): Promise<void> {
  if (!id) throw new ArgoError('project_id required');
  if (!status) throw new ArgoError('status required');
  await change(file, env, (projects) => {
    const entry = requireProject(projects, id);
    entry.set('status', status);
    entry.set('last_active', utcTimestamp());
  }, gate);
}

export function findProjectByPath(file: string, path: string): string {
  if (!path) throw new ArgoError('project_path required');
  const hit = entries(file).find(([, e]) => e.path === path);
  if (!hit) throw new ArgoError(`No project found for path: ${path}`);
  return hit[0];
}

// Jobs are authenticated: the coordinator signs each job's whole payload with a secret that
// it and the workers read from a file or the environment (never from the database), and a
// worker runs only a job whose signature checks out. A role that can write the queue's rows
// can then delete or re-order jobs, but cannot make up one or alter one.
// The signature covers the job's identity (its pre-chosen job id, project, builder, workflow),
// so a signed payload copied into another row is refused too.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import type { BuilderJob } from './backend.js';

export const SECRET_HOWTO =
  'make one with: head -c32 /dev/urandom | base64 > /etc/argo/job-secret && chmod 600 /etc/argo/job-secret, and give the coordinator and every worker ARGO_JOB_SECRET_FILE=/etc/argo/job-secret';

const MIN_SECRET_BYTES = 16;
const PREFIX = 'hmac-sha256:';

export type Secret = { ok: true; key: Buffer; source: string } | { ok: false; message: string };

/** The job secret from ARGO_JOB_SECRET_FILE (a file only its owner can read) or ARGO_JOB_SECRET. */
export function readJobSecret(env: NodeJS.ProcessEnv): Secret {
  const file = env.ARGO_JOB_SECRET_FILE;
  let text: string;
  let source: string;
  if (file) {
    let mode: number;
    try {
      mode = statSync(file).mode;
      text = readFileSync(file, 'utf8');
    } catch (e) {
      return { ok: false, message: `ARGO_JOB_SECRET_FILE is '${file}', which cannot be read (${(e as NodeJS.ErrnoException).code ?? e}); ${SECRET_HOWTO}` };
    }
    if ((mode & 0o077) !== 0) {
      return { ok: false, message: `ARGO_JOB_SECRET_FILE is '${file}', which is readable by its group or others (mode ${(mode & 0o777).toString(8)}); accepted: a file only its owner can read (chmod 600 '${file}')` };
    }
    source = `ARGO_JOB_SECRET_FILE (${file})`;
  } else if (env.ARGO_JOB_SECRET) {
    text = env.ARGO_JOB_SECRET;
    source = 'ARGO_JOB_SECRET';
  } else {
    return { ok: false, message: `no job secret: set ARGO_JOB_SECRET_FILE (or ARGO_JOB_SECRET) on the coordinator and every worker; ${SECRET_HOWTO}` };
  }
  const key = Buffer.from(text.trim(), 'utf8');
  if (key.length < MIN_SECRET_BYTES) return { ok: false, message: `the job secret in ${source} has ${key.length} bytes; accepted: at least ${MIN_SECRET_BYTES} (${SECRET_HOWTO})` };
  return { ok: true, key, source };
}

/** JSON with object keys sorted at every level, undefined members left out: one text per value. */
export function canonicalJson(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  if (Array.isArray(v)) return `[${v.map((x) => (x === undefined ? 'null' : canonicalJson(x))).join(',')}]`;
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o).filter((k) => o[k] !== undefined).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(',')}}`;
}

function mac(payload: Record<string, unknown>, key: Buffer): Buffer {
  return createHmac('sha256', key).update('argo-job-v1\n').update(canonicalJson(payload)).digest();
}

/** The job as it goes on the queue: its payload, the job id it will have, and their signature. */
export function signJob(data: BuilderJob, jobId: string, key: Buffer): BuilderJob {
  const { signature: _old, ...payload } = { ...data, job_id: jobId };
  return { ...payload, signature: PREFIX + mac(payload, key).toString('hex') };
}

/** null when `data` was signed with `key` for the job `jobId`; else why it is refused. */
export function jobSignatureProblem(data: unknown, jobId: string, key: Buffer): string | null {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return 'the job holds no payload';
  const { signature, ...payload } = data as Record<string, unknown>;
  if (typeof signature !== 'string' || !signature.startsWith(PREFIX)) return 'the job is not signed (no coordinator holding the job secret queued it)';
  const given = Buffer.from(signature.slice(PREFIX.length), 'hex');
  const wanted = mac(payload, key);
  if (given.length !== wanted.length || !timingSafeEqual(given, wanted)) return 'the job\'s signature does not match its payload (altered, or signed with another secret)';
  if (payload.job_id !== jobId) return `the job was signed for job ${JSON.stringify(payload.job_id)}, not this one (${jobId}): a copied payload`;
  return null;
}

// `argo worker --database URL [--concurrency N] [--workdir DIR]`: the program's edge.
// Signal handlers live here and only here; the Worker takes stop() calls.
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { redactUrl } from './config.js';
import { readJobSecret } from './job_auth.js';
import { PgBossQueue } from './pgboss_queue.js';
import { Worker } from './worker.js';
import { allowListOf, type AllowList } from './worker_policy.js';
import { onTermination } from '../core/termination.js';

export const USAGE =
  'Usage: argo worker [--database URL | --database-file FILE] [--concurrency N] [--workdir DIR] [--name NAME]\n' +
  '                   [--allow-command LINE]... [--allow-file FILE]\n' +
  '  The database URL is read from --database, else --database-file, else ARGO_DATABASE_URL.\n' +
  '  The job secret is read from ARGO_JOB_SECRET_FILE (mode 600) or ARGO_JOB_SECRET; jobs not signed with it are refused.\n' +
  '  Jobs run an agent preset built into argo, or a command line (CI tool, verify.command) listed with\n' +
  '  --allow-command or in --allow-file (one command line per line, # comments); anything else is refused.\n';

export interface WorkerArgs {
  databaseUrl: string;
  concurrency: number;
  workdir: string;
  heartbeatSeconds: number;
  name: string | undefined;
  allow: AllowList;
  secret: Buffer;
}

/** Parses the command line; a string is the one ERROR line to print. */
export function parseWorkerArgs(argv: string[], env: NodeJS.ProcessEnv): WorkerArgs | string {
  let databaseUrl = '';
  let databaseFile = '';
  let concurrency = 1;
  let workdir = join(env.HOME || homedir(), '.argo-worker');
  let name: string | undefined;
  let heartbeatSeconds = Number(env.ARGO_WORKER_HEARTBEAT_SECONDS) || 10;
  const allowLines: { text: string; from: string }[] = [];
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const value = argv[i + 1];
    const need = () => {
      if (value === undefined) throw new Error(`ERROR: ${flag} needs a value`);
      i++;
      return value;
    };
    try {
      if (flag === '--database') databaseUrl = need();
      else if (flag === '--database-file') databaseFile = need();
      else if (flag === '--name') name = need();
      else if (flag === '--allow-command') allowLines.push({ text: need(), from: '--allow-command' });
      else if (flag === '--allow-file') {
        const file = need();
        let text: string;
        try {
          text = readFileSync(file, 'utf8');
        } catch (e) {
          return `ERROR: --allow-file: cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? e}`;
        }
        text.split('\n').forEach((line, n) => allowLines.push({ text: line, from: `--allow-file ${file}, line ${n + 1}` }));
      }
      else if (flag === '--workdir') workdir = resolve(need());
      else if (flag === '--concurrency' || flag === '--heartbeat-seconds') {
        const raw = need();
        const n = Number(raw);
        if (!Number.isInteger(n) || n < 1) return `ERROR: ${flag} must be a positive whole number, got '${raw}'`;
        if (flag === '--concurrency') concurrency = n;
        else heartbeatSeconds = n;
      } else return `ERROR: unknown option '${flag}'\n${USAGE}`;
    } catch (e) {
      return (e as Error).message;
    }
  }
  if (!databaseUrl && databaseFile) {
    try {
      databaseUrl = readFileSync(databaseFile, 'utf8').trim();
    } catch (e) {
      return `ERROR: cannot read the database URL from ${databaseFile}: ${(e as NodeJS.ErrnoException).code ?? e}`;
    }
  }
  databaseUrl ||= env.ARGO_DATABASE_URL ?? '';
  if (!databaseUrl) return `ERROR: no database: pass --database URL, --database-file FILE or set ARGO_DATABASE_URL\n${USAGE}`;
  const allow = allowListOf(allowLines);
  if (typeof allow === 'string') return allow;
  const secret = readJobSecret(env);
  if (!secret.ok) return `ERROR: ${secret.message}`;
  return { databaseUrl, concurrency, workdir, heartbeatSeconds, name, allow, secret: secret.key };
}

export async function main(argv: string[]): Promise<number> {
  if (argv[0] === '--help' || argv[0] === '-h') {
    process.stdout.write(USAGE);
    return 0;
  }
  const args = parseWorkerArgs(argv, process.env);
  if (typeof args === 'string') {
    process.stderr.write(args.endsWith('\n') ? args : args + '\n');
    return 2;
  }
  let queue: PgBossQueue;
  try {
    queue = await PgBossQueue.open({
      databaseUrl: args.databaseUrl,
      timings: { heartbeatSeconds: args.heartbeatSeconds },
      max: args.concurrency + 3,
      onError: (e) => process.stderr.write(`WARNING: database: ${e.message}\n`),
    });
  } catch (e) {
    process.stderr.write(`ERROR: cannot open the job queue at ${redactUrl(args.databaseUrl)}: ${(e as Error).message}\n`);
    return 1;
  }
  const worker = new Worker({ queue, workdir: args.workdir, concurrency: args.concurrency, heartbeatSeconds: args.heartbeatSeconds, host: args.name, secret: args.secret, allow: args.allow });
  const term = onTermination({
    onSignal: (signal) => {
      process.stdout.write(`Received ${signal} - stopping\n`);
      void worker.stop(`received ${signal}`);
    },
  });
  process.stdout.write(`argo worker on ${worker.host}: ${args.concurrency} at once, work in ${args.workdir}, queue at ${redactUrl(args.databaseUrl)}\n`);
  process.stdout.write(`Runs signed jobs only: agent presets, and ${args.allow.commands.length} allowed command lines\n`);
  try {
    await worker.run();
    await worker.stop();
  } finally {
    term.dispose();
    await queue.close();
  }
  const snap = worker.snapshot();
  const reason = snap.stopReason ?? 'stopped';
  process.stdout.write(`argo worker stopped: ${reason} (${snap.completed} builders reported, ${snap.lostClaims} handed over or cancelled)\n`);
  return reason.startsWith('received') || reason === 'stopped' ? 0 : 1;
}

// argo dashboard [--port N] [--host H] [--allow-remote]: a local web page over every
// registered project. Binds 127.0.0.1 unless told otherwise; a non-loopback host needs
// --allow-remote (the token then travels in clear text over the network).
import { runIfEntry } from '../core/cli.js';
import { errorMessage } from '../core/errors.js';
import { installRoot } from '../view/argo_command.js';
import { isLoopback, newToken } from './auth.js';
import { startDashboard } from './server.js';
import { onTermination } from '../core/termination.js';

export const DEFAULT_PORT = 7787;

interface Args {
  port: number;
  host: string;
  allowRemote: boolean;
}

export function parseArgs(argv: string[]): Args | string {
  const a: Args = { port: DEFAULT_PORT, host: '127.0.0.1', allowRemote: false };
  for (let i = 0; i < argv.length; i++) {
    const x = argv[i]!;
    if (x === '--allow-remote') a.allowRemote = true;
    else if (x === '--port' || x === '--host') {
      const v = argv[++i];
      if (v === undefined || v === '') return `${x} needs a value`;
      if (x === '--host') a.host = v;
      else {
        const n = Number(v);
        if (!Number.isInteger(n) || n < 0 || n > 65535) return `--port must be a whole number from 0 to 65535, got '${v}'`;
        a.port = n;
      }
    } else return `unexpected argument: ${x}`;
  }
  if (!isLoopback(a.host) && !a.allowRemote) return `--host ${a.host} is not a loopback address: anyone who can reach it and sniff the token could steer your workflows; add --allow-remote if you mean it`;
  return a;
}

export async function main(argv: string[]): Promise<number> {
  const a = parseArgs(argv);
  if (typeof a === 'string') {
    process.stderr.write(`ERROR: ${a}\nUsage: argo dashboard [--port N] [--host H] [--allow-remote]\n`);
    return 2;
  }
  let dash;
  try {
    dash = await startDashboard({ host: a.host, port: a.port, token: newToken(), root: installRoot() });
  } catch (e) {
    process.stderr.write(`ERROR: cannot listen on ${a.host}:${a.port}: ${errorMessage(e)}\n`);
    return 1;
  }
  process.stdout.write(`Argo dashboard: ${dash.url}\n(open it in a browser; the token after # stays in your browser and every request needs it. Ctrl-C stops it.)\n`);
  const term = onTermination();
  await new Promise((stopped) => term.signal.addEventListener('abort', stopped, { once: true }));
  term.dispose();
  await dash.close();
  return 0;
}

runIfEntry('dashboard/main', main);

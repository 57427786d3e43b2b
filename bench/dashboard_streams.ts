// See dashboard_streams.sh. Starts its own dashboard on a free loopback port with a
// registry and project in a temp folder, and removes both afterwards.
import { execFileSync, spawn } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { procStatus } from '../core/proc.js';

const root = join(import.meta.dirname, '..');
const n = Number(process.argv[2] ?? 500);
const work = mkdtempSync(join(tmpdir(), 'argo-bench-dash-'));
const env = { ...process.env, ARGO_PROJECTS_REGISTRY: join(work, 'projects.json'), XDG_RUNTIME_DIR: join(work, 'run') };
const project = join(work, 'big');
mkdirSync(project);
execFileSync('git', ['init', '-q', '-b', 'main'], { cwd: project });
execFileSync('git', ['-c', 'user.name=b', '-c', 'user.email=b@b', 'commit', '-q', '--allow-empty', '-m', 'init'], { cwd: project });
execFileSync(join(root, 'templates', 'project_setup.sh'), ['big', project], { env, stdio: 'ignore' });
const stateFile = join(project, '.argo-project', 'state.json');
const state = JSON.parse(readFileSync(stateFile, 'utf8'));
state.design = { summary: 'design text '.repeat((256 * 1024) / 12), components: [{ id: 'a', description: 'A' }], approved: false };
execFileSync('bash', ['-c', 'cat > "$1"', '_', stateFile], { input: JSON.stringify(state) });

const dash = spawn(join(root, 'compat', 'argo'), ['dashboard', '--port', '0'], { env, stdio: ['ignore', 'pipe', 'inherit'] });
const sockets: Socket[] = [];
const finish = () => {
  for (const s of sockets) s.destroy();
  dash.kill('SIGTERM');
  rmSync(work, { recursive: true, force: true });
};
try {
  const line = await new Promise<string>((ok) => createInterface({ input: dash.stdout! }).once('line', ok));
  const m = /http:\/\/127\.0\.0\.1:(\d+)\/#token=(\S+)$/.exec(line);
  if (!m) throw new Error(`unexpected first line: ${line}`);
  const [port, token] = [Number(m[1]), m[2]!];
  const rss = () => Number(/^VmRSS:\s+(\d+)/m.exec(procStatus(dash.pid!) ?? '')![1]) / 1024;
  const api = async () => {
    const t0 = performance.now();
    const r = await fetch(`http://127.0.0.1:${port}/api/projects`, { headers: { authorization: `Bearer ${token}` } });
    await r.arrayBuffer();
    return performance.now() - t0;
  };
  await api();
  const before = rss();
  // Each stream reads its first bytes (the status line), then never reads again.
  const seen = { open: 0, busy: 0, dropped: 0 };
  for (let i = 0; i < n; i++) {
    const s = connect(port, '127.0.0.1');
    sockets.push(s);
    let first = true;
    const done = (k: keyof typeof seen) => (first && seen[k]++, (first = false));
    s.on('error', () => {});
    s.on('close', () => done('dropped')); // over the connection cap
    s.once('data', (d: Buffer) => (done(d.toString('latin1').startsWith('HTTP/1.1 200') ? 'open' : 'busy'), s.pause()));
    s.write(`GET /api/events?token=${token} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
  }
  while (seen.open + seen.busy + seen.dropped < n) await new Promise((r) => setTimeout(r, 20));
  const during = await api();
  for (let i = 0; i < 20; i++) {
    appendFileSync(join(project, '.argo-project', 'logs', 'workflow.log'), `[2026-01-01T00:00:00Z] change ${i}\n`);
    await new Promise((r) => setTimeout(r, 150));
  }
  const slowest = Math.max(await api(), await api(), await api());
  const after = rss();
  console.log(`${n} idle event streams, 20 changes of a 256 KB view:`);
  console.log(`  dashboard RSS ${before.toFixed(0)} MB -> ${after.toFixed(0)} MB (+${(after - before).toFixed(0)} MB)`);
  console.log(`  streams open ${seen.open}, answered 503 ${seen.busy}, connections dropped ${seen.dropped} (of ${n})`);
  console.log(`  /api/projects: ${during.toFixed(0)} ms while they connect, slowest of 3 after the changes ${slowest.toFixed(0)} ms`);
} finally {
  finish();
}

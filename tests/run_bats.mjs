// Runs bats files several at once (bats' own --jobs needs GNU parallel, which is not
// here) and prints one TAP stream: each file's lines in the order the files were named
// (a file's block appears once it and every file before it are done), the tests
// numbered through, each block headed by "# file PATH", the plan last. Exit status 0
// only when every file's bats exited 0; a file whose bats died without saying which test
// failed gets a "not ok" of its own, so the summary counts it.
// --except FILE leaves that file out of a folder named (tests/run.sh runs it on its own).
// --split FILE runs that file's own tests 3 at a time too (bats --jobs within the file,
// which needs no GNU parallel): for long files whose tests share nothing.
// The longest files start first: each file's last duration (ms) is kept in
// dist/.bats-durations.json (a build folder, not tracked); before a first run here the
// durations recorded in tests/bats_durations.json stand in, and for a file in neither its
// size in bytes (about a millisecond a byte).
// Usage: node tests/run_bats.mjs [-j N] [--except FILE]... [--split FILE]... PATH...   (PATH: a .bats file or a folder)
// N defaults to $ARGO_TEST_JOBS, else the CPUs + 1: the suite is CPU-bound (docs/TESTING.md),
// and more at once only makes each test slower (and a timing test flakier) under load.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const bats = join(root, 'node_modules', 'bats', 'bin', 'bats');

const args = process.argv.slice(2);
let jobs = Number(process.env.ARGO_TEST_JOBS) || availableParallelism() + 1;
const except = new Set();
const split = new Set();
const paths = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '-j') jobs = Number(args[++i]);
  else if (args[i] === '--except') except.add(resolve(args[++i]));
  else if (args[i] === '--split') split.add(resolve(args[++i]));
  else paths.push(args[i]);
}
if (!Number.isInteger(jobs) || jobs < 1) {
  console.error(`ERROR: -j ${jobs}: the number of files at once must be a whole number ≥ 1`);
  process.exit(2);
}

/** The .bats files under PATH, in bats -r's order (sorted, recursively). */
function batsFiles(path) {
  if (statSync(path).isFile()) return [resolve(path)];
  return readdirSync(path, { withFileTypes: true })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .flatMap((e) => (e.isDirectory() ? batsFiles(join(path, e.name)) : e.name.endsWith('.bats') ? [resolve(path, e.name)] : []));
}
const files = paths.flatMap(batsFiles).filter((f) => !except.has(f));

const durationsFile = join(root, 'dist', '.bats-durations.json');
const readJson = (file) => {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return {};
  }
};
// keys: paths relative to the checkout
const lastDurations = { ...readJson(join(root, 'tests', 'bats_durations.json')), ...readJson(durationsFile) };
const weight = (f) => lastDurations[relative(root, f)] ?? statSync(f).size;

const results = files.map(() => undefined); // {out, err, code, seconds} once done
let next = 0; // the next block to print
let number = 0;
let failedFiles = 0;

function flush() {
  while (next < files.length && results[next]) {
    const { out, err, code, seconds } = results[next];
    const name = relative(root, files[next]);
    let notOk = 0;
    let seen = 0;
    process.stdout.write(`# file ${name}\n`);
    for (const line of out.split('\n')) {
      if (line === '' || /^\d+\.\.\d+$/.test(line)) continue;
      const m = /^(not ok|ok) \d+(.*)$/.exec(line);
      if (m) {
        seen++;
        if (m[1] === 'not ok') notOk++;
        process.stdout.write(`${m[1]} ${++number}${m[2]}\n`);
      } else process.stdout.write(line + '\n');
    }
    if (err) process.stdout.write(err.replace(/^/gm, '# ').replace(/# $/, ''));
    if (code !== 0) {
      failedFiles++;
      if (notOk === 0) process.stdout.write(`not ok ${++number} ${name}: bats exited with status ${code} after ${seen} test(s)\n`);
    }
    process.stdout.write(`# ${name}: ${seen} test(s) in ${seconds.toFixed(1)} s\n`);
    next++;
  }
}

function run(i) {
  return new Promise((done) => {
    const t0 = process.hrtime.bigint();
    // ARGO_BATS_WRAPPER: a command put in front of bats (e.g. one measuring its CPU time)
    const wrapper = process.env.ARGO_BATS_WRAPPER ? [process.env.ARGO_BATS_WRAPPER] : [];
    const within = split.has(files[i]) ? ['--jobs', '3', '--no-parallelize-across-files'] : [];
    const [cmd, ...rest] = [...wrapper, bats, '--tap', '--timing', ...within, files[i]];
    const child = spawn(cmd, rest, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d) => (err += d));
    child.on('close', (code, signal) => {
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      results[i] = { out, err, code: code ?? `signal ${signal}`, seconds };
      if (!relative(root, files[i]).startsWith('..')) lastDurations[relative(root, files[i])] = Math.round(seconds * 1000);
      flush();
      done();
    });
  });
}

async function pool(indices, width) {
  const queue = [...indices].sort((a, b) => weight(files[b]) - weight(files[a]));
  const worker = async () => {
    for (let i = queue.shift(); i !== undefined; i = queue.shift()) await run(i);
  };
  await Promise.all(Array.from({ length: Math.min(width, queue.length) }, worker));
}

await pool(files.map((_, i) => i), jobs);
flush();
process.stdout.write(`1..${number}\n`);
try {
  if (existsSync(dirname(durationsFile))) writeFileSync(durationsFile, JSON.stringify(lastDurations, null, 1) + '\n');
} catch {
  // only a hint for the next run's order
}
process.exit(failedFiles ? 1 : 0);

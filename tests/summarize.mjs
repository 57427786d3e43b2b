// `npm test`'s last lines (tests/run.sh): the failed tests (each with the first lines of why), what was skipped and why, then the one plain
// line CI reads, "N passed, N failed" (", N skipped" when some were). Reads vitest's JSON
// report and the bats TAP stream. A skip's reason is the `skipReason` a vitest test put in
// its meta (tests/unit/require_tool.ts) or the text after "# skip" on a TAP line
// (tests/bats/require_tool.bash); a skip that gave none is named, so none goes unseen.
// Above those, the ten slowest tests (seconds, file, name): vitest's per-test duration,
// bats' " in Nms" (--timing) under the "# file PATH" line tests/run_bats.mjs heads each
// file's block with.
// Usage: node tests/summarize.mjs VITEST_JSON BATS_TAP
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';

const [vitestFile, tapFile] = process.argv.slice(2);
let passed = 0;
let failed = 0;
const reasons = new Map(); // reason → how many tests it skipped
const timings = []; // {seconds, file, name}
const failures = []; // {what: "file  name", why: its first lines}, for the list CI's tail shows
const skip = (reason) => reasons.set(reason, (reasons.get(reason) ?? 0) + 1);

try {
  const v = JSON.parse(readFileSync(vitestFile, 'utf8'));
  passed += v.numPassedTests;
  failed += v.numFailedTests;
  for (const file of v.testResults ?? []) {
    for (const t of file.assertionResults ?? []) {
      if (t.status === 'failed') failures.push({ what: `${relative(process.cwd(), file.name)}  ${t.fullName}`, why: vitestWhy(t.failureMessages?.[0] ?? '', file.name) });
      if ((t.status === 'passed' || t.status === 'failed') && typeof t.duration === 'number') timings.push({ seconds: t.duration / 1000, file: relative(process.cwd(), file.name), name: t.fullName });
      if (t.status === 'passed' || t.status === 'failed') continue;
      if (t.status === 'todo') skip('a todo test (it.todo)');
      else skip(t.meta?.skipReason ?? `skipped without a reason: ${relative(process.cwd(), file.name)} > ${t.fullName}`);
    }
  }
} catch {
  failed += 1;
  console.log('vitest: no result file');
}

/** A reason on one line of bounded length. */
function cut(text) {
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length > 300 ? `${one.slice(0, 299)}…` : one;
}

/** A vitest failure's first line, and the line of the test file the stack passes through. */
function vitestWhy(message, testFile) {
  const first = message.split('\n').find((l) => l.trim() !== '') ?? '';
  const at = message.split('\n').map((l) => l.includes(testFile) && /:(\d+):\d+\)?\s*$/.exec(l)).find(Boolean);
  return cut(first + (at ? ` (line ${at[1]})` : ''));
}

/**
 * A bats failure's why from the "# " lines under it: the first that is not part of the
 * call stack (the failed command, or what the test printed), and the test file's line.
 */
function batsWhy(lines) {
  const isStack = (l) => /^\(?(from function|in test file)\b/.test(l);
  const where = lines.find((l) => /in test file .*, line \d+/.test(l))?.match(/test file (.*, line \d+)/)?.[1];
  const first = lines.find((l) => !isStack(l)) ?? '';
  return cut(first + (where ? ` (${where})` : ''));
}

let batsFile = '';
let lastBats = null; // the failure whose "# " lines are being read
for (const line of readFileSync(tapFile, 'utf8').split('\n')) {
  const header = /^# file (.*)$/.exec(line);
  if (header) batsFile = header[1];
  if (lastBats && !header && /^# ./.test(line)) {
    if (lastBats.lines.length < 12) lastBats.lines.push(line.slice(2).trim());
    continue;
  }
  lastBats = null;
  const skipped = /^ok \d+ (.*?)(?: in \d+ms)? # skip(?: (.*))?$/.exec(line);
  if (skipped) skip(skipped[2] || `skipped without a reason: ${skipped[1]}`);
  else if (/^ok /.test(line)) passed++;
  else if (/^not ok /.test(line)) {
    failed++;
    lastBats = { what: `${batsFile || '(bats)'}  ${/^not ok \d+ (.*?)(?: in \d+ms)?$/.exec(line)[1]}`, lines: [] };
    failures.push(lastBats);
  }
  const timed = !skipped && /^(?:not )?ok \d+ (.*) in (\d+)ms(?: # .*)?$/.exec(line);
  if (timed) timings.push({ seconds: Number(timed[2]) / 1000, file: batsFile, name: timed[1] });
}

if (timings.length) {
  console.log('Slowest tests:');
  for (const t of timings.sort((a, b) => b.seconds - a.seconds).slice(0, 10)) console.log(`${t.seconds.toFixed(1).padStart(7)} s  ${t.file || '(bats)'}  ${t.name}`);
}

// Named again at the end: CI keeps only a part of the output, and a failure's own lines
// may be far above it.
if (failures.length) {
  console.log(`Failed ${failures.length}:`);
  for (const f of failures) {
    console.log(`  ${f.what}`);
    const why = f.why ?? batsWhy(f.lines);
    if (why) console.log(`      ${why}`);
  }
}

const skippedCount = [...reasons.values()].reduce((a, b) => a + b, 0);
if (skippedCount) console.log(`Skipped ${skippedCount}: ${[...reasons].map(([r, k]) => `${r} (×${k})`).join('; ')}`);
console.log(`${passed} passed, ${failed} failed` + (skippedCount ? `, ${skippedCount} skipped` : ''));

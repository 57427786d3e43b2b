// `argo run --junit FILE.xml`: the RunReport as JUnit XML for CI dashboards. Each builder
// is a test case (failed when it failed or its verify failed; its verify output and cost
// with it), and one more case, `workflow`, carries the run's own outcome — so a run that
// ended before any builder existed is not shown green. Pure: a report in, text out.
import type { BuilderReport, RunReport } from './report.js';

/** Text as XML character data or an attribute value: markup escaped, characters XML 1.0 forbids dropped. */
export function xmlText(s: string): string {
  return s
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

const attr = (name: string, value: string | number) => ` ${name}="${xmlText(String(value))}"`;

/** Why a builder's case failed, or null when it passed. */
export function builderFailure(b: BuilderReport): string | null {
  if (b.verify && !b.verify.passed) return `verify failed: ${b.verify.command}`;
  if (b.status === 'failed') return b.failure ?? 'failed';
  return null;
}

function property(name: string, value: string | number | null): string {
  return value === null ? '' : `        <property${attr('name', name)}${attr('value', value)}/>\n`;
}

function builderCase(b: BuilderReport, suite: string): string {
  const failure = builderFailure(b);
  const props =
    property('status', b.status) +
    property('cost_usd', b.cost_usd) +
    property('input_tokens', b.tokens?.input ?? null) +
    property('output_tokens', b.tokens?.output ?? null) +
    property('verify_command', b.verify?.command ?? null) +
    property('verify_passed', b.verify ? String(b.verify.passed) : null) +
    property('diffstat', b.diffstat);
  const out = [b.summary ? `summary: ${b.summary}` : '', b.verify?.output_tail ? `verify output:\n${b.verify.output_tail}` : ''].filter(Boolean).join('\n\n');
  return (
    `    <testcase${attr('classname', suite)}${attr('name', `${b.id}: ${b.description}`)}>\n` +
    (props ? `      <properties>\n${props}      </properties>\n` : '') +
    (failure ? `      <failure${attr('message', failure)}${attr('type', b.verify && !b.verify.passed ? 'verify' : 'builder')}>${xmlText(b.failure ?? failure)}</failure>\n` : '') +
    (out ? `      <system-out>${xmlText(out)}</system-out>\n` : '') +
    '    </testcase>\n'
  );
}

function workflowCase(r: RunReport, suite: string): string {
  const body = r.status === 'done' ? '' : `      <failure${attr('message', r.reason)}${attr('type', r.status)}>${xmlText(`exit ${r.exit_code} (${r.status}): ${r.reason}`)}</failure>\n`;
  return `    <testcase${attr('classname', suite)}${attr('name', 'workflow')}>\n${body}    </testcase>\n`;
}

/** The report as one JUnit document. */
export function junitXml(r: RunReport): string {
  const suite = 'argo';
  const failures = r.builders.filter((b) => builderFailure(b) !== null).length + (r.status === 'done' ? 0 : 1);
  const seconds = Math.max(0, (Date.parse(r.ended) - Date.parse(r.started)) / 1000);
  const time = Number.isFinite(seconds) ? seconds.toFixed(3) : '0';
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<testsuites${attr('name', 'argo run')}${attr('tests', r.builders.length + 1)}${attr('failures', failures)}${attr('time', time)}>\n` +
    `  <testsuite${attr('name', suite)}${attr('tests', r.builders.length + 1)}${attr('failures', failures)}${attr('errors', 0)}${attr('time', time)}${attr('timestamp', r.started)}>\n` +
    `    <properties>\n      <property${attr('name', 'query')}${attr('value', r.query)}/>\n` +
    (r.cost_usd !== null ? `      <property${attr('name', 'cost_usd')}${attr('value', r.cost_usd)}/>\n` : '') +
    `    </properties>\n` +
    r.builders.map((b) => builderCase(b, suite)).join('') +
    workflowCase(r, suite) +
    '  </testsuite>\n</testsuites>\n'
  );
}

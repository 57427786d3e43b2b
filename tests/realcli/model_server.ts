// A scripted model server for the real agent CLIs, on loopback only: the Anthropic
// Messages API (Claude Code) or the OpenAI Responses API (Codex), streaming server-sent
// events the way the CLIs read them (docs/TESTING.md, AGENT-CLIS.md "Measured with the
// real CLIs"). It makes no decisions of its own: a script says what to answer, and what
// the CLI must have been told.
//
//   tsx tests/realcli/model_server.ts --api messages|responses --script FILE --dir DIR
//
// Writes DIR/port once listening and every request it gets to DIR/requests/<n>.json
// ({method, url, headers, body}), so a test can check what the CLI sent; DIR/routes gets
// one line per model request, "<n> <conversation name> <turn>" (<turn>: the turn's index in
// the script; "<n> other -" for a request that matched nothing or ran past its turns).
//
// Script (JSON): {"conversations": [{"match": "<regex>", "turns": [<turn>…],
//                                    "name": "…", "expect": ["<regex>"…],
//                                    "expect_not": ["<regex>"…]}…],
//                 "other": <turn>}
// A request belongs to the first conversation whose regex matches the text of its user
// messages before the first answer; which turn answers it is the number of assistant turns
// the request already carries (so concurrent builders never mix, and a resumed session, which
// carries its earlier conversation, goes on where it stopped), counted over the turns still
// live: an error turn with "times" answers that many requests, then drops out of the list (a
// retried request carries no more answers than the refused one, so without it a refusal would
// answer every retry for ever). A CLI's own stand-in for an answer it never got is no answer
// (Claude Code resumes a refused session with an assistant "No response requested."). A
// request matching nothing, or past the end of its turns, gets "other" (default: a short text).
//   name        the conversation's name in DIR/routes and DIR/violations (default: its index)
//   after       {"match": "<regex>", "turns": [<turn>…]}: once a user message after the
//               conversation's first prompt matches (a resumed session's new prompt, e.g. a
//               verify failure), the request is answered from these turns, by the number of
//               answers since the last such message (routed as turn turns.length + that
//               number). So what a resumed request gets does not hang on how much of its
//               earlier conversation the CLI kept: under heavy I/O Claude Code was seen
//               resuming without its last text turn, and (CI, 2026-12-04) without any answer
//               of the first run — only its prompt and a stand-in "No response requested.".
//   expect      regexes the user text of the conversation's FIRST request (turn 0) must match
//   expect_not  regexes it must not match
// Each unmet one appends a line to DIR/violations ("<name>: first request lacks /<re>/",
// "<name>: first request has /<re>/"), as does a "structured" turn the request cannot take;
// a test asserts that file is absent. Turns:
//   {"text": "…"}                      a text answer, the end of the agent's turn
//   {"bash": "…"}                      a shell tool call (Claude `Bash` {command},
//                                      Codex `exec_command` {cmd})
//   {"structured": {…}}                the structured answer to a JSON schema: Claude calls the
//                                      `StructuredOutput` tool (which `--json-schema` adds) with
//                                      the object as its input; Codex answers a message whose text
//                                      is the object's JSON (what `exec --output-schema` asks for:
//                                      the request carries `text.format` {type: "json_schema"}).
//                                      A request without that tool / format: a violation line,
//                                      and the answer sent as scripted all the same
//   {"hang": true}                     accepts the request and never answers
//   {"status": 429, "retry_after": 1}  an HTTP error with that retry-after (seconds);
//                                      optional "message" (the error's text), "error_type"
//                                      (default: rate_limit_error for a 429, overloaded_error
//                                      for a 529, api_error otherwise — Messages API;
//                                      rate_limit_exceeded — Responses API), "body" (an
//                                      object sent as the whole error body instead) and
//                                      "headers" (more response headers, e.g.
//                                      anthropic-ratelimit-unified-reset: <unix seconds>);
//                                      optional "times": n — the first n requests that land
//                                      on it get the error, later ones go to the next turn
//                                      (without it: every request landing on it, for ever)
// each with an optional "usage": {"input": n, "output": n, "cache_read": n}.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { appendFileSync, mkdirSync, readFileSync, writeFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import type { Socket } from 'node:net';

type Api = 'messages' | 'responses';
interface Usage { input?: number; output?: number; cache_read?: number }
interface ErrorTurn { status: number; times?: number; retry_after?: number; message?: string; error_type?: string; body?: Json; headers?: Record<string, string> }
type Turn = ({ text: string } | { bash: string } | { structured: unknown } | { hang: true } | ErrorTurn) & { usage?: Usage };
type Json = Record<string, unknown>;
interface Conversation { match: string; turns: Turn[]; name?: string; expect?: string[]; expect_not?: string[]; after?: { match: string; turns: Turn[] } }
interface Script { conversations: Conversation[]; other?: Turn }

function arg(name: string): string {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? process.argv[i + 1] : undefined;
  if (!v) {
    process.stderr.write(`ERROR: --${name} is required (model_server.ts --api messages|responses --script FILE --dir DIR)\n`);
    process.exit(2);
  }
  return v;
}

const api = arg('api') as Api;
if (api !== 'messages' && api !== 'responses') {
  process.stderr.write(`ERROR: --api '${api}': messages or responses\n`);
  process.exit(2);
}
const script = JSON.parse(readFileSync(arg('script'), 'utf8')) as Script;
const dir = arg('dir');
// "times" is a count of requests: anything else would refuse for ever or never, silently.
for (const [i, c] of script.conversations.entries()) {
  for (const [j, t] of c.turns.entries()) {
    if ('times' in t && !(Number.isInteger(t.times) && (t.times as number) >= 1)) {
      process.stderr.write(`ERROR: conversation ${c.name ?? i} turn ${j}: "times" is ${JSON.stringify(t.times)}; accepted: a whole number, 1 or more\n`);
      process.exit(2);
    }
  }
}
mkdirSync(join(dir, 'requests'), { recursive: true });
const conversations = script.conversations.map((c, i) => ({
  re: new RegExp(c.match),
  turns: c.turns,
  after: c.after ? { re: new RegExp(c.after.match), turns: c.after.turns } : null,
  name: c.name ?? String(i),
  expect: (c.expect ?? []).map((r) => new RegExp(r)),
  expectNot: (c.expect_not ?? []).map((r) => new RegExp(r)),
}));
let requestCount = 0;
let ids = 0;
/** Requests an error turn with "times" has answered, by "<conversation index> <turn index>". */
const errorsSent = new Map<string, number>();
/** What a CLI puts in place of an answer it never got: not one of our answers. */
const STAND_INS = new Set(['No response requested.']);

const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The text of a message's content (a string or a list of blocks), for matching. */
function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((b) => (isObj(b) && typeof b.text === 'string' ? b.text : '')).join('\n');
}

/** The request's conversation: the Messages API's `messages`, the Responses API's `input`. */
function messagesOf(body: Json): Json[] {
  const items = (api === 'messages' ? body.messages : body.input) as unknown;
  return Array.isArray(items) ? items.filter(isObj) : [];
}

/** [text of the user's messages before the first answer, number of assistant turns so far]. */
function conversationOf(body: Json): [string, number] {
  const list = messagesOf(body);
  const isAnswer = (m: Json) => m.type === 'function_call' || m.role === 'assistant';
  // The CLIs put their own context (environment, instructions, reminders) in user
  // messages of their own or around the prompt: match on all of them.
  const firstAnswer = list.findIndex(isAnswer);
  const before = firstAnswer < 0 ? list : list.slice(0, firstAnswer);
  const text = before.filter((m) => m.role === 'user').map((m) => contentText(m.content)).join('\n');
  return [text, list.filter(isModelAnswer).length];
}

/** The answers since the last user message matching RE after the conversation's first prompt
 * (the first user message matching START; the first answer when no single message does), or
 * null when none does. */
function answeredSince(body: Json, start: RegExp, re: RegExp): number | null {
  const list = messagesOf(body);
  const prompt = list.findIndex((m) => m.role === 'user' && start.test(contentText(m.content)));
  const from = prompt >= 0 ? prompt : list.findIndex(isModelAnswer);
  if (from < 0) return null;
  let last = -1;
  list.forEach((m, i) => {
    if (i > from && m.role === 'user' && re.test(contentText(m.content))) last = i;
  });
  return last < 0 ? null : list.slice(last + 1).filter(isModelAnswer).length;
}

/** An answer of the model's: any assistant message or tool call but a CLI's own stand-in for an
 * answer it never got (measured: Claude Code resumes a session whose last request was refused
 * with an assistant message "No response requested." of its own, not sent by any model). */
function isModelAnswer(m: Json): boolean {
  if (m.type === 'function_call') return true;
  return m.role === 'assistant' && !STAND_INS.has(contentText(m.content).trim());
}

/** A line in DIR/violations: something the CLI was not told, or could not take. */
function violation(line: string): void {
  appendFileSync(join(dir, 'violations'), `${line}\n`);
}

/** The script indexes of conversation CI's turns still live: an error turn with "times" is
 * gone once it answered that many requests. */
function liveTurns(ci: number): number[] {
  const turns = conversations[ci]?.turns ?? [];
  return turns.flatMap((t, i) => ('times' in t && typeof t.times === 'number' && (errorsSent.get(`${ci} ${i}`) ?? 0) >= t.times ? [] : [i]));
}

/** The turn answering a model request, its route recorded and a first request checked. */
function turnFor(body: Json, n: string): Turn {
  const other = script.other ?? { text: 'ok' };
  const route = (what: string) => appendFileSync(join(dir, 'routes'), `${n} ${what}\n`);
  // Claude Code's side requests (a title, a quota probe) come without tools.
  if (api === 'messages' && !(Array.isArray(body.tools) && body.tools.length > 0)) {
    route('other -');
    return other;
  }
  const [text, answered] = conversationOf(body);
  const ci = conversations.findIndex((c) => c.re.test(text));
  const conv = conversations[ci];
  const since = conv?.after ? answeredSince(body, conv.re, conv.after.re) : null;
  if (conv?.after && since !== null) {
    const turn = conv.after.turns[since];
    route(turn ? `${conv.name} ${conv.turns.length + since}` : 'other -');
    return turn ?? other;
  }
  const index = conv ? liveTurns(ci)[answered] : undefined;
  const turn = conv && index !== undefined ? conv.turns[index] : undefined;
  if (!conv || !turn || index === undefined) {
    route('other -');
    return other;
  }
  if ('times' in turn) errorsSent.set(`${ci} ${index}`, (errorsSent.get(`${ci} ${index}`) ?? 0) + 1);
  route(`${conv.name} ${index}`);
  if (answered === 0) {
    for (const re of conv.expect) if (!re.test(text)) violation(`${conv.name}: first request lacks ${re}`);
    for (const re of conv.expectNot) if (re.test(text)) violation(`${conv.name}: first request has ${re}`);
  }
  if ('structured' in turn && !offersSchema(body)) {
    violation(`${conv.name}: turn ${index} answers structured output, but the request ${api === 'messages' ? 'offers no StructuredOutput tool' : 'has no text.format json_schema'}`);
  }
  return turn;
}

/** Whether the request asks for a structured answer the way its CLI does. */
function offersSchema(body: Json): boolean {
  if (api === 'messages') return Array.isArray(body.tools) && body.tools.some((t) => isObj(t) && t.name === 'StructuredOutput');
  const format = isObj(body.text) ? body.text.format : undefined;
  return isObj(format) && format.type === 'json_schema';
}

function sse(res: ServerResponse, event: string, data: Json): void {
  res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}

function answerMessages(res: ServerResponse, turn: Turn, model: string): void {
  const u = turn.usage ?? {};
  const usage = { input_tokens: u.input ?? 100, output_tokens: u.output ?? 50, cache_read_input_tokens: u.cache_read ?? 0, cache_creation_input_tokens: 0 };
  const id = `msg_${++ids}`;
  sse(res, 'message_start', { type: 'message_start', message: { id, type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null, usage: { ...usage, output_tokens: 1 } } });
  let stop = 'end_turn';
  const tool = 'bash' in turn ? { name: 'Bash', input: { command: turn.bash, description: 'run a command' } } : 'structured' in turn ? { name: 'StructuredOutput', input: turn.structured } : null;
  if (tool) {
    stop = 'tool_use';
    sse(res, 'content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'tool_use', id: `toolu_${ids}`, name: tool.name, input: {} } });
    sse(res, 'content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: JSON.stringify(tool.input) } });
  } else {
    const text = 'text' in turn ? turn.text : 'ok';
    sse(res, 'content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } });
    sse(res, 'content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } });
  }
  sse(res, 'content_block_stop', { type: 'content_block_stop', index: 0 });
  sse(res, 'message_delta', { type: 'message_delta', delta: { stop_reason: stop, stop_sequence: null }, usage: { output_tokens: usage.output_tokens } });
  sse(res, 'message_stop', { type: 'message_stop' });
  res.end();
}

function answerResponses(res: ServerResponse, turn: Turn, model: string): void {
  const u = turn.usage ?? {};
  const id = `resp_${++ids}`;
  const item =
    'bash' in turn
      ? { type: 'function_call', id: `fc_${ids}`, call_id: `call_${ids}`, name: 'exec_command', arguments: JSON.stringify({ cmd: turn.bash }), status: 'completed' }
      : { type: 'message', id: `msg_${ids}`, role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: 'text' in turn ? turn.text : 'structured' in turn ? JSON.stringify(turn.structured) : 'ok', annotations: [] }] };
  const base = { id, object: 'response', created_at: Math.floor(Date.now() / 1000), model, status: 'in_progress', output: [] as unknown[] };
  sse(res, 'response.created', { type: 'response.created', response: base });
  sse(res, 'response.output_item.added', { type: 'response.output_item.added', output_index: 0, item: { ...item, status: 'in_progress' } });
  sse(res, 'response.output_item.done', { type: 'response.output_item.done', output_index: 0, item });
  const input = u.input ?? 100;
  const usage = { input_tokens: input, input_tokens_details: { cached_tokens: u.cache_read ?? 0 }, output_tokens: u.output ?? 50, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: input + (u.output ?? 50) };
  sse(res, 'response.completed', { type: 'response.completed', response: { ...base, status: 'completed', output: [item], usage } });
  res.end();
}

function answerError(res: ServerResponse, turn: ErrorTurn): void {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...(turn.headers ?? {}) };
  if (turn.retry_after !== undefined) headers['retry-after'] = String(turn.retry_after);
  res.writeHead(turn.status, headers);
  const message = turn.message ?? 'scripted error';
  const messagesType = turn.status === 429 ? 'rate_limit_error' : turn.status === 529 ? 'overloaded_error' : 'api_error';
  const body = turn.body ?? (api === 'messages' ? { type: 'error', error: { type: turn.error_type ?? messagesType, message } } : { error: { type: turn.error_type ?? 'rate_limit_exceeded', message } });
  res.end(JSON.stringify(body));
}

const sockets = new Set<Socket>();
const server = createServer((req: IncomingMessage, res: ServerResponse) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const raw = Buffer.concat(chunks).toString('utf8');
    let body: Json = {};
    try {
      const parsed: unknown = raw ? JSON.parse(raw) : {};
      if (isObj(parsed)) body = parsed;
    } catch {
      /* not JSON: recorded as text */
    }
    const n = String(++requestCount).padStart(4, '0');
    const file = join(dir, 'requests', `${n}.json`);
    writeFileSync(`${file}.tmp`, JSON.stringify({ method: req.method, url: req.url, headers: req.headers, body: raw && Object.keys(body).length ? body : raw }));
    renameSync(`${file}.tmp`, file);
    const path = (req.url ?? '').split('?')[0];
    const wanted = api === 'messages' ? '/v1/messages' : '/v1/responses';
    if (req.method !== 'POST' || path !== wanted) {
      // The CLIs' probes (Claude's HEAD /) and anything else: an empty 200.
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(req.method === 'HEAD' ? undefined : '{}');
      return;
    }
    const turn = turnFor(body, n);
    if ('hang' in turn) return; // accepted, never answered: the stall limit must end the agent
    if ('status' in turn) {
      answerError(res, turn);
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    const model = typeof body.model === 'string' ? body.model : 'scripted-model';
    if (api === 'messages') answerMessages(res, turn, model);
    else answerResponses(res, turn, model);
  });
});
server.on('connection', (s: Socket) => {
  sockets.add(s);
  s.on('close', () => sockets.delete(s));
});
server.listen(0, '127.0.0.1', () => {
  const addr = server.address();
  if (addr && typeof addr === 'object') {
    writeFileSync(join(dir, 'port.tmp'), String(addr.port));
    renameSync(join(dir, 'port.tmp'), join(dir, 'port'));
  }
});
// Ended by the test (by pid): hung requests must not keep us alive.
process.on('SIGTERM', () => {
  for (const s of sockets) s.destroy();
  server.close(() => process.exit(0));
});

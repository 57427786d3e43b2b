import { describe, expect, it } from 'vitest';
import { priceUsage, runShare, sumUsage, withCost } from '../../../agents/settings.js';
import { usageRecord } from '../../../agents/build.js';
import { parseOutput } from '../../../agents/presets/contract.js';
import { PRESETS } from '../../../agents/presets/index.js';
import { fixture } from './helpers.js';

const usage = (i: number | null, o: number | null, c: number | null = null, cost: number | null = null) => ({ input_tokens: i, output_tokens: o, cache_read_tokens: c, cost_usd: cost });

describe('pricing', () => {
  const pricing = { m: { input_per_mtok: 3, output_per_mtok: 15 }, c: { input_per_mtok: 1, output_per_mtok: 2, cache_read_per_mtok: 0.1 } };
  it('tokens × price per million', () => {
    expect(priceUsage(usage(1_000_000, 100_000), 'm', pricing, false)).toBe(4.5);
  });
  it('never a guess: no model, no price, or unknown tokens → null', () => {
    expect(priceUsage(usage(1, 1), null, pricing, false)).toBeNull();
    expect(priceUsage(usage(1, 1), 'other', pricing, false)).toBeNull();
    expect(priceUsage(usage(null, 1), 'm', pricing, false)).toBeNull();
    expect(priceUsage(usage(1, 1), 'm', { m: { input_per_mtok: '3', output_per_mtok: 15 } }, false)).toBeNull();
  });
  it('cached tokens are priced once', () => {
    // Codex-style: 1M input of which 400k cached.
    expect(priceUsage(usage(1_000_000, 0, 400_000), 'c', pricing, true)).toBe(0.64);
    // Claude-style: cached tokens come on top of input.
    expect(priceUsage(usage(600_000, 0, 400_000), 'c', pricing, false)).toBe(0.64);
  });
  it('no cache price: cached tokens cost what input costs, still counted once', () => {
    // Codex-style: 1M input of which 400k cached → 1M at the input rate.
    expect(priceUsage(usage(1_000_000, 0, 400_000), 'm', pricing, true)).toBe(3);
    // Claude-style: 600k input + 400k cached → the same 1M.
    expect(priceUsage(usage(600_000, 0, 400_000), 'm', pricing, false)).toBe(3);
  });
  it('an agent-reported cost is kept as is', () => {
    expect(withCost(usage(1, 1, 0, 0.5), 'm', pricing, false).cost_usd).toBe(0.5);
    expect(withCost(usage(1_000_000, 0), 'm', pricing, false).cost_usd).toBe(3);
  });
});

describe('sumUsage', () => {
  it('adds what is known; all-unknown stays null', () => {
    expect(sumUsage([usage(1, 2, null, 0.1), usage(3, null, null, 0.2), {}])).toEqual(usage(4, 2, null, 0.3));
  });
});

describe('runShare (a resumed session that reports the whole session, as Codex does)', () => {
  it('is the session total less the earlier runs of the session', () => {
    // Codex 0.171, measured: 200/100 for the first run, 400/200 reported after `exec resume`.
    expect(runShare(usage(400, 200, 10), [usage(200, 100, 4, 0.0013)])).toEqual(usage(200, 100, 6, null));
  });
  it('never goes below zero, and keeps what is unknown unknown', () => {
    expect(runShare(usage(100, null, null, 0.5), [usage(300, 5, 1, 0.2)])).toEqual(usage(0, null, null, 0.3));
    expect(runShare(usage(100, 50), [])).toEqual(usage(100, 50));
  });
});

describe('a preset\'s cost from its own output (the fixture of a real run\'s shape)', () => {
  // codex.success.out: 1000 input tokens of which 200 cached (cached_input_tokens), 500 output.
  const codexRun = parseOutput(PRESETS.codex.parser, fixture('codex.success.out'), 0);
  const codex = (pricing: unknown) => usageRecord({ kind: 'preset', preset: PRESETS.codex, model: 'gpt-5-codex', source: 'test' }, codexRun, pricing);
  it('codex counts cached tokens inside its input: priced once, at the cache rate when there is one', () => {
    expect(PRESETS.codex.inputIncludesCache).toBe(true);
    // 800 × 1.25 + 200 × 0.125 + 500 × 10 per Mtok
    expect(codex({ 'gpt-5-codex': { input_per_mtok: 1.25, output_per_mtok: 10, cache_read_per_mtok: 0.125 } })).toMatchObject({ cost_usd: 0.006025, input_tokens: 1000, cache_read_tokens: 200, agent: 'codex', model: 'gpt-5-codex' });
    // no cache rate: the 1000 input at the input rate (as agents.bats's codex workflow: 0.007)
    expect(codex({ 'gpt-5-codex': { input_per_mtok: 2, output_per_mtok: 10 } }).cost_usd).toBe(0.007);
  });
  it('claude reports its own dollars, which are kept', () => {
    const claude = parseOutput(PRESETS.claude.parser, fixture('claude.success.out'), 0);
    const r = usageRecord({ kind: 'preset', preset: PRESETS.claude, model: null, source: 'test' }, claude, { x: { input_per_mtok: 100, output_per_mtok: 100 } });
    expect(r.cost_usd).toBe(claude.usage.cost_usd);
    expect(r.cost_usd).not.toBeNull();
  });
});

import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { checkFixture, checkFixtureDir, formatCase } from '../tools/fixtures/check.js';
import { MASK_MARGIN } from '../tools/fixtures/prune.js';
import { blockKey, type GraphFixture } from '../tools/fixtures/schema-graph.js';

const dir = fileURLToPath(new URL('./fixtures-graph', import.meta.url));
const load = (name: string) => JSON.parse(readFileSync(join(dir, `${name}.json`), 'utf8')) as GraphFixture;
const CASES = (JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as { cases: { name: string }[] }).cases.map((c) => c.name);

/** Every report key the fixture's `expected` asks for, derived from the fixture alone (so nothing is skipped silently). */
function expectedKeys(fx: GraphFixture): string[] {
  const e = fx.expected;
  const keys = ['outputs', 'loss', 'outputs.adapter', 'kfac.structure'];
  for (const k of ['log_likelihood', 'grad_loss', 'ggn_diag', 'ef_diag'] as const) if (e[k] !== undefined) keys.push(k);
  if (e.ggn_full) keys.push('ggn_full');
  const inputs = new Set(fx.model.nodes.filter((n) => n.className === 'InputLayer').map((n) => n.name));
  for (const name of Object.keys(e.node_outputs_sample0 ?? {})) if (!inputs.has(name)) keys.push(`node.${name}`);
  for (const k of e.kfac ?? []) keys.push(`kfac.A.${k.layer}`, `kfac.G.${k.layer}`);
  for (const b of fx.param_blocks) if (b.curvature === 'diag') keys.push(`kfac.diag.${blockKey(b)}`);
  for (const p of Object.keys(fx.priors ?? {})) keys.push(`prior.${p}`);
  for (const [p, methods] of Object.entries(e.log_marglik ?? {})) {
    keys.push(`log_marglik.${p}.log_likelihood`, `log_marglik.${p}.scatter`, `log_marglik.${p}.log_det_prior`);
    for (const m of Object.keys(methods)) keys.push(`log_marglik.${p}.${m}`, `log_marglik.${p}.${m}.log_det_posterior`);
  }
  for (const [p, methods] of Object.entries((e.opd ?? {}) as Record<string, Record<string, unknown>>))
    for (const m of Object.keys(methods)) keys.push(`opd.${p}.${m}`);
  const masks = (e.opd_masks ?? {}) as Record<string, Record<string, Record<string, { relative_margin: number }>>>;
  for (const [p, methods] of Object.entries(masks)) {
    for (const [m, pcts] of Object.entries(methods))
      for (const [pct, r] of Object.entries(pcts)) if (r.relative_margin >= MASK_MARGIN) keys.push(`masks.${p}.${m}.${pct}`);
  }
  for (const s of Object.keys(e.scores ?? {})) keys.push(`scores.${s}`);
  const pred = e.predictive as
    { glm?: Record<string, Record<string, Record<string, unknown>>>; mc_reference?: Record<string, Record<string, unknown>> } | undefined;
  if (pred) keys.push('predictive.f_mu');
  for (const [p, methods] of Object.entries(pred?.glm ?? {})) {
    for (const [m, q] of Object.entries(methods)) {
      keys.push(`predictive.glm.${p}.${m}.f_var`);
      for (const link of ['probit', 'bridge'])
        if (q[link]) keys.push(`predictive.glm.${p}.${m}.${link}`, `predictive.glm.${p}.${m}.${link}.link`);
      if (q.pred_var) keys.push(`predictive.glm.${p}.${m}.pred_var`);
    }
  }
  for (const [p, methods] of Object.entries(pred?.mc_reference ?? {}))
    for (const m of Object.keys(methods)) keys.push(`predictive.mc_reference.${p}.${m}`);
  return keys;
}

describe('graph fixtures, schema v2 (test/fixtures-graph, tolerance 1e-4)', async () => {
  const report = await checkFixtureDir(dir, 1e-4);
  it('found every case of index.json', () => {
    expect(report.cases.map((c) => c.name).sort()).toEqual([...CASES].sort());
    expect(report.cases.every((c) => c.schema === 2)).toBe(true);
  });
  for (const c of report.cases) {
    it(`${c.name}: the model and data were built (no case error)`, () => expect(c.error).toBeUndefined());
    it(`${c.name}: reports every quantity the fixture holds`, () => {
      const missing = expectedKeys(load(c.name)).filter((k) => !(k in c.quantities));
      expect(
        missing,
        `missing: ${missing.join(', ')}; family errors: ${formatCase(c)
          .filter((l) => l.includes('error'))
          .join('\n')}`,
      ).toEqual([]);
    });
    it(`${c.name}: compares expected.predictive, names what it does not compare (hessian_diag)`, () => {
      expect(Object.keys(c.quantities).some((k) => k.startsWith('predictive.glm.'))).toBe(true);
      expect(c.skipped.some((s) => s.startsWith('expected.predictive:'))).toBe(false);
      expect(c.skipped.some((s) => s.startsWith('expected.hessian_diag:'))).toBe(true);
    });
    for (const [key, q] of Object.entries(c.quantities)) {
      it(`${c.name} ${key} (relErr ${q.relErr.toExponential(1)})`, () => {
        expect(q.error && !Number.isFinite(q.relErr) ? q.error : undefined).toBeUndefined();
        expect(q.pass, `relErr ${q.relErr} > tol ${q.tol}${q.error ? ` (${q.error})` : ''}`).toBe(true);
      });
    }
  }
});

describe('graph fixture reader', () => {
  it('fails a quantity whose reference is off by 1 % and leaves the rest passing; no tensor leaks', async () => {
    const fx = load('g_resmlp_cls');
    fx.expected.ggn_diag = fx.expected.ggn_diag!.map((v) => v * 1.01);
    const before = tf.memory().numTensors;
    const r = await checkFixture(fx);
    expect(tf.memory().numTensors).toBe(before);
    expect(r.quantities.ggn_diag.pass).toBe(false);
    expect(r.quantities.ggn_diag.relErr).toBeCloseTo(0.01 / 1.01, 4);
    expect(r.quantities.ef_diag.pass).toBe(true);
    // kfac.diag compares against ggn_diag too, but resmlp has only kron blocks.
    expect(r.quantities['kfac.structure'].pass).toBe(true);
  });

  it('fails a predictive reference off by 1 % (f_var, probit, MC reference) and leaves the rest passing', async () => {
    const fx = load('g_resmlp_cls');
    const pred = fx.expected.predictive as {
      glm: Record<string, Record<string, { f_var: number[][][]; probit: number[][] }>>;
      mc_reference: Record<string, { diag_ggn: number[][] }>;
    };
    const q = pred.glm.unitwise.kron_spam;
    q.f_var = q.f_var.map((m) => m.map((r) => r.map((v) => v * 1.01)));
    // Move probability mass by 0.02 between two classes of the first test point (still a distribution).
    pred.glm.scalar.diag_ggn.probit[0][0] += 0.02;
    pred.glm.scalar.diag_ggn.probit[0][1] -= 0.02;
    pred.mc_reference.layerwise.diag_ggn[0][0] += 0.02;
    pred.mc_reference.layerwise.diag_ggn[0][1] -= 0.02;
    const before = tf.memory().numTensors;
    const r = await checkFixture(fx);
    expect(tf.memory().numTensors).toBe(before);
    expect(r.quantities['predictive.glm.unitwise.kron_spam.f_var'].pass).toBe(false);
    expect(r.quantities['predictive.glm.unitwise.kron_spam.f_var'].relErr).toBeCloseTo(0.01 / 1.01, 4);
    expect(r.quantities['predictive.glm.unitwise.kron_exact.f_var'].pass).toBe(true);
    expect(r.quantities['predictive.glm.scalar.diag_ggn.probit'].pass).toBe(false);
    expect(r.quantities['predictive.glm.scalar.diag_ggn.probit.link'].pass).toBe(false);
    expect(r.quantities['predictive.glm.scalar.diag_ggn.bridge'].pass).toBe(true);
    expect(r.quantities['predictive.mc_reference.layerwise.diag_ggn'].pass).toBe(false);
    expect(r.quantities['predictive.mc_reference.scalar.diag_ggn'].pass).toBe(true);
  });

  it('maps vectors by layer/weight, not by position: permuted param_blocks still pass', async () => {
    const fx = load('g_resmlp_cls');
    // Reverse the canonical order of the fixture's tensors and re-lay every per-parameter vector.
    const old = fx.param_blocks;
    let offset = 0;
    const moved = [...old].reverse().map((b) => ({ ...b, offset: (offset += b.size) - b.size }));
    const remap = (v: number[]) => moved.flatMap((b) => v.slice(old.find((o) => blockKey(o) === blockKey(b))!.offset).slice(0, b.size));
    fx.param_blocks = moved;
    fx.expected.ggn_diag = remap(fx.expected.ggn_diag!);
    fx.expected.grad_loss = remap(fx.expected.grad_loss!);
    for (const spec of Object.values(fx.priors!)) spec.diag = remap(spec.diag);
    const layerwise = fx.priors!.layerwise.values as number[];
    fx.priors!.layerwise.values = moved.map((b) => layerwise[old.findIndex((o) => blockKey(o) === blockKey(b))]);
    const r = await checkFixture(fx);
    for (const k of [
      'ggn_diag',
      'grad_loss',
      'prior.diag',
      'prior.layerwise',
      'log_marglik.diag.kron_mixed_exact',
      'log_marglik.layerwise.diag_ggn',
    ]) {
      expect(r.quantities[k].pass, k).toBe(true);
    }
  });

  it('refuses weights that do not match the layer, naming layer and weight', async () => {
    const fx = load('g_resmlp_cls');
    fx.weights[1] = { ...fx.weights[1], weight: 'offset' };
    const r = await checkFixture(fx);
    expect(r.error).toMatch(/FixtureFormatError: .*'g_resmlp_cls'.*layer 'd1'.*offset/);
  });

  it('refuses an unknown tf.layers factory, naming the node', async () => {
    const fx = load('g_resmlp_cls');
    fx.model.nodes[1] = { ...fx.model.nodes[1], factory: 'noSuchLayer' };
    const r = await checkFixture(fx);
    expect(r.error).toMatch(/node 'd1': tf\.layers\.noSuchLayer does not exist/);
  });

  it('fails a unit-wise prior whose layout differs from ours, naming the tensor', async () => {
    const fx = load('g_resmlp_cls');
    (fx.priors!.unitwise.values as unknown[])[0] = { bias: [1, 2, 3] };
    const r = await checkFixture(fx);
    expect(r.quantities['prior.unitwise'].pass).toBe(false);
    expect(r.quantities['prior.unitwise'].error).toMatch(/unit-wise prior of 'd1\/kernel'/);
    expect(r.quantities['log_marglik.unitwise.diag_ggn'].error).toMatch(/d1\/kernel/);
    expect(r.quantities['prior.scalar'].pass).toBe(true);
  });

  it('reports unknown expected keys, prior structures and methods as skipped', async () => {
    const fx = load('g_resmlp_cls');
    (fx.expected as Record<string, unknown>).new_quantity = [1];
    (fx.expected.log_marglik as Record<string, Record<string, unknown>>).scalar.kron_new = { log_marglik: 0 };
    const r = await checkFixture(fx);
    expect(r.skipped).toContain('expected.new_quantity: not known to the checker');
    expect(r.skipped).toContain('log_marglik.scalar.kron_new: method not known to the checker');
  });
});

describe('fixture conventions', () => {
  it('refuses a temperature, prior mean or h_factor the library does not implement, naming the field', async () => {
    for (const [field, value, re] of [
      ['temperature', 0.5, /temperature = 0.5/],
      ['prior_mean', 0.1, /prior_mean = 0.1/],
      ['h_factor', 2, /h_factor = 2; .*1\/σ² = 1/],
    ] as const) {
      const fx = { ...load('g_resmlp_cls'), [field]: value };
      const r = await checkFixture(fx);
      expect(r.error, field).toMatch(re);
      expect(r.quantities).toEqual({});
    }
  });
});

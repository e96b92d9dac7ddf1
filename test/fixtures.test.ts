import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { checkFixtureDir } from '../tools/fixtures/check.js';

const dir = fileURLToPath(new URL('./fixtures', import.meta.url));

describe('float64 fixtures (test/fixtures, tolerance 1e-4)', async () => {
  const report = await checkFixtureDir(dir, 1e-4);
  it('found every case', () => {
    expect(report.cases.map((c) => c.name).sort()).toEqual([
      'cnn_cls_maxpool',
      'cnn_reg_tanh',
      'mlp_cls_relu_nobias',
      'mlp_cls_tanh',
      'mlp_reg_relu_1out',
      'mlp_reg_tanh',
    ]);
  });
  for (const c of report.cases) {
    it(`${c.name}: no case error`, () => expect(c.error).toBeUndefined());
    for (const [key, q] of Object.entries(c.quantities)) {
      it(`${c.name} ${key} (relErr ${q.relErr.toExponential(1)})`, () => {
        expect(q.relErr).toBeLessThanOrEqual(q.tol);
      });
    }
  }
  it('checks the curvature quantities of every case', () => {
    for (const c of report.cases) {
      const keys = Object.keys(c.quantities);
      for (const k of ['outputs', 'loss', 'ggn_diag', 'ef_diag']) expect(keys).toContain(k);
      expect(keys.some((k) => k.startsWith('kfac.A.'))).toBe(true);
      expect(keys.some((k) => k.startsWith('kfac.G.'))).toBe(true);
      for (const prior of ['scalar', 'layerwise', 'unitwise', 'diag']) {
        expect(keys).toContain(`prior.${prior}`);
        for (const m of ['diag_ggn', 'kron_ggn_asdl_spam', 'kron_ggn_asdl_exact']) expect(keys).toContain(`log_marglik.${prior}.${m}`);
      }
    }
  });
  it('checks OPD, its masks and the baseline scores of every case', () => {
    for (const c of report.cases) {
      const keys = Object.keys(c.quantities);
      for (const k of ['magnitude', 'obd', 'snip', 'grasp', 'synflow']) expect(keys).toContain(`scores.${k}`);
      for (const prior of ['scalar', 'layerwise', 'unitwise', 'diag']) {
        for (const m of ['diag_ggn', 'kron_ggn_asdl_spam', 'kron_ggn_asdl_exact']) {
          expect(keys).toContain(`opd.${prior}.${m}`);
          for (const pct of ['50', '90']) expect(keys).toContain(`masks.${prior}.${m}.${pct}`);
        }
      }
    }
  });
  it('checks the GLM predictive of every case (f_mu, f_var per prior × method, links or pred_var, MC reference)', () => {
    for (const c of report.cases) {
      const keys = Object.keys(c.quantities);
      const cls = !c.name.includes('_reg_');
      expect(keys).toContain('predictive.f_mu');
      for (const prior of ['scalar', 'layerwise', 'unitwise', 'diag']) {
        for (const m of ['full_ggn', 'diag_ggn', 'kron_exact', 'kron_spam']) {
          expect(keys).toContain(`predictive.glm.${prior}.${m}.f_var`);
          for (const q of cls ? ['probit', 'probit.link', 'bridge', 'bridge.link'] : ['pred_var'])
            expect(keys).toContain(`predictive.glm.${prior}.${m}.${q}`);
        }
        if (cls) expect(keys).toContain(`predictive.mc_reference.${prior}.diag_ggn`);
      }
    }
  });
});

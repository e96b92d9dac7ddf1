// The prior registry: one record keyed by structure drives createPrior, priorFromJSON and PRIOR_STRUCTURES.
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import type { Tensor, Variable } from '@tensorflow/tfjs';
import type { ModelLike } from '@spam/core';
import {
  buildPrior,
  createPrior,
  isPriorStructure,
  Prior,
  PRIOR_REGISTRY,
  PRIOR_STRUCTURES,
  priorFromJSON,
  type PriorDefinition,
  type PriorParam,
} from '@spam/priors';
import { arr } from '../../../test/helpers/index.js';

const L = tf.layers;
const model = tf.sequential({
  layers: [L.dense({ inputShape: [3], units: 4, name: 'r1' }), L.dense({ units: 2, name: 'r2' })],
}) as unknown as ModelLike;
const params: PriorParam[] = [
  { name: 'r1/kernel', shape: [3, 4], role: 'kernel' },
  { name: 'r1/bias', shape: [4], role: 'bias' },
  { name: 'r2/kernel', shape: [4, 2], role: 'kernel' },
  { name: 'r2/bias', shape: [2], role: 'bias' },
];

describe('PRIOR_REGISTRY', () => {
  it('PRIOR_STRUCTURES lists the registry keys in the documented order', () => {
    expect(PRIOR_STRUCTURES).toEqual(['scalar', 'layerwise', 'unitwise', 'parameterwise']);
    expect(PRIOR_STRUCTURES).toEqual(Object.keys(PRIOR_REGISTRY));
    expect(Object.isFrozen(PRIOR_STRUCTURES)).toBe(true);
  });

  it('every entry builds a prior whose structure is its key, with the variables its definition declares', () => {
    for (const [key, def] of Object.entries(PRIOR_REGISTRY) as Array<[string, PriorDefinition]>) {
      const specs = def.variables(params, Math.log(2));
      const prior = buildPrior(def, params, Math.log(2));
      expect(prior.structure).toBe(key);
      expect(prior.variables.map((v) => v.shape)).toEqual(specs.map((s) => s.shape));
      expect(
        arr(prior.precision()).every((d) => Math.abs(d - 2) < 1e-5),
        key,
      ).toBe(true);
      prior.dispose();
    }
  });

  it('isPriorStructure accepts own keys only', () => {
    for (const s of PRIOR_STRUCTURES) expect(isPriorStructure(s)).toBe(true);
    for (const s of ['kron', 'toString', '__proto__', 'hasOwnProperty', '', 3, null]) expect(isPriorStructure(s)).toBe(false);
  });

  it('createPrior and priorFromJSON reach every registered structure', () => {
    for (const s of PRIOR_STRUCTURES) {
      const p = createPrior(model, s, { precision: 0.25 });
      const back = priorFromJSON(model, p.toJSON());
      expect(back.structure).toBe(s);
      expect(back.constructor).toBe(p.constructor);
      p.dispose();
      back.dispose();
    }
  });
});

describe('a new prior is one definition (the contract a registry entry fulfils)', () => {
  /** A test-only structure: one log δ per layer (kernel and bias of a layer share it). */
  class PerLayerPrior extends Prior {
    readonly structure = 'layerwise' as const; // reuses a registered name only to satisfy the type
    constructor(p: readonly PriorParam[], v: Variable[]) {
      super(p, v);
    }
    protected computeLogPrecisionBlocks(): Tensor[] {
      return tf.tidy(() =>
        this.params.map((p, t) => tf.add(tf.zeros(p.shape), tf.reshape(tf.slice(this.vars[0], Math.floor(t / 2), 1), []))),
      );
    }
  }
  const perLayer: PriorDefinition<PerLayerPrior> = {
    variables: (ps, l0) => [{ shape: [ps.length / 2], init: l0, label: 'per_layer' }],
    create: (ps, vs) => new PerLayerPrior(ps, vs),
  };

  it('buildPrior fills, names and wraps its variables; the base class supplies logDet, penalty, JSON, dispose checks', () => {
    const before = tf.memory().numTensors;
    const prior = buildPrior(perLayer, params, Math.log(4));
    expect(prior.variables.length).toBe(1);
    expect(prior.variables[0].name).toMatch(/^spam_prior_per_layer_\d+$/);
    tf.tidy(() => {
      expect(prior.logDet().dataSync()[0]).toBeCloseTo(26 * Math.log(4), 3);
      expect(prior.penalty(params.map((p) => tf.ones(p.shape))).dataSync()[0]).toBeCloseTo(0.5 * 4 * 26, 3);
    });
    prior.dispose();
    expect(prior.isDisposed).toBe(true);
    expect(() => prior.logDet()).toThrow(/disposed/);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('buildPrior frees the variables made so far when the definition throws', () => {
    const before = tf.memory().numTensors;
    const broken: PriorDefinition<PerLayerPrior> = {
      ...perLayer,
      create: () => {
        throw new Error('boom');
      },
    };
    expect(() => buildPrior(broken, params, 0)).toThrow('boom');
    expect(tf.memory().numTensors).toBe(before);
  });
});

// Sparsity schedules and gradualPruning check every numeric argument: steps must be
// non-negative integers, power a finite number > 0, the step a schedule is called with a number,
// and a schedule's target a sparsity in [0, 1) — InvalidOptionError naming the argument otherwise
// (oneShotSchedule(0.5, NaN) used to give a schedule that never prunes).
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { DisposedError, InvalidOptionError, type ModelLike } from '@spam/core';
import type { MarglikStepState } from '@spam/laplace';
import { oneShotSchedule, polynomialSchedule, type PolynomialScheduleOptions } from '../src/schedule/polynomial.js';
import { gradualPruning, type GradualPruningOptions } from '../src/schedule/gradual.js';
import { thrown } from '../../../test/helpers/index.js';

const asModel = (m: tf.LayersModel) => m as unknown as ModelLike;
const badSteps: unknown[] = [NaN, Infinity, -Infinity, -1, 2.5, '3', null, 2 ** 60];

describe('oneShotSchedule', () => {
  it('a step that is NaN, ±∞, negative, fractional, unsafe or not a number → InvalidOptionError naming it', () => {
    for (const step of badSteps) {
      const e = thrown(() => oneShotSchedule(0.5, step as number));
      expect(e, String(step)).toBeInstanceOf(InvalidOptionError);
      expect(e.message).toMatch(/step must be a non-negative integer/);
    }
    expect(oneShotSchedule(0.5, 0)(0)).toBe(0.5); // step 0 is valid: prune from the start
  });

  it('the schedule called with NaN or a non-number → InvalidOptionError (±∞ are ordinary steps)', () => {
    const s = oneShotSchedule(0.4, 2);
    for (const t of [NaN, '3', undefined])
      expect(
        thrown(() => s(t as number)),
        String(t),
      ).toBeInstanceOf(InvalidOptionError);
    expect([s(-Infinity), s(Infinity)]).toEqual([0, 0.4]);
  });
});

describe('polynomialSchedule', () => {
  const base: PolynomialScheduleOptions = { initialSparsity: 0.1, finalSparsity: 0.8, beginStep: 1, endStep: 5, power: 3 };

  it('beginStep / endStep that are not non-negative integers → InvalidOptionError naming the option', () => {
    for (const key of ['beginStep', 'endStep'] as const) {
      for (const v of badSteps) {
        if (v === null && key === 'beginStep') continue; // null = default (0)
        const e = thrown(() => polynomialSchedule({ ...base, [key]: v as number, ...(key === 'beginStep' ? { endStep: 2 ** 52 } : {}) }));
        expect(e, `${key} ${String(v)}`).toBeInstanceOf(InvalidOptionError);
        expect(e.message).toContain(key);
      }
    }
  });

  it("power '3' or negative, options null → InvalidOptionError; the schedule called with NaN → InvalidOptionError", () => {
    for (const power of ['3', -2, NaN, Infinity, 0]) {
      expect(
        thrown(() => polynomialSchedule({ ...base, power: power as number })),
        String(power),
      ).toBeInstanceOf(InvalidOptionError);
    }
    expect(thrown(() => polynomialSchedule(null as never))).toBeInstanceOf(InvalidOptionError);
    const s = polynomialSchedule(base);
    expect(thrown(() => s(NaN))).toBeInstanceOf(InvalidOptionError);
    expect(s(Infinity)).toBe(0.8);
  });
});

describe('gradualPruning', () => {
  const model = () => tf.sequential({ layers: [tf.layers.dense({ inputShape: [3], units: 2 })] });

  it('bad options → InvalidOptionError at construction; a disposed model → DisposedError', () => {
    const m = model();
    const ok = oneShotSchedule(0.5, 1);
    const bad: unknown[] = [
      null,
      {},
      { schedule: 0.5 },
      { schedule: ok, scope: 'all' },
      { schedule: ok, includeBias: 'yes' },
      { schedule: ok, kronDiagonal: 'diag' },
      { schedule: ok, onPrune: 3 },
    ];
    for (const o of bad)
      expect(
        thrown(() => gradualPruning(asModel(m), o as GradualPruningOptions)),
        JSON.stringify(o),
      ).toBeInstanceOf(InvalidOptionError);
    m.dispose();
    expect(thrown(() => gradualPruning(asModel(m), { schedule: ok }))).toBeInstanceOf(DisposedError);
  });

  it('a schedule returning NaN, 1 or a negative sparsity → InvalidOptionError naming the epoch (not silently no pruning)', () => {
    const m = model();
    for (const v of [NaN, 1, -0.1, Infinity]) {
      const gp = gradualPruning(asModel(m), { schedule: () => v });
      const before = tf.memory().numTensors;
      const e = thrown(() => gp.afterMarglikStep({ epoch: 3 } as MarglikStepState));
      expect(e, String(v)).toBeInstanceOf(InvalidOptionError);
      expect(e.message).toMatch(/schedule's sparsity at epoch 3/);
      expect(tf.memory().numTensors).toBe(before);
      expect(gp.events).toEqual([]);
      gp.dispose();
    }
    m.dispose();
  });
});

import { describe, expect, it } from 'vitest';
import {
  applyScheduleOverrides,
  backendFlag,
  compact,
  fixed,
  formatTable,
  marglikStepCount,
  mulberry32,
  parseFlags,
  scheduleFlags,
  type MarglikSchedule,
} from '../src/index.js';

const schedule: MarglikSchedule = {
  epochs: 10,
  batchSize: 64,
  lr: 1e-3,
  marglikEvery: 5,
  hyperSteps: 20,
  burnIn: 0,
  hyperLr: 0.1,
  priorPrecision: 1,
};

describe('harness: formatting', () => {
  it('formats numbers with a dash for missing values', () => {
    expect(fixed(1.23456, 2)).toBe('1.23');
    expect(fixed(NaN, 2)).toBe('—');
    expect(compact(0)).toBe('0.00');
    expect(compact(12.345)).toBe('12.3');
    expect(compact(1e-3)).toBe('1.00e-3');
    expect(compact(12345)).toBe('1.23e+4');
    expect(compact(undefined)).toBe('—');
  });

  it('aligns tables: the first `left` columns left, the rest right', () => {
    expect(
      formatTable(
        ['a', 'bb'],
        [
          ['xyz', '1'],
          ['w', '22'],
        ],
        1,
      ),
    ).toEqual(['a    bb', '───  ──', 'xyz   1', 'w    22']);
    expect(formatTable(['a', 'b'], [['x', 'y']])).toEqual(['a  b', '─  ─', 'x  y']);
  });
});

describe('harness: flags and schedules', () => {
  it('parses the common flags strictly', () => {
    const values = parseFlags(['--backend', 'cpu', '--epochs', '3', '--only', 'a'], { only: { type: 'string' } });
    expect(values).toEqual({ backend: 'cpu', epochs: '3', only: 'a' });
    expect(backendFlag(values.backend)).toBe('cpu');
    expect(backendFlag(undefined)).toBe('wasm');
    expect(() => backendFlag('webgl')).toThrow(/wasm or cpu/);
    expect(scheduleFlags(values)).toEqual({ epochs: 3 });
    expect(() => scheduleFlags({ 'hyper-steps': '-1' })).toThrow(/--hyper-steps must be an integer >= 0/);
    expect(() => parseFlags(['--nope'], {})).toThrow();
    expect(() => parseFlags(['stray'], {})).toThrow();
  });

  it('applies and checks schedule overrides and counts the marglik steps', () => {
    expect(applyScheduleOverrides(schedule, { epochs: 20, hyperSteps: 0 })).toEqual({ ...schedule, epochs: 20, hyperSteps: 0 });
    expect(() => applyScheduleOverrides(schedule, { marglikEvery: 0 })).toThrow(/marglikEvery must be an integer >= 1/);
    expect(marglikStepCount(schedule)).toBe(2);
    expect(marglikStepCount({ ...schedule, burnIn: 3, marglikEvery: 2 })).toBe(3);
    expect(marglikStepCount({ ...schedule, hyperSteps: 0 })).toBe(0);
  });
});

describe('harness: seeded RNG', () => {
  it('repeats the sequence for a seed and stays in [0, 1)', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const xs = Array.from({ length: 1000 }, () => a());
    expect(Array.from({ length: 1000 }, () => b())).toEqual(xs);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(mulberry32(7)()).not.toBe(xs[0]);
  });
});

/**
 * Turns the printable specs of `arbitraries.ts` into tensors and data sources. Every builder
 * returns what it made together with a `dispose()` that frees all of the caller's tensors, so a
 * property can count tensors around the whole build → call → dispose cycle.
 */
import * as tf from '@tensorflow/tfjs';
import { randn, rng } from '../helpers/index.js';
import type { DataSpec, Fill, LabelSpec, PairSpec, TensorSpec } from './arbitraries.js';

function fillValues(fill: Fill, size: number, seed: number): number[] {
  switch (fill) {
    case 'normal':
      return randn(size, seed + 1);
    case 'zeros':
      return new Array<number>(size).fill(0);
    case 'ones':
      return new Array<number>(size).fill(1);
    case 'nan':
      return new Array<number>(size).fill(NaN);
    case 'inf':
      return new Array<number>(size).fill(Infinity);
    case '-inf':
      return new Array<number>(size).fill(-Infinity);
    case 'huge':
      return randn(size, seed + 1).map((v) => v * 1e30);
    case 'tiny':
      return randn(size, seed + 1).map((v) => v * 1e-40);
    case 'one-nan':
      return randn(size, seed + 1).map((v, i) => (i === size - 1 ? NaN : v));
  }
}

function make(values: number[], shape: number[], dtype: TensorSpec['dtype']): tf.Tensor {
  if (dtype === 'string')
    return tf.tensor(
      values.map((v) => String(v)),
      shape,
      'string',
    );
  if (dtype === 'bool')
    return tf.tensor(
      values.map((v) => v > 0),
      shape,
      'bool',
    );
  if (dtype === 'int32')
    return tf.tensor(
      values.map((v) => (Number.isFinite(v) ? Math.max(-1e9, Math.min(1e9, Math.round(v))) : 0)),
      shape,
      'int32',
    );
  return tf.tensor(values, shape, 'float32');
}

/** The tensor of a spec. */
export function buildTensor(spec: TensorSpec): tf.Tensor {
  const size = spec.shape.reduce((a, b) => a * b, 1);
  return make(fillValues(spec.fill, size, spec.seed), spec.shape, spec.dtype);
}

/** The label tensor of a spec for a likelihood with `outDim` outputs (classes). */
export function buildLabels(spec: LabelSpec, outDim: number): tf.Tensor {
  const { n, seed } = spec;
  const u = rng(seed + 17);
  const idx = () => Array.from({ length: n }, () => Math.floor(u() * outDim));
  const onehot = (rows: number[]) => rows.flatMap((c) => Array.from({ length: outDim }, (_, k) => (k === c ? 1 : 0)));
  let values: number[];
  let shape: number[];
  switch (spec.kind) {
    case 'index':
      [values, shape] = [idx(), [n]];
      break;
    case 'index-col':
      [values, shape] = [idx(), [n, 1]];
      break;
    case 'onehot':
      [values, shape] = [onehot(idx()), [n, outDim]];
      break;
    case 'out-of-range':
      [values, shape] = [idx().map((c, i) => (i === 0 ? outDim : c)), [n]];
      break;
    case 'negative':
      [values, shape] = [idx().map((c, i) => (i === 0 ? -1 : c)), [n]];
      break;
    case 'fractional':
      [values, shape] = [idx().map((c, i) => (i === 0 ? 0.5 : c)), [n]];
      break;
    case 'nan':
      [values, shape] = [randn(n * outDim, seed).map((v, i) => (i === 0 ? NaN : v)), [n, outDim]];
      break;
    case 'inf':
      [values, shape] = [randn(n * outDim, seed).map((v, i) => (i === 0 ? Infinity : v)), [n, outDim]];
      break;
    case 'onehot-bad':
      [values, shape] = [onehot(idx()).map((v, i) => (i === 0 || i === 1 ? 1 : v)), [n, outDim]];
      break;
    case 'targets':
      [values, shape] = [randn(n * outDim, seed), [n, outDim]];
      break;
    case 'targets-flat':
      [values, shape] = [randn(n, seed), [n]];
      break;
    case 'huge':
      [values, shape] = [randn(n * outDim, seed).map((v) => v * 1e30), [n, outDim]];
      break;
    case 'wrong-rank':
      [values, shape] = [randn(n * 4, seed), [n, 2, 2]];
      break;
    case 'scalar':
      [values, shape] = [[1], []];
      break;
  }
  return make(values, shape, spec.dtype);
}

/** Built tensors and a disposer. */
export interface Built<T> {
  value: T;
  dispose(): void;
}

/** `{xs, ys}` of a pair spec. */
export function buildPair(spec: PairSpec, outDim: number): Built<{ xs: tf.Tensor; ys: tf.Tensor }> {
  const xs = buildTensor(spec.xs);
  const ys = buildLabels(spec.ys, outDim);
  return { value: { xs, ys }, dispose: () => tf.dispose([xs, ys]) };
}

/** Per-example tensors of a pair (for datasets), each row of xs and of ys. */
function rows(t: tf.Tensor): tf.Tensor[] {
  if (t.rank === 0 || t.shape[0] === 0) return [];
  return tf.unstack(t);
}

/**
 * The data source of a spec. For a dataset the element tensors are the caller's; the batches the
 * dataset stacks are freed by whoever iterates them (SpaM, per its contract).
 */
export function buildData(spec: DataSpec, outDim: number): Built<unknown> {
  const owned: tf.Tensor[] = [];
  const pair = (p: PairSpec) => {
    const b = buildPair(p, outDim);
    owned.push(b.value.xs, b.value.ys);
    return b.value;
  };
  let value: unknown;
  switch (spec.form) {
    case 'tensors': {
      const { xs, ys } = pair(spec.pair);
      value = {
        xs,
        ys,
        ...(spec.batchSize !== undefined ? { batchSize: spec.batchSize } : {}),
        ...(spec.shuffle !== undefined ? { shuffle: spec.shuffle } : {}),
      };
      break;
    }
    case 'array': {
      value = spec.batches.map(pair);
      break;
    }
    case 'generator': {
      const batches = spec.batches.map(pair);
      value = {
        *[Symbol.iterator]() {
          yield* batches;
        },
      };
      break;
    }
    case 'async': {
      const batches = spec.batches.map(pair);
      value = {
        async *[Symbol.asyncIterator]() {
          yield* batches;
        },
      };
      break;
    }
    case 'dataset': {
      const { xs, ys } = pair(spec.pair);
      const xr = rows(xs);
      const yr = rows(ys);
      owned.push(...xr, ...yr);
      const elements = xr.map((x, i) => ({ xs: x, ys: yr[i] ?? x }));
      const ds = tf.data.array(elements);
      value = spec.batch === null ? ds : ds.batch(spec.batch);
      break;
    }
    case 'elements':
      value = spec.elements;
      break;
    case 'junk':
      value = spec.value;
      break;
  }
  return { value, dispose: () => tf.dispose(owned) };
}

/** Snapshot of a model's weights and a restore (for entry points that train in place). */
export function weightKeeper(model: tf.LayersModel): { restore(): void; dispose(): void } {
  const saved = model.getWeights().map((w) => w.clone());
  return {
    restore: () => model.setWeights(saved),
    dispose: () => tf.dispose(saved),
  };
}

import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { ShapeMismatchError, UnsupportedLayerError, type ModelAdapter, type OpLayer, type ParametricLayer } from '@spam/core';
import { allKept, chainAdapter, keptIndices, resolveMasks, usesChainRemoval, type UnitMasks } from './masks-input.js';
import type { DependencyGroupOptions } from './groups/dependency-groups.js';
import { maskGraph, pruneGraph } from './groups/graph-removal.js';
import { modelConfig, rebuildModel, type ConfigDict } from './rebuild.js';

/** Relative tolerance for "the folded contribution is the same at every output location". */
const CONSTANT_TOL = 1e-5;

/** What removal does to one parametric layer. */
interface LayerChange {
  /** Units kept (over the layer's last kernel axis). */
  keepUnits: Uint8Array;
  /** Input channels kept (over the kernel's input axis). */
  keepInputs: Uint8Array;
  /** Σ over removed input channels of their constant value times their weights, per unit (or null). */
  biasDelta: Float32Array | null;
}

/**
 * A new, smaller model without the removed units: unit o of layer l loses its kernel slice
 * `W_l[..., o]` and `b_l[o]`, and every consumer loses the matching inputs (next Dense's input rows,
 * next Conv2D's input channels, through activation/ReLU/Dropout/pooling layers, through `Flatten`
 * (feature (h·W + w)·C + c) and `GlobalAveragePooling2D`). A removed unit's constant output f(0)
 * (e.g. ½ for sigmoid) is folded into the consumer's bias, b'_j = b_j + Σ_removed f(0)·W_{·j}, so the
 * result equals {@link maskUnits}' model exactly. The input model is not modified; the new model is
 * not compiled. `InvalidOptionError`/`ShapeMismatchError` for bad masks, `UnsupportedLayerError`
 * naming a layer removal cannot pass (see the README).
 *
 * Graphs (merges, BatchNormalization, depthwise convolutions, attention; anything but a chain of
 * Dense/Conv and parameter-free layers) are pruned by dependency groups ({@link dependencyGroups}):
 * each group is removed whole — its units, the consumers' input rows, BN γ/β/moving statistics,
 * depthwise kernel channels; an attention head's whole branch, the Concatenate narrowed — and the
 * result equals {@link maskUnits}' model, which there zeroes the same slices (consumer input rows
 * included, so no constant f(0) is folded). `GroupMaskError` for masks that split a group, remove
 * a fixed group, empty a layer or leave no head. `options.residualStream` allows removing
 * LayerNormalization-ed channels (then pruned ≠ masked: LN renormalises).
 */
export function pruneUnits(model: LayersModel, masks: UnitMasks, options: DependencyGroupOptions = {}): LayersModel {
  if (!usesChainRemoval(model)) return pruneGraph(model, masks, options);
  const adapter = chainAdapter(model);
  const keep = resolveMasks(adapter, masks);
  const changes = planRemoval(adapter, keep);
  const config = modelConfig(model);
  for (const layer of adapter.parametric) {
    const change = changes.get(layer.name)!;
    const entry = layerEntry(config, layer.name);
    entry[layer.unitSlicing?.unitsKey ?? 'units'] = keptIndices(change.keepUnits).length;
    if (!layer.bias && change.biasDelta) entry.useBias = true;
  }
  return rebuildModel(model, config, (layer) => {
    const p = adapter.parametric.find((l) => l.name === layer.name);
    if (!p) return null;
    return slicedWeights(p, changes.get(p.name)!);
  });
}

/**
 * A copy of the model with the same units zeroed: W[..., o] = 0 and b[o] = 0 for every removed unit
 * o (the unit then outputs the constant f(0)); nothing else changes. Same masks and errors as
 * {@link pruneUnits}; the input model is not modified; the copy is not compiled. On graphs it zeroes
 * every trainable slice of the removed dependency groups (consumers' input rows too).
 */
export function maskUnits(model: LayersModel, masks: UnitMasks, options: DependencyGroupOptions = {}): LayersModel {
  if (!usesChainRemoval(model)) return maskGraph(model, masks, options);
  const adapter = chainAdapter(model);
  const keep = resolveMasks(adapter, masks);
  return rebuildModel(model, modelConfig(model), (layer) => {
    const p = adapter.parametric.find((l) => l.name === layer.name);
    if (!p) return null;
    const k = keep.get(p.name)!;
    return tf.tidy(() => {
      // where, not a product: removed entries become +0 (a product gives −0 for negative weights).
      const m = tf.tensor1d(k, 'bool');
      const zeroed = (w: Tensor) => tf.where(tf.broadcastTo(m, w.shape), w, tf.zerosLike(w));
      const out = [zeroed(p.kernel.read())];
      if (p.bias) out.push(zeroed(p.bias.read()));
      return out;
    });
  });
}

/** Input-channel flags and folded biases of every parametric layer, checking that removal can pass. */
function planRemoval(adapter: ModelAdapter, keep: Map<string, Uint8Array>): Map<string, LayerChange> {
  const { layers, parametric } = adapter;
  const changes = new Map<string, LayerChange>();
  for (const p of parametric) {
    const cin = p.inputShape[p.inputShape.length - 1];
    changes.set(p.name, { keepUnits: keep.get(p.name)!, keepInputs: new Uint8Array(cin).fill(1), biasDelta: null });
  }
  parametric.forEach((producer, i) => {
    const units = keep.get(producer.name)!;
    if (allKept(units)) return;
    if (!producer.unitSlicing) {
      throw new UnsupportedLayerError(producer.name, producer.className, 'structured removal: its adapter defines no unitSlicing');
    }
    if (!producer.activation.elementwise) {
      throw new UnsupportedLayerError(
        producer.name,
        producer.className,
        `structured removal: activation '${producer.activation.name}' couples the layer's units (needs an element-wise activation)`,
      );
    }
    const consumer = parametric[i + 1];
    const ops = layers.slice(layers.indexOf(producer) + 1, layers.indexOf(consumer)) as OpLayer[];
    let flags = units;
    for (const op of ops) {
      if (!op.mapChannels) {
        throw new UnsupportedLayerError(
          op.name,
          op.className,
          `structured removal: units of '${producer.name}' cannot be removed through it (its adapter defines no mapChannels)`,
        );
      }
      flags = op.mapChannels(flags);
      const last = op.outputShape[op.outputShape.length - 1];
      if (flags.length !== last) {
        throw new ShapeMismatchError(
          `layer '${op.name}' (${op.className}) mapped channel flags to ${flags.length} entries; its output has ${last}`,
        );
      }
    }
    if (!consumer.unitSlicing) {
      throw new UnsupportedLayerError(
        consumer.name,
        consumer.className,
        `structured removal: the inputs from '${producer.name}' cannot be removed (its adapter defines no unitSlicing)`,
      );
    }
    const change = changes.get(consumer.name)!;
    if (flags.length !== change.keepInputs.length) {
      throw new ShapeMismatchError(
        `layer '${consumer.name}' has ${change.keepInputs.length} input channels; flags from '${producer.name}' have ${flags.length}`,
      );
    }
    change.keepInputs = flags;
    change.biasDelta = foldedBias(producer, units, ops, consumer, flags);
  });
  return changes;
}

/**
 * The consumer's pre-activation contribution of the removed units: they output the constant
 * f(0) (their pre-activation is 0), which the op layers carry channel by channel to the removed
 * inputs of the consumer. Evaluated on one example with every kept channel masked out; null when
 * it is zero. A Conv2D consumer needs it equal at every output location (not so with zero
 * `same` padding and f(0) ≠ 0): `UnsupportedLayerError` otherwise.
 */
function foldedBias(
  producer: ParametricLayer,
  units: Uint8Array,
  ops: OpLayer[],
  consumer: ParametricLayer,
  flags: Uint8Array,
): Float32Array | null {
  const z = tf.tidy(() => {
    const removedOut = tf.tensor1d(
      Float32Array.from(units, (k) => 1 - k),
      'float32',
    );
    let h: Tensor = tf.mul(producer.activation.apply(tf.zeros([1, ...producer.outputShape])), removedOut);
    for (const op of ops) h = op.forward(h);
    h = tf.mul(
      h,
      tf.tensor1d(
        Float32Array.from(flags, (k) => 1 - k),
        'float32',
      ),
    );
    return tf.sub(consumer.linear(h), consumer.linear(tf.zerosLike(h)));
  });
  const data = z.dataSync() as Float32Array;
  z.dispose();
  const u = consumer.units;
  const delta = data.slice(0, u);
  let scale = 0;
  for (let i = 0; i < data.length; i++) scale = Math.max(scale, Math.abs(data[i]));
  if (scale === 0) return null;
  for (let i = u; i < data.length; i++) {
    if (Math.abs(data[i] - delta[i % u]) > CONSTANT_TOL * (1 + scale)) {
      throw new UnsupportedLayerError(
        consumer.name,
        consumer.className,
        `structured removal: the removed units of '${producer.name}' reach it as a non-zero constant (f(0) ≠ 0) and its ` +
          'zero padding makes their contribution depend on the position, so it cannot be folded into the bias; ' +
          "use padding 'valid' or an activation with f(0) = 0",
      );
    }
  }
  return delta;
}

/** The kept slice of a layer's kernel and bias, plus the folded bias. */
function slicedWeights(p: ParametricLayer, change: LayerChange): Tensor[] {
  const { keepUnits, keepInputs, biasDelta } = change;
  const axis = p.unitSlicing?.inputAxis ?? 0;
  return tf.tidy(() => {
    const kernel = p.kernel.read();
    const lastAxis = kernel.rank - 1;
    let k: Tensor = allKept(keepInputs) ? kernel : tf.gather(kernel, tf.tensor1d(keptIndices(keepInputs), 'int32'), axis);
    const unitIdx = tf.tensor1d(keptIndices(keepUnits), 'int32');
    if (!allKept(keepUnits)) k = tf.gather(k, unitIdx, lastAxis);
    const out: Tensor[] = [k === kernel ? tf.clone(kernel) : k];
    const delta = biasDelta ? tf.gather(tf.tensor1d(biasDelta, 'float32'), unitIdx) : null;
    if (p.bias) {
      const b = tf.gather(p.bias.read(), unitIdx);
      out.push(delta ? tf.add(b, delta) : b);
    } else if (delta) {
      out.push(delta);
    }
    return out;
  });
}

/** The config of the named layer inside a Sequential or functional model config. */
function layerEntry(config: ConfigDict, name: string): ConfigDict {
  const entries = (config.layers ?? []) as Array<{ name?: string; config: ConfigDict }>;
  const entry = entries.find((e) => (e.config?.name ?? e.name) === name);
  if (!entry) throw new ShapeMismatchError(`layer '${name}' is missing from the model config`);
  return entry.config;
}

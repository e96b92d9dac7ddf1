import type { Tensor } from '@tensorflow/tfjs-core';
import { DisposedError, InvalidOptionError } from './errors.js';
import type { LayerVariableLike, ModelLike } from './model-like.js';

/**
 * tfjs-layers 4.x internals read (optionally) to detect a disposed model: a `LayerVariable` keeps
 * its value in `val` (a `tf.Variable`, `isDisposed` once the layer is disposed), and layers and
 * containers count references in `_refCount` (0 after `dispose()`; `null` before first use).
 */
interface LayersInternals {
  val?: { isDisposed?: unknown };
  _refCount?: unknown;
}

/** Whether one layer variable's value has been freed (`LayerVariable.dispose()` or its model's). */
function isVariableDisposed(w: LayerVariableLike): boolean {
  const val = (w as unknown as LayersInternals).val;
  if (val && typeof val.isDisposed === 'boolean') return val.isDisposed;
  try {
    // Structural variables without `val`: tfjs-layers' read() throws "LayersVariable … is already disposed".
    return w.read().isDisposed;
  } catch {
    return true;
  }
}

/** The first disposed part of `model` ('model', a layer or a weight), or null when it is usable. */
function disposedPart(model: ModelLike): string | null {
  if ((model as unknown as LayersInternals)._refCount === 0) return 'the model itself';
  for (const layer of model.layers) {
    if ((layer as unknown as LayersInternals)._refCount === 0) return `layer '${layer.name}'`;
    for (const w of layer.weights ?? []) if (isVariableDisposed(w)) return `weight '${w.name}'`;
  }
  return null;
}

/**
 * Whether `model` (a tfjs-layers model) has been disposed: `model.dispose()` was called, or one of
 * its layers or weight variables was disposed. Reads every weight's `isDisposed` flag (no tensor
 * is created or read back).
 */
export function isModelDisposed(model: ModelLike): boolean {
  return disposedPart(model) !== null;
}

/**
 * Throws `DisposedError` (kind `'model'`, the model's name) when `model` or any of its layers or
 * weights has been disposed, and `InvalidOptionError` when `model` is not a tfjs-layers model at
 * all (no `layers` array). Call it at the top of every public function that takes a model, so a
 * disposed model gives a typed error instead of tfjs's `Tensor is disposed`.
 */
export function assertModelUsable(model: ModelLike): void {
  if (model === null || typeof model !== 'object' || !Array.isArray((model as { layers?: unknown }).layers)) {
    throw new InvalidOptionError(`model must be a tfjs-layers LayersModel (tf.sequential or tf.model), got ${describe(model)}`);
  }
  const part = disposedPart(model);
  if (part) throw new DisposedError('model', String(model.name), `${part} is disposed`);
}

/**
 * Throws `DisposedError` (kind `'tensor'`, named `what`) when `t` is a disposed tensor; `what`
 * names the argument, e.g. `"xs"` or `"theta[2] ('dense_1/kernel')"`.
 */
export function assertTensorUsable(t: Tensor, what: string): void {
  if (t.isDisposed) throw new DisposedError('tensor', what);
}

function describe(x: unknown): string {
  if (x === null) return 'null';
  if (Array.isArray(x)) return 'an array';
  return typeof x === 'object' ? `an object without a layers array` : `${typeof x} ${String(x)}`;
}

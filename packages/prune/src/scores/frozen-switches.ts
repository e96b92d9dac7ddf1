/**
 * Forward passes at perturbed weights with the switches of piecewise-linear layers (ReLU-family
 * activations, max pooling, PReLU) frozen at a base point, for the finite-difference
 * Hessian-vector product of `hessian-vector-fd.ts`. The exact Hessian takes the second derivative
 * of such pieces as 0; a difference of gradients across a switch that flips within the step is
 * O(1/ε) wrong in the backward and O(1) wrong in the forward. Frozen, every such layer is its
 * linearisation at the base point, y = f(x₀) + J(x₀)(x − x₀) (exact within the base point's linear
 * piece), and its VJP is taken at x₀: the network is then smooth in θ around the base point and
 * has the same gradient and Hessian there.
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import type { Activation, AdaptedLayer, ForwardTrace, LayerCapture, ModelAdapter } from '@spam/core';

/**
 * Whether a layer's facts declare it piecewise-linear in its input (weights fixed): an activation
 * with `hessianIsZero`, an op layer's `linearity`, a weighted layer's `linearity` (PReLU).
 */
export function hasFrozenSwitches(layer: AdaptedLayer): boolean {
  if (layer.kind === 'parametric') return !!layer.activation.hessianIsZero;
  if (layer.kind === 'op') return layer.activation ? !!layer.activation.hessianIsZero : layer.linearity !== undefined;
  if (layer.kind === 'weighted') return layer.linearity !== undefined;
  return false;
}

/** J(x₀) u from a VJP that is linear in its cotangent: ∇_w ⟨vjp(w), u⟩ (`u` `[N, ...]`, no K axis). */
function jvpFromVjp(vjp: (w: Tensor) => Tensor, outShape: number[], u: Tensor): Tensor {
  const u1 = tf.expandDims(u, 0);
  return tf.squeeze(tf.grad((w: Tensor) => tf.sum(tf.mul(vjp(w), u1)))(tf.zeros([1, ...outShape])), [0]);
}

/** J(z₀) u of an activation at z₀ (y₀ = f(z₀)). */
function activationJvp(act: Activation, z0: Tensor, y0: Tensor, u: Tensor): Tensor {
  if (act.elementwise) return tf.squeeze(act.vjp(tf.expandDims(u, 0), z0, y0), [0]);
  return jvpFromVjp((w) => act.vjp(w, z0, y0), y0.shape, u);
}

/**
 * The adapter's forward pass on the input of `base` at the model's current (perturbed) weights, with every layer
 * {@link hasFrozenSwitches} replaced by its linearisation at the input of `base` (a trace of the
 * same pass at the base weights), and every VJP input of those layers taken from `base` (their
 * switches frozen in the backward too). Parameter-gradient inputs (captures) stay the perturbed
 * ones. Call inside `tf.tidy`.
 */
export function frozenForward(adapter: ModelAdapter, base: ForwardTrace): ForwardTrace {
  const strip = adapter.strippedLayerIndex;
  const n = adapter.layers.length;
  const output = base.layerOutputs.lastIndexOf(base.output);
  const outs: Tensor[] = new Array(n);
  const nodeInputs: Tensor[][] = new Array(n);
  const captures: LayerCapture[] = new Array(adapter.paramLayers.length);
  const vjpInputs: Tensor[][] = new Array(n);
  const vjpOutputs: Tensor[] = new Array(n);
  // The base trace's model input (cast as the adapter casts it) is the first node's input source.
  const input = (j: number, i: number, k: number) => (j < 0 ? base.nodeInputs[i][k] : outs[j]);
  adapter.layers.forEach((layer, i) => {
    const ins = adapter.inbound[i].map((j, k) => input(j, i, k));
    nodeInputs[i] = ins;
    const h = ins[0];
    const frozen = hasFrozenSwitches(layer);
    const x0 = base.nodeInputs[i][0];
    let y: Tensor;
    vjpInputs[i] = frozen ? base.nodeInputs[i] : ins;
    if (layer.kind === 'parametric') {
      const p = adapter.paramLayers.indexOf(layer);
      const z = layer.linear(h);
      const z0 = base.captures[p].preactivation;
      captures[p] = { layer, input: h, preactivation: frozen ? z0 : z };
      if (i === strip) y = z;
      else if (frozen) y = tf.add(base.layerOutputs[i], activationJvp(layer.activation, z0, base.layerOutputs[i], tf.sub(z, z0)));
      else y = layer.activation.apply(z);
      vjpOutputs[i] = frozen ? base.layerOutputs[i] : y;
    } else if (layer.kind === 'weighted') {
      const p = adapter.paramLayers.indexOf(layer);
      if (frozen) {
        // f(x₀) at the current weights, plus J_x(x₀) (x − x₀) at the current weights.
        const y0 = layer.forward(x0);
        y = tf.add(
          y0,
          jvpFromVjp((w) => layer.vjp(w, x0, y0), y0.shape, tf.sub(h, x0)),
        );
        vjpOutputs[i] = y0;
      } else {
        y = layer.forward(h);
        vjpOutputs[i] = y;
      }
      captures[p] = { layer, input: h, preactivation: y };
    } else if (layer.kind === 'merge') {
      y = layer.forward(ins);
      vjpOutputs[i] = y;
    } else if (i === strip) {
      y = h;
      vjpOutputs[i] = y;
    } else if (frozen && layer.linearity !== 'linear') {
      const y0 = base.layerOutputs[i];
      const u = tf.sub(h, x0);
      const ju = layer.activation ? activationJvp(layer.activation, x0, y0, u) : jvpFromVjp((w) => layer.vjp(w, x0, y0), y0.shape, u);
      y = tf.add(y0, ju);
      vjpOutputs[i] = y0;
    } else {
      y = layer.forward(h);
      vjpOutputs[i] = y;
    }
    outs[i] = y;
  });
  return {
    output: outs[output],
    captures,
    nodeInputs: vjpInputs,
    layerInputs: vjpInputs.map((ins) => ins[0]),
    layerOutputs: vjpOutputs,
  };
}

/**
 * An exact Hessian-vector product of one batch's criterion by Pearlmutter's R-operator written out
 * per layer (forward tangent pass, then a backward pass that differentiates the adapter's own
 * backward), and the gradient of Σ outputs for SynFlow. tfjs autodiff is used only for small
 * linear or element-wise pieces (never through `MaxPoolGrad`, which is wrong on wasm, or
 * `Conv2DBackpropFilter`, which wasm lacks), so the results are exact on wasm and cpu. The
 * second-order facts come from the layer adapters themselves (`OpLayer.linearity`,
 * `Activation.hessianIsZero` / `secondDerivative`); an op layer without them is refused with
 * `UnsupportedLayerError`.
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import {
  UnsupportedLayerError,
  UnsupportedTopologyError,
  type Activation,
  type LikelihoodName,
  type ModelAdapter,
  type OpLayer,
  type ParametricLayer,
} from '@spam/core';

/** Kernel and bias of one parametric layer. */
interface LayerParams {
  W: Tensor;
  b: Tensor | null;
}

/**
 * The tangent and R-operator passes here run chains of affine and op layers. A graph model, or a
 * layer without a Kronecker form (BatchNormalization, LayerNormalization, DepthwiseConv2D, …), is
 * refused with a typed error naming the layer and the criterion; `synflowScores` and `graspScores`
 * check {@link isChainOfAffineLayers} / {@link hasExactHessianVectorProduct} first and take such
 * models through the adapter's own passes (`graph-passes.ts`, `hessian-vector-fd.ts`) instead.
 */
export function requireChainOfAffineLayers(adapter: ModelAdapter, criterion: string): void {
  const bad = adapter.layers.find((l) => l.kind === 'weighted' || l.kind === 'merge');
  if (bad) {
    throw new UnsupportedLayerError(
      bad.name,
      bad.className,
      `${criterion} needs an exact Hessian-vector/tangent pass, implemented for chains of affine and op layers only`,
    );
  }
  if (!adapter.isChain) {
    throw new UnsupportedTopologyError(`${criterion} is implemented for chain-shaped models; model '${adapter.name}' is a graph`);
  }
}

/** True when {@link requireChainOfAffineLayers} passes: a chain of affine (Dense, Conv1D/2D, Embedding) and op layers. */
export function isChainOfAffineLayers(adapter: ModelAdapter): boolean {
  return adapter.isChain && adapter.layers.every((l) => l.kind === 'parametric' || l.kind === 'op');
}

/**
 * True when the exact Hessian-vector product here covers the model: a chain of affine and op
 * layers whose op layers declare their second-order facts (an activation or `linearity`). GraSP
 * uses the finite-difference product of `hessian-vector-fd.ts` for every other model.
 */
export function hasExactHessianVectorProduct(adapter: ModelAdapter): boolean {
  return isChainOfAffineLayers(adapter) && adapter.layers.every((l) => l.kind !== 'op' || !!l.activation || l.linearity !== undefined);
}

/** Per parametric layer: the canonical block indices of its kernel and bias. */
function blockIndices(adapter: ModelAdapter): Array<{ kernel: number; bias: number | null }> {
  const out = adapter.parametric.map(() => ({ kernel: -1, bias: null as number | null }));
  adapter.params.forEach((p, i) => {
    if (p.role === 'kernel') out[p.layerIndex].kernel = i;
    else out[p.layerIndex].bias = i;
  });
  return out;
}

/** Canonical blocks → per-layer {W, b}. */
export function layerParams(adapter: ModelAdapter, blocks: readonly Tensor[]): LayerParams[] {
  return blockIndices(adapter).map((ix) => ({ W: blocks[ix.kernel], b: ix.bias === null ? null : blocks[ix.bias] }));
}

/** The layer input as im2col rows `[N·T, fanIn]`. */
function patches(layer: ParametricLayer, x: Tensor): Tensor {
  return tf.reshape(layer.expandInput(x), [-1, layer.fanIn]);
}

/** z = a W + b from patch rows a `[N·T, fanIn]`, shaped `[N, ...outputShape]`. */
function affine(layer: ParametricLayer, a: Tensor, W: Tensor, b: Tensor | null, n: number): Tensor {
  const z = tf.matMul(a, tf.reshape(W, [layer.fanIn, layer.units]) as tf.Tensor2D);
  return tf.reshape(b ? tf.add(z, b) : z, [n, ...layer.outputShape]);
}

/** J u of an activation at z (y = f(z)) for u shaped like z. */
function activationJvp(act: Activation, z: Tensor, y: Tensor, u: Tensor): Tensor {
  if (act.elementwise) return tf.squeeze(act.vjp(tf.expandDims(u, 0), z, y), [0]);
  // The VJP is linear in its cotangent w, so ∇_w ⟨J(z)ᵀ w, u⟩ = J(z) u exactly.
  const u1 = tf.expandDims(u, 0);
  const ju = tf.grad((w: Tensor) => tf.sum(tf.mul(act.vjp(w, z, y), u1)))(tf.zerosLike(u1));
  return tf.squeeze(ju, [0]);
}

/**
 * Second-order term of an activation's VJP: R{J(z)ᵀ d} − J(z)ᵀ R{d} = Σ_k d_k ∇²f_k(z) R{z}, for
 * `d` `[1, N, ...]` and R{z} `[N, ...]`: f''(z) ⊙ d ⊙ R{z} for element-wise activations with a
 * closed form, else ∇_z ⟨J(z)ᵀ d, R{z}⟩ by autodiff (the Hessians ∇²f_k are symmetric). An
 * activation whose VJP autodiff cannot differentiate raises `UnsupportedLayerError` naming `layerName`.
 */
function activationSecondOrder(act: Activation, z: Tensor, y: Tensor, d: Tensor, rz: Tensor, layerName: string, className: string): Tensor {
  if (act.elementwise && act.secondDerivative) return tf.mul(act.secondDerivative(z, y), tf.mul(tf.squeeze(d, [0]), rz));
  const r1 = tf.expandDims(rz, 0);
  try {
    // + Σ 0·z keeps z on the tape for activations whose VJP does not read it.
    return tf.grad((zz: Tensor) => tf.add(tf.sum(tf.mul(act.vjp(d, zz, act.apply(zz)), r1)), tf.sum(tf.mul(zz, 0))))(z);
  } catch (e) {
    throw new UnsupportedLayerError(
      layerName,
      className,
      `no second derivative of activation '${act.name}' for the exact Hessian-vector product (GraSP): ${e instanceof Error ? e.message : String(e)}`,
    );
  }
}

/** J u of a piecewise-linear op layer from its VJP (linear in the cotangent): ∇_w ⟨J(x)ᵀ w, u⟩. */
function opJvp(layer: OpLayer, x: Tensor, y: Tensor, u: Tensor): Tensor {
  const u1 = tf.expandDims(u, 0);
  const w0 = tf.zeros([1, ...y.shape]);
  return tf.squeeze(tf.grad((w: Tensor) => tf.sum(tf.mul(layer.vjp(w, x, y), u1)))(w0), [0]);
}

/** Adjoint of the im2col expansion: patch cotangents `[M, T, fanIn]` → input cotangents `[M, ...inputShape]`. */
function col2im(layer: ParametricLayer, p: Tensor): Tensor {
  const m = p.shape[0];
  const inSize = layer.inputShape.reduce((a, b) => a * b, 1);
  if (layer.locations === 1 && layer.fanIn === inSize) return tf.reshape(p, [m, ...layer.inputShape]);
  // expandInput is linear (a convolution with a one-hot kernel): its VJP via autodiff runs only
  // the input-gradient kernel (Conv2DBackpropInput), which wasm has.
  return tf.grad((x: Tensor) => tf.sum(tf.mul(layer.expandInput(x), p)))(tf.zeros([m, ...layer.inputShape]));
}

/** dx = J_xᵀ g of x ↦ x ⋆ W for cotangents g `[K, N, ...outputShape]` and any kernel W. */
function linearVjpWith(layer: ParametricLayer, g: Tensor, W: Tensor): Tensor {
  const [k, n] = g.shape as number[];
  const wT = tf.transpose(tf.reshape(W, [layer.fanIn, layer.units]));
  const pc = tf.matMul(tf.reshape(g, [-1, layer.units]) as tf.Tensor2D, wT);
  const dx = col2im(layer, tf.reshape(pc, [k * n, layer.locations, layer.fanIn]));
  return tf.reshape(dx, [k, n, ...layer.inputShape]);
}

/** What the forward pass records for the backward pass. */
interface ForwardRecord {
  out: Tensor;
  rOut: Tensor | null;
  inputs: Tensor[];
  outputs: Tensor[];
  rInputs: Array<Tensor | null>;
  /** Per parametric layer: patch rows a, their tangent R{a}, pre-activation z and R{z}. */
  a: Tensor[];
  ra: Array<Tensor | null>;
  z: Tensor[];
  rz: Array<Tensor | null>;
}

/** J u of an op layer at its input x (y its output), from the layer's own second-order facts. */
function opLayerJvp(layer: OpLayer, x: Tensor, y: Tensor, u: Tensor): Tensor {
  if (layer.activation) return activationJvp(layer.activation, x, y, u);
  if (layer.linearity === 'linear') return layer.forward(u);
  if (layer.linearity === 'piecewise-linear') return opJvp(layer, x, y, u);
  throw new UnsupportedLayerError(
    layer.name,
    layer.className,
    "no exact Hessian-vector product (GraSP): its adapter declares neither an activation nor `linearity` ('linear' | 'piecewise-linear')",
  );
}

/**
 * Forward pass with parameters `params` and (optionally) the tangent R{·} of every activation in
 * the direction `tangent` of parameter space. Mirrors the adapter's forward (a final softmax is
 * stripped when the adapter strips it). Call inside `tf.tidy`.
 */
function forwardWithTangent(adapter: ModelAdapter, x: Tensor, params: LayerParams[], tangent: LayerParams[] | null): ForwardRecord {
  requireChainOfAffineLayers(adapter, tangent ? 'GraSP' : 'SynFlow');
  const strip = adapter.strippedLayerIndex;
  const n = x.shape[0];
  const rec: ForwardRecord = { out: x, rOut: null, inputs: [], outputs: [], rInputs: [], a: [], ra: [], z: [], rz: [] };
  let h = x;
  let rh: Tensor | null = null;
  let p = 0;
  adapter.layers.forEach((layer, i) => {
    rec.inputs.push(h);
    rec.rInputs.push(rh);
    if (layer.kind === 'parametric') {
      const { W, b } = params[p];
      const a = patches(layer, h);
      const z = affine(layer, a, W, b, n);
      let rz: Tensor | null = null;
      let ra: Tensor | null = null;
      if (tangent) {
        rz = affine(layer, a, tangent[p].W, tangent[p].b, n);
        if (rh) {
          ra = patches(layer, rh);
          rz = tf.add(rz, affine(layer, ra, W, null, n));
        }
      }
      rec.a.push(a);
      rec.ra.push(ra);
      rec.z.push(z);
      rec.rz.push(rz);
      p++;
      if (i === strip) {
        h = z;
        rh = rz;
      } else {
        const y = layer.activation.apply(z);
        rh = rz ? activationJvp(layer.activation, z, y, rz) : null;
        h = y;
      }
    } else if (i !== strip) {
      const op = layer as OpLayer; // requireChainOfAffineLayers: only affine and op layers here
      const y = op.forward(h);
      if (rh) rh = opLayerJvp(op, h, y, rh);
      h = y;
    }
    rec.outputs.push(h);
  });
  rec.out = h;
  rec.rOut = rh;
  return rec;
}

/** Parameter gradients (and their R{·}) per canonical block. */
interface BackwardResult {
  grads: Tensor[];
  rGrads: Tensor[] | null;
}

/**
 * Backward pass from the output cotangent d = ∂ℓ/∂f `[N, outDim]` and its tangent R{d}: the
 * parameter gradients Σ_t a_tᵀ g_t and, when R{d} is given, their R{·} = R{a}ᵀ g + aᵀ R{g}, with
 * R{g} through every layer: R{J_l(z)ᵀ d} = J_lᵀ R{d} + (second-order term of non-linear
 * activations) and, through an affine map, Wᵀ R{g} + Vᵀ g. Call inside `tf.tidy`.
 */
function backwardWithTangent(
  adapter: ModelAdapter,
  rec: ForwardRecord,
  dOut: Tensor,
  rdOut: Tensor | null,
  params: LayerParams[],
  tangent: LayerParams[] | null,
  wantGrads: boolean,
): BackwardResult {
  const strip = adapter.strippedLayerIndex;
  const layers = adapter.layers;
  const firstParam = layers.indexOf(adapter.parametric[0]);
  const ix = blockIndices(adapter);
  const grads: Tensor[] = new Array(adapter.params.length);
  const rGrads: Tensor[] | null = rdOut ? new Array(adapter.params.length) : null;
  let d = tf.expandDims(dOut, 0);
  let rd: Tensor | null = rdOut ? tf.expandDims(rdOut, 0) : null;
  // Applies a VJP to d and R{d} at once (K = 2).
  const both = (f: (t: Tensor) => Tensor): [Tensor, Tensor | null] => {
    if (!rd) return [f(d), null];
    const out = f(tf.concat([d, rd], 0));
    return [tf.slice(out, [0], [1]), tf.slice(out, [1], [1])];
  };
  let p = adapter.parametric.length - 1;
  for (let i = layers.length - 1; i >= firstParam; i--) {
    const layer = layers[i];
    if (layer.kind === 'parametric') {
      const z = rec.z[p];
      const rz = rec.rz[p];
      let gz: Tensor;
      let rgz: Tensor | null;
      if (i === strip) {
        gz = d;
        rgz = rd;
      } else {
        const act = layer.activation;
        const y = rec.outputs[i];
        [gz, rgz] = both((t) => act.vjp(t, z, y));
        if (rgz && rz && !act.hessianIsZero) rgz = tf.add(rgz, activationSecondOrder(act, z, y, d, rz, layer.name, layer.className));
      }
      const a = rec.a[p];
      const aT = tf.transpose(a);
      const g = tf.reshape(gz, [-1, layer.units]);
      const { kernel, bias } = ix[p];
      if (wantGrads) {
        grads[kernel] = tf.reshape(tf.matMul(aT as tf.Tensor2D, g as tf.Tensor2D), adapter.params[kernel].shape);
        if (bias !== null) grads[bias] = tf.sum(g, 0);
      }
      if (rGrads && rgz) {
        const rg = tf.reshape(rgz, [-1, layer.units]);
        let rgw = tf.matMul(aT, rg);
        const ra = rec.ra[p];
        if (ra) rgw = tf.add(rgw, tf.matMul(tf.transpose(ra) as tf.Tensor2D, g as tf.Tensor2D));
        rGrads[kernel] = tf.reshape(rgw, adapter.params[kernel].shape);
        if (bias !== null) rGrads[bias] = tf.sum(rg, 0);
      }
      if (i > firstParam) {
        const W = params[p].W;
        const live = W === layer.kernel.read();
        const vjp = (t: Tensor) => (live ? layer.linearVjp(t) : linearVjpWith(layer, t, W));
        if (rgz) {
          const out = vjp(tf.concat([gz, rgz], 0));
          d = tf.slice(out, [0], [1]);
          rd = tf.slice(out, [1], [1]);
          if (tangent) rd = tf.add(rd, linearVjpWith(layer, gz, tangent[p].W));
        } else {
          d = vjp(gz);
          rd = null;
        }
      }
      p--;
    } else if (i !== strip) {
      const op = layer as OpLayer; // the forward pass checked: affine and op layers only
      const x = rec.inputs[i];
      const y = rec.outputs[i];
      const [nd, nrd] = both((t) => op.vjp(t, x, y));
      const rx = rec.rInputs[i];
      rd = nrd;
      if (rd && rx && op.activation && !op.activation.hessianIsZero) {
        rd = tf.add(rd, activationSecondOrder(op.activation, x, y, d, rx, op.name, op.className));
      }
      d = nd;
    }
  }
  return { grads, rGrads };
}

/**
 * Exact Hessian-vector product of the SUMMED criterion of one batch, Σ_n ℓ(f(x_n), y_n) with ℓ
 * the softmax cross-entropy of the logits or (f − y)²: R{∇θ Σℓ}[v] (Pearlmutter), i.e. H v with
 * the full Hessian (GGN plus the network-curvature term). `y` is dense `[N, outDim]`; `v` has
 * one tensor per canonical parameter block. Call inside `tf.tidy` or dispose the result.
 */
export function batchHessianVectorProduct(
  adapter: ModelAdapter,
  likelihood: LikelihoodName,
  xs: Tensor,
  y: Tensor,
  v: readonly Tensor[],
): Tensor[] {
  requireChainOfAffineLayers(adapter, 'GraSP');
  return tf.tidy(() => {
    const params = layerParams(
      adapter,
      adapter.params.map((b) => b.variable.read()),
    );
    const tangent = layerParams(adapter, v);
    const rec = forwardWithTangent(adapter, xs, params, tangent);
    const f = rec.out;
    const rf = rec.rOut as Tensor;
    let d: Tensor;
    let rd: Tensor;
    if (likelihood === 'classification') {
      const pr = tf.softmax(f);
      d = tf.sub(pr, y);
      // R{p} = (diag p − p pᵀ) R{f}
      rd = tf.mul(pr, tf.sub(rf, tf.sum(tf.mul(pr, rf), -1, true)));
    } else {
      d = tf.mul(2, tf.sub(f, y));
      rd = tf.mul(2, rf);
    }
    return backwardWithTangent(adapter, rec, d, rd, params, tangent, false).rGrads as Tensor[];
  });
}

/**
 * ∂R/∂θ of R = Σ_k f_k(x) for given parameter blocks `blocks` (canonical order; the model's own
 * weights are neither read nor written) and one input batch x. Call inside `tf.tidy`.
 */
export function outputSumGradient(adapter: ModelAdapter, x: Tensor, blocks: readonly Tensor[]): Tensor[] {
  requireChainOfAffineLayers(adapter, 'SynFlow');
  return tf.tidy(() => {
    const params = layerParams(adapter, blocks);
    const rec = forwardWithTangent(adapter, x, params, null);
    return backwardWithTangent(adapter, rec, tf.onesLike(rec.out), null, params, null, true).grads;
  });
}

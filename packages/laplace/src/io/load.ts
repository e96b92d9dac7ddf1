import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { buildModelAdapter, InvalidOptionError, type ModelAdapter, type ModelLike } from '@spam/core';
import { priorFromJSON, type Prior } from '@spam/priors';
import type { LaplaceInfo } from '../curvature/base.js';
import type { Laplace } from '../curvature/structures.js';
import { LAPLACE_CODECS } from './codecs.js';
import { LaplaceFormatError, LaplaceMismatchError } from './errors.js';
import { checkWeights, parseManifest, type LaplaceManifest } from './format.js';
import type { LaplaceIOHandler } from './handler.js';
import { readFloat32LE } from './save.js';

/** What {@link loadLaplace} returns. The caller disposes `laplace` and `prior`. */
export interface LoadedLaplace {
  /** The Laplace, attached to the model's parameters (same structure and values as the saved one). */
  laplace: Laplace;
  /** The prior saved with it (rebuilt for the model), or null when none was saved. */
  prior: Prior | null;
  /** The posterior temperature recorded at save time (1 by default). */
  temperature: number;
  /** The checked manifest. */
  manifest: LaplaceManifest;
}

const shapeText = (s: readonly number[]) => `[${s.join(', ')}]`;

/**
 * Loads a Laplace saved by `saveLaplace` through a handler and attaches it to `model`, which
 * must have the parameter layout it was fitted on. Every check runs before a tensor is created:
 * - the manifest: JSON fields, format and version (`LaplaceVersionError` for a newer format,
 *   naming the version this build reads), a registered structure, tensor specs matching the
 *   structure's layout, the checksums, the buffer's length (`LaplaceFormatError` naming the field);
 * - the model: same number of parameter tensors and entries, same layer and weight names, shapes,
 *   roles and Kronecker/diagonal blocks (`LaplaceMismatchError` naming the first difference);
 * - the tensors: finite values; the prior's JSON (`PriorFormatError` / `PriorMismatchError`).
 * θ, N, σ, the loss and the curvature are the saved ones (bit-exact), so log Z, OPD scores and
 * the predictive equal the saved Laplace's. No tensor is left behind on any error.
 */
export async function loadLaplace(handler: LaplaceIOHandler, model: ModelLike): Promise<LoadedLaplace> {
  if (typeof handler?.load !== 'function')
    throw new InvalidOptionError('loadLaplace: the handler has no load() method (use fromMemory(), browserFiles() or fileSystem(dir))');
  const raw = await handler.load();
  if (raw === null || typeof raw !== 'object') throw new LaplaceFormatError('(root)', `the handler returned ${String(raw)}, not artifacts`);
  const sources = raw.sources ?? {};
  const manifest = parseManifest(
    typeof raw.manifest === 'string' ? parseJSON(raw.manifest, sources.manifest) : raw.manifest,
    sources.manifest,
  );
  if (!Object.prototype.hasOwnProperty.call(LAPLACE_CODECS, manifest.structure)) {
    throw new LaplaceFormatError(
      'structure',
      `unknown curvature structure '${manifest.structure}' (this build reads ${Object.keys(LAPLACE_CODECS).join(', ')})`,
      sources.manifest,
    );
  }
  const codec = LAPLACE_CODECS[manifest.structure as keyof typeof LAPLACE_CODECS];
  const bytes = checkWeights(manifest, raw.weightData, sources.weights);
  const adapter = buildModelAdapter(model, { logits: manifest.likelihood === 'classification' });
  checkModel(adapter, manifest);
  const layout = [
    ...manifest.params.map((p) => ({ name: `theta/${p.name}`, shape: p.shape })),
    ...codec.layout(manifest.params, manifest.eigendecomposition),
  ];
  if (layout.length !== manifest.tensors.length) {
    throw new LaplaceFormatError(
      'tensors',
      `a ${manifest.structure} Laplace over these parameters${manifest.eigendecomposition ? ' with eigendecompositions' : ''} ` +
        `stores ${layout.length} tensors, the manifest lists ${manifest.tensors.length}`,
      sources.manifest,
    );
  }
  const values = manifest.tensors.map((t, i) => {
    const want = layout[i];
    if (t.name !== want.name)
      throw new LaplaceFormatError(`tensors[${i}].name`, `is '${t.name}', expected '${want.name}'`, sources.manifest);
    if (t.shape.join() !== want.shape.join())
      throw new LaplaceFormatError(
        `tensors[${i}].shape`,
        `tensor '${t.name}' has shape ${shapeText(t.shape)}, expected ${shapeText(want.shape)}`,
        sources.manifest,
      );
    const v = readFloat32LE(bytes, t.byteOffset, t.byteLength / 4);
    const bad = v.findIndex((x) => !Number.isFinite(x));
    if (bad >= 0) throw new LaplaceFormatError(`tensors[${i}]`, `tensor '${t.name}' holds ${v[bad]} at entry ${bad}`, sources.weights);
    return v;
  });
  const prior = manifest.prior === null ? null : priorFromJSON(model, manifest.prior);
  const tensors: Tensor[] = [];
  try {
    manifest.tensors.forEach((t, i) => tensors.push(tf.tensor(values[i], t.shape, 'float32')));
    const nTheta = manifest.params.length;
    const info: LaplaceInfo = {
      likelihood: manifest.likelihood,
      curvature: manifest.curvature,
      sigma: manifest.sigma,
      nData: manifest.nData,
      loss: manifest.loss,
      params: adapter.params,
      theta: tensors.slice(0, nTheta),
    };
    const laplace = codec.restore(info, tensors.slice(nTheta), adapter, manifest.eigendecomposition);
    return { laplace, prior, temperature: manifest.temperature, manifest };
  } catch (e) {
    tf.dispose(tensors);
    prior?.dispose();
    throw e;
  }
}

/** Throws `LaplaceMismatchError` unless the model's parameter layout is the saved one. */
function checkModel(adapter: ModelAdapter, m: LaplaceManifest): void {
  const params = adapter.params;
  if (params.length !== m.params.length || adapter.numParams !== m.numParams) {
    throw new LaplaceMismatchError(
      `model '${adapter.name}' has ${params.length} parameter tensors (${adapter.numParams} parameters) but the saved Laplace ` +
        `was fitted on ${m.params.length} (${m.numParams}): it belongs to another model`,
    );
  }
  params.forEach((p, i) => {
    const s = m.params[i];
    const what = (x: { name: string; shape: readonly number[]; role: string; kron: boolean }) =>
      `'${x.name}' ${shapeText(x.shape)} (${x.role}, ${x.kron ? 'Kronecker' : 'diagonal'} block)`;
    if (
      p.name !== s.name ||
      p.layerName !== s.layerName ||
      p.weight !== s.weight ||
      p.shape.join() !== s.shape.join() ||
      p.role !== s.role ||
      p.kron !== s.kron
    ) {
      throw new LaplaceMismatchError(
        `parameter ${i} of model '${adapter.name}' is ${what(p)} but the saved Laplace's is ${what(s)}: it was fitted on another model`,
      );
    }
  });
}

/** JSON text → value; `LaplaceFormatError` naming the source when it is not JSON. */
function parseJSON(text: string, source?: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new LaplaceFormatError('(root)', `the manifest is not JSON (${e instanceof Error ? e.message : String(e)})`, source);
  }
}

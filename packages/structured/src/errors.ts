import { UnsupportedTopologyError } from '@spam/core';

/**
 * The model merges branches (`Add`, `Concatenate`, …): the units of the layers feeding the merge
 * are coupled (a residual `Add` needs the same units removed on both sides), which
 * `@spam/structured` does not resolve; it refuses instead of building a wrong model. Also an
 * `UnsupportedTopologyError` (code `'UNSUPPORTED_TOPOLOGY'`).
 */
export class CoupledUnitsError extends UnsupportedTopologyError {
  /** The merge layer's name. */
  readonly mergeLayer: string;
  /** The merge layer's tfjs class name, e.g. `'Add'`. */
  readonly mergeClass: string;
  /** The layers feeding the merge directly. */
  readonly inputs: readonly string[];
  /** The nearest Dense/Conv2D layer (or the model input) upstream of each merge input: the coupled layers. */
  readonly coupledLayers: readonly string[];
  constructor(mergeLayer: string, mergeClass: string, inputs: readonly string[], coupledLayers: readonly string[]) {
    super(
      `Layer '${mergeLayer}' (${mergeClass}) merges [${inputs.join(', ')}], coupling the units of ` +
        `[${coupledLayers.join(', ')}]: @spam/structured removes units only in Sequential and ` +
        'chain-shaped functional models (no Add/Concatenate/merge layers).',
    );
    this.mergeLayer = mergeLayer;
    this.mergeClass = mergeClass;
    this.inputs = [...inputs];
    this.coupledLayers = [...coupledLayers];
  }
}

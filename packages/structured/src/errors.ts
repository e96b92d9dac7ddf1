import { InvalidOptionError, UnsupportedTopologyError } from '@spam/core';

/**
 * The model merges branches (`Add`, `Concatenate`, …): the units of the layers feeding the merge
 * are coupled (a residual `Add` needs the same units removed on both sides), which per-layer unit
 * selection cannot express; it refuses instead of building a wrong model (dependency groups
 * resolve the coupling: `groupScores` → `groupMasks`). Also an
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
        `[${coupledLayers.join(', ')}]: per-layer unit selection needs a chain-shaped model. For models with ` +
        'merges, remove dependency groups: groupScores → groupMasks → pruneUnits, or structuredProtocol with ' +
        "selection: 'group'.",
    );
    this.mergeLayer = mergeLayer;
    this.mergeClass = mergeClass;
    this.inputs = [...inputs];
    this.coupledLayers = [...coupledLayers];
  }
}

/**
 * Unit masks that structured removal through a graph cannot honour, naming the dependency group
 * and its members: `'split'` — the mask keeps a unit of the group in one member and removes it in
 * another (a residual `Add` needs the same channel removed on every branch); `'fixed'` — the group
 * may not be removed (model input/output, a layer that does not carry channels, a
 * LayerNormalization-ed residual stream without `residualStream: true`); `'empty-layer'` — the
 * masks remove every unit of a layer; `'no-heads'` — every attention head of a Concatenate is
 * removed. Also an `InvalidOptionError` (code `'INVALID_OPTION'`). The input model is untouched.
 */
export class GroupMaskError extends InvalidOptionError {
  /** The group's name (`'<layer>:<unit>'`, `'<concat>[<input>]'` for a head), or the layer's name for `'empty-layer'`/`'no-heads'`. */
  readonly group: string;
  /** The group's members as `'<layer>/<weight>'` (or the groups involved). */
  readonly members: readonly string[];
  /** What is wrong. */
  readonly reason: 'split' | 'fixed' | 'empty-layer' | 'no-heads';
  constructor(reason: GroupMaskError['reason'], group: string, members: readonly string[], detail: string) {
    super(`${detail} [members: ${members.join(', ')}]`);
    this.reason = reason;
    this.group = group;
    this.members = [...members];
  }
}

/**
 * Channel flow through the adapter graph: every last-axis position of every node output gets a
 * channel id; layers that carry channels ({@link ChannelFacts}) pass or join ids, merges couple
 * them (union–find), and each id collects the weight slices that belong to it. The roots are the
 * dependency groups of structured removal.
 * @packageDocumentation
 */
import { buildModelGraph, type AdaptedLayer, type ChannelFacts, type LayerVariableLike, type ModelGraph, type ModelLike } from '@spam/core';

/** One weight slice of a channel id: `variable[..., index, ...]` on `axis`. */
export interface RawMember {
  readonly layer: string;
  readonly className: string;
  readonly variable: LayerVariableLike;
  readonly axis: number;
  readonly index: number;
  /** `'unit'`: a source unit's own weights; `'input'`: a consumer's input rows; `'follow'`: a per-channel weight of a following layer. */
  readonly role: 'unit' | 'input' | 'follow';
}

/** The analysed graph: node outputs as channel ids, ids joined into groups, and what each holds. */
export interface ChannelGraph {
  readonly graph: ModelGraph;
  /** Per node, the channel id of each output last-axis position. */
  readonly chans: readonly Int32Array[];
  /** Union–find root of an id. */
  root(id: number): number;
  /** Per id: weight slices. */
  readonly members: readonly RawMember[][];
  /** Per id: source units (a parametric layer's unit). */
  readonly units: ReadonlyArray<Array<{ layer: string; index: number }>>;
  /** Per id: (layer, output position) pairs of following weighted layers, for scores. */
  readonly follows: ReadonlyArray<Array<{ layer: string; index: number }>>;
  /** Per id: why it cannot be removed (first reason found), if so. */
  readonly fixed: ReadonlyArray<string | undefined>;
  /** Per id: a LayerNormalization normalises over it (the residual stream of a transformer). */
  readonly normalized: ReadonlyArray<string | undefined>;
  /** Attention heads: a branch feeding one input of a Concatenate and holding a q·kᵀ Dot. */
  readonly heads: readonly HeadBranch[];
}

/** One attention head found in the graph. */
export interface HeadBranch {
  /** The Concatenate node joining the heads, and which of its inputs this head is. */
  readonly concat: number;
  readonly input: number;
  /** Nodes used only by this head (deleted with it). */
  readonly nodes: readonly number[];
  /** The head's channel id (all its units joined). */
  readonly id: number;
}

const lastDim = (shape: readonly number[]) => shape[shape.length - 1] ?? 1;

/** The channel facts of a layer, deriving identity facts from an identity `mapChannels` of an op layer. */
export function channelFacts(layer: AdaptedLayer): ChannelFacts | null {
  if (layer.kind === 'parametric') return null;
  if (layer.channels) return layer.channels;
  if (layer.kind === 'op' && layer.mapChannels && lastDim(layer.inputShape) === lastDim(layer.outputShape)) return { flow: 'follow' };
  return null;
}

/** Builds the {@link ChannelGraph} of a model (typed adapter errors for unsupported models). */
export function channelGraph(model: ModelLike): ChannelGraph {
  const graph = buildModelGraph(model);
  const parent: number[] = [];
  const members: RawMember[][] = [];
  const units: Array<Array<{ layer: string; index: number }>> = [];
  const follows: Array<Array<{ layer: string; index: number }>> = [];
  const fixed: Array<string | undefined> = [];
  const normalized: Array<string | undefined> = [];
  const fresh = (n: number, reason?: string) =>
    Int32Array.from({ length: n }, () => {
      parent.push(parent.length);
      members.push([]);
      units.push([]);
      follows.push([]);
      fixed.push(reason);
      normalized.push(undefined);
      return parent.length - 1;
    });
  const root = (id: number): number => {
    while (parent[id] !== id) {
      parent[id] = parent[parent[id]];
      id = parent[id];
    }
    return id;
  };
  const union = (a: number, b: number) => {
    const ra = root(a);
    const rb = root(b);
    if (ra !== rb) parent[Math.max(ra, rb)] = Math.min(ra, rb);
  };
  const fix = (ids: Int32Array, reason: string) => ids.forEach((id) => (fixed[id] ??= reason));
  const input = fresh(lastDim(graph.inputShape), 'it carries the model input');
  const chans: Int32Array[] = [];
  const inputsOf = (i: number) => graph.nodes[i].inbound.map((j) => (j < 0 ? input : chans[j]));
  graph.nodes.forEach((node, i) => {
    const l = node.layer;
    const ins = inputsOf(i);
    const outSize = lastDim(l.outputShape);
    const tag = `'${l.name}' (${l.className})`;
    if (l.kind === 'parametric') {
      const s = l.unitSlicing;
      if (s)
        ins[0].forEach((id, p) =>
          members[id].push({ layer: l.name, className: l.className, variable: l.kernel, axis: s.inputAxis, index: p, role: 'input' }),
        );
      else fix(ins[0], `it reaches ${tag}, which cannot drop input channels (its adapter defines no unitSlicing)`);
      const why = !s
        ? `its units belong to ${tag}, whose adapter defines no unitSlicing`
        : !l.activation.elementwise
          ? `activation '${l.activation.name}' of ${tag} couples its units`
          : undefined;
      const out = fresh(outSize, why);
      const rank = l.kernel.shape.length;
      out.forEach((id, u) => {
        units[id].push({ layer: l.name, index: u });
        members[id].push({ layer: l.name, className: l.className, variable: l.kernel, axis: rank - 1, index: u, role: 'unit' });
        if (l.bias) members[id].push({ layer: l.name, className: l.className, variable: l.bias, axis: 0, index: u, role: 'unit' });
      });
      chans.push(out);
      return;
    }
    const f = channelFacts(l);
    const barrier = () => {
      ins.forEach((ids) => fix(ids, `it reaches ${tag}, which does not carry channels (no channel facts)`));
      chans.push(fresh(outSize, `it comes out of ${tag}, which does not carry channels`));
    };
    if (!f) return barrier();
    if (f.flow === 'follow') {
      if (ins.some((ids) => ids.length !== ins[0].length)) return barrier();
      for (const ids of ins.slice(1)) ids.forEach((id, c) => union(ins[0][c], id));
      const out = Int32Array.from({ length: outSize }, (_, p) => ins[0][f.source ? f.source[p] : p]);
      if (f.normalizes) ins[0].forEach((id) => (normalized[id] ??= `${tag} normalises over it`));
      for (const w of f.weights ?? []) {
        const ids = w.by === 'input' ? ins[0] : out;
        ids.forEach((id, p) =>
          members[id].push({ layer: l.name, className: l.className, variable: w.variable, axis: w.axis, index: p, role: 'follow' }),
        );
      }
      if (l.kind === 'weighted') out.forEach((id, p) => follows[id].push({ layer: l.name, index: p }));
      chans.push(out);
      return;
    }
    if (f.flow === 'concat') {
      const out = new Int32Array(outSize);
      let o = 0;
      for (const ids of ins) for (const id of ids) out[o++] = id;
      chans.push(out);
      return;
    }
    const c = f.contract;
    if (!c || ins.length !== 2) return barrier();
    const [a, b] = ins;
    if (c.lastAxisContracted[0] && c.lastAxisContracted[1] && a.length === b.length) a.forEach((id, j) => union(id, b[j]));
    else if (c.lastAxisContracted[0]) fix(a, `${tag} contracts it against a non-channel axis`);
    else if (c.lastAxisContracted[1]) fix(b, `${tag} contracts it against a non-channel axis`);
    ins.forEach((ids, k) => {
      if (!c.lastAxisContracted[k] && c.outputFrom !== k) fix(ids, `${tag} moves it off the last axis`);
    });
    chans.push(c.outputFrom === null ? fresh(outSize, `it is ${tag}'s output over tokens, not channels`) : ins[c.outputFrom]);
  });
  fix(chans[graph.output], 'it reaches the model output');
  const heads = findHeads(graph, chans, union);
  return { graph, chans, root, members, units, follows, fixed, normalized, heads };
}

/** Attention heads: branches feeding one input of a last-axis Concatenate that hold a Dot contracting both last axes. */
function findHeads(graph: ModelGraph, chans: Int32Array[], union: (a: number, b: number) => void): HeadBranch[] {
  const consumers: number[][] = graph.nodes.map(() => []);
  graph.nodes.forEach((n, i) => n.inbound.forEach((j) => j >= 0 && consumers[j].push(i)));
  const heads: HeadBranch[] = [];
  graph.nodes.forEach((node, ci) => {
    if (node.layer.kind !== 'merge' || channelFacts(node.layer)?.flow !== 'concat') return;
    node.inbound.forEach((p, k) => {
      if (p < 0 || consumers[p].length !== 1 || node.inbound.indexOf(p) !== k) return;
      const inBranch = new Set<number>([p]);
      for (let q = p - 1; q >= 0; q--) if (consumers[q].length > 0 && consumers[q].every((c) => inBranch.has(c))) inBranch.add(q);
      const nodes = [...inBranch].sort((x, y) => x - y);
      const isHead = nodes.some((q) => {
        const f = channelFacts(graph.nodes[q].layer);
        return f?.flow === 'contract' && f.contract?.lastAxisContracted[0] === true && f.contract.lastAxisContracted[1] === true;
      });
      if (!isHead) return;
      const ids = nodes.flatMap((q) => (graph.nodes[q].layer.kind === 'parametric' ? [...chans[q]] : []));
      if (ids.length === 0) return;
      ids.forEach((id) => union(ids[0], id));
      heads.push({ concat: ci, input: k, nodes, id: ids[0] });
    });
  });
  return heads;
}

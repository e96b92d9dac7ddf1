/**
 * App glue for graph models (ResNet, ViT, Mixer): `@spam/structured`'s `structuredProtocol` with
 * `selection: 'group'` — units removed by dependency groups, each group scored by the sum of its
 * member unit scores, the lowest fraction of each family removed (one group kept), then delete,
 * fine-tune, measure. The logic lives in the library; this file only narrows the row type.
 */
import type * as tf from '@tensorflow/tfjs';
import {
  structuredProtocol,
  type StructuredProtocolOptions,
  type StructuredProtocolProgress,
  type StructuredProtocolRow,
} from '@spam/structured';

/** A protocol row of group selection: `groupsRemoved` / `groupsTotal` are always set. */
export type GroupProtocolRow = StructuredProtocolRow & { selection: 'group'; groupsRemoved: number; groupsTotal: number };

/** Progress of {@link groupStructuredProtocol} (the library's; its rows are group rows). */
export type GroupProtocolProgress = StructuredProtocolProgress;

/** Options of {@link groupStructuredProtocol}: the library protocol's, without `selection`. */
export type GroupProtocolOptions = Omit<StructuredProtocolOptions, 'selection'>;

/**
 * `structuredProtocol(model, {...options, selection: 'group'})`: the structured protocol by
 * dependency groups on any supported model, with its typed errors and guarantees (input model
 * untouched, every smaller model disposed, nothing leaked).
 */
export async function groupStructuredProtocol(model: tf.LayersModel, options: GroupProtocolOptions): Promise<GroupProtocolRow[]> {
  return (await structuredProtocol(model, { ...options, selection: 'group' })) as GroupProtocolRow[];
}

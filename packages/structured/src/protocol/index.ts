/**
 * The paper's structured protocol: per-layer (chains) or per-dependency-group (graphs) unit selection, delete, fine-tune, measure.
 * @packageDocumentation
 */
export { layerFractionMasks, type LayerFractions } from './layer-masks.js';
export { type ProtocolSelection } from './selection.js';
export { fineTune, type FineTuneOptions, type FineTuneProgress, type FineTuneResult, type LabelledData } from './fine-tune.js';
export { measureModel, medianLatencyMs, type MeasureOptions, type StructuredMeasurement } from './measure.js';
export {
  structuredProtocol,
  type StructuredProtocolOptions,
  type StructuredProtocolProgress,
  type StructuredProtocolRow,
} from './protocol.js';

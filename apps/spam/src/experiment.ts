/**
 * One data set of a `spam` run: every training (MAP / SpaM) from the same seeded weights, each
 * followed by the unstructured sweep (criteria × sparsities, one shot, no retraining) and
 * structured removal (unit criteria × unit fractions) of the same trained net by the paper's
 * protocol: delete units (per layer in chains, by dependency groups in graph models), fine-tune
 * the smaller model, measure (structured-stage.ts).
 * Rows go to the report as soon as a training is done.
 */
import * as tf from '@tensorflow/tfjs';
import {
  buildModelAdapter,
  evaluate,
  SpamError,
  UnsupportedLayerError,
  UnsupportedTopologyError,
  type ClassificationMetrics,
  type RegressionMetrics,
} from '@spam/core';
import { marglikTraining, type MarglikTrainingResult } from '@spam/laplace';
import { criterionScores, sparsitySweep, type ParamScores } from '@spam/prune';
import { countMacs } from '@spam/structured';
import { calibrateBatchNorm, marglikOptions, ProgressBar, trainingProgress } from '@spam/harness';
import type { RunConfig, Schedule, TrainingSpec } from './config.js';
import { AUTO_MODEL, buildModel, isGraphModel } from './models.js';
import { runStructuredStage } from './structured-stage.js';
import { runPredictiveStage } from './predictive-stage.js';
import type { Dataset, PrecisionSummary, ResultRow, StructuredRow } from './types.js';

/** Where one data set's results go (the run appends them to the report and saves it). */
export interface ExperimentSink {
  log: (line: string) => void;
  showProgress: boolean;
  timing: (stage: string, ms: number) => void;
  /** Called after each training with its rows; may save a partial report. */
  addRows: (rows: { results: ResultRow[]; structured: StructuredRow[]; precisions: PrecisionSummary[] }) => Promise<void>;
  /** True once the user interrupted the run: stop at the next batch, hyper step, sweep point or model. */
  interrupted: () => boolean;
}

/**
 * Thrown (from a progress callback or between steps) when {@link ExperimentSink.interrupted}
 * turns true; the run catches it and saves the partial report. Every tensor of the step is freed
 * on the way out, as on any error.
 */
export class RunInterrupted extends SpamError {
  constructor() {
    super('INTERRUPTED', 'the run was interrupted');
  }
}

/** Throws {@link RunInterrupted} once the run was interrupted. */
function checkpoint(sink: ExperimentSink): void {
  if (sink.interrupted()) throw new RunInterrupted();
}

/** One event-loop turn, so an abort (a signal handler, a timer) can arrive between long synchronous steps. */
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

type Metrics = ClassificationMetrics | RegressionMetrics;

const pickMetrics = (m: Metrics) =>
  'accuracy' in m ? { accuracy: m.accuracy, nll: m.nll, ece: m.ece, brier: m.brier } : { nll: m.nll, mse: m.mse };

/** Runs every training of `cfg` on `data` and hands the rows to `sink`. */
export async function runDataset(data: Dataset, cfg: RunConfig, sink: ExperimentSink): Promise<void> {
  const modelName = cfg.model === 'auto' ? (AUTO_MODEL[data.name] ?? (data.inputShape.length === 3 ? 'lenet' : 'mnist-fc')) : cfg.model;
  const s: Schedule = cfg.schedules[data.name];
  const likelihood = data.likelihood;
  const probe = buildModel(modelName, data.inputShape, data.outputDim, cfg.seed);
  sink.log(`${data.name}: ${data.description}`);
  sink.log(
    `  model ${modelName} (${probe.countParams()} parameters, ${countMacs(probe)} MACs), ${data.xTrain.shape[0]} train / ${data.xTest.shape[0]} test, ` +
      `Adam ${s.lr}, batch ${s.batchSize}, ${s.epochs} epochs, SpaM: F = ${s.marglikEvery}, K = ${s.hyperSteps}, B = ${s.burnIn}, ${cfg.curvature.toUpperCase()}`,
  );
  probe.dispose();
  if (cfg.unitFractions.length > 0)
    sink.log(
      (isGraphModel(modelName)
        ? `  structured: dependency groups (coupled channels, attention heads, MLP units) ranked by the sum of their unit scores, ` +
          `the lowest of each family removed (${cfg.unitCriteria.join(', ')} × ${cfg.unitFractions.length} fractions), `
        : `  structured: units removed per layer (${cfg.unitCriteria.join(', ')} × ${cfg.unitFractions.length} fractions), `) +
        (cfg.finetuneEpochs > 0
          ? `each smaller model fine-tuned ${cfg.finetuneEpochs} epoch(s), then measured`
          : 'one-shot (no fine-tuning)'),
    );
  const width = Math.max(...cfg.trainings.map((t) => t.name.length), 10);
  for (const spec of cfg.trainings) {
    checkpoint(sink);
    await runTraining(data, cfg, s, spec, modelName, likelihood, width, sink);
  }
}

async function runTraining(
  data: Dataset,
  cfg: RunConfig,
  s: Schedule,
  spec: TrainingSpec,
  modelName: Exclude<RunConfig['model'], 'auto'>,
  likelihood: Dataset['likelihood'],
  width: number,
  sink: ExperimentSink,
): Promise<void> {
  const model = buildModel(modelName, data.inputShape, data.outputDim, cfg.seed);
  const trainData = { xs: data.xTrain, ys: data.yTrain, batchSize: s.batchSize };
  const batches = Math.ceil(data.xTrain.shape[0] / s.batchSize);
  const progress = sink.showProgress ? trainingProgress({ ...spec }, s, batches, width) : null;
  const stage = `${data.name}/${spec.name}`;
  let result: MarglikTrainingResult | undefined;
  const scores: ParamScores[] = [];
  // Wall time of the marglik steps' curvature fits (with the kron eigendecompositions): from a step's first
  // curvature batch to its first hyper step.
  let fitStart: number | undefined;
  let fitMs = 0;
  let fits = 0;
  const onProgress = (p: Parameters<NonNullable<typeof progress>['onProgress']>[0]) => {
    if (p.stage === 'curvature' && fitStart === undefined) fitStart = performance.now();
    if (p.stage === 'hyper' && fitStart !== undefined) {
      fitMs += performance.now() - fitStart;
      fits++;
      fitStart = undefined;
    }
    progress?.onProgress(p);
    checkpoint(sink); // stops training at the next batch / curvature batch / hyper step
  };
  try {
    // BatchNormalization normalises with its moving statistics (SpaM runs in inference mode): set them from the training data first.
    calibrateBatchNorm(model, data.xTrain);
    const t0 = performance.now();
    result = await marglikTraining(model, trainData, {
      likelihood,
      ...marglikOptions(spec, s),
      curvature: cfg.curvature,
      seed: cfg.seed + 1,
      onProgress,
    });
    const trainMs = performance.now() - t0;
    sink.timing(`${stage}/train`, trainMs);
    if (fits > 0) sink.timing(`${stage}/curvature-fits`, fitMs);
    const sigma = result.sigma;
    const adapter = buildModelAdapter(model, { logits: likelihood === 'classification' });
    const dense = evaluate(adapter, likelihood, data.xTest, data.yTest, { sigma });
    progress?.bar.finish(
      `${'accuracy' in dense ? `test acc ${(dense.accuracy * 100).toFixed(2)}%` : `test mse ${dense.mse.toFixed(4)}`} in ${(trainMs / 1000).toFixed(1)} s${fits > 0 ? ` (${fits} curvature fits ${(fitMs / 1000).toFixed(1)} s)` : ''}`,
    );
    const results: ResultRow[] = [
      { dataset: data.name, training: spec.name, criterion: 'none', sparsity: 0, seed: cfg.seed, ...pickMetrics(dense) },
    ];

    // Unstructured: every criterion's scores, then one sweep from the same trained weights.
    const n = Math.min(cfg.scoreExamples, data.xTrain.shape[0]);
    const scoreXs = tf.slice(data.xTrain, 0, n);
    const scoreYs = tf.slice(data.yTrain, 0, n);
    try {
      for (const c of cfg.criteria) {
        checkpoint(sink);
        const t1 = performance.now();
        try {
          scores.push(
            await criterionScores(c, {
              model,
              likelihood,
              laplace: result.laplace,
              prior: result.prior,
              data: { xs: scoreXs, ys: scoreYs, batchSize: 100 },
              seed: cfg.seed,
              sigma,
            }),
          );
        } catch (e) {
          // A criterion that cannot take this model (a layer it has no pass for) is skipped, named, and the run goes on.
          if (!(e instanceof UnsupportedLayerError || e instanceof UnsupportedTopologyError)) throw e;
          sink.log(`  ${c} skipped for ${modelName}: ${e.message}`);
          continue;
        }
        sink.timing(`${stage}/score/${c}`, performance.now() - t1);
      }
    } finally {
      tf.dispose([scoreXs, scoreYs]);
    }
    const t2 = performance.now();
    const bar = sink.showProgress
      ? new ProgressBar({ total: scores.length * cfg.sparsities.length, label: 'sweep'.padEnd(width), plainSteps: 2, width: 24 })
      : null;
    // One point per call: the sweep can stop between points.
    const sweep: ReturnType<typeof sparsitySweep> = [];
    for (const set of scores) {
      for (const sparsity of cfg.sparsities) {
        await turn();
        checkpoint(sink);
        sweep.push(...sparsitySweep(model, set, { likelihood, data: { xs: data.xTest, ys: data.yTest }, sparsities: [sparsity], sigma }));
        bar?.update(sweep.length, `${set.criterion} ${(sparsity * 100).toFixed(0)}%`);
      }
    }
    const sweepMs = performance.now() - t2;
    bar?.finish(`${sweep.length} points in ${(sweepMs / 1000).toFixed(1)} s`);
    sink.timing(`${stage}/sweep`, sweepMs);
    for (const r of sweep)
      results.push({
        dataset: data.name,
        training: spec.name,
        criterion: r.criterion,
        sparsity: r.sparsity,
        seed: cfg.seed,
        ...pickMetrics(r),
      });

    // Calibration of the OPD sweep (classification): reliability bins of the point estimates, SpaM + GLM predictive rows.
    const opd = scores.find((x) => x.criterion === 'opd');
    if (opd && likelihood === 'classification') {
      const t4 = performance.now();
      const cal = await runPredictiveStage({
        data,
        model,
        training: spec.name,
        map: spec.map,
        result,
        opd,
        sparsities: cfg.sparsities,
        seed: cfg.seed,
        batchSize: s.batchSize,
        curvature: cfg.curvature,
        checkpoint: () => checkpoint(sink),
      });
      for (const r of results) {
        const point = r.criterion === 'none' || r.criterion === 'opd' ? cal.point.find((p) => p.sparsity === r.sparsity) : undefined;
        if (point) r.reliability = point.reliability;
      }
      results.push(...cal.glm);
      sink.timing(`${stage}/predictive`, performance.now() - t4);
    }

    // Structured: the paper's protocol (units deleted per layer, the smaller model fine-tuned, measured).
    let structured: StructuredRow[] = [];
    if (cfg.unitFractions.length > 0) {
      const t3 = performance.now();
      structured = await runStructuredStage({
        data,
        cfg,
        schedule: s,
        spec,
        model,
        result,
        sigma,
        labelWidth: sink.showProgress ? width : undefined,
        checkpoint: () => checkpoint(sink),
      });
      sink.timing(`${stage}/structured`, performance.now() - t3);
    }
    await sink.addRows({
      results,
      structured,
      precisions: spec.map
        ? []
        : result.prior.summaryPerTensor().map(({ name, ...st }) => ({ dataset: data.name, training: spec.name, tensor: name, ...st })),
    });
  } finally {
    progress?.bar.finish();
    scores.forEach((x) => x.dispose());
    result?.laplace.dispose();
    result?.prior.dispose();
    model.dispose();
  }
}

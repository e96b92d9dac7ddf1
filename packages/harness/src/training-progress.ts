/**
 * The progress bar of one `marglikTraining` call: it counts batches and hyper steps and shows
 * the epoch, the loss of the last epoch and the last log Z.
 */
import type { MarglikProgress } from '@spam/laplace';
import { ProgressBar } from './progress.js';
import { marglikStepCount, type MarglikSchedule, type TrainingSpec } from './schedule.js';

/** A bar and the `onProgress` callback that drives it. */
export interface TrainingProgress {
  bar: ProgressBar;
  onProgress: (p: MarglikProgress) => void;
}

/**
 * A progress bar over the batches and hyper steps of one training (MAP has no hyper steps),
 * labelled with the training's name padded to `labelWidth`.
 */
export function trainingProgress(spec: TrainingSpec, s: MarglikSchedule, batchesPerEpoch: number, labelWidth: number): TrainingProgress {
  const hyperTotal = spec.map ? 0 : marglikStepCount(s) * s.hyperSteps;
  const bar = new ProgressBar({
    total: s.epochs * batchesPerEpoch + hyperTotal,
    label: spec.name.padEnd(labelWidth),
    plainSteps: 4,
    width: 24,
  });
  let done = 0;
  let epoch = 0;
  let loss = NaN;
  let logZ: number | undefined;
  const status = (extra = '') =>
    `epoch ${epoch}/${s.epochs}${Number.isFinite(loss) ? ` loss ${loss.toFixed(4)}` : ''}${logZ !== undefined ? ` log Z ${logZ.toFixed(1)}` : ''}${extra}`;
  const onProgress = (p: MarglikProgress) => {
    if (p.stage === 'batch') {
      done++;
      epoch = p.epoch;
      bar.update(done, status());
    } else if (p.stage === 'hyper') {
      done++;
      logZ = p.logMarglik;
      bar.update(done, status(` hyper ${p.step}/${p.steps}`));
    } else if (p.stage === 'epoch') {
      loss = p.loss;
      if (p.logMarglik !== undefined) logZ = p.logMarglik;
      bar.update(done, status());
    }
  };
  return { bar, onProgress };
}

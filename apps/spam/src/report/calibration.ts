/**
 * Calibration in the report (issue 15): NLL, ECE and Brier score of MAP, the SpaM point estimate
 * and SpaM + the GLM predictive (probit) at each OPD sparsity — a table per data set and a
 * reliability diagram (accuracy vs confidence per bin). The GLM rows are sweep rows with criterion
 * `'opd-glm'`, so the NLL-vs-sparsity plot draws them beside the point estimates.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { ReliabilityBins, ResultRow } from '../types.js';
import { finite, num, orderTrainings, pct } from './summary.js';

/** Criterion name of the GLM-predictive rows (OPD masks, probit link). */
export const GLM_CRITERION = 'opd-glm';

/** Criterion name of the GLM rows with a temperature tuned on the last examples of the training split. */
export const GLM_TUNED_CRITERION = 'opd-glm-tuned';

/** Equal-width confidence bins of the reliability diagram and the ECE (as `@spam/core`'s `evaluate`). */
export const RELIABILITY_BINS = 10;

/**
 * Accuracy, NLL, Brier, ECE and the reliability bins of class probabilities `[M, K]` (row-major)
 * against integer labels; the confidence of an example is its largest probability.
 */
export function probabilityMetrics(
  probs: ArrayLike<number>,
  labels: ArrayLike<number>,
  k: number,
): { accuracy: number; nll: number; brier: number; ece: number; reliability: ReliabilityBins } {
  const m = labels.length;
  const count = new Array<number>(RELIABILITY_BINS).fill(0);
  const conf = new Array<number>(RELIABILITY_BINS).fill(0);
  const hits = new Array<number>(RELIABILITY_BINS).fill(0);
  let correct = 0;
  let nll = 0;
  let brier = 0;
  for (let i = 0; i < m; i++) {
    let best = 0;
    for (let c = 1; c < k; c++) if (probs[i * k + c] > probs[i * k + best]) best = c;
    const y = labels[i];
    const ok = best === y ? 1 : 0;
    correct += ok;
    nll -= Math.log(Math.max(probs[i * k + y], 1e-12));
    for (let c = 0; c < k; c++) brier += (probs[i * k + c] - (c === y ? 1 : 0)) ** 2;
    const p = probs[i * k + best];
    const b = Math.min(RELIABILITY_BINS - 1, Math.floor(p * RELIABILITY_BINS));
    count[b]++;
    conf[b] += p;
    hits[b] += ok;
  }
  let ece = 0;
  for (let b = 0; b < RELIABILITY_BINS; b++) if (count[b] > 0) ece += (count[b] / m) * Math.abs(conf[b] / count[b] - hits[b] / count[b]);
  const mean = (s: number[]) => s.map((v, b) => (count[b] > 0 ? v / count[b] : NaN));
  return {
    accuracy: correct / m,
    nll: nll / m,
    brier: brier / m,
    ece,
    reliability: { count, confidence: mean(conf), accuracy: mean(hits) },
  };
}

/** The predictives in the order the calibration table lists them. */
const METHODS = ['MAP', 'SpaM (point)', 'SpaM + GLM (probit)', 'SpaM + GLM (probit, T tuned)'];

/** Which predictive a row is: the point estimate of MAP / SpaM, or SpaM + GLM. */
function methodOf(r: ResultRow): string {
  if (r.criterion === GLM_CRITERION) return 'SpaM + GLM (probit)';
  if (r.criterion === GLM_TUNED_CRITERION) return 'SpaM + GLM (probit, T tuned)';
  return r.training === 'map' ? 'MAP' : 'SpaM (point)';
}

/** The OPD calibration rows of a data set: unpruned (`none`), `opd` and `opd-glm`, one seed's worth averaged. */
function calibrationRows(rows: readonly ResultRow[]): ResultRow[] {
  return rows.filter(
    (r) =>
      finite(r.ece) !== undefined &&
      (r.criterion === 'none' || r.criterion === 'opd' || r.criterion === GLM_CRITERION || r.criterion === GLM_TUNED_CRITERION),
  );
}

/** Markdown table: per training and predictive, NLL / ECE / Brier (and accuracy) at each OPD sparsity; '' without GLM rows. */
export function calibrationTable(rows: readonly ResultRow[]): string {
  const cal = calibrationRows(rows);
  if (!cal.some((r) => r.criterion === GLM_CRITERION)) return '';
  const keys = new Map<string, ResultRow[]>();
  for (const r of cal) {
    // The unpruned point estimate is the 0 % point of both point-estimate series.
    const k = JSON.stringify([r.training, methodOf(r), r.sparsity]);
    keys.set(k, [...(keys.get(k) ?? []), r]);
  }
  const trainings = orderTrainings(cal.map((r) => r.training));
  const avg = (g: ResultRow[], f: 'nll' | 'ece' | 'brier' | 'accuracy' | 'temperature') => {
    const v = g.map((r) => finite(r[f])).filter((x): x is number => x !== undefined);
    return v.length ? v.reduce((a, b) => a + b, 0) / v.length : undefined;
  };
  const lines = [...keys.values()]
    .map((g) => ({ training: g[0].training, method: methodOf(g[0]), sparsity: g[0].sparsity, g }))
    .sort(
      (a, b) =>
        trainings.indexOf(a.training) - trainings.indexOf(b.training) ||
        METHODS.indexOf(a.method) - METHODS.indexOf(b.method) ||
        a.sparsity - b.sparsity,
    );
  const tuned = cal.some((r) => r.criterion === GLM_TUNED_CRITERION);
  const head = `| training | predictive | sparsity | accuracy | NLL | ECE | Brier |${tuned ? ' T |' : ''}\n|---|---|--:|--:|--:|--:|--:|${tuned ? '--:|' : ''}`;
  const temp = (g: ResultRow[]) => {
    const t = avg(g, 'temperature');
    return !tuned ? '' : t === undefined ? ' – |' : ` ${t.toExponential(1)} |`;
  };
  const body = lines.map(
    (l) =>
      `| ${l.training} | ${l.method} | ${pct(l.sparsity, 0)} | ${pct(avg(l.g, 'accuracy'))} | ${num(avg(l.g, 'nll'))} | ${num(avg(l.g, 'ece'))} | ${num(avg(l.g, 'brier'))} |${temp(l.g)}`,
  );
  return (
    'OPD masks; MAP and SpaM as point estimates (softmax of the pruned network), SpaM + GLM: the linearised Laplace predictive ' +
    'with probit link of the pruned network (pruned weights fixed at zero: no posterior variance), diagonal GGN posterior with the learned prior. ' +
    (tuned
      ? 'SpaM + GLM (T tuned): the same posterior with its covariance scaled by a temperature T (10⁻⁴ … 10) chosen by NLL on the last ' +
        'min(500, N/10) examples of the training split (the trainings used them too; never the test split); T → 0 is the point estimate. ' +
        'With the marglik-learned prior J Σ Jᵀ is wide, so the untuned GLM is underconfident — worse NLL and ECE than the point ' +
        'estimate — wherever the point estimate is already calibrated; not an artefact of the diagonal posterior (on a small MLP the exact ' +
        'GGN posterior with a marglik-tuned prior is wider still). T at the lower end of the grid: the tuning examples support no ' +
        'posterior width beyond the point estimate. '
      : '') +
    'Lower is better for NLL, ECE (10 bins) and Brier.\n\n' +
    [head, ...body].join('\n')
  );
}

/** Whether a data set's rows carry reliability bins (then the report draws the diagram). */
export function hasReliability(rows: readonly ResultRow[]): boolean {
  return rows.some((r) => r.reliability !== undefined);
}

/**
 * Reliability diagram: accuracy vs mean confidence per bin, one panel per predictive (MAP, SpaM,
 * SpaM + GLM; the first training of each kind), one line per sparsity (the unpruned network and
 * the largest OPD sparsity), the diagonal = perfect calibration.
 */
export function reliabilitySpec(dataset: string, rows: readonly ResultRow[]): TopLevelSpec {
  const withBins = rows.filter((r) => r.reliability !== undefined);
  const maxSparsity = Math.max(0, ...withBins.map((r) => r.sparsity));
  const trainings = orderTrainings(withBins.map((r) => r.training));
  const firstSpam = trainings.find((t) => t !== 'map');
  const picked = withBins.filter(
    (r) => (r.training === 'map' || r.training === firstSpam) && (r.sparsity === 0 || r.sparsity === maxSparsity),
  );
  const values = picked.flatMap((r) =>
    r.reliability!.count.flatMap((c, b) =>
      c > 0
        ? [
            {
              panel: `${methodOf(r)}${r.training === 'map' ? '' : ` · ${r.training}`}`,
              sparsity: `${Math.round(r.sparsity * 100)} %`,
              confidence: r.reliability!.confidence[b],
              accuracy: r.reliability!.accuracy[b],
              count: c,
            },
          ]
        : [],
    ),
  );
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: {
      text: `${dataset}: reliability (OPD)`,
      subtitle: [
        'Test accuracy vs confidence, 10 bins; on the diagonal = calibrated.',
        `Unpruned and ${Math.round(maxSparsity * 100)} % sparsity.`,
      ],
    },
    data: { values },
    facet: { column: { field: 'panel', type: 'nominal', title: null } },
    spec: {
      width: 200,
      height: 200,
      layer: [
        {
          mark: { type: 'rule', color: '#999', strokeDash: [4, 4] },
          encoding: {
            x: { datum: 0, type: 'quantitative' },
            y: { datum: 0, type: 'quantitative' },
            x2: { datum: 1 },
            y2: { datum: 1 },
          },
        },
        {
          mark: { type: 'line', point: true },
          encoding: {
            x: { field: 'confidence', type: 'quantitative', title: 'Confidence', scale: { domain: [0, 1] } },
            y: { field: 'accuracy', type: 'quantitative', title: 'Accuracy', scale: { domain: [0, 1] } },
            color: { field: 'sparsity', type: 'nominal', title: 'Sparsity' },
          },
        },
      ],
    },
    config: { font: 'sans-serif', background: 'white', padding: 12, view: { stroke: '#ccc' } },
  };
}
